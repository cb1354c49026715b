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
 * Encodings: utf-8 (the default), ascii and latin-1; errors "strict" or "replace".
 * @module
 */
import { EOL } from "node:os";
import { TextDecoder } from "node:util";
import { OSError, ValueError, PyTypeError } from "./errors.js";
import type { StreamConnection } from "./_stream.js";

/** The options of `makefile`, as Python's keyword arguments. */
export interface MakefileOptions {
  /** Buffer size; 0 is unbuffered (binary modes only). @default 8192 */
  buffering?: number | null;
  /** Text encoding of a text file. @default "utf-8" */
  encoding?: string | null;
  /** How decoding errors are handled: "strict" or "replace". @default "strict" */
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

/**
 * Python's `UnicodeDecodeError` (a `ValueError`): bytes that are not valid in the encoding.
 *
 * @example
 * ```ts
 * try { await textFile.read(); } catch (e) { if (e instanceof UnicodeDecodeError) {} }
 * ```
 */
export class UnicodeDecodeError extends ValueError {
  static {
    this.prototype.name = "UnicodeDecodeError";
  }
}

/**
 * Python's `UnicodeEncodeError` (a `ValueError`): text the encoding cannot hold.
 *
 * @example
 * ```ts
 * await asciiFile.write("é"); // rejects with UnicodeEncodeError
 * ```
 */
export class UnicodeEncodeError extends ValueError {
  static {
    this.prototype.name = "UnicodeEncodeError";
  }
}

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

const ENCODINGS: Record<string, "utf-8" | "latin-1" | "ascii"> = {
  "utf-8": "utf-8",
  utf8: "utf-8",
  "utf_8": "utf-8",
  "latin-1": "latin-1",
  latin1: "latin-1",
  "latin_1": "latin-1",
  "iso-8859-1": "latin-1",
  "iso8859-1": "latin-1",
  ascii: "ascii",
  "us-ascii": "ascii",
};

/**
 * A text file over a socket, as Python's `TextIOWrapper`, made by
 * `sock.makefile("r" | "w" | "rw", { encoding, errors, newline })`.
 * Multi-byte characters split across packets decode whole; newlines are
 * translated as Python's `newline` option says.
 *
 * @example
 * ```ts
 * const f = sock.makefile("rw", { encoding: "utf-8" }) as SocketTextFile;
 * await f.write("héllo\n");
 * await f.flush();
 * const reply = await f.readline(); // "échoed\n"
 * ```
 */
export class SocketTextFile implements AsyncIterable<string> {
  /** The mode it was made with. */
  readonly mode: string;
  /** The encoding, as Python's `encoding`. */
  readonly encoding: string;
  /** The error handling, as Python's `errors`. */
  readonly errors: string;
  /** The binary file underneath, as Python's `buffer`. */
  readonly buffer: SocketFile;
  readonly #kind: "utf-8" | "latin-1" | "ascii";
  readonly #newline: string | null;
  readonly #decoder: TextDecoder | undefined;
  #text = "";
  #pendingCR = false;
  #eof = false;

  constructor(buffer: SocketFile, mode: string, options: MakefileOptions) {
    const encoding = (options.encoding ?? "utf-8").toLowerCase();
    const kind = ENCODINGS[encoding];
    if (kind === undefined) throw new PyTypeError(`unknown encoding: ${options.encoding}`);
    const errors = options.errors ?? "strict";
    if (errors !== "strict" && errors !== "replace") throw new ValueError(`unsupported errors handler: ${errors}`);
    const newline = options.newline ?? null;
    if (newline !== null && !["", "\n", "\r", "\r\n"].includes(newline)) throw new ValueError(`illegal newline value: ${newline}`);
    this.buffer = buffer;
    this.mode = mode;
    this.encoding = options.encoding ?? "utf-8";
    this.errors = errors;
    this.#kind = kind;
    this.#newline = newline;
    this.#decoder = kind === "utf-8" ? new TextDecoder("utf-8", { fatal: errors === "strict", ignoreBOM: true }) : undefined;
  }

  /** Whether `close()` was called. */
  get closed(): boolean {
    return this.buffer.closed;
  }

  #decode(bytes: Buffer, final: boolean): string {
    if (this.#decoder !== undefined) {
      try {
        return this.#decoder.decode(bytes, { stream: !final });
      } catch (e) {
        throw new UnicodeDecodeError("'utf-8' codec can't decode bytes: invalid utf-8 data", { cause: e });
      }
    }
    if (this.#kind === "ascii") {
      for (let i = 0; i < bytes.length; i++) {
        if (bytes[i]! > 0x7f) {
          if (this.errors === "strict") {
            throw new UnicodeDecodeError(`'ascii' codec can't decode byte 0x${bytes[i]!.toString(16)} in position ${i}: ordinal not in range(128)`);
          }
          return [...bytes].map((b) => (b > 0x7f ? "\ufffd" : String.fromCharCode(b))).join("");
        }
      }
    }
    return bytes.toString("latin1");
  }

