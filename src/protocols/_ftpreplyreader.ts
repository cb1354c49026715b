/**
 * Reading replies off the control connection as Python's ftplib does, over
 * `sock.makefile('r', encoding=...)`: a text file with universal newlines, so
 * `\r\n`, `\n` and a lone `\r` all end a line and each line reads as ending in
 * `\n`; `getline()` reads at most `maxline + 1` characters and fails with
 * `Error("got more than N bytes")` when it got more than `maxline`;
 * `getmultiline()` joins a `ddd-` reply with the lines after it, blank ones
 * included, up to the first line that starts with the same code followed by
 * anything but `-`. Python pulls one reply at a time; this reader is pushed
 * the decoded text as it arrives and hands out each reply (or failure) as
 * Python's `getresp` would meet it, in order.
 * @module
 */
import { FtplibError } from "./_ftperrors.js";

/**
 * What Python's `getresp` meets next on the control connection: a reply
 * (classified by the caller), a failure of `getline` (a line over `maxline`),
 * or the end of the stream (`EOFError`). `lines` are the lines read for it
 * as Python's text file gives them (`'220 hi\n'`; `''` at the end of the
 * stream), which `*get*` debug output shows.
 */
export type ReplyEvent =
  | { readonly kind: "reply"; readonly reply: string; readonly lines: readonly string[] }
  | { readonly kind: "error"; readonly error: Error; readonly lines: readonly string[] }
  | { readonly kind: "eof"; readonly lines: readonly string[] };

/**
 * The UTF-16 index `count` code points after `start` in `s`, or -1 when `s`
 * has fewer: Python counts a line's length in code points, and an astral
 * character is two UTF-16 units.
 *
 * @example
 * ```ts
 * codePointOffset("a\u{1F600}b", 0, 2); // 3
 * codePointOffset("ab", 0, 3);          // -1
 * ```
 */
export function codePointOffset(s: string, start: number, count: number): number {
  let i = start;
  const n = s.length;
  for (let k = 0; k < count; k++) {
    if (i >= n) return -1;
    const c = s.charCodeAt(i);
    i += c >= 0xd800 && c <= 0xdbff && i + 1 < n && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00 ? 2 : 1;
  }
  return i;
}

/** Python's `s[start:end]` for small non-negative indices: counted in code points. */
function pySlice(s: string, start: number, end: number): string {
  const a = codePointOffset(s, 0, start);
  if (a < 0) return "";
  const b = codePointOffset(s, a, end - start);
  return b < 0 ? s.slice(a) : s.slice(a, b);
}

/**
 * The most characters one multi-line reply may hold. Python's ftplib has no
 * bound (only each line's `maxline`); a server that never ends its reply
 * would have the client hold all it sends. Past this the reply is refused
 * as Python refuses a long line, and what follows is read afresh.
 */
export const MAX_REPLY_CHARS = 1 << 20;

/**
 * Python's universal newlines over text that arrives in pieces
 * (`io.IncrementalNewlineDecoder` under a text file): `\r\n` and a lone `\r`
 * read as `\n`. A `\r` that ends a piece is held until the next piece (or
 * the end) tells whether a `\n` follows it, so a line ended by it is only
 * read then: as in Python, where `readline` waits for that next byte.
 *
 * @example
 * ```ts
 * const nl = new UniversalNewlines();
 * nl.translate("a\r");      // "a"
 * nl.translate("\nb\r");    // "\nb"
 * nl.translate("", true);   // "\n"
 * ```
 */
export class UniversalNewlines {
  /** The last piece ended in `\r`, held back. */
  #pendingCR = false;

  /** The piece with its line ends translated; `final` at the end of the stream. */
  translate(text: string, final = false): string {
    let t = text;
    if (this.#pendingCR && (t.length > 0 || final)) {
      t = "\r" + t;
      this.#pendingCR = false;
    }
    if (!final && t.endsWith("\r")) {
      t = t.slice(0, -1);
      this.#pendingCR = true;
    }
    return t.replace(/\r\n?/g, "\n");
  }
}

/** A multi-line reply being read: its code and what has been read of it. */
interface OpenReply {
  code: string;
  text: string;
  lines: string[];
}

