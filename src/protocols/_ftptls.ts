/**
 * Python's `ftplib.FTP_TLS`: explicit FTPS (RFC 4217) — `AUTH TLS` on the
 * control connection, `PROT P` for the data connections.
 * @module
 */
import { createSecureContext, type ConnectionOptions } from "node:tls";
import { OSError, ValueError } from "../sockets/errors.js";
import { SSLSession, create_default_context, type SSLContext } from "../sockets/ssl.js";
import { FTP, type FTPOptions } from "./_ftpclient.js";
import type { socket } from "../sockets/socket.js";

/** Python's keyword arguments of `FTP_TLS(...)`. */
export interface FTP_TLSOptions extends FTPOptions {
  /**
   * The TLS settings (`stdnet/ssl`). Certificates are verified by default.
   * @default create_default_context()
   */
  context?: SSLContext | null;
  /**
   * The client certificate's private key, when not in `certfile`
   * (deprecated in Python as here: give a `context` with `load_cert_chain`).
   */
  keyfile?: string | null;
  /** The client certificate (PEM, with its key unless `keyfile` is given) to present to the server; deprecated as `keyfile`. */
  certfile?: string | null;
}

/**
 * Python's `ftplib.FTP_TLS`: an FTP session secured with TLS. `login()`
 * secures the control connection first (`AUTH TLS`); `prot_p()` secures the
 * data connections. The server's certificate is verified against `context`.
 *
 * @example
 * ```ts
 * const ctx = create_default_context();
 * ctx.load_verify_locations("ca.pem");
 * await using ftps = await FTP_TLS.open("127.0.0.1", "user", "secret", "", { context: ctx });
 * await ftps.prot_p();
 * console.log(await ftps.nlst());
 * ```
 */
export class FTP_TLS extends FTP {
  /** The TLS context of both connections. */
  context: SSLContext;
  /** The `keyfile` option, as given. */
  keyfile: string | null;
  /** The `certfile` option, as given. */
  certfile: string | null;
  #protP = false;
  /** The data connections' TLS options, built once per context and host (node parses the CA list per context). */
  #dataOptions: { context: SSLContext; host: string; options: ConnectionOptions } | undefined;

  /**
   * Makes a session; given `host` it connects (and, given `user`, secures the
   * control connection and logs in) in the background, as Python's.
   *
   * @example
   * ```ts
   * const ftps = new FTP_TLS("127.0.0.1", "", "", "", { context: ctx });
   * ```
   */
  constructor(host = "", user = "", passwd = "", acct = "", options: FTP_TLSOptions = {}) {
    const { context = null, keyfile = null, certfile = null } = options;
    if (context !== null && keyfile !== null) throw new ValueError("context and keyfile arguments are mutually exclusive");
    if (context !== null && certfile !== null) throw new ValueError("context and certfile arguments are mutually exclusive");
    if (keyfile !== null || certfile !== null) {
      process.emitWarning("keyfile and certfile are deprecated, use a custom context instead", "DeprecationWarning");
    }
    if (keyfile !== null && certfile === null) throw new ValueError("certfile must be specified");
    // made before super() starts connecting: a certificate that cannot be read connects nowhere
    const ctx = context ?? create_default_context();
    if (certfile !== null) ctx.load_cert_chain(certfile, keyfile);
    super(host, user, passwd, acct, options);
    this.keyfile = keyfile;
    this.certfile = certfile;
    this.context = ctx;
  }

  /**
   * Connects, secures and logs in; resolves to the session.
   *
   * @example
   * ```ts
   * await using ftps = await FTP_TLS.open("127.0.0.1", "anonymous", "", "", { context: ctx });
   * ```
   */
  static override async open(host: string, user = "", passwd = "", acct = "", options: FTP_TLSOptions = {}): Promise<FTP_TLS> {
    const ftps = new FTP_TLS(host, user, passwd, acct, options);
    await ftps._ready();
    return ftps;
  }

  /**
   * Logs in, first securing the control connection unless `secure` is false.
   *
   * @example
   * ```ts
   * await ftps.login("user", "secret"); // AUTH TLS, USER, PASS
   * ```
   */
  override async login(user = "", passwd = "", acct = "", secure = true): Promise<string> {
    return this._exclusive("login", () => this.#loginSecurely(user, passwd, acct, secure));
  }

  protected override async _login(user: string, passwd: string, acct: string): Promise<string> {
    return this.#loginSecurely(user, passwd, acct, true);
  }

  async #loginSecurely(user: string, passwd: string, acct: string, secure: boolean): Promise<string> {
    if (secure && !this._engine.secure) await this.#auth();
    return super._login(user, passwd, acct);
  }

  /**
   * Secures the control connection (`AUTH TLS`); `ValueError` if it already is.
   *
   * @example
   * ```ts
   * await ftps.auth(); // "234 …"
   * ```
   */
  async auth(): Promise<string> {
    return this._exclusive("auth", () => this.#auth());
  }

  async #auth(): Promise<string> {
    const engine = this._engine;
    if (engine.secure) throw new ValueError("Already using TLS");
    const resp = await this._voidcmd("AUTH TLS");
    await engine.upgradeToTLS(this.context.tlsClientOptions(this.host));
    return resp;
  }

  /**
   * Asks to return the control connection to clear text (`CCC`). node cannot
   * take TLS off a connection, so when the server agrees the session is
   * closed and `OSError` raised; a refusal rejects with `error_perm` as Python's.
   *
   * @example
   * ```ts
   * await ftps.ccc(); // error_perm "502 …" from most servers
   * ```
   */
  async ccc(): Promise<string> {
    return this._exclusive("ccc", async () => {
      if (!this._engine.secure) throw new ValueError("not using TLS");
      const resp = await this._voidcmd("CCC");
      this.close();
      throw new OSError(`Cannot return to clear text after '${resp}': node:tls cannot unwrap a connection; the session is closed`);
    });
  }

  /**
   * Secures the data connections (`PBSZ 0`, `PROT P`).
   *
   * @example
   * ```ts
   * await ftps.prot_p(); // "200 …"
   * ```
   */
  async prot_p(): Promise<string> {
    return this._exclusive("prot_p", async () => {
      await this._voidcmd("PBSZ 0");
      const resp = await this._voidcmd("PROT P");
      this.#protP = true;
      return resp;
    });
  }

  /**
   * Returns the data connections to clear text (`PROT C`).
   *
   * @example
   * ```ts
   * await ftps.prot_c();
   * ```
   */
  async prot_c(): Promise<string> {
    return this._exclusive("prot_c", async () => {
      const resp = await this._voidcmd("PROT C");
      this.#protP = false;
      return resp;
    });
  }

  protected override _wrapData(conn: socket): Promise<socket> {
    if (!this.#protP) return Promise.resolve(conn);
    // resuming the control connection's session, as Python's FTP_TLS does and servers may require
    const data = this._engine.tlsSession;
    return this.context.wrap_socket(conn, { server_hostname: this.host, session: data === undefined ? null : new SSLSession(data) });
  }

  protected override _dataTLS(): ConnectionOptions | null {
    if (!this.#protP) return null;
    const cached = this.#dataOptions;
    if (cached !== undefined && cached.context === this.context && cached.host === this.host) return cached.options;
    const options = this.context.tlsClientOptions(this.host);
    const withContext: ConnectionOptions = { ...options, secureContext: createSecureContext(options) };
    this.#dataOptions = { context: this.context, host: this.host, options: withContext };
    return withContext;
  }
}
