/**
 * Python's `HTTPConnection`: the request state machine,
 * Python's validation of methods, URLs and headers (before anything is sent),
 * Python's automatic headers (Host, Accept-Encoding, Content-Length), over one
 * keep-alive engine connection.
 * @module
 */
import type { ConnectionOptions } from "node:tls";
import { getdefaulttimeout } from "../../sockets/_defaulttimeout.js";
import { ConnectionError, RuntimeError, ValueError } from "../../sockets/errors.js";
import { repr } from "../../sockets/repr.js";
import { CannotSendHeader, CannotSendRequest, HTTPException, InvalidURL, ResponseNotReady, _MAXHEADERS } from "./_errors.js";
import {
  DISALLOWED_METHOD_CHAR,
  DISALLOWED_URL_CHAR,
  ILLEGAL_HEADER_VALUE,
  LEGAL_HEADER_NAME,
  METHODS_EXPECTING_BODY,
  asciiHost,
  chunksOf,
  encodeBody,
  isIterable,
  encodable,
  parsePort,
  stripIPv6Zone,
  type HeaderValue,
  type RequestBody,
} from "./_requestchecks.js";
import { ResponseChannel } from "./_channel.js";
import { HTTPResponse } from "./_response.js";
import { Engine, type EngineOptions, type EngineRequest, type Flow } from "./_undici.js";


/**
 * Python's `http.client.HTTP_PORT`.
 *
 * @example
 * ```ts
 * new HTTPConnection("h").port === HTTP_PORT; // true
 * ```
 */
export const HTTP_PORT = 80;
/**
 * Python's `http.client.HTTPS_PORT`.
 *
 * @example
 * ```ts
 * new HTTPSConnection("h").port === HTTPS_PORT; // true
 * ```
 */
export const HTTPS_PORT = 443;

const _CS_IDLE = "Idle";
const _CS_REQ_STARTED = "Request-started";
const _CS_REQ_SENT = "Request-sent";
type State = typeof _CS_IDLE | typeof _CS_REQ_STARTED | typeof _CS_REQ_SENT;

/** Python's keyword arguments of `HTTPConnection`. */
export interface HTTPConnectionOptions {
  /** Seconds for connecting and for each wait on the server; `null` for none; omitted: `socket.getdefaulttimeout()`. */
  timeout?: number | null;
  /** `[host, port]` to send from (the host is honoured; undici chooses the port). */
  source_address?: readonly [string, number] | null;
  /** Python's send block size; kept for compatibility. @default 8192 */
  blocksize?: number;
}

/**
 * Python's `HTTPConnection`: one keep-alive connection to one server, used
 * for one request at a time. The calls that wait on the network return Promises.
 *
 * @example
 * ```ts
 * const conn = new HTTPConnection("localhost", 8080, { timeout: 10 });
 * await conn.request("GET", "/status");
 * const resp = await conn.getresponse();
 * console.log(resp.status, (await resp.read()).toString());
 * conn.close();
 * ```
 */
export class HTTPConnection {
  /** Python's class attribute: 80. */
  static readonly default_port: number = HTTP_PORT;
  /** `HTTP/1.1`: the only version spoken. */
  readonly _http_vsn = 11;
  readonly _http_vsn_str = "HTTP/1.1";
  /** The host, without brackets for IPv6. */
  readonly host: string;
  readonly port: number;
  /** Python's timeout in seconds, or `null`. */
  timeout: number | null;
  source_address: readonly [string, number] | null;
  blocksize: number;
  /** The level set by `set_debuglevel`; above 0, requests and replies are printed. */
  debuglevel = 0;

  #engine: Engine | null = null;
  #state: State = _CS_IDLE;
  #response: HTTPResponse | null = null;
  #method = "GET";
  #url = "/";
  #headers: string[] = [];
  #bodyParts: Uint8Array[] | null = null;
  #expectedBodyBytes = 0;
  #chunkedRequested = false;
  #channel: ResponseChannel | null = null;
  #dispatched = false;
  #hostHeader: string | undefined;
  /** Python's `_tunnel_host`/`_tunnel_port`/`_tunnel_headers`, set by `set_tunnel`. */
  _tunnel_host: string | null = null;
  _tunnel_port: number | null = null;
  _tunnel_headers: [string, string][] = [];

