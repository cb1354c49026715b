/**
 * `socketserver.BaseServer`: the request loop shared by every server —
 * wait for a request (`get_request`), `verify_request`, `process_request`,
 * report a failure with `handle_error` and go on — with `serve_forever`,
 * `handle_request`, `shutdown` and `server_close`.
 * How a request is waited for is in `_socketserver_requests.ts`.
 * @module
 */
import { OSError, RuntimeError, errno } from "./errors.js";
import type { Address, AddressInput } from "./_address.js";
import { RequestSlot, type Outcome } from "./_socketserver_requests.js";
import { formatException, formatRequestError } from "./_socketserver_traceback.js";

/**
 * What a server needs of a request handler class: Python's
 * `RequestHandlerClass(request, client_address, server)`; the server then
 * awaits `setup_handle_finish()`, which Python's constructor does itself.
 *
 * @example
 * ```ts
 * class Echo extends StreamRequestHandler {
 *   override async handle() { await this.wfile.write(await this.rfile.readline()); }
 * }
 * const Handler: RequestHandlerClass<socket> = Echo;
 * ```
 */
export interface RequestHandlerClass<R> {
  new (request: R, client_address: Address, server: BaseServer<R>): { setup_handle_finish(): Promise<void> };
}

/**
 * Python's `socketserver.BaseServer`: the loop of a request-based server,
 * over an abstract `get_request()`. Subclass `TCPServer` or `UDPServer` for
 * socket servers; subclass this one for another source of requests.
 *
 * @example
 * ```ts
 * class QueueServer extends BaseServer<string> {
 *   override async get_request(): Promise<[string, Address]> {
 *     return [await nextJob(), "queue"];
 *   }
 * }
 * ```
 */
export abstract class BaseServer<R = unknown> {
  /**
   * Seconds `handle_request()` waits for a request before it calls
   * `handle_timeout()`; `null` waits for ever. `serve_forever` ignores it.
   * @default null
   */
  timeout: number | null = null;
  /** The address served: what was asked for, then (once bound) the real one, port included. */
  server_address: Address;
  /** The handler class made for each request. */
  RequestHandlerClass: RequestHandlerClass<R>;

  #shutdownRequest = false;
  #stopped: { promise: Promise<void>; resolve: () => void } | null = null;
  readonly #requests = new RequestSlot<R>();
  readonly #get_request = (): Promise<[R, Address]> => this.get_request();
  #closed = false;

  /**
   * Python's `BaseServer(server_address, RequestHandlerClass)`.
   *
   * @example
   * ```ts
   * const server = new QueueServer("jobs", JobHandler);
   * ```
   */
  constructor(server_address: AddressInput, RequestHandlerClass: RequestHandlerClass<R>) {
    this.server_address = server_address as Address;
    this.RequestHandlerClass = RequestHandlerClass;
  }

  /**
   * Waits for the next request; `TCPServer` accepts a connection, `UDPServer`
   * receives a datagram. Rejecting with an `OSError` drops that attempt.
   *
   * @example
   * ```ts
   * const [request, client_address] = await server.get_request();
   * ```
   */
  abstract get_request(): Promise<[request: R, client_address: Address]>;

  /**
   * Called to activate the server (`TCPServer` listens). May be overridden.
   *
   * @example
   * ```ts
   * await server.server_activate();
   * ```
   */
  server_activate(): Promise<void> {
    return Promise.resolve();
  }

