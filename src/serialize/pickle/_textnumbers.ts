/**
 * The numbers on protocol 0's text lines (INT, LONG, FLOAT, PUT, GET), read
 * as CPython's C unpickler reads them. The line, its '\n' included, is a C
 * string to CPython: it ends at the first NUL. Then
 * - INT: C's `strtol(line, &end, 0)` (a leading 0 is octal, 0x hex), taken
 *   when it stops at the '\n' (or the NUL) without overflow, a bool when the
 *   line is two characters and the value 0 or 1; else Python's int(line, 0)
 *   ("could not convert string to int" when that fails too);
 * - LONG: Python's int(line, 0) with one trailing 'L' cut;
 * - FLOAT: Python's float parser (no spaces, no underscores), which must
 *   stop at the '\n' (or the NUL);
 * - PUT and GET: Python's int(line, 10).
 * CPython never writes anything but plain decimals here; the rest matters
 * for pickles from elsewhere, which load as in CPython or fail as there.
 */
import { decodeText } from "../../sockets/_decode.js";
import { dataError } from "./_errors.js";
import { INT_MAX_STR_DIGITS, intDigitsMessage } from "./_ints.js";
import { repr } from "../../sockets/repr.js";

/** The largest C long and Py_ssize_t on the 64-bit machines CPython runs on. */
const LONG_MAX = 2n ** 63n - 1n;

/** C's isspace in the C locale, and CPython's Py_ISSPACE: space, \t, \n, \v, \f, \r. */
function isSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}

/** The value of an ASCII digit or letter (a-z and A-Z are 10-35); 37 for anything else. */
function digitValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x7a) return c - 0x57;
  if (c >= 0x41 && c <= 0x5a) return c - 0x37;
  return 37;
}

/** The line as C sees it: up to its first NUL. */
function cString(line: string): string {
  const nul = line.indexOf("\0");
  return nul < 0 ? line : line.slice(0, nul);
}

/** A number text as CPython puts it in a float's message: at most 200 bytes, read as UTF-8 (ill-formed bytes replaced). */
function shown(s: string): string {
  return Buffer.from(s.slice(0, 200), "latin1").toString("utf8");
}

/** What C's strtol(s, &end, 0) makes of `s`: the value, where it stopped (0: no number), and whether it overflowed a long. */
function strtol(s: string): { value: bigint; end: number; overflow: boolean } {
  let i = 0;
  while (i < s.length && isSpace(s.charCodeAt(i))) i++;
  let neg = false;
  if (s[i] === "+" || s[i] === "-") neg = s[i++] === "-";
  let base = 10;
  if (s[i] === "0") {
    // "0x" not followed by a hex digit is the number 0, ending at the x
    if ((s[i + 1] === "x" || s[i + 1] === "X") && digitValue(s.charCodeAt(i + 2)) < 16) {
      base = 16;
      i += 2;
    } else base = 8;
  }
  const start = i;
  while (i < s.length && digitValue(s.charCodeAt(i)) < base) i++;
  if (i === start) return { value: 0n, end: 0, overflow: false };
  const digits = s.slice(start, i);
  const magnitude = base === 16 ? BigInt(`0x${digits}`) : base === 8 ? BigInt(`0o${digits}`) : BigInt(digits);
  const value = neg ? -magnitude : magnitude;
  return { value, end: i, overflow: value > LONG_MAX || value < -LONG_MAX - 1n };
}

/**
 * Python's int(s, base) for base 0 or 10 (CPython's PyLong_FromString):
 * the value, or undefined with the base its error message names. Past
 * 4300 decimal digits it throws CPython's ValueError text.
 */
function pyLong(s: string, givenBase: 0 | 10): { value: bigint | undefined; base: number } {
  let i = 0;
  while (i < s.length && isSpace(s.charCodeAt(i))) i++;
  let neg = false;
  if (s[i] === "+" || s[i] === "-") neg = s[i++] === "-";
  let base: number = givenBase;
  // a leading 0 without a prefix: only zeros may follow (the old octal is refused)
  let onlyZero = false;
  if (base === 0) {
    const prefix = s[i] === "0" ? s[i + 1]?.toLowerCase() : undefined;
    if (s[i] !== "0") base = 10;
    else if (prefix === "x") base = 16;
    else if (prefix === "o") base = 8;
    else if (prefix === "b") base = 2;
    else {
      base = 10;
      onlyZero = true;
    }
  }
  const invalid = { value: undefined, base };
  if (base !== 10) {
    // (only a prefix makes another base)
    i += 2;
    // one underscore may follow the prefix
    if (s[i] === "_") i++;
  }
  if (s[i] === "_") return invalid;
  let digits = "";
  let prev = "";
  for (; i < s.length; i++) {
    const ch = s[i]!;
    if (ch === "_") {
      if (prev === "_") return invalid;
    } else if (digitValue(s.charCodeAt(i)) < base) digits += ch;
    else break;
    prev = ch;
  }
  if (prev === "_") return invalid;
  if (base === 10 && digits.length > INT_MAX_STR_DIGITS) throw dataError(intDigitsMessage(digits.length));
  if (digits === "") return invalid;
  const magnitude = BigInt(base === 16 ? `0x${digits}` : base === 8 ? `0o${digits}` : base === 2 ? `0b${digits}` : digits);
  if (onlyZero && magnitude !== 0n) return { value: undefined, base: 0 };
  while (i < s.length && isSpace(s.charCodeAt(i))) i++;
  if (i !== s.length) return { value: undefined, base: onlyZero ? 0 : base };
  return { value: neg ? -magnitude : magnitude, base };
}

