/**
 * Text codecs pickle needs, written for speed and for Python's exact
 * behaviour: UTF-8 with 'surrogatepass' both ways, Python's `repr(float)`,
 * 'raw-unicode-escape' (protocol 0 str), and the escapes of protocol 0's
 * quoted Python 2 strings.
 */
import { type DecodeError, decodeError, decodeText, spanMessage, utf8Units } from "../../sockets/_decode.js";

const encoder = new TextEncoder();

/**
 * Decodes UTF-8 as Python does with 'surrogatepass' (how pickle's str
 * opcodes read): hand loops for short strs, `decodeText` for the rest (and
 * for anything ill-formed, whose error it words). `dv` views the same bytes
 * as `data`.
 */
export function decodeUtf8(data: Uint8Array, dv: DataView, start: number, end: number): string {
  const n = end - start;
  if (n <= 32) {
    if (isAscii(data, dv, start, end)) return charsShort(data, start, n);
    // into a scratch array, not decodeText's general loop: that made ~250 bytes of garbage
    // per short non-ASCII str, and V8's scavenges copying a half-built result took most of
    // the time of loads of such strs
    const k = utf8Units(data, start, end, units, true);
    if (k >= 0) return charsShort(units, 0, k);
  }
  return decodeText(data, start, end, "utf_8", "surrogatepass");
}

/** Whether data[start, end) (at most 32 bytes) is ASCII: four bytes at a time, the last four overlapping. */
function isAscii(data: Uint8Array, dv: DataView, start: number, end: number): boolean {
  if (end - start < 4) {
    let bits = 0;
    for (let i = start; i < end; i++) bits |= data[i]!;
    return bits < 0x80;
  }
  let bits = dv.getInt32(end - 4, true);
  for (let i = start; i < end - 4; i += 4) bits |= dv.getInt32(i, true);
  return (bits & 0x80808080) === 0;
}

/** The UTF-16 code units of a short str being decoded (32 bytes of UTF-8 make at most 32). */
const units = new Uint16Array(32);

/** n (<= 32) code units at `start` (bytes of ASCII, or decoded units) as a string, in one allocation (no concatenation). */
function charsShort(d: Uint8Array | Uint16Array, s: number, n: number): string {
  switch (n) {
    case 0:
      return "";
    case 1:
      return String.fromCharCode(d[s]!);
    case 2:
      return String.fromCharCode(d[s]!, d[s + 1]!);
    case 3:
      return String.fromCharCode(d[s]!, d[s + 1]!, d[s + 2]!);
    case 4:
      return String.fromCharCode(d[s]!, d[s + 1]!, d[s + 2]!, d[s + 3]!);
    case 5:
      return String.fromCharCode(d[s]!, d[s + 1]!, d[s + 2]!, d[s + 3]!, d[s + 4]!);
    case 6:
      return String.fromCharCode(d[s]!, d[s + 1]!, d[s + 2]!, d[s + 3]!, d[s + 4]!, d[s + 5]!);
    case 7:
      return String.fromCharCode(d[s]!, d[s + 1]!, d[s + 2]!, d[s + 3]!, d[s + 4]!, d[s + 5]!, d[s + 6]!);
    case 8:
      return String.fromCharCode(d[s]!, d[s + 1]!, d[s + 2]!, d[s + 3]!, d[s + 4]!, d[s + 5]!, d[s + 6]!, d[s + 7]!);
    case 9:
      return String.fromCharCode(d[s]!, d[s + 1]!, d[s + 2]!, d[s + 3]!, d[s + 4]!, d[s + 5]!, d[s + 6]!, d[s + 7]!, d[s + 8]!);
    case 10:
      return String.fromCharCode(d[s]!, d[s + 1]!, d[s + 2]!, d[s + 3]!, d[s + 4]!, d[s + 5]!, d[s + 6]!, d[s + 7]!, d[s + 8]!, d[s + 9]!);
    case 11:
      return String.fromCharCode(d[s]!, d[s + 1]!, d[s + 2]!, d[s + 3]!, d[s + 4]!, d[s + 5]!, d[s + 6]!, d[s + 7]!, d[s + 8]!, d[s + 9]!, d[s + 10]!);
    case 12:
      return String.fromCharCode(d[s]!, d[s + 1]!, d[s + 2]!, d[s + 3]!, d[s + 4]!, d[s + 5]!, d[s + 6]!, d[s + 7]!, d[s + 8]!, d[s + 9]!, d[s + 10]!, d[s + 11]!);
    case 13:
      return String.fromCharCode(d[s]!, d[s + 1]!, d[s + 2]!, d[s + 3]!, d[s + 4]!, d[s + 5]!, d[s + 6]!, d[s + 7]!, d[s + 8]!, d[s + 9]!, d[s + 10]!, d[s + 11]!, d[s + 12]!);
    case 14:
      return String.fromCharCode(d[s]!, d[s + 1]!, d[s + 2]!, d[s + 3]!, d[s + 4]!, d[s + 5]!, d[s + 6]!, d[s + 7]!, d[s + 8]!, d[s + 9]!, d[s + 10]!, d[s + 11]!, d[s + 12]!, d[s + 13]!);
    case 15:
      return String.fromCharCode(d[s]!, d[s + 1]!, d[s + 2]!, d[s + 3]!, d[s + 4]!, d[s + 5]!, d[s + 6]!, d[s + 7]!, d[s + 8]!, d[s + 9]!, d[s + 10]!, d[s + 11]!, d[s + 12]!, d[s + 13]!, d[s + 14]!);
    case 16:
      return String.fromCharCode(d[s]!, d[s + 1]!, d[s + 2]!, d[s + 3]!, d[s + 4]!, d[s + 5]!, d[s + 6]!, d[s + 7]!, d[s + 8]!, d[s + 9]!, d[s + 10]!, d[s + 11]!, d[s + 12]!, d[s + 13]!, d[s + 14]!, d[s + 15]!);
    default:
      return String.fromCharCode.apply(null, d.subarray(s, s + n) as unknown as number[]);
  }
}

