/**
 * Text transfers as Python's ftplib does them: `retrlines` reads the data
 * connection as text in the session's encoding with universal newlines
 * (`\r\n`, `\r` and `\n` all end a line) and hands each line over without its
 * end; `storlines` reads the source by `\n`-terminated lines and sends each
 * ending in CRLF. Both refuse a line longer than `maxline`, as Python's.
 * @module
 */
import { lookupCodec, type Codec } from "../sockets/_codecs.js";
import { TextStreamDecoder } from "../sockets/_textstream.js";
import { FtplibError } from "./_ftperrors.js";

/**
 * The codec of a Python encoding name for an FTP session: UTF-8, latin-1 or
 * ASCII by any name Python's codecs know them by (others are a LookupError).
 *
 * @example
 * ```ts
 * ftpCodec("ISO-8859-1"); // "latin_1"
 * ```
 */
export function ftpCodec(encoding: string): Codec {
  return lookupCodec(encoding, "stdnet's FTP speaks 'utf-8', 'latin-1' or 'ascii'");
}

function tooLong(maxline: number): FtplibError {
  return new FtplibError(`got more than ${maxline} bytes`);
}

/**
 * Splits the bytes of a text transfer into lines as Python's `retrlines`
 * reads them: decoded, universal newlines, line ends removed.
 *
 * @example
 * ```ts
 * const r = new LineReader("utf_8", 8192);
 * r.push(Buffer.from("a\r\nb\rc")); // ["a", "b"]
 * r.end();                          // ["c"]
 * ```
 */
export class LineReader {
  readonly #decoder: TextStreamDecoder;
  readonly #maxline: number;
  #pending = "";
  #skipLF = false;

  constructor(codec: Codec, maxline: number) {
    // strict, as Python's makefile('r', encoding=...) under retrlines
    this.#decoder = new TextStreamDecoder(codec, "strict");
    this.#maxline = maxline;
  }

  /** The complete lines in `bytes` and what came before it. */
  push(bytes: Uint8Array): string[] {
    return this.#split(this.#decoder.decode(bytes, false));
  }

  /** The last line, if the data did not end with a line end. */
  end(): string[] {
    const lines = this.#split(this.#decoder.decode(new Uint8Array(0), true));
    if (this.#pending !== "") lines.push(this.#pending);
    this.#pending = "";
    return lines;
  }

  #split(text: string): string[] {
    const s = this.#pending + text;
    const lines: string[] = [];
    const max = this.#maxline;
    let start = 0;
    if (this.#skipLF && s.length > 0) {
      if (s.charCodeAt(0) === 10) start = 1;
      this.#skipLF = false;
    }
    const n = s.length;
    for (let i = start; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c !== 10 && c !== 13) continue;
      if (i - start + 1 > max) throw tooLong(max);
      lines.push(s.slice(start, i));
      if (c === 13) {
        if (i + 1 < n) {
          if (s.charCodeAt(i + 1) === 10) i++;
        } else this.#skipLF = true;
      }
      start = i + 1;
    }
    this.#pending = start === 0 ? s : s.slice(start);
    if (this.#pending.length > max) throw tooLong(max);
    return lines;
  }
}

const LF = 10;
const CR = 13;

/**
 * Turns a byte stream into the lines `storlines` sends: cut after each `\n`,
 * each ending in CRLF (a lone `\n`, or a `\r` at the very end, is replaced;
 * a line already ending in CRLF is kept), as Python's `storlines`.
 *
 * @example
 * ```ts
 * const w = new LineWriter(8192);
 * w.push(Buffer.from("a\nb\r\n")); // [<a\r\n>, <b\r\n>]
 * w.end();                         // []
 * ```
 */
export class LineWriter {
  readonly #maxline: number;
  #pending: Buffer[] = [];
  #pendingLength = 0;

  constructor(maxline: number) {
    this.#maxline = maxline;
  }

  /** The complete lines in `bytes` and what came before it, CRLF-terminated. */
  push(bytes: Uint8Array): Buffer[] {
    const chunk = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const out: Buffer[] = [];
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(LF, start);
      if (nl < 0) break;
      const piece = chunk.subarray(start, nl + 1);
      let line: Buffer;
      if (this.#pendingLength > 0) {
        this.#pending.push(piece);
        line = Buffer.concat(this.#pending, this.#pendingLength + piece.length);
        this.#pending = [];
        this.#pendingLength = 0;
      } else line = piece;
      out.push(this.#terminate(line));
      start = nl + 1;
    }
    if (start < chunk.length) {
      const rest = chunk.subarray(start);
      this.#pending.push(rest);
      this.#pendingLength += rest.length;
      if (this.#pendingLength > this.#maxline) throw tooLong(this.#maxline);
    }
    return out;
  }

  /** The last line, if the source did not end with `\n`. */
  end(): Buffer[] {
    if (this.#pendingLength === 0) return [];
    const line = Buffer.concat(this.#pending, this.#pendingLength);
    this.#pending = [];
    this.#pendingLength = 0;
    return [this.#terminate(line)];
  }

  #terminate(line: Buffer): Buffer {
    const n = line.length;
    if (n > this.#maxline) throw tooLong(this.#maxline);
    if (n >= 2 && line[n - 2] === CR && line[n - 1] === LF) return line;
    const last = line[n - 1];
    const body = last === LF || last === CR ? line.subarray(0, n - 1) : line;
    const framed = Buffer.allocUnsafe(body.length + 2);
    body.copy(framed, 0);
    framed[body.length] = CR;
    framed[body.length + 1] = LF;
    return framed;
  }
}
