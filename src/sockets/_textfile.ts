/**
 * The text files of `socket.makefile("r" | "w" | "rw")`: Python's
 * `TextIOWrapper` over a binary socket file, with its encodings (utf-8,
 * ascii, latin-1), error handlers and newline translation.
 * @module
 */
import { EOL } from "node:os";
import { PyTypeError, ValueError } from "./errors.js";
import { lookupCodec, type Codec } from "./_codecs.js";
import { assertErrorHandler, encodeText } from "./_encode.js";
import type { MakefileOptions, SocketFile } from "./makefile.js";
import { TextStreamDecoder } from "./_textstream.js";

export { UnicodeEncodeError } from "./errors.js";
export { UnicodeDecodeError } from "./_textstream.js";

/** Python's `io.DEFAULT_BUFFER_SIZE`, the size of each read of a text file. */
const READ_SIZE = 8192;

const EMPTY = Buffer.alloc(0);

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
  readonly #codec: Codec;
  readonly #newline: string | null;
  readonly #decoder: TextStreamDecoder;
  #text = "";
  #pendingCR = false;
  #eof = false;

  constructor(buffer: SocketFile, mode: string, options: MakefileOptions) {
    const encoding = options.encoding ?? "utf-8";
    // UTF-8, latin-1 and ASCII by any name Python's codec registry finds them by; other codecs are refused
    const codec = lookupCodec(encoding, "stdnet's text files read and write 'utf-8', 'latin-1' and 'ascii'");
    const errors = options.errors ?? "strict";
    // any of Python's handlers; another name is refused here, as Python's development mode checks it
    assertErrorHandler(errors);
    const newline = options.newline ?? null;
    if (newline !== null && !["", "\n", "\r", "\r\n"].includes(newline)) throw new ValueError(`illegal newline value: ${newline}`);
    this.buffer = buffer;
    this.mode = mode;
    this.encoding = encoding;
    this.errors = errors;
    this.#codec = codec;
    this.#newline = newline;
    this.#decoder = new TextStreamDecoder(codec, errors);
  }

  /** Whether `close()` was called. */
  get closed(): boolean {
    return this.buffer.closed;
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
    const chunk = await this.buffer.read1(READ_SIZE);
    if (chunk.length === 0) {
      this.#eof = true;
      this.#text += this.#translate(this.#decoder.decode(EMPTY, true));
      return this.#text.length > 0;
    }
    this.#text += this.#translate(this.#decoder.decode(chunk, false));
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
    await this.buffer.write(encodeText(text, this.#codec, this.errors));
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
