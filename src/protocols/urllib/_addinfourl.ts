/**
 * Python's `urllib.response.addinfourl`: the response of a file:, data: or
 * ftp: URL — a readable body with headers, a URL and (for these schemes) no status.
 * @module
 */
import type { FileHandle } from "node:fs/promises";
import type { HTTPMessage } from "../http/_message.js";
import type { UrlResponse } from "./error.js";

const EMPTY = Buffer.alloc(0);

/** Where an addinfourl's bytes come from. */
export interface BodySource {
  /** Up to `n` bytes; an empty buffer at the end. */
  read(n: number): Promise<Buffer>;
  close(): Promise<void>;
}

/** A body held in memory. */
export function bufferSource(data: Uint8Array): BodySource {
  let off = 0;
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return {
    read: (n) => {
      const out = buf.subarray(off, Math.min(buf.length, off + n));
      off += out.length;
      return Promise.resolve(out);
    },
    close: () => Promise.resolve(),
  };
}

/** A body read from an open file. */
export function fileSource(fh: FileHandle): BodySource {
  return {
    read: async (n) => {
      const buf = Buffer.allocUnsafe(n);
      const { bytesRead } = await fh.read(buf, 0, n, null);
      return buf.subarray(0, bytesRead);
    },
    close: () => fh.close(),
  };
}

const BLOCK = 64 * 1024;

/**
 * A response of a file:, data: or ftp: URL, as Python's `addinfourl`.
 *
 * @example
 * ```ts
 * const r = await urlopen("data:,hello");
 * r.status;                 // null
 * (await r.read()).toString(); // "hello"
 * ```
 */
export class addinfourl implements UrlResponse, AsyncIterable<Buffer> {
  readonly headers: HTTPMessage;
  url: string | null;
  /** `null` for file: and data: URLs, as Python's `None`. */
  readonly status: number | null;
  readonly #source: BodySource;
  #pending: Buffer = EMPTY;
  #eof = false;
  #closed = false;

  constructor(source: BodySource, headers: HTTPMessage, url: string, code: number | null = null) {
    this.#source = source;
    this.headers = headers;
    this.url = url;
    this.status = code;
  }

  /** Python's `code`: the same as `status`. */
  get code(): number | null {
    return this.status;
  }

  /** Whether `close()` was called. */
  get closed(): boolean {
    return this.#closed;
  }

  async #fill(): Promise<boolean> {
    if (this.#eof || this.#closed) return false;
    const chunk = await this.#source.read(BLOCK);
    if (chunk.length === 0) {
      this.#eof = true;
      return false;
    }
    this.#pending = this.#pending.length === 0 ? chunk : Buffer.concat([this.#pending, chunk]);
    return true;
  }

  /**
   * Reads everything, or up to `amt` bytes.
   *
   * @example
   * ```ts
   * await r.read(1024);
   * ```
   */
  async read(amt?: number | null): Promise<Buffer> {
    if (this.#closed) return EMPTY;
    const all = amt === undefined || amt === null || amt < 0;
    while ((all || this.#pending.length < amt) && (await this.#fill()));
    const n = all ? this.#pending.length : Math.min(amt, this.#pending.length);
    const out = this.#pending.subarray(0, n);
    this.#pending = this.#pending.subarray(n);
    return out;
  }

  /**
   * Reads one line, at most `limit` bytes.
   *
   * @example
   * ```ts
   * await r.readline();
   * ```
   */
  async readline(limit = -1): Promise<Buffer> {
    if (this.#closed) return EMPTY;
    const max = limit < 0 ? Infinity : limit;
    for (;;) {
      const nl = this.#pending.indexOf(10);
      if ((nl >= 0 && nl < max) || this.#pending.length >= max || !(await this.#fill())) break;
    }
    const nl = this.#pending.indexOf(10);
    const n = Math.min(nl >= 0 ? nl + 1 : this.#pending.length, max);
    const out = this.#pending.subarray(0, n);
    this.#pending = this.#pending.subarray(n);
    return out;
  }

  /** Iterates over lines, as Python's `for line in r`. */
  async *[Symbol.asyncIterator](): AsyncIterator<Buffer> {
    for (;;) {
      const line = await this.readline();
      if (line.length === 0) return;
      yield line;
    }
  }

  /**
   * The headers.
   *
   * @example
   * ```ts
   * r.info().get("Content-type");
   * ```
   */
  info(): HTTPMessage {
    return this.headers;
  }

  /**
   * The URL.
   *
   * @example
   * ```ts
   * r.geturl();
   * ```
   */
  geturl(): string | null {
    return this.url;
  }

  /**
   * The status (`null` for file: and data:).
   *
   * @example
   * ```ts
   * r.getcode(); // null
   * ```
   */
  getcode(): number | null {
    return this.status;
  }

  /**
   * Closes the body.
   *
   * @example
   * ```ts
   * r.close();
   * ```
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#source.close().catch(() => undefined);
  }

  /** `await using r = await urlopen(…)`. */
  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
    await Promise.resolve();
  }
}
