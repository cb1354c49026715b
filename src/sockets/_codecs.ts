/**
 * Python's codec lookup (`codecs.lookup`) for the codecs stdnet has:
 * latin-1, ASCII and UTF-8 by any of the names CPython finds them by.
 * @module
 */
import { LookupError, UnicodeEncodeError, ValueError } from "./errors.js";

/** The codecs stdnet reads and writes text with, by Python's module names. */
export type Codec = "latin_1" | "ascii" | "utf_8";

/** Python's names for them: the module names and their aliases (encodings.aliases). */
const CODECS: ReadonlyMap<string, Codec> = new Map<string, Codec>([
  ...["latin_1", "latin1", "latin", "l1", "8859", "cp819", "ibm819", "csisolatin1", "iso8859", "iso8859_1", "iso_8859_1", "iso_8859_1_1987", "iso_ir_100"].map((n) => [n, "latin_1"] as const),
  ...["ascii", "646", "us", "us_ascii", "cp367", "ibm367", "csascii", "iso646_us", "iso_646.irv_1991", "iso_ir_6", "ansi_x3.4_1968", "ansi_x3_4_1968", "ansi_x3.4_1986"].map((n) => [n, "ascii"] as const),
  ...["utf_8", "utf8", "utf", "u8", "utf8_ucs2", "utf8_ucs4", "cp65001"].map((n) => [n, "utf_8"] as const),
]);

/** The codecs' module names (the rest of CODECS' keys are aliases). */
const MODULES: ReadonlySet<string> = new Set(CODECS.values());

/**
 * The codec Python's codec lookup finds for `name`, when it is one of
 * these (undefined: another codec, or none).
 *
 * @example
 * ```ts
 * codecOf("ISO-8859-1"); // "latin_1"
 * ```
 */
export function codecOf(name: string): Codec | undefined {
  const norm = normalizeEncoding(name);
  const codec = CODECS.get(norm);
  if (codec !== undefined || !norm.includes(".")) return codec;
  // a name with a dot is looked up once more with '_' for each dot, among the aliases only
  // (encodings.search_function): 'iso8859.1' is latin-1, 'latin.1' is no codec
  const undotted = norm.replace(/\./g, "_");
  return MODULES.has(undotted) ? undefined : CODECS.get(undotted);
}

/**
 * As CPython's codec lookup normalizes an encoding's name: each run of
 * characters but ASCII letters, digits and '.' one '_' (a non-ASCII letter
 * is such a character: the C code reads UTF-8 bytes), none at the ends,
 * ASCII lower case.
 */
function normalizeEncoding(name: string): string {
  return name
    .replace(/[^A-Za-z0-9.]+/g, "_")
    .replace(/^_|_$/g, "")
    .toLowerCase();
}

/** The names CPython's `bytes.decode` and `str.encode` take straight to their codecs, normalized. */
const SHORTCUTS = new Set(["ascii", "us_ascii", "utf8", "utf_8", "latin1", "latin_1", "iso_8859_1", "iso8859_1"]);

/**
 * Whether CPython decodes and encodes with `name` without its codec
 * registry (the shortcuts of `PyUnicode_Decode` and
 * `PyUnicode_AsEncodedString`). Through the registry, an error handler's
 * TypeError or LookupError reaches the caller wrapped ("decoding with 'u8'
 * codec failed (…)").
 *
 * @example
 * ```ts
 * decodesDirectly("UTF-8"); // true
 * decodesDirectly("u8"); // false
 * ```
 */
export function decodesDirectly(name: string): boolean {
  return SHORTCUTS.has(normalizeEncoding(name));
}

/** Per codec, the characters it cannot encode, one code point a match (for UTF-8: lone surrogates). */
const UNENCODABLE: Readonly<Record<Codec, RegExp>> = {
  utf_8: /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g,
  latin_1: /[^\x00-\xff]/gu,
  ascii: /[^\x00-\x7f]/gu,
};

/**
 * The UTF-16 index of the first character of `s` that `codec` cannot
 * encode, or -1.
 *
 * @example
 * ```ts
 * firstUnencodable("ascii", "caf\u00e9"); // 3
 * ```
 */
export function firstUnencodable(codec: Codec, s: string): number {
  const re = UNENCODABLE[codec];
  re.lastIndex = 0;
  const m = re.exec(s);
  return m === null ? -1 : m.index;
}

/**
 * The codec `name` names, as Python's codec lookup finds it: ValueError for
 * a NUL in it, LookupError for a name of no codec stdnet has (`ours` says
 * which it has, after Python's text).
 *
 * @example
 * ```ts
 * lookupCodec("ISO8859.1", "stdnet's FTP speaks 'utf-8', 'latin-1' or 'ascii'"); // "latin_1"
 * ```
 */
export function lookupCodec(name: string, ours: string): Codec {
  if (name.includes("\0")) throw new ValueError("embedded null character");
  const codec = codecOf(name);
  if (codec === undefined) throw new LookupError(`unknown encoding: ${name} (${ours})`);
  return codec;
}

/**
 * Python's UnicodeEncodeError (strict) when `codec` cannot encode all of `s`.
 *
 * @example
 * ```ts
 * assertEncodable("ascii", "caf\u00e9"); // throws UnicodeEncodeError: 'ascii' codec can't encode character '\xe9' in position 3: …
 * ```
 */
export function assertEncodable(codec: Codec, s: string): void {
  const bad = firstUnencodable(codec, s);
  if (bad >= 0) throw new UnicodeEncodeError(encodeErrorText(codec, s, bad));
}

/** node's name for the bytes of a codec (ASCII is checked first, then written as latin-1). */
export function nodeEncodingOf(codec: Codec): "utf8" | "latin1" {
  return codec === "utf_8" ? "utf8" : "latin1";
}

/** Python's name for each codec in its error texts. */
const ERROR_NAMES: Readonly<Record<Codec, string>> = { utf_8: "utf-8", latin_1: "latin-1", ascii: "ascii" };

/**
 * CPython's UnicodeEncodeError text for `s`, which `codec` cannot encode
 * from UTF-16 index `at` on: the one character, or the run of them, by
 * code point position.
 *
 * @example
 * ```ts
 * encodeErrorText("ascii", "caf\u00e9", 3); // "'ascii' codec can't encode character '\\xe9' in position 3: ordinal not in range(128)"
 * ```
 */
export function encodeErrorText(codec: Codec, s: string, at: number): string {
  const cannot = (cp: number): boolean => (codec === "utf_8" ? cp >= 0xd800 && cp <= 0xdfff : cp >= (codec === "ascii" ? 0x80 : 0x100));
  // by code point, as Python counts positions
  const points = Array.from(s);
  let start = 0;
  for (let i = 0; i < at; i += points[start++]!.length);
  let end = start;
  while (end < points.length && cannot(points[end]!.codePointAt(0)!)) end++;
  const name = ERROR_NAMES[codec];
  const reason = codec === "utf_8" ? "surrogates not allowed" : `ordinal not in range(${codec === "ascii" ? 128 : 256})`;
  if (end - start > 1) return `'${name}' codec can't encode characters in position ${start}-${end - 1}: ${reason}`;
  const cp = points[start]!.codePointAt(0)!;
  const hex = cp.toString(16);
  const shown = cp < 0x100 ? `\\x${hex.padStart(2, "0")}` : cp < 0x10000 ? `\\u${hex.padStart(4, "0")}` : `\\U${hex.padStart(8, "0")}`;
  return `'${name}' codec can't encode character '${shown}' in position ${start}: ${reason}`;
}