  #encode(text: string): Buffer {
    if (this.#kind === "utf-8") return Buffer.from(text, "utf8");
    const limit = this.#kind === "ascii" ? 0x7f : 0xff;
    for (let i = 0; i < text.length; i++) {
      if (text.charCodeAt(i) > limit) {
        if (this.errors === "strict") {
          throw new UnicodeEncodeError(`'${this.#kind === "ascii" ? "ascii" : "latin-1"}' codec can't encode character '\\u${text.charCodeAt(i).toString(16).padStart(4, "0")}' in position ${i}: ordinal not in range(${limit + 1})`);
        }
        const out = Buffer.allocUnsafe(text.length);
        for (let k = 0; k < text.length; k++) out[k] = text.charCodeAt(k) > limit ? 0x3f : text.charCodeAt(k);
        return out;
      }
    }
    return Buffer.from(text, "latin1");
  }

  /** Translates decoded text as `newline=None` asks: \r\n and \r become \n. */
  #translate(text: string): string {
    if (this.#newline !== null) return text;
    let t = text;
    if (this.#pendingCR) {
      t = "\r" + t;
      this.#pendingCR = false;
    }
    if (t.endsWith("\r") && !this.#eof) {
      t = t.slice(0, -1);
      this.#pendingCR = true;
    }
    return t.replace(/\r\n?/g, "\n");
  }

  /** Pulls one more chunk into the text buffer; false at end of stream. */
  async #fill(): Promise<boolean> {
    if (this.#eof) return false;
    const chunk = await this.buffer.read1(DEFAULT_BUFFER_SIZE);
    if (chunk.length === 0) {
      this.#eof = true;
      this.#text += this.#translate(this.#decode(EMPTY, true));
      return this.#text.length > 0;
    }
    this.#text += this.#translate(this.#decode(chunk, false));
    return true;
  }

  /**
   * Reads `size` characters (fewer only at the end); all when negative.
   *
   * @example
   * ```ts
   * const all = await f.read();
   * ```
   */
  async read(size = -1): Promise<string> {
    while ((size < 0 || this.#text.length < size) && (await this.#fill())) {
      // keep filling
    }
    const n = size < 0 ? this.#text.length : Math.min(size, this.#text.length);
    const out = this.#text.slice(0, n);
    this.#text = this.#text.slice(n);
    return out;
  }

  #lineEnd(): number {
    const nl = this.#newline;
    if (nl === null || nl === "\n") return this.#text.indexOf("\n") + 1 || -1;
    if (nl === "\r\n" || nl === "\r") {
      const i = this.#text.indexOf(nl);
      return i < 0 ? -1 : i + nl.length;
    }
    // newline "": any of \n, \r\n, \r ends a line, untranslated.
    const m = /\r\n|\r(?!$)|\n/.exec(this.#text);
    return m === null ? -1 : m.index + m[0].length;
  }

  /**
   * Reads one line, its line end included (`size` characters at most).
   *
   * @example
   * ```ts
   * const line = await f.readline(); // "hello\n"
   * ```
   */
  async readline(size = -1): Promise<string> {
    for (;;) {
      const end = this.#lineEnd();
      if (end > 0 && (size < 0 || end <= size)) {
        const line = this.#text.slice(0, end);
        this.#text = this.#text.slice(end);
        return line;
      }
      if (size >= 0 && this.#text.length >= size) return this.read(size);
      if (!(await this.#fill())) return this.read();
    }
  }

  /**
   * Reads lines until the end.
   *
   * @example
   * ```ts
   * const lines = await f.readlines();
   * ```
   */
  async readlines(): Promise<string[]> {
    const lines: string[] = [];
    for (let line = await this.readline(); line !== ""; line = await this.readline()) lines.push(line);
    return lines;
  }

  /** Lines until the end of stream. */
  async *[Symbol.asyncIterator](): AsyncIterator<string> {
    for (;;) {
      const line = await this.readline();
      if (line === "") return;
      yield line;
    }
  }

  /**
   * Encodes and buffers text (`\n` written as the platform's line end, or as
   * `newline` says); resolves to the count of characters.
   *
   * @example
   * ```ts
   * await f.write("hello\n");
   * ```
   */
  async write(s: string): Promise<number> {
    if (typeof s !== "string") throw new PyTypeError(`write() argument must be str, not ${typeof s}`);
    const nl = this.#newline === null ? EOL : this.#newline;
    const text = nl === "" || nl === "\n" ? s : s.replaceAll("\n", nl);
    await this.buffer.write(this.#encode(text));
    return s.length;
  }

  /** Sends what is buffered. @example await f.flush(); */
  flush(): Promise<void> {
    return this.buffer.flush();
  }

  /** Flushes and closes. @example await f.close(); */
  close(): Promise<void> {
    return this.buffer.close();
  }

  /** Closes the file: `await using f = sock.makefile("r")`. */
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