  /**
   * Handles requests until `shutdown()` (or `server_close()`); resolves then.
   * A plain server handles one request at a time, in order; a threading
   * one starts each as its own task. `service_actions()` runs after each
   * request and at least every `poll_interval` seconds.
   *
   * @example
   * ```ts
   * const serving = server.serve_forever();
   * // … later, from another task:
   * await server.shutdown(); // serving has resolved
   * ```
   */
  async serve_forever(poll_interval: number | null = 0.5): Promise<void> {
    if (this.#stopped !== null) throw new RuntimeError("serve_forever() is already running on this server");
    let resolve: () => void = () => undefined;
    const promise = new Promise<void>((r) => (resolve = r));
    this.#stopped = { promise, resolve };
    try {
      this._check_ready();
      while (!this.#shutdownRequest && !this.#closed) {
        await this.#requests.wait(this.#get_request, poll_interval);
        // bpo-35017: shutdown() during the wait ends the loop at once; a
        // request that came meanwhile stays for the next serve_forever.
        if (this.#shutdownRequest || this.#closed) break;
        const outcome = this.#requests.take();
        if (outcome !== null && !(await this.#handleOutcome(outcome))) break;
        await this.service_actions();
      }
    } finally {
      this.#shutdownRequest = false;
      this.#stopped = null;
      resolve();
    }
  }

  /**
   * Stops the `serve_forever` loop; resolves once it has stopped (after
   * the request it is handling, if any). Do not await it inside a handler
   * of a non-threading server: that handler is what the loop waits for
   * (Python deadlocks there too); call `void server.shutdown()` instead.
   * Unlike Python's, it does not block when no loop runs: it resolves at
   * once, and the next `serve_forever` returns at once, as in Python.
   *
   * @example
   * ```ts
   * await server.shutdown();
   * ```
   */
  shutdown(): Promise<void> {
    this.#shutdownRequest = true;
    this.#requests.wakeAll();
    return this.#stopped?.promise ?? Promise.resolve();
  }

  /**
   * Called by the `serve_forever` loop after each request and each poll
   * interval; may be overridden for periodic work.
   *
   * @example
   * ```ts
   * override async service_actions() { this.ticks++; }
   * ```
   */
  service_actions(): Promise<void> {
    return Promise.resolve();
  }

  /**
   * Handles one request, waiting at most `timeout` seconds (the smaller of
   * `this.timeout` and the socket's timeout); calls `handle_timeout()` if
   * none came.
   *
   * @example
   * ```ts
   * server.timeout = 2;
   * await server.handle_request();
   * ```
   */
  async handle_request(): Promise<void> {
    const socketTimeout = this._socket_timeout();
    let timeout = socketTimeout === null ? this.timeout : this.timeout === null ? socketTimeout : Math.min(socketTimeout, this.timeout);
    const deadline = timeout === null ? 0 : performance.now() + timeout * 1000;
    this._check_ready();
    for (;;) {
      await this.#requests.wait(this.#get_request, timeout);
      const outcome = this.#requests.take();
      if (outcome !== null) {
        await this.#handleOutcome(outcome);
        return;
      }
      if (timeout !== null) {
        timeout = (deadline - performance.now()) / 1000;
        if (timeout <= 0) {
          await this.handle_timeout();
          return;
        }
      }
    }
  }

  /**
   * Called when `handle_request()` waited `timeout` seconds for nothing.
   *
   * @example
   * ```ts
   * override async handle_timeout() { console.log("idle"); }
   * ```
   */
  handle_timeout(): Promise<void> {
    return Promise.resolve();
  }

  /**
   * Whether to handle a request; a refused one is closed unanswered.
   * May return a Promise.
   *
   * @example
   * ```ts
   * override verify_request(request: socket, [host]: AddressV4) { return host === "127.0.0.1"; }
   * ```
   */
  verify_request(_request: R, _client_address: Address): boolean | Promise<boolean> {
    return true;
  }

  /**
   * Handles a verified request: `finish_request`, then `shutdown_request`.
   * `ThreadingMixIn` overrides it to start a task instead.
   *
   * @example
   * ```ts
   * await server.process_request(conn, address);
   * ```
   */
  async process_request(request: R, client_address: Address): Promise<void> {
    await this.finish_request(request, client_address);
    await this.shutdown_request(request);
  }

  /**
   * Cleans up: ends a running `serve_forever`, closes a request taken but
   * not handled yet. `TCPServer` closes its socket. `await using` calls it.
   *
   * @example
   * ```ts
   * await server.server_close();
   * ```
   */
  async server_close(): Promise<void> {
    this.#closed = true;
    this.#requests.wakeAll();
    await this.#requests.drop((request) => this.shutdown_request(request));
  }

  /**
   * Handles one request by making a `RequestHandlerClass` and awaiting its
   * `setup()`, `handle()` and `finish()`.
   *
   * @example
   * ```ts
   * override async finish_request(request: socket, client_address: Address) {
   *   await new this.RequestHandlerClass(request, client_address, this).setup_handle_finish();
   * }
   * ```
   */
  async finish_request(request: R, client_address: Address): Promise<void> {
    await new this.RequestHandlerClass(request, client_address, this).setup_handle_finish();
  }

  /**
   * Shuts down and closes one request (`TCPServer`: `shutdown(SHUT_WR)`, then `close_request`).
   *
   * @example
   * ```ts
   * await server.shutdown_request(conn);
   * ```
   */
  shutdown_request(request: R): Promise<void> {
    return this.close_request(request);
  }

  /**
   * Cleans up one request (`TCPServer`: closes the connection).
   *
   * @example
   * ```ts
   * await server.close_request(conn);
   * ```
   */
  close_request(_request: R): Promise<void> {
    return Promise.resolve();
  }

  /**
   * Reports an exception raised while a request was handled, then the
   * server goes on. The default writes Python's report to stderr: a rule,
   * `Exception occurred during processing of request from …`, a traceback,
   * a rule. Python reads the exception from `sys.exc_info()`; here it is
   * the third argument.
   *
   * @example
   * ```ts
   * override async handle_error(request: socket, client_address: Address, error: unknown) {
   *   log.error({ client_address, error });
   * }
   * ```
   */
  handle_error(_request: R, client_address: Address, error?: unknown): Promise<void> {
    process.stderr.write(formatRequestError(client_address, error));
    return Promise.resolve();
  }

  /** Python's `with server:` — `await using server = await TCPServer.create(…)` calls `server_close()`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.server_close();
  }

  /** @internal The socket's own timeout, which `handle_request` honours too (`TCPServer`). */
  _socket_timeout(): number | null {
    return null;
  }

  /** @internal Throws when the server cannot serve yet (`TCPServer`: not listening). */
  _check_ready(): void {
    // a BaseServer is ready as made
  }

  /**
   * Python's `_handle_request_noblock` for a request already taken; false
   * when the server's socket turned out closed (the loop should end).
   */
  async #handleOutcome(outcome: Outcome<R>): Promise<boolean> {
    if (!outcome.ok) {
      if (outcome.error instanceof OSError) return outcome.error.errno !== errno.EBADF;
      throw outcome.error;
    }
    const { request, client_address } = outcome;
    let verified: boolean;
    try {
      verified = await this.verify_request(request, client_address);
    } catch (e) {
      await this.shutdown_request(request);
      throw e;
    }
    if (!verified) {
      await this.shutdown_request(request);
      return true;
    }
    try {
      await this.process_request(request, client_address);
    } catch (e) {
      await this.handle_error(request, client_address, e);
      await this.shutdown_request(request);
    }
    return true;
  }
}

/**
 * Reports an exception that escaped a background request task (a failing
 * `handle_error` or `shutdown_request`), as Python's threading reports an
 * exception that ends a thread, so it is never an unhandled rejection.
 */
export function reportTaskError(error: unknown): void {
  process.stderr.write(`Exception in request task:\n${formatException(error)}`);
}
