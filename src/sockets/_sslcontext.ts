/**
 * Python's `ssl.SSLContext`: certificates, verification settings and the
 * node:tls options they come to.
 * @module
 */
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import * as tls from "node:tls";
import { ValueError, fromNodeError } from "./errors.js";
import { SSLError } from "./_sslerrors.js";
import { SSLSocket, type WrapSocketOptions } from "./_sslsocket.js";
import type { socket } from "./socket.js";

/** Python's `ssl.PROTOCOL_TLS` (deprecated there; a client or server context). */
export const PROTOCOL_TLS = 2;
/** Python's `ssl.PROTOCOL_TLS_CLIENT`: verifies the server and its host name by default. */
export const PROTOCOL_TLS_CLIENT = 16;
/** Python's `ssl.PROTOCOL_TLS_SERVER`. */
export const PROTOCOL_TLS_SERVER = 17;

/** Python's `ssl.CERT_NONE`: the peer's certificate is not asked for or not checked. */
export const CERT_NONE = 0;
/** Python's `ssl.CERT_OPTIONAL`: checked when the peer sends one. */
export const CERT_OPTIONAL = 1;
/** Python's `ssl.CERT_REQUIRED`: required and checked. */
export const CERT_REQUIRED = 2;

/** Python's `ssl.Purpose` for `create_default_context`. */
export const Purpose = Object.freeze({
  /** A client context, which authenticates servers. */
  SERVER_AUTH: "SERVER_AUTH",
  /** A server context, which may authenticate clients. */
  CLIENT_AUTH: "CLIENT_AUTH",
} as const);

/** Python's `ssl.TLSVersion`, as the strings node:tls takes. */
export const TLSVersion = Object.freeze({
  TLSv1: "TLSv1",
  TLSv1_1: "TLSv1.1",
  TLSv1_2: "TLSv1.2",
  TLSv1_3: "TLSv1.3",
} as const);

/** One of `TLSVersion`'s values. */
export type TLSVersionValue = (typeof TLSVersion)[keyof typeof TLSVersion];

function readPem(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    throw fromNodeError(e);
  }
}

/**
 * Python's `ssl.SSLContext`. A `PROTOCOL_TLS_CLIENT` context verifies the
 * server's certificate and host name, as Python's does; make one with
 * `create_default_context()` to trust the system's CAs.
 *
 * @example
 * ```ts
 * import { SSLContext, PROTOCOL_TLS_SERVER } from "stdnet/ssl";
 * const ctx = new SSLContext(PROTOCOL_TLS_SERVER);
 * ctx.load_cert_chain("cert.pem", "key.pem");
 * ```
 */
export class SSLContext {
  /** The protocol the context was made with. */
  readonly protocol: number;
  #checkHostname: boolean;
  #verifyMode: number;
  #cas: (string | Buffer)[] = [];
  #useDefaultCas = false;
  #cert: Buffer | undefined;
  #key: Buffer | undefined;
  #passphrase: string | undefined;
  #ciphers: string | undefined;
  #alpn: string[] | undefined;
  /** The lowest TLS version allowed, Python's `minimum_version`. */
  minimum_version: TLSVersionValue = TLSVersion.TLSv1_2;
  /** The highest TLS version allowed, Python's `maximum_version`. */
  maximum_version: TLSVersionValue = TLSVersion.TLSv1_3;

  constructor(protocol: number = PROTOCOL_TLS) {
    if (protocol !== PROTOCOL_TLS && protocol !== PROTOCOL_TLS_CLIENT && protocol !== PROTOCOL_TLS_SERVER) {
      throw new ValueError(`invalid or unsupported protocol version ${protocol}`);
    }
    this.protocol = protocol;
    const client = protocol === PROTOCOL_TLS_CLIENT;
    this.#checkHostname = client;
    this.#verifyMode = client ? CERT_REQUIRED : CERT_NONE;
  }

