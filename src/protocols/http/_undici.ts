/**
 * The one file of stdnet that imports undici: an HTTP/1.1 connection (one
 * undici `Client`, keep-alive, one request at a time) with Python's timeout
 * applied to every undici timeout, and the table from undici's errors to
 * Python's. Everything else in stdnet speaks to it through `Engine`.
 * @module
 */
import { Socket } from "node:net";
import { connect as tlsConnect, type ConnectionOptions } from "node:tls";
import { Client, buildConnector, errors as undiciErrors, type Dispatcher } from "undici";
import { OSError, ValueError, fromNodeError, timedOut } from "../../sockets/errors.js";
import { sslErrorFromNode } from "../../sockets/ssl.js";
import { BadStatusLine, HTTPException, LineTooLong, RemoteDisconnected, _MAXLINE } from "./_errors.js";
import { responses } from "./_status.js";

/** How to reach the server; timeouts in Python's seconds (`null`: wait forever). */
export interface EngineOptions {
  host: string;
  port: number;
  /** The node:tls options for HTTPS (from `SSLContext.tlsClientOptions`), or undefined for plain HTTP. */
  tls?: ConnectionOptions;
  /** Python's socket timeout in seconds, per connect and per read; `null` for none. */
  timeout: number | null;
  /** Python's `source_address`: `[host, port]` to bind the client side to. */
  source_address?: readonly [string, number] | null;
  /** Python's `set_tunnel`: reach this host through `host:port` (a proxy) with HTTP CONNECT. */
  tunnel?: { host: string; port: number; headers: [string, string][] } | null;
}

/** One request as the engine sends it. */
export interface EngineRequest {
  method: string;
  path: string;
  /** Flat `[name, value, name, value, …]`, in the order they go on the wire. */
  headers: string[];
  body: Uint8Array | AsyncIterable<Uint8Array> | null;
}

/** Where the engine reports a request's life: each method is called at most once except `data`. */
export interface ResponseSink {
  /** The request was handed a connected socket and is being written. */
  started(): void;
  /** The status line and headers arrived; `raw` alternates names and values (latin-1 text). */
  onHead(status: number, reason: string, raw: string[]): void;
  /** A piece of the body; return false to ask for a pause (see `Flow`). */
  data(chunk: Buffer): boolean;
  /** The body ended normally. */
  end(): void;
  /** The request failed; `error` is already Python's (see `pythonError`). */
  fail(error: Error, afterHead: boolean): void;
}

/** Pause/resume/abort of one in-flight response. */
export interface Flow {
  pause(): void;
  resume(): void;
  abort(): void;
}

const SECONDS_TO_MS = 1000;

function timeoutMs(timeout: number | null): number {
  // undici reads 0 as "no timeout", which is Python's None.
  if (timeout === null) return 0;
  return Math.max(1, Math.round(timeout * SECONDS_TO_MS));
}

/** What a failure means to Python, knowing whether the response head had arrived. */
export function pythonError(e: unknown, isTLS: boolean, host: string, afterHead: boolean): Error {
  if (!(e instanceof Error)) return new OSError(String(e));
  const code = (e as { code?: unknown }).code;
  switch (code) {
    case "UND_ERR_CONNECT_TIMEOUT":
    case "UND_ERR_HEADERS_TIMEOUT":
    case "UND_ERR_BODY_TIMEOUT": {
      const t = timedOut();
      (t as { cause?: unknown }).cause = e;
      return t;
    }
    case "UND_ERR_HEADERS_OVERFLOW":
    case "HPE_HEADER_OVERFLOW":
      return new LineTooLong("header line", { cause: e });
    case "UND_ERR_SOCKET":
    case "UND_ERR_RES_CONTENT_LENGTH_MISMATCH":
      if (!afterHead) {
        const r = new RemoteDisconnected("Remote end closed connection without response", undefined, { cause: e });
        return r;
      }
      return new HTTPException("connection closed before the end of the body", { cause: e });
    case "UND_ERR_INVALID_ARG":
    case "UND_ERR_NOT_SUPPORTED":
    case "UND_ERR_REQ_CONTENT_LENGTH_MISMATCH":
      return new ValueError(e.message, { cause: e });
    case "UND_ERR_ABORTED":
    case "UND_ERR_ABORT":
    case "UND_ERR_DESTROYED":
    case "UND_ERR_CLOSED":
      return new OSError(9, undefined, { cause: e });
    default:
      break;
  }
  if (e instanceof undiciErrors.HTTPParserError) {
    if (afterHead) return new HTTPException(e.message, { cause: e });
    // Python's BadStatusLine carries the line the server sent.
    const data = (e as { data?: unknown }).data;
    const text = typeof data === "string" ? data : "";
    const nl = text.indexOf("\n");
    return new BadStatusLine(nl < 0 ? text : text.slice(0, nl + 1), { cause: e });
  }
  if (e instanceof undiciErrors.UndiciError) return new HTTPException(e.message, { cause: e });
  return isTLS ? sslErrorFromNode(e, host) : fromNodeError(e);
}

