/**
 * A listening stream socket: a node:net server whose connections wait in a
 * queue until the program calls `accept()`, as the kernel's accept queue does.
 * @module
 */
import * as net from "node:net";
import { BlockingIOError, badFileDescriptor, errno, fromNodeError } from "./errors.js";
import { Signal } from "./_wait.js";

/** Where a listener binds: a TCP host and port, or a Unix socket path. */
export type ListenTarget = { host: string; port: number; ipv6Only: boolean } | { path: string };

/** A node:net server with an accept queue. */
export class Listener {
  readonly server: net.Server;
  #queue: net.Socket[] = [];
  readonly #signal = new Signal();
  #closed = false;

  private constructor(server: net.Server) {
    this.server = server;
    server.on("connection", (sock: net.Socket) => {
      if (this.#closed) {
        sock.destroy();
        return;
      }
      this.#queue.push(sock);
      // An error before accept() must not crash the process; the
      // connection's own reader takes over once accepted.
      sock.on("error", noop);
      this.#signal.notify();
    });
    server.on("error", noop);
  }

  /** Binds and listens; rejects with Python's error (EADDRINUSE, EACCES, …). */
  static open(target: ListenTarget, backlog: number): Promise<Listener> {
    const server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true, noDelay: false });
    return new Promise((resolve, reject) => {
      const onError = (e: Error): void => {
        server.close();
        reject(fromNodeError(e));
      };
      server.once("error", onError);
      const options: net.ListenOptions =
        "path" in target
          ? { path: target.path, backlog }
          : { host: target.host, port: target.port, backlog, exclusive: true, ipv6Only: target.ipv6Only };
      server.listen(options, () => {
        server.off("error", onError);
        resolve(new Listener(server));
      });
    });
  }

  /** Connections waiting to be accepted. */
  get pending(): number {
    return this.#queue.length;
  }

  /** The next connection; `timeoutSec` 0 is non-blocking. */
  async accept(timeoutSec: number | null): Promise<net.Socket> {
    for (;;) {
      const sock = this.#queue.shift();
      if (sock !== undefined) {
        sock.off("error", noop);
        return sock;
      }
      if (this.#closed) throw badFileDescriptor();
      if (timeoutSec === 0) throw new BlockingIOError(errno.EAGAIN);
      await this.#signal.wait(timeoutSec);
    }
  }

  /** Stops listening; connections not yet accepted are reset, as the kernel does. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const sock of this.#queue) sock.destroy();
    this.#queue = [];
    this.server.close();
    this.#signal.notify();
  }
}

function noop(): void {
  // errors of connections not yet accepted are dropped with them
}
