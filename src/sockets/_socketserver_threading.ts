/**
 * `socketserver.ThreadingMixIn` and the threading servers. Node runs one
 * thread, so "a thread per request" is a task per request: each request's
 * handler runs as its own async task, concurrently with the others and with
 * the accept loop. `server_close()` waits for the tasks still running, as
 * Python joins its threads (unless `daemon_threads` or not `block_on_close`).
 * @module
 */
import type { Address } from "./_address.js";
import { reportTaskError } from "./_socketserver_base.js";
import { TCPServer, UDPServer, UnixDatagramServer, UnixStreamServer } from "./_socketserver_servers.js";

/** The part of a server (a `BaseServer` subclass) that `ThreadingMixIn` builds on. */
export interface ThreadingMixInBase {
  finish_request(request: never, client_address: Address): Promise<void>;
  handle_error(request: never, client_address: Address, error?: unknown): Promise<void>;
  shutdown_request(request: never): Promise<void>;
  process_request(request: never, client_address: Address): Promise<void>;
  server_close(): Promise<void>;
}

/**
 * A server class a mixin can extend. TypeScript requires a mixin's base to
 * take `...args: any[]`; the class made keeps the base's real constructor.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type ServerClass = abstract new (...args: any[]) => ThreadingMixInBase;

/** What `ThreadingMixIn` adds to a server. */
export interface ThreadingMixInServer {
  /**
   * Python's `daemon_threads`: when true, `server_close()` does not wait
   * for the request tasks still running.
   */
  daemon_threads: boolean;
  /** Python's `block_on_close`: whether `server_close()` waits for the request tasks. */
  block_on_close: boolean;
  /** Handles one request as a task: `finish_request`, `handle_error` on failure, then `shutdown_request`. */
  process_request_thread(request: unknown, client_address: Address): Promise<void>;
}

/** The request tasks that `server_close()` waits for, per server. */
const running = new WeakMap<object, Set<Promise<void>>>();

/** Python's `process_request_thread`: the request's whole life, its failure reported, never thrown. */
async function runRequest(server: ThreadingMixInBase, request: unknown, client_address: Address): Promise<void> {
  try {
    await server.finish_request(request as never, client_address);
  } catch (e) {
    await server.handle_error(request as never, client_address, e);
  } finally {
    await server.shutdown_request(request as never);
  }
}

/** Python's threading `process_request`: starts the request's task, remembered unless daemonic. */
function startRequest(server: ThreadingMixInBase & ThreadingMixInServer, request: unknown, client_address: Address): Promise<void> {
  const task = server.process_request_thread(request, client_address).catch(reportTaskError);
  if (server.block_on_close && !server.daemon_threads) {
    let tasks = running.get(server);
    if (tasks === undefined) {
      tasks = new Set();
      running.set(server, tasks);
    }
    const set = tasks;
    set.add(task);
    void task.then(() => set.delete(task));
  }
  return Promise.resolve();
}

/** Waits for the request tasks still running, as Python's `server_close` joins its threads. */
async function joinRequests(server: object): Promise<void> {
  const tasks = running.get(server);
  while (tasks !== undefined && tasks.size > 0) await Promise.all([...tasks]);
}

/**
 * Python's `ThreadingMixIn`: a server class that handles each request as
 * its own concurrent task. Python's `class S(ThreadingMixIn, MyServer)` is
 * `class S extends ThreadingMixIn(MyServer)` here, as the threading servers
 * below are made.
 *
 * @example
 * ```ts
 * class ThreadingMyServer extends ThreadingMixIn(MyTCPServer) {}
 * const server = await ThreadingMyServer.create(["127.0.0.1", 0], Handler);
 * ```
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function ThreadingMixIn<C extends ServerClass>(Base: C): C & (abstract new (...args: any[]) => ThreadingMixInServer) {
  abstract class Threading extends Base implements ThreadingMixInServer {
    /** Python's `daemon_threads`: when true, `server_close()` does not wait for running requests. @default false */
    daemon_threads = false;
    /** Python's `block_on_close`: whether `server_close()` waits for running requests. @default true */
    block_on_close = true;

    /** Handles one request as a task: `finish_request`, `handle_error` on failure, then `shutdown_request`. @example await server.process_request_thread(request, address); */
    process_request_thread(request: unknown, client_address: Address): Promise<void> {
      return runRequest(this, request, client_address);
    }

    /** Starts the request's task and returns at once. @example await server.process_request(request, address); */
    override process_request(request: unknown, client_address: Address): Promise<void> {
      return startRequest(this, request, client_address);
    }

    /** Closes the socket, then waits for running requests (see `block_on_close`). @example await server.server_close(); */
    override async server_close(): Promise<void> {
      await super.server_close();
      await joinRequests(this);
    }
  }
  return Threading;
}

/**
 * Python's `ThreadingTCPServer`: each connection handled by its own task.
 *
 * @example
 * ```ts
 * await using server = await ThreadingTCPServer.create(["127.0.0.1", 0], EchoHandler);
 * void server.serve_forever();
 * ```
 */
export class ThreadingTCPServer extends ThreadingMixIn(TCPServer) {}

/**
 * Python's `ThreadingUDPServer`: each datagram handled by its own task.
 *
 * @example
 * ```ts
 * await using server = await ThreadingUDPServer.create(["127.0.0.1", 0], Handler);
 * ```
 */
export class ThreadingUDPServer extends ThreadingMixIn(UDPServer) {}

/**
 * Python's `ThreadingUnixStreamServer`: each connection handled by its own task.
 *
 * @example
 * ```ts
 * await using server = await ThreadingUnixStreamServer.create("/tmp/s.sock", Handler);
 * ```
 */
export class ThreadingUnixStreamServer extends ThreadingMixIn(UnixStreamServer) {}

/**
 * Python's `ThreadingUnixDatagramServer`; like `UnixDatagramServer`, making
 * one throws `OSError` on node.
 *
 * @example
 * ```ts
 * new ThreadingUnixDatagramServer("/tmp/d.sock", Handler); // throws OSError
 * ```
 */
export class ThreadingUnixDatagramServer extends ThreadingMixIn(UnixDatagramServer) {}