/**
 * CPython's ValueError for an int literal it cannot read. Its text decodes
 * the literal's first 200 bytes as UTF-8 strictly: where they are not,
 * CPython raises that UnicodeDecodeError instead (a DecodeError here).
 */
function invalidLiteral(s: string, base: number): never {
  const bytes = Buffer.from(s.slice(0, 200), "latin1");
  throw dataError(`invalid literal for int() with base ${base}: ${repr(decodeText(bytes, 0, bytes.length, "utf_8", "strict"))}`);
}

/** An empty line ("\n" alone): CPython's bad_readline. */
function checkLine(line: string): void {
  if (line.length < 2) throw dataError("pickle data was truncated");
}

/**
 * The value of an INT line (its '\n' included): an int, or a bool for
 * `I00`/`I01` (and any two characters that strtol reads as 0 or 1).
 *
 * @example
 * ```ts
 * readTextInt("01\n"); // true
 * readTextInt("0x1f\n"); // 31
 * ```
 */
export function readTextInt(line: string): bigint | boolean {
  checkLine(line);
  const s = cString(line);
  const r = strtol(s);
  if (!r.overflow && (r.end === s.length || s[r.end] === "\n")) {
    return line.length === 3 && (r.value === 0n || r.value === 1n) ? r.value === 1n : r.value;
  }
  let value: bigint | undefined;
  try {
    value = pyLong(s, 0).value;
  } catch {
    // past the digit limit too: INT replaces every error with its own
  }
  if (value === undefined) throw dataError("could not convert string to int");
  return value;
}

/**
 * The value of a LONG line (its '\n' included; one 'L' before it is cut).
 *
 * @example
 * ```ts
 * readTextLong("123L\n"); // 123n
 * ```
 */
export function readTextLong(line: string): bigint {
  checkLine(line);
  const s = cString(line.endsWith("L\n") ? line.slice(0, -2) : line);
  const r = pyLong(s, 0);
  if (r.value === undefined) invalidLiteral(s, r.base);
  return r.value;
}

/**
 * The memo index of a PUT or GET line (its '\n' included), which may be
 * negative (PUT refuses it; a GET of it finds nothing).
 *
 * @example
 * ```ts
 * readTextIndex("12\n"); // 12n
 * ```
 */
export function readTextIndex(line: string): bigint {
  checkLine(line);
  const s = cString(line);
  const r = pyLong(s, 10);
  if (r.value === undefined) invalidLiteral(s, 10);
  if (r.value > LONG_MAX || r.value < -LONG_MAX - 1n) throw dataError("Python int too large to convert to C ssize_t");
  return r.value;
}

/** Where the float at the start of `s` ends, as CPython's _Py_dg_strtod and _Py_parse_inf_or_nan read it (0: none). */
function floatEnd(s: string): number {
  let i = 0;
  if (s[i] === "+" || s[i] === "-") i++;
  const word = s.slice(i, i + 8).toLowerCase();
  if (word === "infinity") return i + 8;
  if (word.startsWith("inf") || word.startsWith("nan")) return i + 3;
  const intStart = i;
  while (digitValue(s.charCodeAt(i)) < 10) i++;
  let digits = i - intStart;
  if (s[i] === ".") {
    const fracStart = ++i;
    while (digitValue(s.charCodeAt(i)) < 10) i++;
    digits += i - fracStart;
  }
  if (digits === 0) return 0;
  if (s[i] === "e" || s[i] === "E") {
    let j = i + 1;
    if (s[j] === "+" || s[j] === "-") j++;
    const expStart = j;
    while (digitValue(s.charCodeAt(j)) < 10) j++;
    if (j > expStart) i = j;
  }
  return i;
}

/**
 * The value of a FLOAT line (its '\n' included).
 *
 * @example
 * ```ts
 * readTextFloat("1.5\n"); // 1.5
 * ```
 */
export function readTextFloat(line: string): number {
  checkLine(line);
  const s = cString(line);
  const end = floatEnd(s);
  if (end === 0) throw dataError(`could not convert string to float: '${shown(s)}'`);
  const text = s.slice(0, end);
  const lower = text.toLowerCase();
  const value = lower.endsWith("nan") ? NaN : lower.endsWith("inf") || lower.endsWith("infinity") ? (text.startsWith("-") ? -Infinity : Infinity) : Number(text);
  if (!Number.isFinite(value) && !Number.isNaN(value) && !lower.includes("inf")) throw dataError(`value too large to convert to float: '${shown(s)}'`);
  if (end !== s.length && s[end] !== "\n") throw dataError("could not convert string to float");
  return value;
}
