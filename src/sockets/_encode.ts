/**
 * Python's `str.encode(codec, errors)` for UTF-8, latin-1 and ASCII, with
 * Python's error handlers: 'strict', 'ignore', 'replace',
 * 'backslashreplace', 'xmlcharrefreplace', 'surrogateescape',
 * 'surrogatepass', and 'namereplace' where it needs no character names.
 *
 * As CPython's encoders, each run of characters the codec cannot hold goes
 * to the handler whole, so a handler that fails names the rest of the run
 * from where it failed (what `UnicodeEncodeError.start`/`end` say).
 * @module
 */
import { LookupError, UnicodeEncodeError, ValueError } from "./errors.js";
import { encodeErrorText, firstUnencodable, nodeEncodingOf, type Codec } from "./_codecs.js";

/** Python's error handlers, by name. */
const HANDLERS: ReadonlySet<string> = new Set(["strict", "ignore", "replace", "backslashreplace", "xmlcharrefreplace", "namereplace", "surrogateescape", "surrogatepass"]);

/**
 * LookupError, as Python's codecs raise it, unless `errors` names one of
 * Python's error handlers.
 *
 * @example
 * ```ts
 * assertErrorHandler("bogus"); // throws LookupError: unknown error handler name 'bogus'
 * ```
 */
export function assertErrorHandler(errors: string): void {
  if (!HANDLERS.has(errors)) throw new LookupError(`unknown error handler name '${errors}'`);
}

/** Per codec, each run of characters it cannot encode (for UTF-8: lone surrogates). */
const RUNS: Readonly<Record<Codec, RegExp>> = {
  utf_8: /(?:[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff])+/g,
  latin_1: /[^\x00-\xff]+/gu,
  ascii: /[^\x00-\x7f]+/gu,
};

/**
 * `s.encode(codec, errors)` as Python gives it: UnicodeEncodeError with
 * CPython's text where the handler is 'strict' (or cannot deal with the
 * characters), LookupError for a handler Python does not have, and
 * ValueError for 'namereplace' on a character with a name (stdnet carries
 * no Unicode name table). Handlers are looked up only when a character
 * needs one, as in CPython.
 *
 * @example
 * ```ts
 * encodeText("caf\u00e9", "ascii", "xmlcharrefreplace"); // <Buffer 63 61 66 26 23 32 33 33 3b> ("caf&#233;")
 * ```
 */
export function encodeText(s: string, codec: Codec, errors: string): Buffer {
  const encoding = nodeEncodingOf(codec);
  if (firstUnencodable(codec, s) < 0) return Buffer.from(s, encoding);
  assertErrorHandler(errors);
  const parts: Buffer[] = [];
  let text = "";
  let done = 0;
  const re = RUNS[codec];
  re.lastIndex = 0;
  for (let m = re.exec(s); m !== null; m = re.exec(s)) {
    text += s.slice(done, m.index);
    done = m.index + m[0].length;
    const replaced = replacement(m[0], codec, errors);
    if (typeof replaced === "string") {
      text += replaced;
      continue;
    }
    if (typeof replaced === "number") throw new UnicodeEncodeError(encodeErrorText(codec, s, m.index + replaced));
    parts.push(Buffer.from(text, encoding), replaced);
    text = "";
  }
  text += s.slice(done);
  if (parts.length === 0) return Buffer.from(text, encoding);
  parts.push(Buffer.from(text, encoding));
  return Buffer.concat(parts);
}

/** What a handler makes of a run: text (ASCII), or bytes, or the UTF-16 index in the run where it failed. */
type Replaced = string | Buffer | number;

/** The handler `errors` applied to `run`, a run of characters `codec` cannot encode. */
function replacement(run: string, codec: Codec, errors: string): Replaced {
  switch (errors) {
    case "ignore":
      return "";
    case "replace":
      return mapPoints(run, () => "?");
    case "backslashreplace":
      return mapPoints(run, escaped);
    case "xmlcharrefreplace":
      return mapPoints(run, (cp) => `&#${cp};`);
    case "namereplace":
      return mapPoints(run, (cp) => {
        // surrogates have no names: Python writes them as backslashreplace does
        if (cp >= 0xd800 && cp <= 0xdfff) return escaped(cp);
        throw new ValueError(`stdnet cannot apply 'namereplace' to ${escaped(cp)}: it carries no table of Unicode character names`);
      });
    case "surrogateescape":
      return smuggled(run);
    case "surrogatepass":
      return codec === "utf_8" ? Buffer.from(Array.from(run, (c) => utf8Surrogate(c.charCodeAt(0))).flat()) : 0;
    default:
      return 0;
  }
}

/** The run's code points, each as `f` writes it. */
function mapPoints(run: string, f: (cp: number) => string): string {
  let out = "";
  for (const c of run) out += f(c.codePointAt(0)!);
  return out;
}

/** A code point as Python's backslashreplace writes it: \xNN, \uNNNN or \UNNNNNNNN. */
function escaped(cp: number): string {
  const hex = cp.toString(16);
  return cp < 0x100 ? `\\x${hex.padStart(2, "0")}` : cp < 0x10000 ? `\\u${hex.padStart(4, "0")}` : `\\U${hex.padStart(8, "0")}`;
}

/**
 * surrogateescape: the bytes U+DC80-U+DCFF stand for (how it decoded
 * them), up to the first character that is not one of them, where it fails.
 */
function smuggled(run: string): Replaced {
  const bytes: number[] = [];
  for (let i = 0; i < run.length; i++) {
    const u = run.charCodeAt(i);
    if (u < 0xdc80 || u > 0xdcff) return i;
    bytes.push(u - 0xdc00);
  }
  return Buffer.from(bytes);
}

/** A surrogate's three bytes in UTF-8's pattern, as 'surrogatepass' writes it. */
function utf8Surrogate(u: number): number[] {
  return [0xe0 | (u >> 12), 0x80 | ((u >> 6) & 0x3f), 0x80 | (u & 0x3f)];
}
