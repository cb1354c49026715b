/**
 * The quoting half of Python's `urllib.parse`: percent-encoding (`quote`,
 * `unquote` and their `_plus`/bytes forms), `urlencode`, `parse_qs`,
 * `parse_qsl` (a port of CPython 3.11).
 * @module
 */
import { LookupError, PyTypeError, ValueError } from "../../sockets/errors.js";
import { decodesDirectly, lookupCodec, type Codec } from "../../sockets/_codecs.js";
import { encodeText as encodeWith } from "../../sockets/_encode.js";
import { DecodeError, decodeText } from "../../sockets/_decode.js";
import { UnicodeDecodeError } from "../../sockets/_textstream.js";

export { UnicodeError } from "../../sockets/errors.js";


const HEX = "0123456789ABCDEF";
const ALWAYS_SAFE = new Uint8Array(128);
for (const c of "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-~") ALWAYS_SAFE[c.charCodeAt(0)] = 1;
const PCT: string[] = Array.from({ length: 256 }, (_, b) => `%${HEX[b >> 4]!}${HEX[b & 15]!}`);
const utf8Encoder = new TextEncoder();

/** The codec of `encoding` (default UTF-8), by any name Python's codec registry finds it by. */
function codec(encoding: string | undefined): Codec {
  return lookupCodec(encoding ?? "utf-8", "stdnet's urllib.parse speaks 'utf-8', 'latin-1' or 'ascii'");
}


/**
 * An error met decoding or encoding with `name`, as CPython raises it: its
 * handler's LookupError or TypeError wrapped when the codec came from the
 * registry (see decodesDirectly).
 */
function codecFailure(name: string, action: "decoding" | "encoding", type: "LookupError" | "TypeError" | "ValueError", message: string): Error {
  const text = decodesDirectly(name) ? message : `${action} with '${name}' codec failed (${type}: ${message})`;
  return type === "LookupError" ? new LookupError(text) : type === "TypeError" ? new PyTypeError(text) : new ValueError(text);
}

/** `str.encode(encoding, errors)` for the codecs above, with Python's error handlers and texts. */
export function encodeText(s: string, encoding?: string, errors: string = "strict"): Uint8Array {
  const c = codec(encoding);
  try {
    return encodeWith(s, c, errors);
  } catch (e) {
    if (e instanceof LookupError) throw codecFailure(encoding ?? "utf-8", "encoding", "LookupError", e.message);
    throw e;
  }
}

/** `bytes.decode(encoding, errors)` for the codecs above, with CPython's error handlers and texts. */
export function decodeBytes(b: Uint8Array, encoding = "utf-8", errors: string = "replace"): string {
  const c = codec(encoding);
  if (c === "latin_1") return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("latin1");
  try {
    return decodeText(b, 0, b.length, c, errors);
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
    if (e.type === "UnicodeDecodeError") throw new UnicodeDecodeError(e.message);
    throw codecFailure(encoding, "decoding", e.type, e.message);
  }
}

function safeTable(safe: string | Uint8Array): Uint8Array {
  const t = ALWAYS_SAFE.slice();
  if (typeof safe === "string") {
    for (let i = 0; i < safe.length; i++) {
      const c = safe.charCodeAt(i);
      if (c < 128) t[c] = 1;
    }
  } else {
    for (const c of safe) if (c < 128) t[c] = 1;
  }
  return t;
}

/**
 * Python's `quote_from_bytes`: percent-encode every byte that is neither
 * always safe (`A-Za-z0-9_.-~`) nor in `safe`.
 *
 * @example
 * ```ts
 * quote_from_bytes(new Uint8Array([0x61, 0x20, 0x3f])); // "a%20%3F"
 * ```
 */
export function quote_from_bytes(bs: Uint8Array, safe: string | Uint8Array = "/"): string {
  if (!(bs instanceof Uint8Array)) throw new PyTypeError("quote_from_bytes() expected bytes");
  if (bs.length === 0) return "";
  const table = safeTable(safe);
  let out = "";
  let run = 0;
  for (let i = 0; i < bs.length; i++) {
    const b = bs[i]!;
    if (b < 128 && table[b] === 1) continue;
    if (i > run) out += String.fromCharCode(...bs.subarray(run, i));
    out += PCT[b]!;
    run = i + 1;
  }
  if (run === 0) return String.fromCharCode(...bs);
  if (run < bs.length) out += String.fromCharCode(...bs.subarray(run));
  return out;
}

/**
 * Python's `quote`: percent-encode a string (as UTF-8 by default) for use in
 * a URL; `/` is safe unless `safe` says otherwise.
 *
 * @example
 * ```ts
 * quote("/a b/ü"); // "/a%20b/%C3%BC"
 * ```
 */
export function quote(string: string | Uint8Array, safe: string | Uint8Array = "/", encoding?: string, errors?: string): string {
  if (typeof string === "string") {
    if (string === "") return string;
    return quote_from_bytes(encodeText(string, encoding, errors ?? "strict"), safe);
  }
  if (encoding !== undefined) throw new PyTypeError("quote() doesn't support 'encoding' for bytes");
  if (errors !== undefined) throw new PyTypeError("quote() doesn't support 'errors' for bytes");
  return quote_from_bytes(string, safe);
}

