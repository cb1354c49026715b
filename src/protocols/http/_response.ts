/**
 * Python's `http.client.HTTPResponse` over the engine's callbacks: the body
 * is buffered as it arrives (up to a high-water mark, then the connection is
 * paused) and handed out by `read`, `read1`, `readinto`, `readline` with
 * Python's rules for Content-Length, chunked bodies and HEAD.
 * @module
 */
import { TimeoutError } from "../../sockets/errors.js";
import { IncompleteRead } from "./_errors.js";
import { HTTPMessage } from "./_message.js";
import { EMPTY, HIGH_WATER, type ResponseChannel } from "./_channel.js";

/** Python's `_METHODS`/statuses with no body. */
function bodyless(method: string, status: number): boolean {
  return method === "HEAD" || status === 204 || status === 304 || (status >= 100 && status < 200);
}

/**
 * A response of `HTTPConnection.getresponse()`, as Python's `HTTPResponse`.
 * Reads are async; the body is buffered as it arrives.
 *
 * @example
 * ```ts
 * const resp = await conn.getresponse();
 * console.log(resp.status, resp.reason, resp.getheader("Content-Type"));
 * const body = await resp.read();
 * ```
 */
export class HTTPResponse implements AsyncIterable<Buffer> {
  /** The status code, e.g. 200. */
  readonly status: number;
  /** The reason phrase the server sent, e.g. "OK". */
  readonly reason: string;
  /** 11 for HTTP/1.1 (undici speaks only HTTP/1.1 to the server; an HTTP/1.0 reply also reads 11). */
  readonly version: number = 11;
  /** The headers, as Python's `HTTPMessage`; `msg` is the same object. */
  readonly headers: HTTPMessage;
  /** The length still to read from a Content-Length body, or `null`. */
  length: number | null;
  /** Whether the body is chunked. */
  readonly chunked: boolean;
  /** Whether the server will close the connection after this response. */
  readonly will_close: boolean;
  /** Set by urllib: the URL this response answers. */
  url: string | null = null;
  /** The debug level of the connection that made it. */
  debuglevel: number;
  readonly #channel: ResponseChannel;
  readonly #method: string;
  #closed = false;

  /** Made by `HTTPConnection.getresponse()`; not constructed by users. */
  constructor(channel: ResponseChannel, method: string) {
    const head = channel.head!;
    this.#channel = channel;
    this.#method = method;
    this.debuglevel = channel.debuglevel;
    this.status = head.status;
    this.reason = head.reason;
    // One pass: the pairs, and the three headers the framing depends on.
    const raw = head.raw;
    const pairs: [string, string][] = new Array<[string, string]>(raw.length >> 1);
    let te: string | null = null;
    let cl: string | null = null;
    let conn: string | null = null;
    for (let i = 0, j = 0; i + 1 < raw.length; i += 2, j++) {
      const name = raw[i]!;
      const value = raw[i + 1]!;
      pairs[j] = [name, value];
      if (name.length === 10 || name.length === 14 || name.length === 17) {
        const lower = name.toLowerCase();
        if (lower === "connection") conn ??= value;
        else if (lower === "content-length") cl ??= value;
        else if (lower === "transfer-encoding") te ??= value;
      }
    }
    this.headers = new HTTPMessage(pairs);
    this.chunked = te !== null && te.toLowerCase() === "chunked";
    let length: number | null = null;
    if (cl !== null && !this.chunked && /^\s*\d+\s*$/.test(cl)) length = Number.parseInt(cl, 10);
    if (bodyless(method, this.status)) length = 0;
    this.length = length;
    let willClose = conn !== null && conn.toLowerCase().includes("close");
    if (!willClose && !this.chunked && this.length === null) willClose = true;
    this.will_close = willClose;
  }

  /** The same `HTTPMessage` as `headers` (Python's `msg`). */
  get msg(): HTTPMessage {
    return this.headers;
  }

  /** Python's `code` (deprecated there): the status. */
  get code(): number {
    return this.status;
  }

  /**
   * Whether the body has been read to its end or the response closed (Python's `closed`).
   *
   * @example
   * ```ts
   * await resp.read(); resp.closed; // true
   * ```
   */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Python's `isclosed()`: the same as `closed`.
   *
   * @example
   * ```ts
   * if (!resp.isclosed()) await resp.read();
   * ```
   */
  isclosed(): boolean {
    return this.#closed;
  }

  /**
   * The values of a header joined by ", ", or `default_` when absent.
   *
   * @example
   * ```ts
   * resp.getheader("content-length"); // "1024"
   * ```
   */
  getheader<T = null>(name: string, default_: T = null as T): string | T {
    const all = this.headers.get_all(name);
    if (all === null) {
      if (Array.isArray(default_)) return (default_ as unknown[]).map(String).join(", ");
      return default_;
    }
    return all.join(", ");
  }

  /**
   * Every `[name, value]` header pair, in order.
   *
   * @example
   * ```ts
   * resp.getheaders(); // [["Content-Type", "text/plain"], …]
   * ```
   */
  getheaders(): [string, string][] {
    return this.headers.items();
  }

  /**
   * Python's `info()`: the headers.
   *
   * @example
   * ```ts
   * resp.info().get_content_charset();
   * ```
   */
  info(): HTTPMessage {
    return this.headers;
  }

  /**
   * Python's `getcode()`: the status.
   *
   * @example
   * ```ts
   * resp.getcode(); // 200
   * ```
   */
  getcode(): number {
    return this.status;
  }

