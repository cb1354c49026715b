/**
 * Python's `int(resp[3:].strip())`, as `ftplib.FTP.size` reads a `213`
 * reply: `str.strip()`'s whitespace, then `int()` in base 10 — a sign,
 * decimal digits (any Unicode decimal digits, as CPython maps them; node's
 * Unicode version may know digits of scripts newer than the python3's) with
 * single underscores between them, CPython's 4300-digit limit, and its
 * `ValueError` texts for what it refuses. Values beyond 2**53 stay exact
 * (`bigint`), as stdnet maps Python's ints.
 * @module
 */
import { ValueError } from "../sockets/errors.js";
import { repr } from "../sockets/repr.js";

/** CPython's default `sys.get_int_max_str_digits()`. */
const INT_MAX_STR_DIGITS = 4300;

/** `str.isspace()`: the characters Python's `str.strip()` removes (all in the BMP). */
const PY_WHITESPACE = /[\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/;

/** CPython's `Py_ISSPACE`: the ASCII whitespace `int()` skips around the number. */
function isAsciiSpace(c: string): boolean {
  return c === " " || (c >= "\t" && c <= "\r");
}

/**
 * Python's `str.strip()` with no argument.
 *
 * @example
 * ```ts
 * pyStrip("\u3000 42\x1c"); // "42"
 * ```
 */
export function pyStrip(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && PY_WHITESPACE.test(s.charAt(a))) a++;
  while (b > a && PY_WHITESPACE.test(s.charAt(b - 1))) b--;
  return s.slice(a, b);
}

const DECIMAL = /^\p{Nd}$/u;

/**
 * The value of a Unicode decimal digit, or -1. Unicode encodes each script's
 * digits 0 to 9 in a contiguous run, and runs that touch are whole sets of
 * ten, so a digit's value is its distance from the start of its run, mod 10.
 */
function decimalValue(ch: string): number {
  if (!DECIMAL.test(ch)) return -1;
  const cp = ch.codePointAt(0)!;
  let start = cp;
  while (start > 0 && DECIMAL.test(String.fromCodePoint(start - 1))) start--;
  return (cp - start) % 10;
}

function invalid(s: string): ValueError {
  // CPython formats the text with %.200R: its repr, cut at 200 characters
  return new ValueError(`invalid literal for int() with base 10: ${Array.from(repr(s)).slice(0, 200).join("")}`);
}

/**
 * Python's `int(s)` in base 10: a `number` when it is safe, a `bigint` beyond.
 *
 * @example
 * ```ts
 * pyInt("1_000");                 // 1000
 * pyInt("12345678901234567890");  // 12345678901234567890n
 * pyInt("1e3");                   // throws ValueError: invalid literal for int() with base 10: '1e3'
 * ```
 */
export function pyInt(s: string): number | bigint {
  // CPython first maps each character: ASCII kept, other whitespace to ' ', a decimal digit to its ASCII digit
  const chars: string[] = [];
  for (const ch of s) {
    if (ch.charCodeAt(0) < 127) chars.push(ch);
    else if (PY_WHITESPACE.test(ch)) chars.push(" ");
    else {
      const d = decimalValue(ch);
      if (d < 0) {
        chars.push("?");
        break;
      }
      chars.push(String(d));
    }
  }
  const n = chars.length;
  let i = 0;
  while (i < n && isAsciiSpace(chars[i]!)) i++;
  let negative = false;
  if (chars[i] === "+") i++;
  else if (chars[i] === "-") {
    negative = true;
    i++;
  }
  if (chars[i] === "_") throw invalid(s);
  let digits = "";
  let prev = "";
  for (; i < n; i++) {
    const c = chars[i]!;
    if (c === "_") {
      if (prev === "_") throw invalid(s);
    } else if (c >= "0" && c <= "9") digits += c;
    else break;
    prev = c;
  }
  if (prev === "_") throw invalid(s);
  if (digits.length > INT_MAX_STR_DIGITS) {
    throw new ValueError(
      `Exceeds the limit (${INT_MAX_STR_DIGITS} digits) for integer string conversion: value has ${digits.length} digits; use sys.set_int_max_str_digits() to increase the limit`,
    );
  }
  if (digits === "") throw invalid(s);
  while (i < n && isAsciiSpace(chars[i]!)) i++;
  if (i < n) throw invalid(s);
  const value = negative ? -BigInt(digits) : BigInt(digits);
  return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
}