/**
 * Python's `quote_plus`: `quote` for HTML form values; spaces become `+`,
 * and `/` is not safe by default.
 *
 * @example
 * ```ts
 * quote_plus("a b&c"); // "a+b%26c"
 * ```
 */
export function quote_plus(string: string | Uint8Array, safe: string | Uint8Array = "", encoding?: string, errors?: string): string {
  const hasSpace = typeof string === "string" ? string.includes(" ") : string.includes(0x20);
  if (!hasSpace) return quote(string, safe, encoding, errors);
  const withSpace = typeof safe === "string" ? safe + " " : Uint8Array.from([...safe, 0x20]);
  return quote(string, withSpace, encoding, errors).replaceAll(" ", "+");
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 65 && c <= 70) return c - 55;
  if (c >= 97 && c <= 102) return c - 87;
  return -1;
}

/**
 * Python's `unquote_to_bytes`: `%xx` escapes to bytes; a malformed escape
 * stays as it is.
 *
 * @example
 * ```ts
 * unquote_to_bytes("a%20b%zz"); // bytes of "a b%zz"
 * ```
 */
export function unquote_to_bytes(string: string | Uint8Array): Uint8Array {
  const src = typeof string === "string" ? utf8Encoder.encode(string) : string;
  if (!src.includes(0x25)) return Uint8Array.from(src);
  const out = new Uint8Array(src.length);
  let n = 0;
  for (let i = 0; i < src.length; i++) {
    const b = src[i]!;
    if (b === 0x25 && i + 2 < src.length) {
      const hi = hexValue(src[i + 1]!);
      const lo = hexValue(src[i + 2]!);
      if (hi >= 0 && lo >= 0) {
        out[n++] = (hi << 4) | lo;
        i += 2;
        continue;
      }
    }
    out[n++] = b;
  }
  return out.slice(0, n);
}

/**
 * Python's `unquote`: `%xx` escapes decoded (UTF-8, invalid sequences
 * replaced by U+FFFD by default); characters outside ASCII pass through.
 *
 * @example
 * ```ts
 * unquote("%C3%BC%20x"); // "ü x"
 * ```
 */
export function unquote(string: string | Uint8Array, encoding = "utf-8", errors = "replace"): string {
  if (typeof string !== "string") return decodeBytes(unquote_to_bytes(string), encoding, errors);
  if (!string.includes("%")) return string;
  // Only runs of ASCII are unquoted and decoded; other characters stay.
  return string.replace(/[\x00-\x7f]+/g, (run) => (run.includes("%") ? decodeBytes(unquote_to_bytes(run), encoding, errors) : run));
}

/**
 * Python's `unquote_plus`: `unquote` after turning `+` into spaces.
 *
 * @example
 * ```ts
 * unquote_plus("a+b%2B"); // "a b+"
 * ```
 */
export function unquote_plus(string: string, encoding = "utf-8", errors = "replace"): string {
  return unquote(string.replaceAll("+", " "), encoding, errors);
}

/** Options of `parse_qs`/`parse_qsl` after the two positional flags, as Python's keywords. */
export interface ParseQsOptions {
  /** @default "utf-8" */
  encoding?: string;
  /** @default "replace" */
  errors?: string;
  /** Refuse a query with more fields than this (`ValueError`). */
  max_num_fields?: number | null;
  /** @default "&" */
  separator?: string;
}

/**
 * Python's `parse_qsl`: a query string into `[name, value]` pairs, in order.
 *
 * @example
 * ```ts
 * parse_qsl("a=1&b=x+y&a=2"); // [["a","1"],["b","x y"],["a","2"]]
 * ```
 */
export function parse_qsl(qs: string, keep_blank_values = false, strict_parsing = false, options: ParseQsOptions = {}): [string, string][] {
  const { encoding = "utf-8", errors = "replace", max_num_fields = null, separator = "&" } = options;
  if (!separator || typeof separator !== "string") throw new ValueError("Separator must be of type string or bytes.");
  if (max_num_fields !== null) {
    const numFields = qs ? qs.split(separator).length : 0;
    if (max_num_fields < numFields) throw new ValueError("Max number of fields exceeded");
  }
  const r: [string, string][] = [];
  const fields = qs ? qs.split(separator) : [];
  for (const nameValue of fields) {
    if (!nameValue && !strict_parsing) continue;
    const eq = nameValue.indexOf("=");
    let name: string;
    let value: string;
    if (eq < 0) {
      if (strict_parsing) throw new ValueError(`bad query field: ${pyStrRepr(nameValue)}`);
      if (!keep_blank_values) continue;
      name = nameValue;
      value = "";
    } else {
      name = nameValue.slice(0, eq);
      value = nameValue.slice(eq + 1);
    }
    if (value.length > 0 || keep_blank_values) {
      r.push([unquote(name.replaceAll("+", " "), encoding, errors), unquote(value.replaceAll("+", " "), encoding, errors)]);
    }
  }
  return r;
}

