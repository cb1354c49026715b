/**
 * `socket.makefile()`: file objects over a connected socket, as Python's
 * `BufferedReader`/`BufferedWriter`/`BufferedRWPair` (binary modes) and
 * `TextIOWrapper` (text modes) over `SocketIO`.
 *
 * @example
 * ```ts
 * const f = sock.makefile("rwb");
 * await f.write(Buffer.from("GET / HTTP/1.0\r\n\r\n"));
 * await f.flush();
 * const status = await f.readline();
 * for await (const line of f) console.log(line);
 * f.close();
 * ```
 *
 * Differences from Python: every read, write and flush returns a Promise.
 * Encodings: utf-8 (the default), ascii and latin-1; errors: any of Python's handlers
 * ('namereplace' only for characters without a name: stdnet has no table of them).
 * @module
 */
import { OSError, ValueError, PyTypeError } from "./errors.js";
import type { StreamConnection } from "./_stream.js";
import { SocketTextFile } from "./_textfile.js";

export { SocketTextFile, UnicodeDecodeError, UnicodeEncodeError } from "./_textfile.js";

/** The options of `makefile`, as Python's keyword arguments. */
export interface MakefileOptions {
  /** Buffer size; 0 is unbuffered (binary modes only). @default 8192 */
  buffering?: number | null;
  /** Text encoding of a text file: UTF-8, latin-1 or ASCII, by any name Python's codecs know them by (others are a LookupError). @default "utf-8" */
  encoding?: string | null;
  /** Python's error handler for decoding and encoding ("strict", "replace", "surrogateescape", …; another name is a LookupError). @default "strict" */
  errors?: string | null;
  /** Newline handling, as Python's `newline`. @default null (universal newlines) */
  newline?: string | null;
}

/**
 * The byte stream under a connected socket, as its files use it: it
 * outlives `socket.close()` until every file is closed, as in Python.
 */
export interface SocketIO {
  readonly conn: StreamConnection;
  /** The socket's timeout, in seconds (null: none). */
  timeout(): number | null;
  /** Drops the file's hold on the connection; the last one closes it. */
  release(): void;
}

/** Python's `io.DEFAULT_BUFFER_SIZE`. */
export const DEFAULT_BUFFER_SIZE = 8192;

const EMPTY = Buffer.alloc(0);


function parseMode(mode: string): { reading: boolean; writing: boolean; binary: boolean } {
  const chars = new Set(mode);
  for (const c of chars) {
    if (!"rwb".includes(c)) throw new ValueError(`invalid mode '${mode}' (only r, w, b allowed)`);
  }
  if (chars.size !== mode.length) throw new ValueError(`invalid mode '${mode}' (only r, w, b allowed)`);
  const reading = chars.has("r");
  const writing = chars.has("w");
  return { reading: reading || !writing, writing, binary: chars.has("b") };
}

/**
 * A binary file over a socket: Python's `BufferedReader`, `BufferedWriter`
 * or `BufferedRWPair`, made by `sock.makefile("rb" | "wb" | "rwb")`.
 * Reads wait for the bytes asked for; writes are buffered until `flush`
 * (or until the buffer fills); `close` flushes.
 *
 * @example
 * ```ts
 * const f = sock.makefile("rb") as SocketFile;
 * const header = await f.read(4); // exactly 4 bytes, or fewer at end of stream
 * ```
 */
export class SocketFile implements AsyncIterable<Buffer> {
  /** The mode it was made with, as Python's `mode`. */
  readonly mode: string;
  readonly #io: SocketIO;
  readonly #reading: boolean;
  readonly #writing: boolean;
  readonly #bufferSize: number;
  #pending: Uint8Array[] = [];
  #pendingBytes = 0;
  #closed = false;
  #timedOut = false;

  constructor(io: SocketIO, mode: string, bufferSize: number) {
    const m = parseMode(mode);
    this.#io = io;
    this.mode = mode;
    this.#reading = m.reading;
    this.#writing = m.writing;
    this.#bufferSize = bufferSize;
  }

  /** Whether `close()` was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Whether the file reads. @example f.readable() */
  readable(): boolean {
    this.#check();
    return this.#reading;
  }

  /** Whether the file writes. @example f.writable() */
  writable(): boolean {
    this.#check();
    return this.#writing;
  }

  #check(): void {
    if (this.#closed) throw new ValueError("I/O operation on closed file.");
  }

  #checkRead(): void {
    this.#check();
    if (!this.#reading) throw new OSError("File not open for reading");
    if (this.#timedOut) throw new OSError("cannot read from timed out object");
  }

  async #guard<T>(p: Promise<T>): Promise<T> {
    try {
      return await p;
    } catch (e) {
      if (e instanceof OSError && e.name === "TimeoutError") this.#timedOut = true;
      throw e;
    }
  }

  /**
   * Reads `size` bytes (fewer only at end of stream); all until the end when
   * `size` is negative or left out.
   *
   * @example
   * ```ts
   * const rest = await f.read();
   * ```
   */
  async read(size = -1): Promise<Buffer> {
    this.#checkRead();
    const conn = this.#io.conn;
    if (size === 0) return EMPTY;
    if (size > 0) return this.#guard(conn.recv(size, this.#io.timeout(), true));
    const parts: Buffer[] = [];
    for (;;) {
      const chunk = await this.#guard(conn.recv(64 * 1024, this.#io.timeout()));
      if (chunk.length === 0) break;
      parts.push(chunk);
    }
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  }