/**
 * What an exchange learns of the Client it went to: the socket of its
 * connection (the latest one) once it has one, how many requests that
 * socket has been handed, and how many exchanges are in flight on the Client.
 */
interface Watch {
  socket: Socket | null;
  uses: number;
  inFlight: number;
}

/** undici's connector, noting each socket it makes in `watch`. */
function watchedConnector(options: buildConnector.BuildOptions, watch: Watch): buildConnector.connector {
  const connect = buildConnector(options);
  return (opts, callback) => {
    connect(opts, (...result) => {
      if (result[1] !== null) {
        watch.socket = result[1];
        watch.uses = 0;
      }
      callback(...result);
    });
  };
}

/**
 * An undici Client (one connection, reopened as needed) whose connector
 * notes its socket in `watch`: the engine's timer looks at the bytes it
 * has read (see `Engine._arm`), and a shared set of Clients at what is in flight.
 */
class WatchedClient extends Client {
  constructor(
    origin: string,
    options: Client.Options,
    readonly watch: Watch,
  ) {
    super(origin, options);
  }

  /** Dispatches the exchange's request on this Client. */
  send(opts: Dispatcher.DispatchOptions, exchange: Exchange): void {
    exchange.sendVia(this.watch);
    this.dispatch(opts, exchange);
  }
}

/** A WatchedClient with undici's connector built from `connect`. */
function watchedClient(origin: string, options: Client.Options, connect: buildConnector.BuildOptions): WatchedClient {
  const watch: Watch = { socket: null, uses: 0, inFlight: 0 };
  return new WatchedClient(origin, { ...options, connect: watchedConnector(connect, watch) }, watch);
}

/**
 * The connections urlopen's calls to one origin (with one set of options)
 * share: WatchedClients, one connection each. A request goes to the first
 * Client with nothing in flight, else to a new one, so concurrent calls
 * each have a connection and back-to-back calls keep to one. (undici's
 * Pool counts a Client free only a turn of the event loop after its
 * response, which made back-to-back calls alternate between two connections.)
 */
class SharedClients {
  /** When an engine last took it (see sharedClients). */
  lastUse = 0;
  readonly #clients: WatchedClient[] = [];
  readonly #make: () => WatchedClient;

  constructor(make: () => WatchedClient) {
    this.#make = make;
  }

  send(opts: Dispatcher.DispatchOptions, exchange: Exchange): void {
    let client: WatchedClient | undefined;
    for (const c of this.#clients) {
      if (c.watch.inFlight === 0 && !c.closed && !c.destroyed) {
        client = c;
        break;
      }
    }
    if (client === undefined) {
      client = this.#make();
      this.#clients.push(client);
    }
    client.send(opts, exchange);
  }

