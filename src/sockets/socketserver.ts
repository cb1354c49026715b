/**
 * `stdnet/socketserver` — Python's `socketserver` module on Node.js: a
 * framework for network servers. A server class (how requests arrive) is
 * combined with a request handler class (what is done with each).
 *
 * ```
 *         +------------+
 *         | BaseServer |
 *         +------------+
 *               |
 *               v
 *         +-----------+        +------------------+
 *         | TCPServer |------->| UnixStreamServer |
 *         +-----------+        +------------------+
 *               |
 *               v
 *         +-----------+        +--------------------+
 *         | UDPServer |------->| UnixDatagramServer |   (not on node: throws)
 *         +-----------+        +--------------------+
 *
 *   ThreadingMixIn(TCPServer) = ThreadingTCPServer, … UDP, UnixStream, UnixDatagram
 *   BaseRequestHandler ──► StreamRequestHandler (rfile/wfile over the connection)
 *                     └──► DatagramRequestHandler (rfile/wfile over the datagram)
 * ```
 *
 * @example
 * ```ts
 * import { ThreadingTCPServer, StreamRequestHandler } from "stdnet/socketserver";
 * class Echo extends StreamRequestHandler {
 *   override async handle() { for await (const line of this.rfile) await this.wfile.write(line); }
 * }
 * await using server = await ThreadingTCPServer.create(["127.0.0.1", 9999], Echo);
 * await server.serve_forever();
 * ```
 *
 * Differences from Python:
 * - Binding awaits, so Python's `TCPServer(address, Handler)` is
 *   `await TCPServer.create(address, Handler)`; `new TCPServer(address, Handler)`
 *   is Python's `bind_and_activate=False` (then `await server.server_bind()`
 *   and `await server.server_activate()`). `server_address` holds the real
 *   port after `server_activate()` (node binds a TCP socket when it listens).
 * - Handlers are classes with `async handle()` (and `setup`, `finish`); the
 *   server makes one per request and awaits `setup_handle_finish()`, which
 *   Python's handler constructor does itself.
 * - Every call that waits returns a Promise: `serve_forever`, `handle_request`,
 *   `shutdown` (resolves when `serve_forever` has stopped; it never blocks
 *   when no loop runs), `server_close` (a threading server waits for its
 *   request tasks), the overridable hooks (`verify_request` may return a
 *   boolean or a Promise). `rfile`/`wfile` calls return Promises.
 * - Node has one thread: `ThreadingMixIn` runs each request as its own async
 *   task; `ThreadingMixIn(Base)` is a function (`class S extends
 *   ThreadingMixIn(TCPServer) {}`). There is no `ForkingMixIn`.
 * - `shutdown()` wakes `serve_forever` at once instead of at the next poll;
 *   `server_close()` also ends a running `serve_forever`.
 * - `handle_error(request, client_address, error)` gets the exception as a
 *   third argument (no `sys.exc_info()` here); the default prints Python's
 *   report with the JavaScript stack laid out as a Python traceback.
 * - `UnixDatagramServer` cannot exist on node (no Unix datagram sockets):
 *   making one throws `OSError` (EPROTONOSUPPORT) saying so.
 * - `allow_reuse_port` is recorded but node 20 cannot apply it; node's TCP
 *   listeners always reuse addresses left in TIME_WAIT.
 * - `DatagramRequestHandler`'s files are `BytesIO` with Promise-returning
 *   calls, so one handler's code can serve streams and datagrams alike.
 * @module
 */
export { BaseServer, type RequestHandlerClass } from "./_socketserver_base.js";
export { TCPServer, UDPServer, UnixStreamServer, UnixDatagramServer, type DatagramRequest } from "./_socketserver_servers.js";
export {
  ThreadingMixIn,
  ThreadingTCPServer,
  ThreadingUDPServer,
  ThreadingUnixStreamServer,
  ThreadingUnixDatagramServer,
  type ThreadingMixInServer,
  type ServerClass,
  type ThreadingMixInBase,
} from "./_socketserver_threading.js";
export { BaseRequestHandler, StreamRequestHandler, DatagramRequestHandler } from "./_socketserver_handlers.js";
export { BytesIO } from "./_socketserver_bytesio.js";