  /**
   * Python's `peek`: bytes from the current position, not taken: at least
   * one (waiting for it), at most `size` (the buffer's size when 0) of those
   * that have arrived; empty at the end of stream.
   *
   * @example
   * ```ts
   * const next = await f.peek(); // still to be read
   * ```
   */
  async peek(size = 0): Promise<Buffer> {
    this.#checkRead();
    return this.#guard(this.#io.conn.recv(size > 0 ? size : Math.max(this.#bufferSize, 1), this.#io.timeout(), false, true));
  }

  /**
   * Reads at most `size` bytes with at most one wait, as Python's `read1`.
   *
   * @example
   * ```ts
   * const some = await f.read1(4096);
   * ```
   */
  async read1(size = -1): Promise<Buffer> {
    this.#checkRead();
    return this.#guard(this.#io.conn.recv(size < 0 ? this.#bufferSize : size, this.#io.timeout()));
  }

  /**
   * Reads into `b`; resolves to the count (fewer than its length only at end of stream).
   *
   * @example
   * ```ts
   * const n = await f.readinto(buf);
   * ```
   */
  async readinto(b: Uint8Array): Promise<number> {
    const data = await this.read(b.length);
    b.set(data, 0);
    return data.length;
  }

  /**
   * Reads one line, its `\n` included (or `size` bytes at most, or the rest at end of stream).
   *
   * @example
   * ```ts
   * const line = await f.readline(); // Buffer "220 ready\r\n"
   * ```
   */
  async readline(size = -1): Promise<Buffer> {
    this.#checkRead();
    return this.#guard(this.#io.conn.readline(size < 0 ? Number.MAX_SAFE_INTEGER : size, this.#io.timeout()));
  }

  /**
   * Reads lines until the end (or until `hint` bytes have been read).
   *
   * @example
   * ```ts
   * const lines = await f.readlines();
   * ```
   */
  async readlines(hint = -1): Promise<Buffer[]> {
    const lines: Buffer[] = [];
    let total = 0;
    for (;;) {
      const line = await this.readline();
      if (line.length === 0) break;
      lines.push(line);
      total += line.length;
      if (hint > 0 && total >= hint) break;
    }
    return lines;
  }

  /** Lines until the end of stream, as `for line in f` in Python. */
  async *[Symbol.asyncIterator](): AsyncIterator<Buffer> {
    for (;;) {
      const line = await this.readline();
      if (line.length === 0) return;
      yield line;
    }
  }

  /**
   * Buffers bytes for sending (sending at once when the buffer fills);
   * resolves to their count.
   *
   * @example
   * ```ts
   * await f.write(Buffer.from("hello\n"));
   * ```
   */
  async write(b: Uint8Array): Promise<number> {
    this.#check();
    if (!this.#writing) throw new OSError("File not open for writing");
    if (!(b instanceof Uint8Array)) throw new PyTypeError(`a bytes-like object is required, not '${typeof b}'`);
    const n = b.length;
    if (this.#bufferSize === 0) {
      await this.#io.conn.sendall(b, this.#io.timeout());
      return n;
    }
    // Copy: the caller may reuse its buffer once write resolves, as in Python.
    this.#pending.push(Buffer.from(b));
    this.#pendingBytes += n;
    if (this.#pendingBytes >= this.#bufferSize) await this.flush();
    return n;
  }

  /**
   * Sends what is buffered.
   *
   * @example
   * ```ts
   * await f.flush();
   * ```
   */
  async flush(): Promise<void> {
    this.#check();
    if (this.#pendingBytes === 0) return;
    const data = this.#pending.length === 1 ? this.#pending[0]! : Buffer.concat(this.#pending, this.#pendingBytes);
    this.#pending = [];
    this.#pendingBytes = 0;
    await this.#io.conn.sendall(data, this.#io.timeout());
  }

  /**
   * Flushes, then closes the file; the socket closes when it and all its files are closed.
   *
   * @example
   * ```ts
   * await f.close();
   * ```
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    try {
      if (this.#writing && this.#pendingBytes > 0) await this.flush();
    } finally {
      this.#closed = true;
      this.#io.release();
    }
  }

  /** Closes the file: `await using f = sock.makefile("rb")`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}


/** What `makefile(mode)` gives: a binary file for modes with "b", a text file otherwise. */
export type SocketFileFor<M extends string> = M extends `${string}b${string}` ? SocketFile : SocketTextFile;

/** Makes the file object for `socket.makefile(mode, options)`. */
export function makeFile(io: SocketIO, mode: string, options: MakefileOptions): SocketFile | SocketTextFile {
  const m = parseMode(mode);
  const buffering = options.buffering ?? -1;
  if (buffering === 0 && !m.binary) throw new ValueError("unbuffered streams must be binary");
  const size = buffering < 0 ? DEFAULT_BUFFER_SIZE : buffering;
  const binaryMode = (m.reading ? "r" : "") + (m.writing ? "w" : "") + "b";
  const file = new SocketFile(io, binaryMode, size);
  return m.binary ? file : new SocketTextFile(file, mode, options);
}
