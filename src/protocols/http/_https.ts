/**
 * Python's `HTTPSConnection`: `HTTPConnection` with a `stdnet/ssl` context.
 * @module
 */
import type { ConnectionOptions } from "node:tls";
import { create_default_context, type SSLContext } from "../../sockets/ssl.js";
import { HTTPConnection, HTTPS_PORT, type HTTPConnectionOptions } from "./_connection.js";

/** Python's keyword arguments of `HTTPSConnection`. */
export interface HTTPSConnectionOptions extends HTTPConnectionOptions {
  /** The `stdnet/ssl` context; `create_default_context()` (verifying) when omitted. */
  context?: SSLContext | null;
}


/**
 * Python's `HTTPSConnection`: `HTTPConnection` over TLS with a `stdnet/ssl`
 * context; certificates and host names are verified by default.
 *
 * @example
 * ```ts
 * const conn = new HTTPSConnection("example.org", undefined, { context: create_default_context(), timeout: 10 });
 * await conn.request("GET", "/");
 * console.log((await conn.getresponse()).status);
 * ```
 */
export class HTTPSConnection extends HTTPConnection {
  static override readonly default_port: number = HTTPS_PORT;
  /** The TLS context in use. */
  readonly _context: SSLContext;

  constructor(host: string, port?: number | null, options: HTTPSConnectionOptions = {}) {
    super(host, port, options);
    this._context = options.context ?? create_default_context();
  }

  protected override _engineTLS(): { tls?: ConnectionOptions } {
    // Through a tunnel, TLS is with the tunnelled host, as Python's server_hostname.
    return { tls: this._context.tlsClientOptions(this._tunnel_host ?? this.host) };
  }
}
