/**
 * An in-memory binary file, Python's `io.BytesIO`, with the reading and
 * writing calls of `SocketFile` returning Promises, so a handler's code reads
 * the same whether `rfile`/`wfile` are a datagram's (`DatagramRequestHandler`)
 * or a connection's (`StreamRequestHandler`).
 * @module
 */
import { PyTypeError, ValueError } from "./errors.js";

/** Runs `fn` now; its result or its exception as a settled Promise, as an async call gives them. */
function settled<T>(fn: () => T): Promise<T> {
  try {
    return Promise.resolve(fn());
  } catch (e) {
    return Promise.reject(e instanceof Error ? e : new Error(String(e)));
  }
}

/**
 * Python's `io.BytesIO` for request handlers: `read`, `readline`, `write`…
 * return Promises (resolved at once); `getvalue`, `tell`, `seek` do not.
 *
 * @example
 * ```ts
 * const f = new BytesIO(Buffer.from("one\ntwo\n"));
 * await f.readline(); // <Buffer "one\n">
 * ```
 */
export class BytesIO implements AsyncIterable<Buffer> {
  #buf: Buffer;
  #size: number;
  #pos = 0;
  #closed = false;

  /**
   * Python's `BytesIO(initial_bytes)`; the bytes are copied.
   *
   * @example
   * ```ts
   * const out = new BytesIO();
   * ```
   */
  constructor(initial_bytes: Uint8Array = new Uint8Array(0)) {
    this.#buf = Buffer.from(initial_bytes);
    this.#size = this.#buf.length;
  }

  /** Whether `close()` was called. */
  get closed(): boolean {
    return this.#closed;
  }

  #check(): void {
    if (this.#closed) throw new ValueError("I/O operation on closed file.");
  }

  /**
   * The whole content, as Python's `getvalue()`.
   *
   * @example
   * ```ts
   * out.getvalue(); // <Buffer …>
   * ```
   */
  getvalue(): Buffer {
    this.#check();
    return Buffer.from(this.#buf.subarray(0, this.#size));
  }

  /**
   * The position.
   *
   * @example
   * ```ts
   * f.tell(); // 0
   * ```
   */
  tell(): number {
    this.#check();
    return this.#pos;
  }

  /**
   * Moves the position: from the start (`whence` 0), the position (1) or the end (2).
   *
   * @example
   * ```ts
   * f.seek(0);
   * ```
   */
  seek(pos: number, whence = 0): number {
    this.#check();
    const base = whence === 0 ? 0 : whence === 1 ? this.#pos : whence === 2 ? this.#size : NaN;
    if (Number.isNaN(base)) throw new ValueError(`invalid whence (${whence}, should be 0, 1 or 2)`);
    if (whence === 0 && pos < 0) throw new ValueError(`negative seek value ${pos}`);
    this.#pos = Math.max(0, base + pos);
    return this.#pos;
  }

  #take(n: number): Buffer {
    const end = Math.min(this.#size, this.#pos + n);
    const out = Buffer.from(this.#buf.subarray(Math.min(this.#pos, end), end));
    this.#pos = Math.max(this.#pos, end);
    return out;
  }

  /**
   * Reads `size` bytes (all that is left when negative or left out).
   *
   * @example
   * ```ts
   * const data = await f.read();
   * ```
   */
  read(size = -1): Promise<Buffer> {
    return settled(() => {
      this.#check();
      return this.#take(size < 0 ? this.#size : size);
    });
  }

  /**
   * The same as `read` for an in-memory file.
   *
   * @example
   * ```ts
   * const data = await f.read1(100);
   * ```
   */
  read1(size = -1): Promise<Buffer> {
    return this.read(size);
  }

  /**
   * Reads one line, its `\n` included (at most `size` bytes).
   *
   * @example
   * ```ts
   * const line = await f.readline();
   * ```
   */
  readline(size = -1): Promise<Buffer> {
    return settled(() => {
      this.#check();
      const nl = this.#pos < this.#size ? this.#buf.subarray(0, this.#size).indexOf(0x0a, this.#pos) : -1;
      let n = nl < 0 ? this.#size - this.#pos : nl + 1 - this.#pos;
      if (size >= 0) n = Math.min(n, size);
      return this.#take(Math.max(0, n));
    });
  }

  /**
   * Reads the remaining lines.
   *
   * @example
   * ```ts
   * const lines = await f.readlines();
   * ```
   */
  async readlines(): Promise<Buffer[]> {
    const lines: Buffer[] = [];
    for (let line = await this.readline(); line.length > 0; line = await this.readline()) lines.push(line);
    return lines;
  }

  /** Lines until the end, as `for line in f` in Python. */
  async *[Symbol.asyncIterator](): AsyncIterator<Buffer> {
    for (let line = await this.readline(); line.length > 0; line = await this.readline()) yield line;
  }

  /**
   * Writes bytes at the position; resolves to their count.
   *
   * @example
   * ```ts
   * await out.write(Buffer.from("reply\n"));
   * ```
   */
  write(b: Uint8Array): Promise<number> {
    return settled(() => this.#write(b));
  }

  #write(b: Uint8Array): number {
    this.#check();
    if (!(b instanceof Uint8Array)) throw new PyTypeError(`a bytes-like object is required, not '${typeof b}'`);
    const end = this.#pos + b.length;
    if (end > this.#buf.length) {
      const grown = Buffer.alloc(Math.max(end, this.#buf.length * 2));
      this.#buf.copy(grown, 0, 0, this.#size);
      this.#buf = grown;
    }
    if (this.#pos > this.#size) this.#buf.fill(0, this.#size, this.#pos);
    this.#buf.set(b, this.#pos);
    this.#pos = end;
    this.#size = Math.max(this.#size, end);
    return b.length;
  }

  /**
   * Nothing to flush in memory.
   *
   * @example
   * ```ts
   * await out.flush();
   * ```
   */
  flush(): Promise<void> {
    return settled(() => this.#check());
  }

  /**
   * Closes the file; `getvalue()` is no longer allowed, as in Python.
   *
   * @example
   * ```ts
   * await f.close();
   * ```
   */
  close(): Promise<void> {
    this.#closed = true;
    return Promise.resolve();
  }
}