interface WellFormed {
  isWellFormed?: () => boolean;
}

/** Whether `s` has no lone surrogate (node's encoder then writes its UTF-8 as Python's does). */
export function isWellFormed(s: string): boolean {
  const wf = (s as unknown as WellFormed).isWellFormed;
  return wf === undefined || wf.call(s);
}

/**
 * The UTF-8 of `s`, which has no lone surrogate, into `out` as far as it
 * has room (never half a character): how many UTF-16 units it read and
 * bytes it wrote.
 *
 * @example
 * ```ts
 * encodeUtf8Some("aé", new Uint8Array(2)); // { read: 1, written: 1 }
 * ```
 */
export function encodeUtf8Some(s: string, out: Uint8Array): { read: number; written: number } {
  return encoder.encodeInto(s, out);
}

/**
 * Writes `s` as UTF-8 ('surrogatepass': a lone surrogate becomes its 3-byte
 * form, as Python writes it) into `out` at `pos`; `out` must have room for
 * 3 × s.length bytes. Returns the number of bytes written.
 */
export function encodeUtf8Into(s: string, out: Uint8Array, pos: number): number {
  const n = s.length;
  if (n > 48 && isWellFormed(s)) return encoder.encodeInto(s, out.subarray(pos)).written;
  let p = pos;
  for (let i = 0; i < n; i++) {
    let c = s.charCodeAt(i);
    if (c < 0x80) {
      out[p++] = c;
    } else if (c < 0x800) {
      out[p++] = 0xc0 | (c >> 6);
      out[p++] = 0x80 | (c & 0x3f);
    } else if (c >= 0xd800 && c <= 0xdbff && i + 1 < n && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      c = 0x10000 + ((c - 0xd800) << 10) + (s.charCodeAt(i + 1) - 0xdc00);
      i++;
      out[p++] = 0xf0 | (c >> 18);
      out[p++] = 0x80 | ((c >> 12) & 0x3f);
      out[p++] = 0x80 | ((c >> 6) & 0x3f);
      out[p++] = 0x80 | (c & 0x3f);
    } else {
      out[p++] = 0xe0 | (c >> 12);
      out[p++] = 0x80 | ((c >> 6) & 0x3f);
      out[p++] = 0x80 | (c & 0x3f);
    }
  }
  return p - pos;
}

/** Python's `repr(float)`: shortest round-trip digits, '1e+16', '1e-05', 'inf', 'nan', '-0.0'. */
export function floatRepr(x: number): string {
  if (Number.isNaN(x)) return "nan";
  if (x === Infinity) return "inf";
  if (x === -Infinity) return "-inf";
  if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
  const sign = x < 0 ? "-" : "";
  const e = Math.abs(x).toExponential(); // shortest digits: "d.ddde+N"
  const at = e.indexOf("e");
  const digits = e.slice(0, at).replace(".", "");
  const exp = Number(e.slice(at + 1));
  const decpt = exp + 1;
  if (decpt > -4 && decpt <= 16) {
    if (decpt <= 0) return `${sign}0.${"0".repeat(-decpt)}${digits}`;
    if (decpt >= digits.length) return `${sign}${digits}${"0".repeat(decpt - digits.length)}.0`;
    return `${sign}${digits.slice(0, decpt)}.${digits.slice(decpt)}`;
  }
  const mant = digits.length === 1 ? digits : `${digits[0]}.${digits.slice(1)}`;
  const ae = Math.abs(exp);
  return `${sign}${mant}e${exp < 0 ? "-" : "+"}${ae < 10 ? "0" : ""}${ae}`;
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  return -1;
}