/**
 * Python's `getline`/`getmultiline` over text pushed in as it arrives.
 *
 * @example
 * ```ts
 * const r = new ReplyReader(() => 8192);
 * r.push("220-hello\r\n\r\n220 ");   // []
 * r.push("ready\r\n");              // [{ kind: "reply", reply: "220-hello\n\n220 ready", lines: [...] }]
 * ```
 */
export class ReplyReader {
  readonly #maxline: () => number;
  /** Translated text (line ends already `\n`) not yet taken as lines. */
  #text = "";
  readonly #newlines = new UniversalNewlines();
  #open: OpenReply | undefined;

  /** `maxline` is read for every line, as Python reads `self.maxline`. */
  constructor(maxline: () => number) {
    this.#maxline = maxline;
  }

  /** What the text completes, in order. */
  push(text: string): ReplyEvent[] {
    if (text.length === 0) return [];
    this.#text += this.#newlines.translate(text);
    return this.#lines();
  }

  /**
   * The end of the stream: a last line without a line end is read as one (as
   * Python's `readline` returns it), then `getline` meets the end.
   */
  finish(): ReplyEvent[] {
    this.#text += this.#newlines.translate("", true);
    const events = this.#lines();
    if (this.#text !== "") {
      const rest = this.#text;
      this.#text = "";
      this.#line(rest, rest, events);
    }
    const open = this.#open;
    this.#open = undefined;
    events.push({ kind: "eof", lines: [...(open?.lines ?? []), ""] });
    return events;
  }

  /**
   * Takes the lines of a multi-line reply not yet ended: what Python's
   * `getmultiline` had read (and shown) when a read of the rest failed.
   */
  takeOpenLines(): string[] {
    const lines = this.#open?.lines ?? [];
    this.#open = undefined;
    return lines;
  }

  #lines(): ReplyEvent[] {
    const events: ReplyEvent[] = [];
    const s = this.#text;
    let pos = 0;
    for (;;) {
      const max = Math.floor(this.#maxline());
      const nl = s.indexOf("\n", pos);
      // Python's readline(maxline + 1): the line with its end, or maxline + 1 characters of it;
      // counted in code points only when its UTF-16 length says it may be too long
      const span = (nl < 0 ? s.length : nl) - pos;
      const cut = max >= 0 && span >= max ? codePointOffset(s, pos, max + 1) : -1;
      if (cut >= 0 && (nl < 0 || cut <= nl + 1)) {
        // more than maxline characters, its end included: Python's getline raises with them read, the rest stays
        const open = this.#open;
        this.#open = undefined;
        events.push({ kind: "error", error: new FtplibError(`got more than ${max} bytes`), lines: open?.lines ?? [] });
        pos = cut;
        continue;
      }
      if (nl < 0) break;
      if (max < 0) {
        // readline() of a negative size reads the whole line, always longer than maxline
        const open = this.#open;
        this.#open = undefined;
        events.push({ kind: "error", error: new FtplibError(`got more than ${max} bytes`), lines: open?.lines ?? [] });
        pos = nl + 1;
        continue;
      }
      this.#line(s.slice(pos, nl), s.slice(pos, nl + 1), events);
      pos = nl + 1;
    }
    this.#text = pos === 0 ? s : s.slice(pos);
    return events;
  }

  /** One line read (`raw` as read, `line` without its end): Python's `getmultiline` step. */
  #line(line: string, raw: string, events: ReplyEvent[]): void {
    const open = this.#open;
    if (open === undefined) {
      if (pySlice(line, 3, 4) === "-") this.#open = { code: pySlice(line, 0, 3), text: line, lines: [raw] };
      else events.push({ kind: "reply", reply: line, lines: [raw] });
      return;
    }
    if (open.text.length + line.length >= MAX_REPLY_CHARS) {
      this.#open = undefined;
      events.push({ kind: "error", error: new FtplibError(`got more than ${MAX_REPLY_CHARS} characters in one reply`), lines: open.lines });
      return;
    }
    open.text += "\n" + line;
    open.lines.push(raw);
    if (pySlice(line, 0, 3) === open.code && pySlice(line, 3, 4) !== "-") {
      this.#open = undefined;
      events.push({ kind: "reply", reply: open.text, lines: open.lines });
    }
  }
}