/**
 * Python's `parse_qs`: a query string into a map of name → list of values
 * (a plain object with a null prototype, so any name is safe as a key).
 *
 * @example
 * ```ts
 * parse_qs("a=1&a=2&b=3"); // { a: ["1","2"], b: ["3"] }
 * ```
 */
export function parse_qs(qs: string, keep_blank_values = false, strict_parsing = false, options: ParseQsOptions = {}): Record<string, string[]> {
  const result = Object.create(null) as Record<string, string[]>;
  for (const [name, value] of parse_qsl(qs, keep_blank_values, strict_parsing, options)) {
    const list = result[name];
    if (list === undefined) result[name] = [value];
    else list.push(value);
  }
  return result;
}

function pyStrRepr(s: string): string {
  const q = s.includes("'") && !s.includes('"') ? '"' : "'";
  return q + s.replaceAll("\\", "\\\\") + q;
}

/** A value `urlencode` accepts: text, bytes, or what Python's `str()` would render. */
export type QueryValue = string | Uint8Array | number | bigint | boolean | null | undefined;

/** The function `urlencode` quotes with (`quote_plus` by default, or `quote`). */
export type QuoteVia = (string: string | Uint8Array, safe: string, encoding?: string, errors?: string) => string;

/** Python's keyword arguments of `urlencode`. */
export interface UrlencodeOptions {
  /** Expand sequence values into one `k=v` each. @default false */
  doseq?: boolean;
  /** Characters not to quote. @default "" */
  safe?: string;
  encoding?: string;
  errors?: string;
  /** @default quote_plus */
  quote_via?: QuoteVia;
}

function pyStr(v: unknown): string {
  if (typeof v === "string") return v;
  if (v === true) return "True";
  if (v === false) return "False";
  if (v === null || v === undefined) return "None";
  if (typeof v === "number") {
    if (Number.isInteger(v) && Math.abs(v) < 1e16) return String(v);
    if (Number.isNaN(v)) return "nan";
    if (!Number.isFinite(v)) return v > 0 ? "inf" : "-inf";
    return String(v);
  }
  if (typeof v === "bigint") return v.toString();
  if (Array.isArray(v)) return `[${v.map((x) => (typeof x === "string" ? pyStrRepr(x) : pyStr(x))).join(", ")}]`;
  return Object.prototype.toString.call(v) === "[object Object]" ? JSON.stringify(v) : (v as { toString(): string }).toString();
}

/**
 * Python's `urlencode`: a mapping or a sequence of pairs into
 * `k=v&k2=v2`, quoted with `quote_plus` (or `quote_via`).
 * The second argument is Python's `doseq` or an options object.
 *
 * @example
 * ```ts
 * urlencode({ q: "a b", n: 1 });              // "q=a+b&n=1"
 * urlencode({ k: ["x", "y"] }, true);          // "k=x&k=y"
 * urlencode({ p: "/a b" }, { quote_via: quote, safe: "/" }); // "p=/a%20b"
 * ```
 */
export function urlencode(
  query: Readonly<Record<string, QueryValue | readonly QueryValue[]>> | ReadonlyMap<QueryValue, QueryValue | readonly QueryValue[]> | Iterable<readonly [QueryValue, QueryValue | readonly QueryValue[]]>,
  doseq: boolean | UrlencodeOptions = false,
  safe = "",
  encoding?: string,
  errors?: string,
  quote_via: QuoteVia = quote_plus,
): string {
  if (typeof doseq === "object") {
    ({ safe = "", encoding, errors, quote_via = quote_plus } = doseq);
    doseq = doseq.doseq ?? false;
  }
  let pairs: Iterable<readonly [unknown, unknown]>;
  if (query instanceof Map || (typeof query === "object" && query !== null && Symbol.iterator in query)) {
    pairs = query as Iterable<readonly [unknown, unknown]>;
    if (!(query instanceof Map)) {
      for (const p of pairs) {
        if (!Array.isArray(p)) throw new PyTypeError("not a valid non-string sequence or mapping object");
        break;
      }
    }
  } else if (typeof query === "object" && query !== null) {
    pairs = Object.entries(query);
  } else {
    throw new PyTypeError("not a valid non-string sequence or mapping object");
  }
  const q = (x: unknown): string => (x instanceof Uint8Array ? quote_via(x, safe) : quote_via(pyStr(x), safe, encoding, errors));
  const l: string[] = [];
  for (const [k, v] of pairs) {
    const key = q(k);
    if (!doseq || typeof v === "string" || v instanceof Uint8Array || !(Array.isArray(v) || v instanceof Set)) {
      l.push(`${key}=${q(v)}`);
    } else {
      for (const elt of v as Iterable<unknown>) l.push(`${key}=${q(elt)}`);
    }
  }
  return l.join("&");
}