  async close(): Promise<void> {
    await Promise.all(this.#clients.map((c) => c.close()));
  }
}

/**
 * Connections shared by urlopen's engines (`Engine.forOneRequest` and
 * `Engine.reusing`), by origin, options and kind: Clients whose
 * connections either each end with their one request or are kept for the
 * next. At most this many sets are kept (the least recently used is closed).
 */
const SHARED_SETS = 16;
const sharedSets = new Map<string, SharedClients>();
let useClock = 0;

function sharedClients(key: string, make: () => WatchedClient): SharedClients {
  let set = sharedSets.get(key);
  if (set === undefined) {
    if (sharedSets.size >= SHARED_SETS) {
      let oldest: [string, SharedClients] | undefined;
      for (const entry of sharedSets) if (oldest === undefined || entry[1].lastUse < oldest[1].lastUse) oldest = entry;
      sharedSets.delete(oldest![0]);
      oldest![1].close().catch(() => undefined);
    }
    set = new SharedClients(make);
    sharedSets.set(key, set);
  }
  set.lastUse = ++useClock;
  return set;
}

/** Which of urlopen's shared Client sets an engine sends through, if any. */
type Sharing = "one-request" | "reusing" | null;

/** The failures of a request on a kept connection that mean the server had closed it, not that it refused the request. */
const DROPPED = new Set(["UND_ERR_SOCKET", "ECONNRESET", "EPIPE"]);

/** An undici `Client` for one origin, with every timeout set from Python's. */
export class Engine {
  /** Its own Client, or Clients shared with other engines, which it must not close. */
  readonly #client: WatchedClient | SharedClients;
  /** Whether its shared Clients keep connections for later requests (whose bodiless requests may then be sent again; see Exchange). */
  readonly #reusing: boolean;
  readonly #isTLS: boolean;
  readonly #host: string;
  readonly #timeoutMs: number;
  #current: Exchange | null = null;

  /**
   * An engine for a request that ends its connection (urllib's
   * `Connection: close`): over plain HTTP it sends through Clients shared
   * with other such engines of the same origin and options, which saves
   * building and closing an undici Client per call (measured ~15% of a
   * urlopen); each request still opens its own TCP connection.
   */
  static forOneRequest(options: EngineOptions): Engine {
    if (options.tls !== undefined || (options.tunnel ?? null) !== null) return new Engine(options);
    return new Engine(options, "one-request");
  }

  /**
   * An engine for urlopen's requests that may share connections (no body,
   * an idempotent method; plain HTTP, or HTTPS when `options.tls` comes
   * from urlopen's default context, all of whose connections are alike):
   * it sends through Clients shared with
   * other such engines of the same origin and options, whose connections
   * stay open for the next request (idle ones do not keep the process
   * alive, and close after undici's keep-alive time, within what the
   * server announces). A request that fails on a kept connection before any
   * of its response arrived (the server had closed it meanwhile) is sent
   * again on a new one, once per kept connection that fails it.
   */
  static reusing(options: EngineOptions, defaultTLS = false): Engine {
    if ((options.tls !== undefined && !defaultTLS) || (options.tunnel ?? null) !== null) return new Engine(options);
    return new Engine(options, "reusing");
  }