/** CPython's error for a bad escape of 'raw-unicode-escape': its span runs from the backslash to the first byte that is not a digit. */
function escapeError(data: Uint8Array, from: number, to: number, reason: string): DecodeError {
  return decodeError(spanMessage("rawunicodeescape", data, 0, from, to, reason));
}

/** Decodes 'raw-unicode-escape' (protocol 0 UNICODE): latin-1 bytes with \uXXXX and \UXXXXXXXX escapes. */
export function decodeRawUnicodeEscape(data: Uint8Array): string {
  let s = "";
  let i = 0;
  const n = data.length;
  while (i < n) {
    const c = data[i]!;
    if (c !== 0x5c) {
      s += String.fromCharCode(c);
      i++;
      continue;
    }
    // count the backslashes: \u is an escape only after an odd number
    let j = i;
    while (j < n && data[j] === 0x5c) j++;
    const run = j - i;
    if (run % 2 === 0) {
      s += "\\".repeat(run);
      i = j;
      continue;
    }
    s += "\\".repeat(run - 1);
    i = j - 1;
    const kind = data[i + 1];
    if (kind !== 0x75 && kind !== 0x55) {
      s += "\\";
      i++;
      continue;
    }
    const digits = kind === 0x75 ? 4 : 8;
    let cp = 0;
    for (let k = 0; k < digits; k++) {
      const h = i + 2 + k < n ? hexValue(data[i + 2 + k]!) : -1;
      if (h < 0) throw escapeError(data, i, i + 2 + k, kind === 0x75 ? "truncated \\uXXXX escape" : "truncated \\UXXXXXXXX escape");
      cp = cp * 16 + h;
    }
    if (cp > 0x10ffff) throw escapeError(data, i, i + 2 + digits, "\\Uxxxxxxxx out of range");
    s += String.fromCodePoint(cp);
    i += 2 + digits;
  }
  return s;
}

/** Encodes `s` as protocol 0's UNICODE argument: raw-unicode-escape with \\, NUL, \n, \r, \x1a escaped. */
export function encodeRawUnicodeEscape(s: string): string {
  let out = "";
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (cp >= 0x10000) out += `\\U${cp.toString(16).padStart(8, "0")}`;
    else if (cp >= 256 || cp === 0x5c || cp === 0 || cp === 0x0a || cp === 0x0d || cp === 0x1a) out += `\\u${cp.toString(16).padStart(4, "0")}`;
    else out += ch;
  }
  return out;
}

const SIMPLE_ESCAPES: Readonly<Record<number, number>> = { 0x5c: 0x5c, 0x27: 0x27, 0x22: 0x22, 0x61: 7, 0x62: 8, 0x66: 12, 0x6e: 10, 0x72: 13, 0x74: 9, 0x76: 11 };

/** Python's `codecs.escape_decode` (protocol 0 STRING's quoted argument) → bytes. */
export function escapeDecode(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(data.length);
  let p = 0;
  let i = 0;
  const n = data.length;
  while (i < n) {
    const c = data[i]!;
    if (c !== 0x5c) {
      out[p++] = c;
      i++;
      continue;
    }
    i++;
    if (i >= n) throw decodeError("Trailing \\ in string", "ValueError");
    const e = data[i]!;
    const simple = SIMPLE_ESCAPES[e];
    if (simple !== undefined) {
      out[p++] = simple;
      i++;
    } else if (e === 0x0a) {
      i++;
    } else if (e >= 0x30 && e <= 0x37) {
      let v = e - 0x30;
      i++;
      for (let k = 0; k < 2 && i < n && data[i]! >= 0x30 && data[i]! <= 0x37; k++, i++) v = v * 8 + (data[i]! - 0x30);
      out[p++] = v & 0xff;
    } else if (e === 0x78) {
      const h1 = i + 1 < n ? hexValue(data[i + 1]!) : -1;
      const h2 = i + 2 < n ? hexValue(data[i + 2]!) : -1;
      if (h1 < 0 || h2 < 0) throw decodeError(`invalid \\x escape at position ${i - 1}`, "ValueError");
      out[p++] = h1 * 16 + h2;
      i += 3;
    } else {
      out[p++] = 0x5c;
      out[p++] = e;
      i++;
    }
  }
  return out.slice(0, p);
}
