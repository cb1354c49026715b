/**
 * Python's `ssl.SSLSession`: the TLS session a client connection got, to
 * resume on a later connection to the same server.
 * @module
 */

/**
 * A TLS session, as Python's `SSLSocket.session` gives and `wrap_socket(…,
 * { session })` takes. Opaque here: node keeps it serialised, so Python's
 * `id`, `time` and `timeout` attributes are not read out of it.
 *
 * @example
 * ```ts
 * const first = await ctx.wrap_socket(await create_connection(addr), { server_hostname: "localhost" });
 * await first.recv(1);                   // TLS 1.3 sends its session after the handshake
 * const second = await ctx.wrap_socket(await create_connection(addr), { server_hostname: "localhost", session: first.session });
 * second.session_reused;                 // true
 * ```
 */
export class SSLSession {
  /** @internal node's serialised session. */
  readonly _data: Buffer;

  /** @internal Made by `SSLSocket.session`. */
  constructor(data: Buffer) {
    this._data = data;
  }
}
