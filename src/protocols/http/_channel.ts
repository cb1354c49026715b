/**
 * The body buffer between undici and an `HTTPResponse`: it records what the
 * engine reports (start, head, chunks, end, failure), wakes whoever waits,
 * and pauses the connection past a high-water mark until the reader catches up.
 * @module
 */
import type { Flow, ResponseSink } from "./_undici.js";

/** Bytes buffered before the connection is paused. */
export const HIGH_WATER = 1 << 20;
/** The empty body. */
export const EMPTY = Buffer.alloc(0);

/** The head of a response as the engine delivered it. */
export interface ResponseHead {
  status: number;
  reason: string;
  raw: string[];
}

/**
 * The engine's view of one request: it records what the engine reports and
 * wakes whoever waits (the connection for `started`/`head`, the response for the body).
 */
export class ResponseChannel implements ResponseSink {
  flow: Flow | null = null;
  head: ResponseHead | null = null;
  error: Error | null = null;
  errorAfterHead = false;
  isStarted = false;
  ended = false;
  paused = false;
  chunks: Buffer[] = [];
  first = 0;
  buffered = 0;
  received = 0;
  demand = 0;
  #waiters: (() => void)[] = [];
  readonly debuglevel: number;

  constructor(debuglevel = 0) {
    this.debuglevel = debuglevel;
  }

  started(): void {
    this.isStarted = true;
    this.#wake();
  }

  onHead(status: number, reason: string, raw: string[]): void {
    this.head = { status, reason, raw };
    if (this.debuglevel > 0) {
      console.log(`reply: 'HTTP/1.1 ${status} ${reason}\\r\\n'`);
      for (let i = 0; i + 1 < raw.length; i += 2) console.log(`header: ${raw[i]!}: ${raw[i + 1]!}`);
    }
    this.#wake();
  }

  data(chunk: Buffer): boolean {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    this.received += chunk.length;
    this.#wake();
    if (this.buffered >= HIGH_WATER && this.buffered >= this.demand) {
      this.paused = true;
      return false;
    }
    return true;
  }

  /** A reader waits for `n` bytes: let the engine deliver at least that many. */
  want(n: number): void {
    this.demand = n;
    if (this.paused && this.buffered < n) {
      this.paused = false;
      this.flow?.resume();
    }
  }

  end(): void {
    this.ended = true;
    this.#wake();
  }

  fail(error: Error, afterHead: boolean): void {
    this.error = error;
    this.errorAfterHead = afterHead;
    this.ended = true;
    this.#wake();
  }

  /** Resolves at the next event from the engine. */
  wait(): Promise<void> {
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  #wake(): void {
    const ws = this.#waiters;
    if (ws.length === 0) return;
    this.#waiters = [];
    for (const w of ws) w();
  }

  /** Takes up to `n` buffered bytes (all of them for `n < 0`). */
  take(n: number): Buffer {
    if (n < 0 || n > this.buffered) n = this.buffered;
    if (n === 0) return EMPTY;
    const head = this.chunks[this.first]!;
    let out: Buffer;
    if (head.length >= n) {
      out = head.subarray(0, n);
      if (head.length === n) this.chunks[this.first++] = EMPTY;
      else this.chunks[this.first] = head.subarray(n);
    } else {
      out = Buffer.allocUnsafe(n);
      let off = 0;
      while (off < n) {
        const c = this.chunks[this.first]!;
        const k = Math.min(c.length, n - off);
        c.copy(out, off, 0, k);
        off += k;
        if (k === c.length) this.chunks[this.first++] = EMPTY;
        else this.chunks[this.first] = c.subarray(k);
      }
    }
    this.buffered -= n;
    if (this.first > 64 && this.first * 2 > this.chunks.length) {
      this.chunks = this.chunks.slice(this.first);
      this.first = 0;
    }
    if (this.paused && this.buffered < HIGH_WATER / 2) {
      this.paused = false;
      this.flow?.resume();
    }
    return out;
  }

  /** Index just past the first `\n` within the first `limit` buffered bytes, or -1. */
  lineEnd(limit: number): number {
    let seen = 0;
    for (let i = this.first; i < this.chunks.length; i++) {
      const c = this.chunks[i]!;
      const j = c.indexOf(10);
      if (j >= 0 && seen + j < limit) return seen + j + 1;
      seen += c.length;
      if (seen >= limit) return -1;
    }
    return -1;
  }
}