  /**
   * Python's `geturl()`: the URL, when urllib set it.
   *
   * @example
   * ```ts
   * (await urlopen(u)).geturl();
   * ```
   */
  geturl(): string | null {
    return this.url;
  }

  #finish(): void {
    this.#closed = true;
  }

  #bodyError(got: Buffer | null, expected: number | null): Error {
    const err = this.#channel.error!;
    if (err instanceof TimeoutError) return err;
    if (this.length !== null || this.chunked) return new IncompleteRead(got ?? EMPTY, expected, { cause: err });
    return err;
  }

  async #waitFor(done: () => boolean, demand: number): Promise<void> {
    const ch = this.#channel;
    if (done() || ch.ended) return;
    ch.want(demand);
    while (!done() && !ch.ended) await ch.wait();
    ch.demand = 0;
  }

  /**
   * Reads the whole body, or up to `amt` bytes (fewer only at its end).
   * A body cut short raises `IncompleteRead` for a whole read, as Python.
   *
   * @example
   * ```ts
   * const all = await resp.read();
   * const first = await resp.read(100);
   * ```
   */
  async read(amt?: number | null): Promise<Buffer> {
    if (this.#closed) return EMPTY;
    const ch = this.#channel;
    if (this.#method === "HEAD") {
      this.close();
      return EMPTY;
    }
    if (amt === undefined || amt === null || amt < 0) {
      await this.#waitFor(() => false, Infinity);
      const all = ch.take(-1);
      if (ch.error !== null) {
        this.close();
        throw this.#bodyError(all, this.length === null ? null : this.length - all.length);
      }
      if (this.length !== null) this.length = 0;
      this.#finish();
      return all;
    }
    if (this.length !== null && amt > this.length) amt = this.length;
    const want = amt;
    await this.#waitFor(() => ch.buffered >= want, want);
    return this.#account(ch.take(want), want > 0);
  }

  /**
   * Reads what has arrived, at most `n` bytes (waiting only if nothing has), as Python's `read1`.
   *
   * @example
   * ```ts
   * const some = await resp.read1(65536);
   * ```
   */
  async read1(n = -1): Promise<Buffer> {
    if (this.#closed || this.#method === "HEAD") return EMPTY;
    const ch = this.#channel;
    if (this.length !== null && (n < 0 || n > this.length)) n = this.length;
    if (n === 0) return EMPTY;
    await this.#waitFor(() => ch.buffered > 0, 1);
    const s = ch.take(n);
    if (s.length === 0) {
      if (ch.error !== null && (this.chunked || ch.error instanceof TimeoutError)) {
        this.close();
        throw this.#bodyError(s, null);
      }
      this.#finish();
    } else if (this.length !== null) {
      this.length -= s.length;
    }
    return s;
  }

  /**
   * Reads into `b`, returning how many bytes were written (Python's `readinto`).
   *
   * @example
   * ```ts
   * const buf = new Uint8Array(4096);
   * const n = await resp.readinto(buf);
   * ```
   */
  async readinto(b: Uint8Array): Promise<number> {
    const data = await this.read(b.length);
    b.set(data, 0);
    return data.length;
  }

  /**
   * Reads one line (up to and including `\n`), at most `limit` bytes.
   *
   * @example
   * ```ts
   * const line = await resp.readline();
   * ```
   */
  async readline(limit = -1): Promise<Buffer> {
    if (this.#closed || this.#method === "HEAD") return EMPTY;
    const ch = this.#channel;
    if (this.length !== null && (limit < 0 || limit > this.length)) limit = this.length;
    const max = limit < 0 ? Infinity : limit;
    await this.#waitFor(() => ch.lineEnd(max) >= 0 || ch.buffered >= max, HIGH_WATER);
    const end = ch.lineEnd(max);
    return this.#account(ch.take(end >= 0 ? end : Math.min(ch.buffered, max)), max > 0);
  }

  /**
   * Books bytes just taken from the body: an empty take where bytes were
   * wanted is the end (or, for a chunked body or a timeout, the error that
   * cut it); otherwise the count left of a sized body goes down.
   */
  #account(s: Buffer, wanted: boolean): Buffer {
    const ch = this.#channel;
    if (s.length === 0 && wanted) {
      if (ch.error !== null && (this.chunked || ch.error instanceof TimeoutError)) {
        this.close();
        throw this.#bodyError(s, null);
      }
      this.#finish();
    } else if (this.length !== null) {
      this.length -= s.length;
      if (this.length === 0) this.#finish();
    }
    return s;
  }

  /**
   * Iterates over the body's lines, as Python's `for line in resp`.
   *
   * @example
   * ```ts
   * for await (const line of resp) process(line);
   * ```
   */
  async *[Symbol.asyncIterator](): AsyncIterator<Buffer> {
    for (;;) {
      const line = await this.readline();
      if (line.length === 0) return;
      yield line;
    }
  }

  /**
   * Closes the response; an unread rest of the body is dropped (and its connection closed).
   *
   * @example
   * ```ts
   * resp.close();
   * ```
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    const ch = this.#channel;
    if (!ch.ended) ch.flow?.abort();
  }

  /** `await using resp = await conn.getresponse()` closes it, as Python's `with`. */
  [Symbol.asyncDispose](): Promise<void> {
    this.close();
    return Promise.resolve();
  }
}
