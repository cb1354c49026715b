/**
 * The one file of stdnet that imports undici: an HTTP/1.1 connection (one
 * undici `Client`, keep-alive, one request at a time) with Python's timeout
 * applied to every undici timeout, and the table from undici's errors to
 * Python's. Everything else in stdnet speaks to it through `Engine`.
 * @module
 */
import { Socket } from "node:net";
import { connect as tlsConnect, type ConnectionOptions } from "node:tls";
import { Client, Pool, buildConnector, errors as undiciErrors, type Dispatcher } from "undici";
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

/** The socket of a Client's connection (the latest one), once it has one. */
interface Watch {
  socket: Socket | null;
}

/** undici's connector, noting each socket it makes in `watch`. */
function watchedConnector(options: buildConnector.BuildOptions, watch: Watch): buildConnector.connector {
  const connect = buildConnector(options);
  return (opts, callback) => {
    connect(opts, (...result) => {
      if (result[1] !== null) watch.socket = result[1];
      callback(...result);
    });
  };
}

/**
 * An undici Client whose connector notes its socket in `watch`: the
 * engine's timer looks at the bytes it has read (see `Engine._arm`). An
 * engine that owns its Client hands each exchange the watch itself; when a
 * pool picked the Client, the Client tells the exchange, found by its
 * request's options object.
 */
class WatchedClient extends Client {
  constructor(
    origin: string,
    options: Client.Options,
    readonly watch: Watch,
  ) {
    super(origin, options);
  }

  override dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    // a pool hands on the request's options object as it got it (the handler it wraps)
    const exchange = pooledExchanges.get(options);
    if (exchange !== undefined) {
      exchange.watch = this.watch;
      pooledExchanges.delete(options);
    }
    return super.dispatch(options, handler);
  }
}

/**
 * The exchange of each request sent through a shared pool, until a Client
 * takes it (see WatchedClient.dispatch). Only those: an entry keeps its
 * exchange alive through young-generation collections, and with an entry
 * for every keep-alive request V8 promoted each request's objects to the
 * old generation: full collections then cost about 40% more CPU per request.
 */
const pooledExchanges = new WeakMap<Dispatcher.DispatchOptions, Exchange>();

/** A WatchedClient with undici's connector built from `connect`. */
function watchedClient(origin: string, options: Client.Options, connect: buildConnector.BuildOptions): WatchedClient {
  const watch: Watch = { socket: null };
  return new WatchedClient(origin, { ...options, connect: watchedConnector(connect, watch) }, watch);
}

/**
 * Dispatchers shared by `Engine.forOneRequest` engines, by origin and
 * options: undici pools whose connections each end with their one request.
 * At most this many are kept (the least recently used is closed).
 */
const SHARED_POOLS = 16;
const sharedPools = new Map<string, Pool>();

function sharedPool(key: string, origin: string, options: Client.Options, connect: buildConnector.BuildOptions): Pool {
  let pool = sharedPools.get(key);
  if (pool !== undefined) sharedPools.delete(key);
  else {
    pool = new Pool(origin, { ...options, connections: null, factory: (o) => watchedClient(o.origin, options, connect) });
    if (sharedPools.size >= SHARED_POOLS) {
      const [oldest, old] = sharedPools.entries().next().value as [string, Pool];
      sharedPools.delete(oldest);
      old.close().catch(() => undefined);
    }
  }
  sharedPools.set(key, pool);
  return pool;
}

/** An undici `Client` for one origin, with every timeout set from Python's. */
export class Engine {
  readonly #client: Dispatcher;
  /** Whether `#client` is a shared pool, which this engine must not close. */
  readonly #shared: boolean;
  readonly #isTLS: boolean;
  readonly #host: string;
  readonly #timeoutMs: number;
  #current: Exchange | null = null;

  /**
   * An engine for a request that ends its connection (urllib's
   * `Connection: close`): over plain HTTP it sends through a pool shared
   * with other such engines of the same origin and options, which saves
   * building and closing an undici Client per call (measured ~15% of a
   * urlopen); each request still opens its own TCP connection, so the
   * bytes on the wire are the same.
   */
  static forOneRequest(options: EngineOptions): Engine {
    if (options.tls !== undefined || (options.tunnel ?? null) !== null) return new Engine(options);
    return new Engine(options, true);
  }

  constructor(options: EngineOptions, shared = false) {
    const ms = timeoutMs(options.timeout);
    this.#timeoutMs = ms;
    this.#isTLS = options.tls !== undefined;
    this.#host = options.host;
    this.#shared = shared;
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
      const watch: Watch = { socket: null };
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
    this.#client = shared ? sharedPool(`${origin} ${ms} ${clientOptions.localAddress ?? ""}`, origin, clientOptions, connect) : watchedClient(origin, clientOptions, connect);
  }

  #proxy: Client | null = null;

  /** Sends one request; the sink hears about it, the returned Flow controls its body. */
  dispatch(request: EngineRequest, sink: ResponseSink): Flow {
    const exchange = new Exchange(sink, this);
    if (this.#shared) this.#current = exchange;
    const opts: Dispatcher.DispatchOptions = {
      method: request.method,
      path: request.path,
      headers: request.headers,
      body: request.body as Dispatcher.DispatchOptions["body"],
      headersTimeout: 0,
      bodyTimeout: this.#timeoutMs,
    };
    const client = this.#client;
    if (client instanceof WatchedClient) exchange.watch = client.watch;
    else pooledExchanges.set(opts, exchange);
    try {
      client.dispatch(opts, exchange);
    } catch (e) {
      throw pythonError(e, this.#isTLS, this.#host, false);
    }
    return exchange;
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
    // a shared pool's connection ends with its one request
    if (!this.#shared) this.#client.close().catch(() => undefined);
    this.#closeProxy();
  }

  /** Closes now, failing anything in flight. */
  destroy(): void {
    this.#stopTimer();
    if (this.#shared) this.#current?.abort();
    else this.#client.destroy().catch(() => undefined);
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
  /** Where the socket of the connection this exchange went to is noted (set by WatchedClient). */
  watch: Watch | null = null;
  readonly #sink: ResponseSink;
  readonly #engine: Engine;
  #controller: Dispatcher.DispatchController | null = null;
  #pendingPause = false;
  #afterHead = false;
  #aborted = false;
  #ended = false;

  constructor(sink: ResponseSink, engine: Engine) {
    this.#sink = sink;
    this.#engine = engine;
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
    this.#engine._disarm(this);
    this.#sink.end();
  }

  onResponseError(_c: Dispatcher.DispatchController, err: Error): void {
    this.#ended = true;
    this.#engine._disarm(this);
    this.#sink.fail(this.#engine._error(err, this.#afterHead), this.#afterHead);
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
