/**
 * Value checks and conversions for struct codes: the slow paths that the
 * compiled packers call when a value is not already a plain in-range number,
 * with CPython's error messages (which differ per code and per table, as in
 * Modules/_struct.c), Python's truth for `?`, and IEEE half precision (`e`)
 * converted exactly as CPython's PyFloat_Pack2/PyFloat_Unpack2.
 */
import { error } from "./_struct_error.js";
import type { Table } from "./_struct_format.js";

/** How one integer code checks its value, and what it says when the value does not fit. */
export interface IntSpec {
  /** Bounds of the values that pack. */
  readonly lo: bigint;
  readonly hi: bigint;
  /** Bounds of the C conversion that runs first (PyLong_AsLong and friends). */
  readonly domLo: bigint;
  readonly domHi: bigint;
  /** Message when the value is outside the C conversion's bounds. */
  readonly domMsg: string;
  /** Message when the value converts but is outside `lo..hi`. */
  readonly rangeMsg: string;
}

const LONG_MIN = -(1n << 63n);
const LONG_MAX = (1n << 63n) - 1n;
const ULONG_MAX = (1n << 64n) - 1n;
const OUT_OF_RANGE = "argument out of range";
const TOO_LARGE = "int too large to convert";

function signedBounds(bytes: number): [bigint, bigint] {
  const half = 1n << BigInt(bytes * 8 - 1);
  return [-half, half - 1n];
}

function spec(lo: bigint, hi: bigint, signedDomain: boolean, rangeMsg: string): IntSpec {
  return signedDomain
    ? { lo, hi, domLo: LONG_MIN, domHi: LONG_MAX, domMsg: OUT_OF_RANGE, rangeMsg }
    : { lo, hi, domLo: 0n, domHi: ULONG_MAX, domMsg: OUT_OF_RANGE, rangeMsg };
}

// CPython's RANGE_ERROR text: "'h' format requires -32768 <= number <= 32767".
function rangeError(code: string, bytes: number, signed: boolean): IntSpec {
  if (signed) {
    const [lo, hi] = signedBounds(bytes);
    return spec(lo, hi, true, `'${code}' format requires ${lo} <= number <= ${hi}`);
  }
  const hi = (1n << BigInt(bytes * 8)) - 1n;
  return spec(0n, hi, false, `'${code}' format requires 0 <= number <= ${hi}`);
}

const NATIVE_BYTE = spec(-128n, 127n, true, "byte format requires -128 <= number <= 127");
const NATIVE_UBYTE = spec(0n, 255n, true, "ubyte format requires 0 <= number <= 255");
const NATIVE_SHORT = spec(-32768n, 32767n, true, "short format requires -32768 <= number <= 32767");
const NATIVE_USHORT = spec(0n, 65535n, true, "ushort format requires 0 <= number <= 65535");
const FULL_LONG: IntSpec = { lo: LONG_MIN, hi: LONG_MAX, domLo: LONG_MIN, domHi: LONG_MAX, domMsg: OUT_OF_RANGE, rangeMsg: OUT_OF_RANGE };
const FULL_ULONG: IntSpec = { lo: 0n, hi: ULONG_MAX, domLo: 0n, domHi: ULONG_MAX, domMsg: OUT_OF_RANGE, rangeMsg: OUT_OF_RANGE };
const VOID_P: IntSpec = { lo: LONG_MIN, hi: ULONG_MAX, domLo: LONG_MIN, domHi: ULONG_MAX, domMsg: TOO_LARGE, rangeMsg: TOO_LARGE };
const BIG_LONGLONG: IntSpec = { lo: LONG_MIN, hi: LONG_MAX, domLo: LONG_MIN, domHi: LONG_MAX, domMsg: TOO_LARGE, rangeMsg: TOO_LARGE };
const BIG_ULONGLONG: IntSpec = { lo: 0n, hi: ULONG_MAX, domLo: 0n, domHi: ULONG_MAX, domMsg: TOO_LARGE, rangeMsg: TOO_LARGE };