  constructor(host: string, port?: number | null, options: HTTPConnectionOptions = {}) {
    this.timeout = options.timeout === undefined ? getdefaulttimeout() : options.timeout;
    this.source_address = options.source_address ?? null;
    this.blocksize = options.blocksize ?? 8192;
    [this.host, this.port] = this._get_hostport(host, port ?? null);
    const bad = DISALLOWED_URL_CHAR.exec(this.host);
    if (bad !== null) throw new InvalidURL(`URL can't contain control characters. ${repr(this.host)} (found at least ${repr(bad[0])})`);
  }

  /** The port used when none is given: 80 here, 443 for HTTPS. */
  get default_port(): number {
    return (this.constructor as typeof HTTPConnection).default_port;
  }

  /** Python's `_get_hostport`: splits `host:port` and `[v6]:port`. */
  _get_hostport(host: string, port: number | null): [string, number] {
    if (port === null) {
      const i = host.lastIndexOf(":");
      const j = host.lastIndexOf("]");
      if (i > j) {
        const text = host.slice(i + 1);
        const parsed = parsePort(text);
        if (parsed !== null) port = parsed;
        else if (text === "") port = this.default_port;
        else throw new InvalidURL(`nonnumeric port: '${text}'`);
        host = host.slice(0, i);
      } else {
        port = this.default_port;
      }
    }
    if (host.startsWith("[") && host.endsWith("]")) host = host.slice(1, -1);
    return [host, port];
  }

  /**
   * Python's `set_debuglevel`: above 0, print what is sent and received.
   *
   * @example
   * ```ts
   * conn.set_debuglevel(1);
   * ```
   */
  set_debuglevel(level: number): void {
    this.debuglevel = level;
  }

  /** Makes the engine of this connection (urlopen's share their dispatcher). */
  protected _newEngine(options: EngineOptions): Engine {
    return new Engine(options);
  }

  /** The engine options of this connection (HTTPS adds TLS). */
  protected _engineTLS(): { tls?: ConnectionOptions } {
    return {};
  }

  /**
   * Opens the connection now (Python's `connect`); otherwise the first request opens it.
   *
   * @example
   * ```ts
   * await conn.connect();
   * ```
   */
  connect(): Promise<void> {
    this.#engine ??= this._newEngine(this.#engineOptions());
    return Promise.resolve();
  }

