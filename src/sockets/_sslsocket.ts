/**
 * Python's `ssl.SSLSocket`: a socket whose bytes go through TLS (node:tls),
 * made by `SSLContext.wrap_socket`. On a connected socket the handshake runs
 * at once; a listening one hands out TLS connections from `accept`; a fresh
 * one does the handshake in `connect`.
 * @module
 */
import * as tls from "node:tls";
import type { Socket as NetSocket } from "node:net";
import { OSError, ValueError, errno } from "./errors.js";
import { socket, type Address, type AddressInput } from "./socket.js";
import { StreamConnection } from "./_stream.js";
import { sslErrorFromNode } from "./_sslerrors.js";
import { waitFor } from "./_wait.js";
import type { SSLContext } from "./_sslcontext.js";
import { SSLSession } from "./_sslsession.js";

/** The options of `wrap_socket`, as Python's keyword arguments. */
export interface WrapSocketOptions {
  /** Act as the TLS server. @default false */
  server_side?: boolean;
  /** The server's name: sent as SNI and checked against its certificate. */
  server_hostname?: string | null;
  /** Handshake at once on a connected socket (the only way here). @default true */
  do_handshake_on_connect?: boolean;
  /** A session of an earlier connection to resume (client side only). */
  session?: SSLSession | null;
}

/** Python's `getpeercert()` dictionary. */
export interface PeerCertificate {
  subject?: (readonly (readonly [string, string])[])[];
  issuer?: (readonly (readonly [string, string])[])[];
  version?: number;
  serialNumber?: string;
  notBefore?: string;
  notAfter?: string;
  subjectAltName?: (readonly [string, string])[];
}

const NAME_KEYS: Readonly<Record<string, string>> = {
  CN: "commonName",
  O: "organizationName",
  OU: "organizationalUnitName",
  C: "countryName",
  ST: "stateOrProvinceName",
  L: "localityName",
  emailAddress: "emailAddress",
  DC: "domainComponent",
};

function pythonName(name: Record<string, string | string[]> | undefined): (readonly (readonly [string, string])[])[] {
  if (name === undefined) return [];
  const rdns: (readonly (readonly [string, string])[])[] = [];
  for (const [key, value] of Object.entries(name)) {
    for (const v of Array.isArray(value) ? value : [value]) rdns.push([[NAME_KEYS[key] ?? key, v]]);
  }
  return rdns;
}

/** Waits for a TLS handshake; rejects with Python's SSL error, or TimeoutError. */
function handshake(tlsSock: tls.TLSSocket, event: "secureConnect" | "secure", timeoutSec: number | null, hostname: string | undefined): Promise<void> {
  return waitFor<undefined>(
    timeoutSec === 0 ? null : timeoutSec,
    (settle) => {
      const onDone = (): void => settle.resolve(undefined);
      const onError = (e: Error): void => settle.reject(sslErrorFromNode(e, hostname));
      const onClose = (): void => settle.reject(sslErrorFromNode(Object.assign(new Error("socket closed before secure TLS connection was established"), { code: "ECONNRESET" })));
      tlsSock.once(event, onDone);
      tlsSock.once("error", onError);
      tlsSock.once("close", onClose);
      tlsSock.once("end", onClose);
      return () => {
        tlsSock.off(event, onDone);
        tlsSock.off("error", onError);
        tlsSock.off("close", onClose);
        tlsSock.off("end", onClose);
      };
    },
    () => tlsSock.destroy(),
  );
}

/**
 * Python's `ssl.SSLSocket`: the socket API over TLS, plus `version()`,
 * `cipher()`, `getpeercert()`, `selected_alpn_protocol()`.
 *
 * @example
 * ```ts
 * const s = await ctx.wrap_socket(await create_connection(["localhost", 8443]), { server_hostname: "localhost" });
 * console.log(s.version(), s.getpeercert().subject);
 * ```
 */