  constructor(options: EngineOptions, sharing: Sharing = null) {
    const ms = timeoutMs(options.timeout);
    this.#timeoutMs = ms;
    this.#isTLS = options.tls !== undefined;
    this.#host = options.host;
    this.#reusing = sharing === "reusing";
    const tunnel = options.tunnel ?? null;
    const target = tunnel === null ? options : tunnel;
    const hostPart = target.host.includes(":") ? `[${target.host}]` : target.host;
    const origin = `${this.#isTLS ? "https" : "http"}://${hostPart}:${target.port}`;
    const clientOptions: Client.Options = {
      connectTimeout: ms,
      // undici's headersTimeout is for the whole head; Python's timeout is per
      // wait, which the engine's own timer keeps (see _arm), so it is off
      headersTimeout: 0,
      bodyTimeout: ms,
      // Python keeps an idle connection until the server closes it.
      keepAliveTimeout: 600_000,
      keepAliveMaxTimeout: 600_000,
      keepAliveTimeoutThreshold: 0,
      // Python's per-line limit, applied to the whole head.
      maxHeaderSize: _MAXLINE,
      pipelining: 1,
      strictContentLength: true,
    };
    const connect: buildConnector.BuildOptions = options.tls === undefined ? { timeout: ms } : { ...options.tls, timeout: ms };
    const source = options.source_address;
    if (source != null && source[0] !== "") clientOptions.localAddress = source[0];
    if (tunnel !== null) {
      const proxyPart = options.host.includes(":") ? `[${options.host}]` : options.host;
      const proxy = new Client(`http://${proxyPart}:${options.port}`, { ...clientOptions, connect: { timeout: ms } });
      this.#proxy = proxy;
      const tls = options.tls;
      const watch: Watch = { socket: null, uses: 0, inFlight: 0 };
      const tunnelled: buildConnector.connector = (_opts, callback) => {
        openTunnel(proxy, `${hostPart}:${tunnel.port}`, tunnel.headers).then(
          (socket) => {
            if (tls === undefined) {
              watch.socket = socket;
              callback(null, socket);
              return;
            }
            const secure = tlsConnect({ ...tls, socket });
            secure.once("secureConnect", () => {
              secure.removeAllListeners("error");
              watch.socket = secure;
              callback(null, secure);
            });
            secure.once("error", (e: Error) => {
              socket.destroy();
              callback(e, null);
            });
          },
          (e: unknown) => {
            callback(e instanceof Error ? e : new Error(String(e)), null);
          },
        );
      };
      this.#client = new WatchedClient(origin, { ...clientOptions, connect: tunnelled }, watch);
      return;
    }
    if (sharing === null) {
      this.#client = watchedClient(origin, clientOptions, connect);
      return;
    }
    if (sharing === "reusing") {
      // undici's keep-alive times (4 s idle unless the server announces its own, then 2 s less)
      delete clientOptions.keepAliveTimeout;
      delete clientOptions.keepAliveMaxTimeout;
      delete clientOptions.keepAliveTimeoutThreshold;
    }
    const key = `${sharing} ${origin} ${ms} ${clientOptions.localAddress ?? ""}`;
    this.#client = sharedClients(key, () => watchedClient(origin, clientOptions, connect));
  }

  #proxy: Client | null = null;