  /**
   * Closes the connection; a response being read through it stays readable
   * only if it was handed off (`will_close`), as in Python.
   *
   * @example
   * ```ts
   * conn.close();
   * ```
   */
  close(): void {
    const state = this.#state;
    this.#state = _CS_IDLE;
    if (state === _CS_REQ_SENT && this.#channel !== null && this.#channel.head === null) this.#channel.flow?.abort();
    this.#channel = null;
    this.#bodyParts = null;
    const engine = this.#engine;
    this.#engine = null;
    engine?.close();
    const response = this.#response;
    this.#response = null;
    response?.close();
  }

  /**
   * urllib's `h.sock.close(); h.sock = None`: lets go of the connection
   * without closing the response being read through it (it ends the connection when done).
   *
   * @example
   * ```ts
   * const r = await h.getresponse(); h._close_socket(); await r.read();
   * ```
   */
  _close_socket(): void {
    const engine = this.#engine;
    this.#engine = null;
    this.#response = null;
    this.#state = _CS_IDLE;
    engine?.close();
  }

  /** `await using conn = new HTTPConnection(…)` closes it, as Python's `with`. */
  [Symbol.asyncDispose](): Promise<void> {
    this.close();
    return Promise.resolve();
  }

  /**
   * Python's `putrequest`: starts a request line; adds `Host` and
   * `Accept-Encoding: identity` unless skipped. Control characters in the
   * method or URL throw `ValueError`/`InvalidURL` here, before anything is sent.
   *
   * @example
   * ```ts
   * conn.putrequest("POST", "/upload");
   * ```
   */
  putrequest(method: string, url: string, skip_host = false, skip_accept_encoding = false): void {
    if (this.#response !== null && this.#response.isclosed()) this.#response = null;
    if (this.#state === _CS_IDLE) this.#state = _CS_REQ_STARTED;
    else throw new CannotSendRequest(this.#state);
    const badMethod = DISALLOWED_METHOD_CHAR.exec(method);
    if (badMethod !== null) {
      throw new ValueError(`method can't contain control characters. ${repr(method)} (found at least ${repr(badMethod[0])})`);
    }
    this.#method = method;
    url = url || "/";
    const badUrl = DISALLOWED_URL_CHAR.exec(url);
    if (badUrl !== null) throw new InvalidURL(`URL can't contain control characters. ${repr(url)} (found at least ${repr(badUrl[0])})`);
    // the request line goes out as ASCII, as Python's putrequest encodes it
    encodable(`${method} ${url} ${this._http_vsn_str}`, "ascii");
    this.#url = url;
    this.#headers = [];
    this.#bodyParts = null;
    this.#expectedBodyBytes = 0;
    this.#chunkedRequested = false;
    this.#dispatched = false;
    this.#channel = null;
    if (!skip_host) {
      let netloc = "";
      if (url.startsWith("http")) {
        const m = /^[A-Za-z][A-Za-z0-9+\-.]*:\/\/([^/?#]*)/.exec(url);
        netloc = m?.[1] ?? "";
      }
      if (netloc) {
        this.putheader("Host", stripIPv6Zone(asciiHost(netloc)));
      } else {
        this.putheader("Host", (this.#hostHeader ??= this.#makeHostHeader()));
      }
    }
    if (!skip_accept_encoding) this.putheader("Accept-Encoding", "identity");
  }

  #makeHostHeader(): string {
    const tunnelled = this._tunnel_host !== null;
    let host = asciiHost(tunnelled ? this._tunnel_host! : this.host);
    const port = tunnelled ? this._tunnel_port! : this.port;
    if (host.includes(":")) host = stripIPv6Zone(`[${host}]`);
    return port === this.default_port ? host : `${host}:${port}`;
  }

  /**
   * Python's `set_tunnel`: the host given to the constructor is a proxy;
   * requests go to `host:port` through an HTTP CONNECT tunnel (TLS inside it
   * for HTTPSConnection). Call it before the connection opens.
   *
   * @example
   * ```ts
   * const conn = new HTTPSConnection("proxy.local", 3128);
   * conn.set_tunnel("example.org", 443, { "Proxy-Authorization": "Basic …" });
   * await conn.request("GET", "/");
   * ```
   */
  set_tunnel(host: string, port?: number | null, headers?: Readonly<Record<string, string>> | null): void {
    if (this.#engine !== null) throw new RuntimeError("Can't set up tunnel for established connection");
    [this._tunnel_host, this._tunnel_port] = this._get_hostport(host, port ?? null);
    this._tunnel_headers = headers ? Object.entries(headers) : [];
    this.#hostHeader = undefined;
  }

  #engineOptions(): EngineOptions {
    const tunnel = this._tunnel_host === null ? null : { host: this._tunnel_host, port: this._tunnel_port!, headers: this._tunnel_headers };
    return { host: this.host, port: this.port, timeout: this.timeout, source_address: this.source_address, tunnel, ...this._engineTLS() };
  }

  /**
   * Python's `putheader`: one header with one or more values (joined by
   * `\r\n\t`). An illegal name or a value that would split the request
   * throws `ValueError`.
   *
   * @example
   * ```ts
   * conn.putheader("Content-Type", "application/json");
   * ```
   */
  putheader(header: string, ...values: HeaderValue[]): void {
    if (this.#state !== _CS_REQ_STARTED) throw new CannotSendHeader();
    // as Python: the name encoded as ASCII, each value as latin-1, each checked as the bytes it became
    const name = encodable(header, "ascii");
    if (!LEGAL_HEADER_NAME.test(name)) throw new ValueError(`Invalid header name ${repr(Buffer.from(name, "latin1"))}`);
    const texts = values.map((v) => {
      const text = typeof v === "number" ? String(v) : typeof v === "string" ? encodable(v, "latin_1") : Buffer.from(v).toString("latin1");
      if (ILLEGAL_HEADER_VALUE.test(text)) throw new ValueError(`Invalid header value ${repr(Buffer.from(text, "latin1"))}`);
      return text;
    });
    const value = texts.join("\r\n\t");
    const lower = name.toLowerCase();
    if (lower === "transfer-encoding") {
      // undici writes the chunked framing itself; the header comes with it.
      if (value.trim().toLowerCase() !== "chunked") throw new ValueError(`Unsupported Transfer-Encoding ${repr(value)}: only chunked is sent`);
      this.#chunkedRequested = true;
      return;
    }
    if (lower === "content-length") this.#expectedBodyBytes = Number.parseInt(value, 10) || 0;
    // undici refuses obs-fold; a recipient reads CRLF+WS as one space (RFC 9112 5.2).
    this.#headers.push(name, value.replace(/\r?\n[ \t]+/g, " "));
  }

  /**
   * Python's `endheaders`: ends the headers and sends the request, with
   * `message_body` if given. Without a body but with a Content-Length, the
   * request goes out once `send()` has supplied that many bytes (or at `getresponse()`).
   *
   * @example
   * ```ts
   * await conn.endheaders(Buffer.from("payload"));
   * ```
   */
  async endheaders(message_body?: RequestBody | null, options: { encode_chunked?: boolean } = {}): Promise<void> {
    if (this.#state === _CS_REQ_STARTED) this.#state = _CS_REQ_SENT;
    else throw new CannotSendHeader();
    if (options.encode_chunked === true) this.#chunkedRequested = true;
    if (message_body !== undefined && message_body !== null) {
      await this.#dispatch(typeof message_body === "string" ? encodeBody(message_body) : message_body);
    } else if (this.#expectedBodyBytes > 0 || this.#chunkedRequested) {
      this.#bodyParts = [];
    } else {
      await this.#dispatch(null);
    }
  }

  /**
   * Python's `send`: body bytes after `endheaders()`.
   *
   * @example
   * ```ts
   * conn.putrequest("PUT", "/f"); conn.putheader("Content-Length", 5); await conn.endheaders();
   * await conn.send(Buffer.from("hello"));
   * ```
   */
  async send(data: Uint8Array | string): Promise<void> {
    const bytes = typeof data === "string" ? encodeBody(data) : data;
    if (this.#bodyParts === null || this.#dispatched) {
      throw new CannotSendRequest(`Cannot send body: ${this.#dispatched ? "the request has been sent" : "no request is waiting for a body"}`);
    }
    this.#bodyParts.push(Uint8Array.from(bytes));
    const total = this.#bodyParts.reduce((n, p) => n + p.length, 0);
    if (!this.#chunkedRequested && total >= this.#expectedBodyBytes) await this.#flushBody();
  }

  async #flushBody(): Promise<void> {
    const parts = this.#bodyParts ?? [];
    this.#bodyParts = null;
    await this.#dispatch(this.#chunkedRequested ? parts : Buffer.concat(parts));
  }

  async #dispatch(body: Uint8Array | Iterable<Uint8Array | string> | AsyncIterable<Uint8Array | string> | null): Promise<void> {
    this.#dispatched = true;
    let engineBody: EngineRequest["body"] = null;
    if (body instanceof Uint8Array) {
      engineBody = this.#chunkedRequested ? chunksOf([body]) : body;
    } else if (body !== null && isIterable(body)) {
      engineBody = chunksOf(body as Iterable<Uint8Array | string>);
    }
    if (this.debuglevel > 0) {
      let head = `${this.#method} ${this.#url} ${this._http_vsn_str}\r\n`;
      for (let i = 0; i + 1 < this.#headers.length; i += 2) head += `${this.#headers[i]!}: ${this.#headers[i + 1]!}\r\n`;
      console.log(`send: ${repr(Buffer.from(head + "\r\n", "latin1"))}`);
    }
    this.#engine ??= this._newEngine(this.#engineOptions());
    const channel = new ResponseChannel(this.debuglevel);
    let flow: Flow;
    try {
      flow = this.#engine.dispatch({ method: this.#method, path: this.#url, headers: this.#headers, body: engineBody }, channel);
    } catch (e) {
      // Refused before anything was written: the connection stays usable.
      this.#state = _CS_IDLE;
      throw e;
    }
    channel.flow = flow;
    this.#channel = channel;
    // Python's request() returns once the request is written; with an unread
    // earlier response the engine queues it, and waiting would deadlock.
    if (this.#response !== null) return;
    while (!channel.isStarted && channel.error === null) await channel.wait();
    if (channel.error !== null && channel.head === null) {
      if (channel.error instanceof ConnectionError) this.#dropEngine();
      throw channel.error;
    }
  }

  #dropEngine(): void {
    const engine = this.#engine;
    this.#engine = null;
    engine?.destroy();
  }

  /**
   * Python's `request`: sends a whole request. Python's automatic headers:
   * `Host`, `Accept-Encoding: identity`, and `Content-Length` for a known-size
   * body (or for an empty POST/PUT/PATCH); an iterable body goes chunked.
   * Resolves once the request is being written (connection errors reject here).
   *
   * @example
   * ```ts
   * await conn.request("POST", "/api", JSON.stringify({ a: 1 }), { "Content-Type": "application/json" });
   * ```
   */
  async request(
    method: string,
    url: string,
    body: RequestBody | null = null,
    headers: Readonly<Record<string, HeaderValue>> | Iterable<readonly [string, HeaderValue]> = {},
    options: { encode_chunked?: boolean } = {},
  ): Promise<void> {
    const entries: (readonly [string, HeaderValue])[] = isIterable(headers)
      ? [...(headers)]
      : Object.entries(headers);
    const names = new Set(entries.map(([k]) => k.toLowerCase()));
    this.putrequest(method, url, names.has("host"), names.has("accept-encoding"));
    let encode_chunked = options.encode_chunked ?? false;
    if (!names.has("content-length")) {
      if (!names.has("transfer-encoding")) {
        encode_chunked = false;
        const length = HTTPConnection._get_content_length(body, method);
        if (length === null) {
          if (body !== null) {
            encode_chunked = true;
            this.putheader("Transfer-Encoding", "chunked");
          }
        } else {
          this.putheader("Content-Length", String(length));
        }
      }
    } else {
      encode_chunked = false;
    }
    for (const [k, v] of entries) this.putheader(k, v);
    const payload = typeof body === "string" ? encodeBody(body) : body;
    if (this.#state === _CS_REQ_STARTED) this.#state = _CS_REQ_SENT;
    else throw new CannotSendHeader();
    if (encode_chunked) this.#chunkedRequested = true;
    await this.#dispatch(payload);
  }

  /** Python's `_get_content_length`: the Content-Length Python would send, or `null`. */
  static _get_content_length(body: RequestBody | null, method: string): number | null {
    if (body === null) return METHODS_EXPECTING_BODY.has(method.toUpperCase()) ? 0 : null;
    if (body instanceof Uint8Array) return body.length;
    if (typeof body === "string") return body.length;
    return null;
  }

  /**
   * Python's `getresponse`: waits for the status line and headers of the
   * response to the request sent. `ResponseNotReady` if no request was sent
   * or the previous response is still unread.
   *
   * @example
   * ```ts
   * const resp = await conn.getresponse();
   * ```
   */
  async getresponse(): Promise<HTTPResponse> {
    if (this.#response !== null && this.#response.isclosed()) this.#response = null;
    if (this.#state !== _CS_REQ_SENT || this.#response !== null) throw new ResponseNotReady(this.#state);
    if (!this.#dispatched) await this.#flushBody();
    const channel = this.#channel!;
    while (channel.head === null && channel.error === null) await channel.wait();
    if (channel.head === null) {
      this.close();
      throw channel.error!;
    }
    this.#state = _CS_IDLE;
    if (channel.head.raw.length > 2 * _MAXHEADERS) {
      // Python stops at the 101st header line.
      this.close();
      throw new HTTPException(`got more than ${_MAXHEADERS} headers`);
    }
    const response = new HTTPResponse(channel, this.#method);
    if (response.will_close) this.close();
    else this.#response = response;
    return response;
  }
}