export class SSLSocket extends socket {
  /** The context it was made with. */
  readonly context: SSLContext;
  /** Whether it is the server side. */
  readonly server_side: boolean;
  /** The host name it checks the server's certificate against. */
  readonly server_hostname: string | null;
  #inner: socket | null = null;
  #tls: tls.TLSSocket | null = null;
  /** The session to resume, then the latest one the server sent. */
  #session: Buffer | null = null;

  /** @internal Made by `SSLContext.wrap_socket`. */
  constructor(context: SSLContext, family: number, server_side: boolean, server_hostname: string | null) {
    super(family);
    this.context = context;
    this.server_side = server_side;
    this.server_hostname = server_hostname;
  }

  /** @internal Wraps `sock` as `context.wrap_socket` does. */
  static async _wrap(context: SSLContext, sock: socket, options: WrapSocketOptions): Promise<SSLSocket> {
    const serverSide = options.server_side ?? false;
    const hostname = options.server_hostname ?? null;
    if (serverSide && hostname !== null) throw new ValueError("server_hostname can only be specified in client mode");
    const session = options.session ?? null;
    if (serverSide && session !== null) throw new ValueError("session can only be specified in client mode");
    // Check the context fits the side now, as Python does at wrap time.
    if (serverSide) context.tlsServerOptions();
    else context.tlsClientOptions(hostname);
    const ssl = new SSLSocket(context, sock.family, serverSide, hostname);
    ssl.#session = session?._data ?? null;
    ssl.settimeout(sock.gettimeout());
    let connected = true;
    try {
      sock.getpeername();
    } catch {
      connected = false;
    }
    if (!connected || sock._listening) {
      ssl.#inner = sock;
      return ssl;
    }
    await ssl.#upgrade(sock._detachConnection().detach());
    return ssl;
  }