  /** Sends one request; the sink hears about it, the returned Flow controls its body. */
  dispatch(request: EngineRequest, sink: ResponseSink): Flow {
    const opts: Dispatcher.DispatchOptions = {
      method: request.method,
      path: request.path,
      headers: request.headers,
      body: request.body as Dispatcher.DispatchOptions["body"],
      headersTimeout: 0,
      bodyTimeout: this.#timeoutMs,
    };
    const exchange = new Exchange(sink, this, opts, this.#reusing && request.body === null);
    if (this.#client instanceof SharedClients) this.#current = exchange;
    try {
      this.#client.send(opts, exchange);
    } catch (e) {
      exchange.leave();
      throw pythonError(e, this.#isTLS, this.#host, false);
    }
    return exchange;
  }

  /** Sends the (bodiless) request of `ex` again, after its kept connection turned out closed. */
  _resend(ex: Exchange): void {
    try {
      this.#client.send({ ...ex.request }, ex);
    } catch (e) {
      ex.fail(pythonError(e, this.#isTLS, this.#host, false));
    }
  }

  /** The Python error for a failure of this engine's requests. */
  _error(e: unknown, afterHead: boolean): Error {
    return pythonError(e, this.#isTLS, this.#host, afterHead);
  }

  // undici's own timers are coarse (about half a second); Python's timeout is
  // per wait on the socket, so one native timer watches the exchange that is
  // waiting (one at a time: pipelining is 1), and is off while its reader has
  // paused the body. It is restarted at each event of the exchange, and when
  // it runs out while the socket has read bytes since (a response head
  // arriving a few bytes at a time, which undici reports only once whole), it
  // starts again: a wait fails after a timeout with nothing read, as
  // Python's does (within one more timeout, as the socket is only looked at
  // when the timer runs out).
  #timer: NodeJS.Timeout | null = null;
  #timed: Exchange | null = null;
  /** The bytes the exchange's socket had read when the timer was last started, or -1. */
  #readMark = -1;
  readonly #onTimeout = (): void => {
    const ex = this.#timed;
    if (ex === null) return;
    const read = ex.bytesRead();
    if (this.#readMark >= 0 && read !== this.#readMark) {
      this.#readMark = read;
      this.#timer?.refresh();
      return;
    }
    this.#timed = null;
    ex.timedOut();
  };

  /**
   * Starts (or restarts) Python's timeout for a wait of `ex`; with `untilHead`,
   * for the wait for the response head, which bytes read keep alive.
   */
  _arm(ex: Exchange, untilHead = false): void {
    if (this.#timeoutMs === 0) return;
    this.#timed = ex;
    this.#readMark = untilHead ? ex.bytesRead() : -1;
    if (this.#timer === null) {
      this.#timer = setTimeout(this.#onTimeout, this.#timeoutMs);
      this.#timer.unref();
    } else {
      this.#timer.refresh();
    }
  }

  /** Stops the timeout of `ex` (if it is the one timed). */
  _disarm(ex: Exchange): void {
    if (this.#timed === ex) this.#timed = null;
  }

  /** Closes once in-flight requests finish (a response still being read stays readable). */
  close(): void {
    this.#stopTimer();
    // shared Clients stay for other engines (their connections end or idle on their own)
    if (this.#client instanceof WatchedClient) this.#client.close().catch(() => undefined);
    this.#closeProxy();
  }

  /** Closes now, failing anything in flight. */
  destroy(): void {
    this.#stopTimer();
    if (this.#client instanceof WatchedClient) this.#client.destroy().catch(() => undefined);
    else this.#current?.abort();
    this.#closeProxy();
  }

  #closeProxy(): void {
    this.#proxy?.close().catch(() => undefined);
    this.#proxy = null;
  }

  #stopTimer(): void {
    if (this.#timer !== null && this.#timed === null) {
      clearTimeout(this.#timer);
      this.#timer = null;
    }
  }
}

/**
 * Python's `HTTPConnection._tunnel`: `CONNECT host:port` through the proxy;
 * resolves to the tunnelled socket, or rejects with Python's
 * `OSError("Tunnel connection failed: 407 Proxy Authentication Required")`.
 */
function openTunnel(proxy: Client, authority: string, headers: [string, string][]): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const handler: Dispatcher.DispatchHandler = {
      onRequestStart: () => undefined,
      onRequestUpgrade: (_c, status, _headers, socket) => {
        if (status >= 200 && status < 300 && socket instanceof Socket) {
          resolve(socket);
        } else {
          // undici hands over every CONNECT answer; it does not pass the reason phrase here.
          socket.destroy();
          reject(new OSError(`Tunnel connection failed: ${status} ${responses[status] ?? ""}`.trimEnd()));
        }
      },
      onResponseStart: (c, status, _headers, statusMessage) => {
        reject(new OSError(`Tunnel connection failed: ${status} ${(statusMessage ?? "").trim()}`));
        c.abort(new undiciErrors.RequestAbortedError());
      },
      onResponseError: (_c, err) => {
        reject(pythonError(err, false, authority, false));
      },
    };
    try {
      proxy.dispatch({ method: "CONNECT", path: authority, headers: headers.flat() }, handler);
    } catch (e) {
      reject(pythonError(e, false, authority, false));
    }
  });
}

/**
 * One request's life in undici: the dispatch handler (undici's callbacks,
 * forwarded to the sink) and the Flow the response uses to pause, resume, abort.
 */
class Exchange implements Dispatcher.DispatchHandler, Flow {
  /** What it knows of the Client it is on (see sendVia), until it leaves it. */
  watch: Watch | null = null;
  readonly #sink: ResponseSink;
  readonly #engine: Engine;
  /** Whether the request may be sent again when a kept connection drops it. */
  readonly #retryable: boolean;
  /** Whether the connection it went to had carried an earlier request. */
  #reused = false;
  #controller: Dispatcher.DispatchController | null = null;
  #pendingPause = false;
  #afterHead = false;
  #aborted = false;
  #ended = false;

  constructor(
    sink: ResponseSink,
    engine: Engine,
    /** The request as dispatched. */
    readonly request: Dispatcher.DispatchOptions,
    retryable: boolean,
  ) {
    this.#sink = sink;
    this.#engine = engine;
    this.#retryable = retryable;
  }

  /** Goes to the Client of `watch`, counted as in flight there. */
  sendVia(watch: Watch): void {
    this.watch = watch;
    watch.inFlight++;
  }

  /** Leaves its Client: done there, by end, failure, or to be sent again elsewhere. */
  leave(): void {
    if (this.watch === null) return;
    this.watch.inFlight--;
    this.watch = null;
  }

  /** The bytes its connection's socket has read so far, or -1 when unknown. */
  bytesRead(): number {
    return this.watch?.socket?.bytesRead ?? -1;
  }

  timedOut(): void {
    const c = this.#controller;
    if (!this.#ended && c !== null && !c.aborted) c.abort(timedOut());
  }

  onRequestStart(c: Dispatcher.DispatchController): void {
    this.#controller = c;
    if (this.#aborted) {
      c.abort(new undiciErrors.RequestAbortedError());
      return;
    }
    if (this.#pendingPause) c.pause();
    const watch = this.watch;
    this.#reused = watch !== null && watch.uses++ > 0;
    this.#engine._arm(this, true);
    this.#sink.started();
  }

  onResponseStart(c: Dispatcher.DispatchController, status: number, _headers: unknown, statusMessage?: string): void {
    this.#controller = c;
    this.#afterHead = true;
    this.#engine._arm(this);
    const raw = (c.rawHeaders ?? []) as (Buffer | string)[];
    const text: string[] = new Array<string>(raw.length);
    for (let i = 0; i < raw.length; i++) {
      const v = raw[i]!;
      text[i] = typeof v === "string" ? v : v.toString("latin1");
    }
    this.#sink.onHead(status, statusMessage ?? "", text);
  }

  onResponseData(c: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.#sink.data(chunk)) {
      this.#engine._arm(this);
    } else {
      this.#engine._disarm(this);
      c.pause();
    }
  }

  onResponseEnd(): void {
    this.#ended = true;
    this.leave();
    this.#engine._disarm(this);
    this.#sink.end();
  }

  onResponseError(_c: Dispatcher.DispatchController, err: Error): void {
    if (this.#retryable && this.#reused && !this.#afterHead && !this.#aborted && DROPPED.has((err as { code?: string }).code ?? "")) {
      // the server closed the kept connection as the request went out: a new connection gets it
      this.#reused = false;
      this.#controller = null;
      this.leave();
      queueMicrotask(() => {
        this.#engine._resend(this);
      });
      return;
    }
    this.fail(this.#engine._error(err, this.#afterHead));
  }

  /** Ends the exchange with Python's `error`. */
  fail(error: Error): void {
    this.#ended = true;
    this.leave();
    this.#engine._disarm(this);
    this.#sink.fail(error, this.#afterHead);
  }

  pause(): void {
    this.#engine._disarm(this);
    if (this.#controller === null) this.#pendingPause = true;
    else this.#controller.pause();
  }

  resume(): void {
    if (this.#controller === null) {
      this.#pendingPause = false;
    } else {
      if (this.#afterHead && !this.#ended) this.#engine._arm(this);
      this.#controller.resume();
    }
  }

  abort(): void {
    this.#aborted = true;
    this.#engine._disarm(this);
    const c = this.#controller;
    if (c !== null && !c.aborted) c.abort(new undiciErrors.RequestAbortedError());
  }
}