  /** Whether the server's host name must match its certificate (Python's `check_hostname`). */
  get check_hostname(): boolean {
    return this.#checkHostname;
  }
  set check_hostname(value: boolean) {
    if (value && this.#verifyMode === CERT_NONE) this.#verifyMode = CERT_REQUIRED;
    this.#checkHostname = value;
  }

  /** `CERT_NONE`, `CERT_OPTIONAL` or `CERT_REQUIRED` (Python's `verify_mode`). */
  get verify_mode(): number {
    return this.#verifyMode;
  }
  set verify_mode(value: number) {
    if (value !== CERT_NONE && value !== CERT_OPTIONAL && value !== CERT_REQUIRED) {
      throw new ValueError("invalid value for verify_mode");
    }
    if (value === CERT_NONE && this.#checkHostname) {
      throw new ValueError("Cannot set verify_mode to CERT_NONE when check_hostname is enabled.");
    }
    this.#verifyMode = value;
  }

  /**
   * Loads this side's certificate chain and private key (PEM files), as Python's.
   *
   * @example
   * ```ts
   * ctx.load_cert_chain("server.pem"); // certificate and key in one file
   * ```
   */
  load_cert_chain(certfile: string, keyfile?: string | null, password?: string | null): void {
    const cert = readPem(certfile);
    const key = keyfile != null ? readPem(keyfile) : cert;
    try {
      tls.createSecureContext({ cert, key, passphrase: password ?? undefined });
    } catch (e) {
      const err = new SSLError(9, `[SSL] PEM lib: ${(e as Error).message}`, { cause: e });
      err.library = "SSL";
      err.reason = "PEM_LIB";
      throw err;
    }
    this.#cert = cert;
    this.#key = key;
    this.#passphrase = password ?? undefined;
  }

  /**
   * Adds CA certificates to trust, from a PEM file, a directory of them, or PEM text.
   *
   * @example
   * ```ts
   * ctx.load_verify_locations("ca.pem");
   * ctx.load_verify_locations(undefined, undefined, pemText);
   * ```
   */
  load_verify_locations(cafile?: string | null, capath?: string | null, cadata?: string | Uint8Array | null): void {
    if (cafile == null && capath == null && cadata == null) {
      throw new TypeError("cafile, capath and cadata cannot be all omitted");
    }
    if (cafile != null) this.#cas.push(readPem(cafile));
    if (capath != null) {
      let names: string[];
      try {
        names = readdirSync(capath);
      } catch (e) {
        throw fromNodeError(e);
      }
      for (const name of names) {
        if (/\.(pem|crt|\d+)$/.test(name)) this.#cas.push(readPem(join(capath, name)));
      }
    }
    if (cadata != null) this.#cas.push(typeof cadata === "string" ? cadata : Buffer.from(cadata));
  }

  /**
   * Trusts the system's default CA certificates (node's bundled roots).
   *
   * @example
   * ```ts
   * const ctx = new SSLContext(PROTOCOL_TLS_CLIENT);
   * ctx.load_default_certs();
   * ```
   */
  load_default_certs(_purpose: string = Purpose.SERVER_AUTH): void {
    this.#useDefaultCas = true;
  }

  /**
   * Sets the cipher list, in OpenSSL's syntax.
   *
   * @example
   * ```ts
   * ctx.set_ciphers("ECDHE+AESGCM");
   * ```
   */
  set_ciphers(ciphers: string): void {
    this.#ciphers = ciphers;
  }

  /**
   * Sets the ALPN protocols to offer, most preferred first.
   *
   * @example
   * ```ts
   * ctx.set_alpn_protocols(["http/1.1"]);
   * ```
   */
  set_alpn_protocols(protocols: readonly string[]): void {
    this.#alpn = [...protocols];
  }

  /**
   * Wraps a socket in TLS, as Python's `wrap_socket`: a connected socket
   * does the handshake now (so this awaits, and rejects with
   * `SSLCertVerificationError` for a certificate that fails); a listening
   * one gives TLS connections from `accept`; a fresh one handshakes in `connect`.
   *
   * @example
   * ```ts
   * const tcp = await create_connection(["localhost", 8443]);
   * const s = await ctx.wrap_socket(tcp, { server_hostname: "localhost" });
   * ```
   */
  wrap_socket(sock: socket, options: WrapSocketOptions = {}): Promise<SSLSocket> {
    return SSLSocket._wrap(this, sock, options);
  }

  #caOption(): (string | Buffer)[] | undefined {
    if (this.#cas.length === 0) return this.#useDefaultCas ? undefined : [];
    return this.#useDefaultCas ? [...tls.rootCertificates, ...this.#cas] : [...this.#cas];
  }

  #common(): tls.SecureContextOptions {
    const options: tls.SecureContextOptions = {
      minVersion: this.minimum_version,
      maxVersion: this.maximum_version,
    };
    const ca = this.#caOption();
    if (ca !== undefined && ca.length > 0) options.ca = ca;
    if (this.#cert !== undefined) {
      options.cert = this.#cert;
      options.key = this.#key;
      if (this.#passphrase !== undefined) options.passphrase = this.#passphrase;
    }
    if (this.#ciphers !== undefined) options.ciphers = this.#ciphers;
    return options;
  }

  /**
   * The node:tls options of a client connection under this context: what a
   * protocol adapter hands its engine (basic-ftp, nodemailer, undici).
   * Verification follows `verify_mode` and `check_hostname`, nothing else.
   *
   * @example
   * ```ts
   * const options = ctx.tlsClientOptions("example.org");
   * tls.connect({ ...options, host: "example.org", port: 443 });
   * ```
   */
  tlsClientOptions(server_hostname?: string | null): tls.ConnectionOptions {
    if (this.protocol === PROTOCOL_TLS_SERVER) {
      throw new SSLError("Cannot create a client socket with a PROTOCOL_TLS_SERVER context");
    }
    if (this.#checkHostname && (server_hostname == null || server_hostname === "")) {
      throw new ValueError("check_hostname requires server_hostname");
    }
    const options: tls.ConnectionOptions = {
      ...this.#common(),
      rejectUnauthorized: this.#verifyMode !== CERT_NONE,
    };
    if (this.#verifyMode !== CERT_NONE && this.#cas.length === 0 && !this.#useDefaultCas) {
      // Python's client context with no CA loaded trusts nothing.
      options.ca = [];
    }
    if (server_hostname != null && server_hostname !== "" && !tlsIsIP(server_hostname)) {
      options.servername = server_hostname;
    }
    if (!this.#checkHostname) options.checkServerIdentity = () => undefined;
    if (this.#alpn !== undefined) options.ALPNProtocols = this.#alpn;
    return options;
  }

  /**
   * The node:tls options of the server side under this context.
   *
   * @example
   * ```ts
   * const server = tls.createServer(ctx.tlsServerOptions());
   * ```
   */
  tlsServerOptions(): tls.TlsOptions {
    if (this.protocol === PROTOCOL_TLS_CLIENT) {
      throw new SSLError("Cannot create a server socket with a PROTOCOL_TLS_CLIENT context");
    }
    if (this.#cert === undefined) {
      throw new SSLError("certificate required for a server-side socket: call load_cert_chain() first");
    }
    const options: tls.TlsOptions = {
      ...this.#common(),
      requestCert: this.#verifyMode !== CERT_NONE,
      rejectUnauthorized: this.#verifyMode === CERT_REQUIRED,
    };
    if (this.#alpn !== undefined) options.ALPNProtocols = this.#alpn;
    return options;
  }
}

function tlsIsIP(host: string): boolean {
  return /^[\d.]+$/.test(host) || host.includes(":");
}

/** Options of `create_default_context`, as Python's keyword arguments. */
export interface DefaultContextOptions {
  /** A PEM file of CAs to trust besides the defaults. */
  cafile?: string | null;
  /** A directory of PEM files of CAs to trust. */
  capath?: string | null;
  /** PEM text of CAs to trust. */
  cadata?: string | Uint8Array | null;
}

/**
 * Python's `ssl.create_default_context()`: for `Purpose.SERVER_AUTH` (the
 * default) a client context that trusts the system's CAs and checks the
 * server's certificate and host name.
 *
 * @example
 * ```ts
 * import { create_default_context } from "stdnet/ssl";
 * const ctx = create_default_context();           // verify against the system's CAs
 * const own = create_default_context(undefined, { cafile: "ca.pem" }); // only a CA of your own
 * ```
 */
export function create_default_context(
  purpose: string = Purpose.SERVER_AUTH,
  options: DefaultContextOptions = {},
): SSLContext {
  const ctx = new SSLContext(purpose === Purpose.SERVER_AUTH ? PROTOCOL_TLS_CLIENT : PROTOCOL_TLS_SERVER);
  if (options.cafile != null || options.capath != null || options.cadata != null) {
    ctx.load_verify_locations(options.cafile, options.capath, options.cadata);
  } else {
    ctx.load_default_certs(purpose);
  }
  return ctx;
}
