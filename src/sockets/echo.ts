/**
 * The classic echo service as a reusable piece: serve on any address, reply
 * to each chunk received with a prefix (`Echo=>` as in the classic Python
 * server, or none), stop cleanly. Written with `stdnet/socket` itself, so it
 * is also the socket layer's own load test and benchmark subject.
 *
 * @example
 * ```ts
 * import { serveEcho } from "stdnet/socket";
 * await using server = await serveEcho({ host: "127.0.0.1", port: 0 });
 * console.log(server.address); // ["127.0.0.1", 40123]
 * ```
 * @module
 */
import { AF_INET, AF_INET6, SOCK_STREAM } from "./constants.js";
import { OSError } from "./errors.js";
import { socket, type Address } from "./socket.js";

/** Where and how `serveEcho` serves. */
export interface EchoServerOptions {
  /** The host to bind; `""` is every interface, as in Python. @default "" */
  host?: string;
  /** The port; 0 picks a free one. @default 50007 */
  port?: number;
  /** Bytes put before each reply. @default "Echo=>" */
  prefix?: Uint8Array | string;
  /** The size of each `recv`. @default 1024 */
  bufsize?: number;
  /** The listen backlog. @default 128 */
  backlog?: number;
  /** Called for each connection, as the classic server prints `Server connected by …`. */
  onConnection?: (address: Address) => void;
}

/**
 * A running echo server. `close()` stops accepting and closes every
 * connection; `await using` does the same.
 *
 * @example
 * ```ts
 * const server = await serveEcho({ port: 0, prefix: "" });
 * // … clients connect to server.address …
 * await server.close();
 * ```
 */
export class EchoServer {
  /** The listening socket. */
  readonly listener: socket;
  /** The address it listens on. */
  readonly address: Address;
  /** Connections served so far. */
  connections = 0;
  readonly #prefix: Buffer;
  readonly #bufsize: number;
  readonly #open = new Set<socket>();
  readonly #onConnection: ((address: Address) => void) | undefined;
  readonly #loop: Promise<void>;
  #closing = false;

  private constructor(listener: socket, options: EchoServerOptions) {
    this.listener = listener;
    this.address = listener.getsockname();
    const prefix = options.prefix ?? "Echo=>";
    this.#prefix = typeof prefix === "string" ? Buffer.from(prefix, "latin1") : Buffer.from(prefix);
    this.#bufsize = options.bufsize ?? 1024;
    this.#onConnection = options.onConnection;
    this.#loop = this.#acceptLoop();
  }

  /** Binds, listens and starts serving. */
  static async start(options: EchoServerOptions = {}): Promise<EchoServer> {
    const host = options.host ?? "";
    const listener = new socket(host.includes(":") ? AF_INET6 : AF_INET, SOCK_STREAM);
    try {
      await listener.bind([host, options.port ?? 50007]);
      await listener.listen(options.backlog ?? 128);
    } catch (e) {
      listener.close();
      throw e;
    }
    return new EchoServer(listener, options);
  }

  async #acceptLoop(): Promise<void> {
    while (!this.#closing) {
      let conn: socket;
      let address: Address;
      try {
        [conn, address] = await this.listener.accept();
      } catch (e) {
        if (this.#closing) return;
        if (e instanceof OSError) continue;
        throw e;
      }
      this.connections++;
      this.#onConnection?.(address);
      this.#open.add(conn);
      void this.#serve(conn);
    }
  }

  async #serve(conn: socket): Promise<void> {
    const prefix = this.#prefix;
    try {
      for (;;) {
        const data = await conn.recv(this.#bufsize);
        if (data.length === 0) break;
        if (prefix.length === 0) {
          await conn.sendall(data);
        } else {
          const reply = Buffer.allocUnsafe(prefix.length + data.length);
          prefix.copy(reply, 0);
          data.copy(reply, prefix.length);
          await conn.sendall(reply);
        }
      }
    } catch (e) {
      // A client that resets is its own loss; the server serves on.
      if (!(e instanceof OSError)) throw e;
    } finally {
      this.#open.delete(conn);
      conn.close();
    }
  }

  /** Connections open now. */
  get active(): number {
    return this.#open.size;
  }

  /** Stops accepting, closes every connection, and waits for the accept loop to end. */
  async close(): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    this.listener.close();
    for (const conn of this.#open) conn.close();
    this.#open.clear();
    await this.#loop;
  }

  /** `await using server = await serveEcho()`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/**
 * Starts an echo server (see `EchoServerOptions`).
 *
 * @example
 * ```ts
 * const server = await serveEcho({ host: "127.0.0.1", port: 0, prefix: "" });
 * ```
 */
export function serveEcho(options: EchoServerOptions = {}): Promise<EchoServer> {
  return EchoServer.start(options);
}
