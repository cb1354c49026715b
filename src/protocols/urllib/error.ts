/**
 * `stdnet/urllib/error` — Python's `urllib.error`: `URLError` (an `OSError`
 * with a `reason`), `HTTPError` (a `URLError` that is also a readable
 * response: code, headers, body) and `ContentTooShortError`.
 *
 * @example
 * ```ts
 * import { urlopen } from "stdnet/urllib/request";
 * import { HTTPError, URLError } from "stdnet/urllib/error";
 * try {
 *   await urlopen("http://127.0.0.1:8000/missing");
 * } catch (e) {
 *   if (e instanceof HTTPError) console.log(e.code, e.reason, (await e.read()).toString()); // 404 Not Found …
 *   else if (e instanceof URLError) console.log(e.reason);
 * }
 * ```
 *
 * Differences from Python: `HTTPError` reads its body through Promises, like every response here.
 * @module
 */
import { OSError } from "../../sockets/errors.js";
import type { HTTPMessage } from "../http/_message.js";

/** What urllib hands back for a URL: an HTTP response or a file/data/ftp one. */
export interface UrlResponse {
  /** The status code; `null` for file: and data: URLs, as Python's `None`. */
  readonly status: number | null;
  readonly headers: HTTPMessage;
  url: string | null;
  readonly closed: boolean;
  read(amt?: number | null): Promise<Buffer>;
  readline(limit?: number): Promise<Buffer>;
  info(): HTTPMessage;
  geturl(): string | null;
  getcode(): number | null;
  close(): void;
}

function reasonText(reason: unknown): string {
  return reason instanceof Error ? reason.message : String(reason);
}

/**
 * Python's `URLError`: opening a URL failed; `reason` is the cause (an
 * error, or a text), and the message is Python's `<urlopen error …>`.
 *
 * @example
 * ```ts
 * new URLError(new ConnectionRefusedError(111)).message; // "<urlopen error [Errno 111] Connection refused>"
 * ```
 */
export class URLError extends OSError {
  static {
    this.prototype.name = "URLError";
  }
  readonly #reason: unknown;

  constructor(reason: unknown, filename?: string | null) {
    super(`<urlopen error ${reasonText(reason)}>`, undefined, {
      cause: reason instanceof Error ? reason : undefined,
      filename: filename ?? undefined,
    });
    this.#reason = reason;
  }

  /** Why it failed: an `OSError` (e.g. `ConnectionRefusedError`, `SSLCertVerificationError`) or a text. */
  get reason(): unknown {
    return this.#reason;
  }
}

/**
 * Python's `HTTPError`: the server answered with an error status (or a
 * redirect that was not followed). It is also the response: `code`,
 * `headers`, and the body through `read()`.
 *
 * @example
 * ```ts
 * try { await urlopen(url); } catch (e) {
 *   if (e instanceof HTTPError) console.log(e.message, e.headers.get("content-type")); // "HTTP Error 404: Not Found" …
 * }
 * ```
 */
export class HTTPError extends URLError {
  static {
    this.prototype.name = "HTTPError";
  }
  /** The status code, e.g. 404. */
  readonly code: number;
  /** The reason phrase, e.g. "Not Found" (Python's `msg`). */
  readonly msg: string;
  /** The response headers (`hdrs`). */
  readonly hdrs: HTTPMessage;
  /** The response to read the body from, or `null`. */
  readonly fp: UrlResponse | null;
  /** The URL that failed. */
  readonly url: string;

  constructor(url: string, code: number, msg: string, hdrs: HTTPMessage, fp: UrlResponse | null) {
    super(msg, url);
    this.message = `HTTP Error ${code}: ${msg}`;
    this.code = code;
    this.msg = msg;
    this.hdrs = hdrs;
    this.fp = fp;
    this.url = url;
  }

  /** The reason phrase, as Python's `reason` property. */
  override get reason(): string {
    return this.msg;
  }

  /** The headers, as Python's `headers` property. */
  get headers(): HTTPMessage {
    return this.hdrs;
  }

  /** The status code. */
  get status(): number {
    return this.code;
  }

  /**
   * Reads the error response's body.
   *
   * @example
   * ```ts
   * const body = await err.read();
   * ```
   */
  read(amt?: number | null): Promise<Buffer> {
    return this.fp === null ? Promise.resolve(Buffer.alloc(0)) : this.fp.read(amt);
  }

  /**
   * Reads one line of the error response's body.
   *
   * @example
   * ```ts
   * const first = await err.readline();
   * ```
   */
  readline(limit = -1): Promise<Buffer> {
    return this.fp === null ? Promise.resolve(Buffer.alloc(0)) : this.fp.readline(limit);
  }

  /**
   * The headers (Python's `info()`).
   *
   * @example
   * ```ts
   * err.info().get("retry-after");
   * ```
   */
  info(): HTTPMessage {
    return this.hdrs;
  }

  /**
   * The status code (Python's `getcode()`).
   *
   * @example
   * ```ts
   * err.getcode(); // 404
   * ```
   */
  getcode(): number {
    return this.code;
  }

  /**
   * The URL (Python's `geturl()`).
   *
   * @example
   * ```ts
   * err.geturl();
   * ```
   */
  geturl(): string {
    return this.url;
  }

  /**
   * Closes the error response.
   *
   * @example
   * ```ts
   * err.close();
   * ```
   */
  close(): void {
    this.fp?.close();
  }
}

/**
 * Python's `ContentTooShortError`: `urlretrieve` got fewer bytes than the
 * Content-Length announced; `content` is `[filename, headers]`.
 *
 * @example
 * ```ts
 * try { await urlretrieve(url, "f"); } catch (e) { if (e instanceof ContentTooShortError) console.log(e.content[0]); }
 * ```
 */
export class ContentTooShortError extends URLError {
  static {
    this.prototype.name = "ContentTooShortError";
  }
  readonly content: readonly [string, HTTPMessage];
  constructor(message: string, content: readonly [string, HTTPMessage]) {
    super(message);
    this.content = content;
  }
}