  async #upgrade(raw: NetSocket): Promise<void> {
    const hostname = this.server_hostname ?? undefined;
    let tlsSock: tls.TLSSocket;
    if (this.server_side) {
      const options = this.context.tlsServerOptions();
      tlsSock = new tls.TLSSocket(raw, {
        isServer: true,
        secureContext: tls.createSecureContext(options),
        requestCert: options.requestCert ?? false,
        rejectUnauthorized: options.rejectUnauthorized ?? false,
        ALPNProtocols: options.ALPNProtocols as string[] | undefined,
      });
    } else {
      tlsSock = tls.connect({ ...this.context.tlsClientOptions(this.server_hostname), socket: raw, session: this.#session ?? undefined });
      tlsSock.on("session", (session: Buffer) => {
        this.#session = session;
      });
    }
    tlsSock.on("error", () => undefined);
    try {
      await handshake(tlsSock, this.server_side ? "secure" : "secureConnect", this.gettimeout(), hostname);
    } catch (e) {
      tlsSock.destroy();
      throw e;
    }
    this.#tls = tlsSock;
    this._replaceConnection(new StreamConnection(tlsSock, (e) => sslErrorFromNode(e, hostname)));
  }

  /** Connects, then does the TLS handshake. */
  override async connect(address: AddressInput): Promise<void> {
    const inner = this.#inner;
    if (inner === null) throw new OSError(errno.EISCONN);
    inner.settimeout(this.gettimeout());
    await inner.connect(address);
    this.#inner = null;
    await this.#upgrade(inner._detachConnection().detach());
  }

  /** Accepts a connection and does the server side of the handshake. */
  override async accept(): Promise<[conn: socket, address: Address]> {
    const inner = this.#inner;
    if (inner === null) throw new OSError(errno.EINVAL);
    inner.settimeout(this.gettimeout());
    const [conn, address] = await inner.accept();
    try {
      return [await SSLSocket._wrap(this.context, conn, { server_side: true }), address];
    } catch (e) {
      conn.close();
      throw e;
    }
  }

  override bind(address: AddressInput): Promise<void> {
    return this.#inner !== null ? this.#inner.bind(address) : super.bind(address);
  }

  override async listen(backlog?: number): Promise<void> {
    if (this.#inner !== null) await this.#inner.listen(backlog);
    else await super.listen(backlog);
  }

  override getsockname(): Address {
    return this.#inner !== null ? this.#inner.getsockname() : super.getsockname();
  }

  override close(): void {
    this.#inner?.close();
    super.close();
  }

  #requireTls(): tls.TLSSocket {
    if (this.#tls === null) throw new OSError(errno.ENOTCONN);
    return this.#tls;
  }

  /**
   * The TLS session to resume on a later connection (`wrap_socket(…,
   * { session })`), or `null` before the handshake and on the server side.
   * TLS 1.3 servers send it after the handshake, with their first data.
   *
   * @example
   * ```ts
   * const again = await ctx.wrap_socket(tcp2, { server_hostname: "localhost", session: first.session });
   * ```
   */
  get session(): SSLSession | null {
    const t = this.#tls;
    if (t === null || this.server_side) return null;
    const data = this.#session ?? t.getSession() ?? null;
    return data === null ? null : new SSLSession(data);
  }

  /**
   * Whether the handshake resumed the session it was given.
   *
   * @example
   * ```ts
   * again.session_reused; // true
   * ```
   */
  get session_reused(): boolean {
    return this.#tls?.isSessionReused() ?? false;
  }

  /**
   * The TLS version in use: `"TLSv1.3"`, `"TLSv1.2"`, … (null before the handshake).
   *
   * @example
   * ```ts
   * s.version(); // "TLSv1.3"
   * ```
   */
  version(): string | null {
    return this.#tls?.getProtocol() ?? null;
  }

  /**
   * `[name, protocol, secret_bits]` of the cipher in use.
   *
   * @example
   * ```ts
   * s.cipher(); // ["TLS_AES_256_GCM_SHA384", "TLSv1.3", 256]
   * ```
   */
  cipher(): [name: string, protocol: string, secret_bits: number] | null {
    if (this.#tls === null) return null;
    const c = this.#tls.getCipher();
    const bits = /256/.test(c.name) ? 256 : /CHACHA20/.test(c.name) ? 256 : 128;
    return [c.standardName, c.version, bits];
  }

  /**
   * The ALPN protocol agreed on, or null.
   *
   * @example
   * ```ts
   * s.selected_alpn_protocol(); // "http/1.1"
   * ```
   */
  selected_alpn_protocol(): string | null {
    const p = this.#tls?.alpnProtocol;
    return typeof p === "string" ? p : null;
  }

  /**
   * The peer's certificate as Python's dictionary (empty when it was not
   * verified), or its DER bytes with `binary_form`.
   *
   * @example
   * ```ts
   * s.getpeercert().subject; // [[["commonName", "localhost"]]]
   * ```
   */
  getpeercert(binary_form?: false): PeerCertificate | null;
  getpeercert(binary_form: true): Buffer | null;
  getpeercert(binary_form = false): PeerCertificate | Buffer | null {
    const t = this.#requireTls();
    const cert = t.getPeerCertificate();
    if (Object.keys(cert).length === 0) return null;
    if (binary_form) return cert.raw;
    if (!t.authorized) return {};
    const out: PeerCertificate = {
      subject: pythonName(cert.subject as unknown as Record<string, string | string[]>),
      issuer: pythonName(cert.issuer as unknown as Record<string, string | string[]>),
      version: 3,
      serialNumber: cert.serialNumber,
      notBefore: cert.valid_from,
      notAfter: cert.valid_to,
    };
    if (cert.subjectaltname) {
      out.subjectAltName = cert.subjectaltname.split(", ").map((entry) => {
        const at = entry.indexOf(":");
        return [entry.slice(0, at), entry.slice(at + 1)] as const;
      });
    }
    return out;
  }
}