/**
 * The check of an integer code under a table, with the messages CPython 3.11
 * gives on 64-bit Linux.
 *
 * @example
 * ```ts
 * intSpec("other", "h").rangeMsg; // "'h' format requires -32768 <= number <= 32767"
 * ```
 */
export function intSpec(table: Table, code: string): IntSpec {
  switch (code) {
    case "b": return NATIVE_BYTE;
    case "B": return NATIVE_UBYTE;
    case "h": return table === "other" ? rangeError("h", 2, true) : NATIVE_SHORT;
    case "H": return table === "other" ? rangeError("H", 2, false) : NATIVE_USHORT;
    case "i": return rangeError("i", 4, true);
    case "I": return rangeError("I", 4, false);
    case "l": return table === "native" ? FULL_LONG : rangeError("l", 4, true);
    case "L": return table === "native" ? FULL_ULONG : rangeError("L", 4, false);
    case "q": return table === "other" ? BIG_LONGLONG : FULL_LONG;
    case "Q": return table === "other" ? BIG_ULONGLONG : FULL_ULONG;
    case "n": return FULL_LONG;
    case "N": return FULL_ULONG;
    case "P": return VOID_P;
    default: throw new Error(`not an integer code: ${code}`);
  }
}

/** A JavaScript value as the Python int it stands for, or undefined if it stands for none. */
function asInteger(v: unknown): bigint | undefined {
  if (typeof v === "bigint") return v;
  if (typeof v === "number") return Number.isInteger(v) ? BigInt(v) : undefined;
  if (typeof v === "boolean") return v ? 1n : 0n;
  return undefined;
}

/**
 * Checks a value for an integer code and returns it as a bigint, or throws
 * CPython's `struct.error` for it.
 *
 * @example
 * ```ts
 * checkedInteger(5, intSpec("native", "q")); // 5n
 * ```
 */
export function checkedInteger(v: unknown, s: IntSpec): bigint {
  const x = asInteger(v);
  if (x === undefined) throw new error("required argument is not an integer");
  if (x < s.domLo || x > s.domHi) throw new error(s.domMsg);
  if (x < s.lo || x > s.hi) throw new error(s.rangeMsg);
  return x;
}

/**
 * The slow path of a code of up to 4 bytes: returns the value as a number
 * within the code's range, or throws.
 *
 * @example
 * ```ts
 * smallInteger(true, intSpec("native", "h")); // 1
 * ```
 */
export function smallInteger(v: unknown, s: IntSpec): number {
  return Number(checkedInteger(v, s));
}

/**
 * A value for `d` (and native `f`) as a double, as PyFloat_AsDouble: numbers,
 * booleans and bigints within the double range.
 *
 * @example
 * ```ts
 * toDouble(3n); // 3
 * ```
 */
export function toDouble(v: unknown): number {
  if (typeof v === "number") return v;
  if (typeof v === "boolean") return v ? 1 : 0;
  if (typeof v === "bigint") {
    const d = Number(v);
    if (d === Infinity || d === -Infinity) throw new error("required argument is not a float");
    return d;
  }
  throw new error("required argument is not a float");
}

// CPython raises OverflowError with the float message for a float argument,
// and struct.error "int too large to convert" when the argument was an int.
function floatOverflow(v: unknown, code: string): error {
  return typeof v === "number" ? new error(`float too large to pack with ${code} format`) : new error(TOO_LARGE);
}

/**
 * A value for standard-size `f`: a double that rounds to a finite float, or
 * CPython's overflow error.
 *
 * @example
 * ```ts
 * float32Value(1.5); // 1.5
 * ```
 */
export function float32Value(v: unknown): number {
  const x = toDouble(v);
  const y = Math.fround(x);
  if (y - y !== 0 && x - x === 0) throw floatOverflow(v, "f");
  return x;
}

const scratch = new DataView(new ArrayBuffer(8));

/**
 * The IEEE half-precision bits of a value, rounded half to even, exactly as
 * CPython's PyFloat_Pack2 (NaN becomes the quiet NaN with the value's sign).
 *
 * @example
 * ```ts
 * halfBits(1); // 0x3c00
 * ```
 */
