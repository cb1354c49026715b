/**
 * The request handlers of `socketserver`: `BaseRequestHandler` (setup,
 * handle, finish), `StreamRequestHandler` (`rfile`/`wfile` over the
 * connection) and `DatagramRequestHandler` (`rfile` over the datagram,
 * `wfile` sent back when the handler finishes).
 * @module
 */
import { IPPROTO_TCP, TCP_NODELAY } from "./constants.js";
import { OSError } from "./errors.js";
import type { SocketFile } from "./makefile.js";
import type { socket } from "./socket.js";
import type { Address } from "./_address.js";
import type { BaseServer } from "./_socketserver_base.js";
import { BytesIO } from "./_socketserver_bytesio.js";
import type { DatagramRequest } from "./_socketserver_servers.js";

/**
 * Python's `socketserver.BaseRequestHandler`: one is made for each request,
 * with `request`, `client_address` and `server`; the server then awaits
 * `setup()`, `handle()` and (always) `finish()`. Override `handle`.
 * `S` types `this.server` for handlers that use their server's own fields.
 *
 * @example
 * ```ts
 * class Echo extends BaseRequestHandler<socket> {
 *   override async handle() {
 *     for (let data = await this.request.recv(1024); data.length > 0; data = await this.request.recv(1024)) {
 *       await this.request.sendall(data);
 *     }
 *   }
 * }
 * ```
 */
export class BaseRequestHandler<R = unknown, S = BaseServer<R>> {
  /** The request: a connected `socket` (stream servers) or `[data, socket]` (datagram servers). */
  request: R;
  /** The client's address: `[host, port]`, or a path (`""` for an unnamed Unix client). */
  client_address: Address;
  /** The server that made this handler. */
  server: S;

  /**
   * Python's `BaseRequestHandler(request, client_address, server)`, less
   * the handling: the server awaits `setup_handle_finish()` next.
   *
   * @example
   * ```ts
   * await new Echo(conn, address, server).setup_handle_finish();
   * ```
   */
  constructor(request: R, client_address: Address, server: BaseServer<R>) {
    this.request = request;
    this.client_address = client_address;
    this.server = server as S;
  }

  /**
   * What Python's constructor does after setting the fields: `setup()`,
   * `handle()`, then `finish()` whatever `handle()` did.
   *
   * @example
   * ```ts
   * await handler.setup_handle_finish();
   * ```
   */
  async setup_handle_finish(): Promise<void> {
    await this.setup();
    try {
      await this.handle();
    } finally {
      await this.finish();
    }
  }

  /** Runs before `handle()`. @example override async setup() { await super.setup(); this.started = Date.now(); } */
  setup(): Promise<void> {
    return Promise.resolve();
  }

  /** Serves the request; override it. @example override async handle() { await this.request.sendall(Buffer.from("hi")); } */
  handle(): Promise<void> {
    return Promise.resolve();
  }

  /** Runs after `handle()`, even when it threw. @example override async finish() { await super.finish(); log("done"); } */
  finish(): Promise<void> {
    return Promise.resolve();
  }
}

/**
 * Python's `socketserver.StreamRequestHandler`: `rfile` (buffered) and
 * `wfile` (unbuffered by default) over the connection, as `socket.makefile`
 * files; `finish()` flushes and closes them.
 *
 * @example
 * ```ts
 * class LineEcho extends StreamRequestHandler {
 *   override async handle() {
 *     for await (const line of this.rfile) await this.wfile.write(line);
 *   }
 * }
 * ```
 */
export class StreamRequestHandler<S = BaseServer<socket>> extends BaseRequestHandler<socket, S> {
  /** `rfile`'s buffer size; -1 is the default size. @default -1 */
  rbufsize = -1;
  /** `wfile`'s buffer size; 0 sends each write at once. @default 0 */
  wbufsize = 0;
  /** A timeout in seconds set on the connection, if not null. @default null */
  timeout: number | null = null;
  /** Sets `TCP_NODELAY` on the connection (for a buffered `wfile`). @default false */
  disable_nagle_algorithm = false;
  /** The connection (the same as `request`). */
  connection!: socket;
  /** What the client sends, as a binary file. */
  rfile!: SocketFile;
  /** What goes back to the client, as a binary file. */
  wfile!: SocketFile;

  /** Makes `rfile` and `wfile`. @example override async setup() { await super.setup(); } */
  override setup(): Promise<void> {
    this.connection = this.request;
    if (this.timeout !== null) this.connection.settimeout(this.timeout);
    if (this.disable_nagle_algorithm) this.connection.setsockopt(IPPROTO_TCP, TCP_NODELAY, true);
    this.rfile = this.connection.makefile("rb", { buffering: this.rbufsize });
    this.wfile = this.connection.makefile("wb", { buffering: this.wbufsize });
    return Promise.resolve();
  }

  /** Flushes `wfile` (a socket error there is ignored, as in Python), closes both files. @example await super.finish(); */
  override async finish(): Promise<void> {
    if (!this.wfile.closed) {
      try {
        await this.wfile.flush();
      } catch (e) {
        if (!(e instanceof OSError)) throw e;
      }
    }
    await this.wfile.close();
    await this.rfile.close();
  }
}

/**
 * Python's `socketserver.DatagramRequestHandler`: `rfile` reads the
 * datagram, what is written to `wfile` is sent back to the client in one
 * datagram when the handler finishes (an empty one if nothing was written,
 * as in Python).
 *
 * @example
 * ```ts
 * class Upper extends DatagramRequestHandler {
 *   override async handle() {
 *     await this.wfile.write(Buffer.from((await this.rfile.read()).toString().toUpperCase()));
 *   }
 * }
 * ```
 */
export class DatagramRequestHandler<S = BaseServer<DatagramRequest>> extends BaseRequestHandler<DatagramRequest, S> {
  /** The datagram received. */
  packet!: Buffer;
  /** The server's socket, which the reply is sent from. */
  socket!: socket;
  /** The datagram, as a file. */
  rfile!: BytesIO;
  /** The reply, as a file. */
  wfile!: BytesIO;

  /** Makes `rfile` and `wfile`. @example override async setup() { await super.setup(); } */
  override setup(): Promise<void> {
    [this.packet, this.socket] = this.request;
    this.rfile = new BytesIO(this.packet);
    this.wfile = new BytesIO();
    return Promise.resolve();
  }

  /** Sends `wfile`'s content to the client. @example await super.finish(); */
  override async finish(): Promise<void> {
    await this.socket.sendto(this.wfile.getvalue(), this.client_address);
  }
}
