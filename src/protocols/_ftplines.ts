/**
 * Text transfers as Python's ftplib does them: `retrlines` reads the data
 * connection as text in the session's encoding with universal newlines
 * (`\r\n`, `\r` and `\n` all end a line, each read as `\n`); `storlines`
 * reads the source by `\n`-terminated lines and sends each ending in CRLF.
 * Both stop at a line longer than `maxline`, after the lines before it, as
 * Python's.
 * @module
 */
import { lookupCodec, type Codec } from "../sockets/_codecs.js";
import { TextStreamDecoder } from "../sockets/_textstream.js";
import { FtplibError } from "./_ftperrors.js";
import { UniversalNewlines, codePointOffset } from "./_ftpreplyreader.js";

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
 * Lines of a text transfer: the complete ones, and the failure that stopped
 * the reading after them (a line over `maxline`), if any. Python's
 * `retrlines`/`storlines` deliver (or send) the lines before the failing one,
 * then raise.
 */
export interface LineBatch<T> {
  /** The lines read, in order. */
  readonly lines: T[];
  /** Set when a line over `maxline` came after them; nothing more is read. */
  readonly failure: FtplibError | undefined;
}

/**
 * Splits the bytes of a text transfer into lines as Python's `retrlines`
 * reads them from `conn.makefile('r', encoding=...)`: decoded, with universal
 * newlines, so each line reads as ending in `\n` (`\r\n` and a lone `\r`
 * translated), the last one without when the data did not end with one;
 * `readline(maxline + 1)` longer than `maxline` (in code points) is a failure.
 *
 * @example
 * ```ts
 * const r = new LineReader("utf_8", 8192);
 * r.push(Buffer.from("a\r\nb\rc")).lines; // ["a\n", "b\n"]
 * r.end().lines;                          // ["c"]
 * ```
 */
export class LineReader {
  readonly #decoder: TextStreamDecoder;
  readonly #maxline: number;
  /** Translated text not yet taken as lines. */
  #pending = "";
  readonly #newlines = new UniversalNewlines();

  constructor(codec: Codec, maxline: number) {
    // strict, as Python's makefile('r', encoding=...) under retrlines
    this.#decoder = new TextStreamDecoder(codec, "strict");
    this.#maxline = maxline;
  }

  /** The complete lines in `bytes` and what came before it. */
  push(bytes: Uint8Array): LineBatch<string> {
    return this.#split(this.#decoder.decode(bytes, false), false);
  }

  /** The last lines, the final one without a line end if the data did not end with one. */
  end(): LineBatch<string> {
    return this.#split(this.#decoder.decode(new Uint8Array(0), true), true);
  }

  #split(text: string, final: boolean): LineBatch<string> {
    const s = this.#pending + this.#newlines.translate(text, final);
    const lines: string[] = [];
    const max = this.#maxline;
    let start = 0;
    for (;;) {
      const nl = s.indexOf("\n", start);
      // Python's readline(maxline + 1): more than maxline characters, the line end included, fail;
      // counted in code points only when the line's UTF-16 length says it may be too long
      const span = (nl < 0 ? s.length : nl) - start;
      const cut = span >= max ? codePointOffset(s, start, max + 1) : -1;
      if (cut >= 0 && (nl < 0 || cut <= nl + 1)) {
        this.#pending = "";
        return { lines, failure: tooLong(max) };
      }
      if (nl < 0) break;
      lines.push(s.slice(start, nl + 1));
      start = nl + 1;
    }
    this.#pending = start === 0 ? s : s.slice(start);
    if (final && this.#pending !== "") {
      lines.push(this.#pending);
      this.#pending = "";
    }
    return { lines, failure: undefined };
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
 * w.push(Buffer.from("a\nb\r\n")).lines; // [<a\r\n>, <b\r\n>]
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

  /**
   * The complete lines in `bytes` and what came before it, CRLF-terminated;
   * a line over `maxline` stops the batch with a failure (the lines before it
   * are still there to send, as Python's `storlines` sends them).
   */
  push(bytes: Uint8Array): LineBatch<Buffer> {
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
      if (line.length > this.#maxline) return { lines: out, failure: tooLong(this.#maxline) };
      out.push(terminate(line));
      start = nl + 1;
    }
    if (start < chunk.length) {
      const rest = chunk.subarray(start);
      this.#pending.push(rest);
      this.#pendingLength += rest.length;
      if (this.#pendingLength > this.#maxline) return { lines: out, failure: tooLong(this.#maxline) };
    }
    return { lines: out, failure: undefined };
  }

  /** The last line, if the source did not end with `\n`. */
  end(): Buffer[] {
    if (this.#pendingLength === 0) return [];
    const line = Buffer.concat(this.#pending, this.#pendingLength);
    this.#pending = [];
    this.#pendingLength = 0;
    return [terminate(line)];
  }
}

/** A line as `storlines` sends it: ending in CRLF (a final `\n` or `\r` replaced, a CRLF kept). */
function terminate(line: Buffer): Buffer {
  const n = line.length;
  if (n >= 2 && line[n - 2] === CR && line[n - 1] === LF) return line;
  const last = line[n - 1];
  const body = last === LF || last === CR ? line.subarray(0, n - 1) : line;
  const framed = Buffer.allocUnsafe(body.length + 2);
  body.copy(framed, 0);
  framed[body.length] = CR;
  framed[body.length + 1] = LF;
  return framed;
}