export function halfBits(v: unknown): number {
  let x = toDouble(v);
  let sign = 0;
  let e: number;
  let bits: number;
  if (x === 0) {
    sign = Object.is(x, -0) ? 1 : 0;
    e = 0;
    bits = 0;
  } else if (x === Infinity || x === -Infinity) {
    sign = x < 0 ? 1 : 0;
    e = 0x1f;
    bits = 0;
  } else if (x !== x) {
    scratch.setFloat64(0, x);
    sign = scratch.getUint8(0) >> 7;
    e = 0x1f;
    bits = 512;
  } else {
    if (x < 0) {
      sign = 1;
      x = -x;
    }
    // frexp, normalised to f in [1, 2): the exponent from the double's bits.
    scratch.setFloat64(0, x);
    const biased = scratch.getUint16(0) >> 4;
    if (biased === 0) {
      // A subnormal double is far below 2**-25: it underflows to zero.
      e = 0;
      bits = 0;
    } else {
      e = biased - 1023;
      let f = x / 2 ** e;
      if (e >= 16) throw floatOverflow(v, "e");
      if (e < -25) {
        f = 0;
        e = 0;
      } else if (e < -14) {
        f = f * 2 ** (14 + e);
        e = 0;
      } else {
        e += 15;
        f -= 1;
      }
      f *= 1024;
      bits = Math.trunc(f);
      if (f - bits > 0.5 || (f - bits === 0.5 && bits % 2 === 1)) {
        bits++;
        if (bits === 1024) {
          bits = 0;
          e++;
          if (e === 31) throw floatOverflow(v, "e");
        }
      }
    }
  }
  return bits | (e << 10) | (sign << 15);
}

/**
 * The number that IEEE half-precision bits stand for, as CPython's
 * PyFloat_Unpack2.
 *
 * @example
 * ```ts
 * halfValue(0x3c00); // 1
 * ```
 */
export function halfValue(h: number): number {
  const sign = h >> 15 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0x1f) return f === 0 ? sign * Infinity : NaN;
  if (e === 0) return sign * f * 2 ** -24;
  return sign * (1024 + f) * 2 ** (e - 25);
}

/**
 * Python's truth of a JavaScript value, for `?`: false for false, 0, -0, 0n,
 * "", null, undefined and empty arrays, byte sequences, maps, sets and plain
 * objects; true for everything else (NaN included, as Python's
 * `bool(float("nan"))`).
 *
 * @example
 * ```ts
 * truth([]); // false
 * ```
 */
export function truth(v: unknown): boolean {
  if (typeof v === "boolean") return v;
  if (typeof v === "number") return v !== 0;
  if (typeof v === "bigint") return v !== 0n;
  if (typeof v === "string") return v.length !== 0;
  if (v === null || v === undefined) return false;
  if (ArrayBuffer.isView(v)) return v.byteLength !== 0;
  if (v instanceof ArrayBuffer) return v.byteLength !== 0;
  if (Array.isArray(v)) return v.length !== 0;
  if (v instanceof Map || v instanceof Set) return v.size !== 0;
  if (typeof v === "object") {
    // A plain object is a dict (as pickle maps them): empty is false.
    const proto: unknown = Object.getPrototypeOf(v);
    if (proto === Object.prototype || proto === null) return Object.keys(v).length !== 0;
  }
  return true;
}

/**
 * Checks a value for `s` or `p`: it must be bytes (a `Uint8Array`, Buffer included).
 *
 * @example
 * ```ts
 * bytesArgument(new Uint8Array(2), "s"); // the same array
 * ```
 */
export function bytesArgument(v: unknown, code: string): Uint8Array {
  if (v instanceof Uint8Array) return v;
  throw new error(`argument for '${code}' must be a bytes object`);
}

/**
 * The byte of a value for `c`: it must be bytes of length 1.
 *
 * @example
 * ```ts
 * charByte(Uint8Array.of(65)); // 65
 * ```
 */
export function charByte(v: unknown): number {
  if (v instanceof Uint8Array && v.length === 1) return v[0]!;
  throw new error("char format requires a bytes object of length 1");
}
