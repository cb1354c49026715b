/**
 * Python ints in pickles: LONG1/LONG4's little-endian two's complement, and
 * the JS side of an int (a number when |n| <= 2^53 - 1, else a bigint).
 */

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const MIN_SAFE = -MAX_SAFE;

/** A Python int as JS: a number when safe, else the bigint. */
export function intValue(b: bigint): number | bigint {
  return b >= MIN_SAFE && b <= MAX_SAFE ? Number(b) : b;
}

/** A LONG's bytes of 7 to 16, sign-extended to 16, read through DataView's 32- and 64-bit getters. */
const wide = new Uint8Array(16);
const wideView = new DataView(wide.buffer);

/** Decodes `n` bytes of little-endian two's complement at `start` (LONG1/LONG4). */
export function decodeLong(data: Uint8Array, start: number, n: number): number | bigint {
  if (n === 0) return 0;
  if (n <= 6) {
    let v = 0;
    for (let i = n - 1; i >= 0; i--) v = v * 256 + data[start + i]!;
    if (data[start + n - 1]! >= 0x80) v -= 2 ** (8 * n);
    return v;
  }
  if (n <= 16) {
    const fill = data[start + n - 1]! >= 0x80 ? 0xff : 0;
    for (let i = 0; i < n; i++) wide[i] = data[start + i]!;
    for (let i = n; i < 16; i++) wide[i] = fill;
    // within 2^53 a number, made from its two 32-bit halves
    const high = wideView.getInt32(4, true);
    if (n <= 8 && high > -2097152 && high < 2097152) return high * 4294967296 + wideView.getUint32(0, true);
    return intValue(n <= 8 ? wideView.getBigInt64(0, true) : (wideView.getBigInt64(8, true) << 64n) | wideView.getBigUint64(0, true));
  }
  // big-endian hex, which V8 parses in linear time (a megabyte in ~40 ms)
  const be = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) be[i] = data[start + n - 1 - i]!;
  let v = BigInt(`0x${be.toString("hex")}`);
  if (be[0]! >= 0x80) v -= 1n << BigInt(8 * n);
  return intValue(v);
}

/**
 * Python's `pickle.encode_long` of `x` (not 0), written at `p` through `dv`
 * (room for 16 bytes) when it takes at most 16 bytes: a number by its two
 * 32-bit halves, a bigint by DataView's 64-bit setters. Returns how many
 * bytes it takes, or -1 for a wider bigint (what was written then means
 * nothing).
 */
export function putLong(x: number | bigint, dv: DataView, p: number): number {
  let width = 8;
  if (typeof x === "number") {
    const high = Math.floor(x / 4294967296);
    dv.setUint32(p, x - high * 4294967296, true);
    dv.setInt32(p + 4, high, true);
  } else if (BigInt.asIntN(64, x) === x) dv.setBigInt64(p, x, true);
  else {
    const high = x >> 64n;
    if (BigInt.asIntN(64, high) !== high) return -1;
    dv.setBigUint64(p, BigInt.asUintN(64, x), true);
    dv.setBigInt64(p + 8, high, true);
    width = 16;
  }
  // the shortest two's complement (as encode_long's length and its trim of a last 0xff come to):
  // the bytes up to the highest that is not the sign's fill, and one more where its top bit is not the sign
  const sign = dv.getUint8(p + width - 1) & 0x80;
  const fill = sign === 0 ? 0 : 0xff;
  let k = width - 1;
  while (k > 0 && dv.getUint8(p + k) === fill) k--;
  return (dv.getUint8(p + k) & 0x80) === sign ? k + 1 : k + 2;
}

/**
 * Python's `pickle.encode_long`: the shortest two's complement bytes, b'' for
 * 0. Through hex, in linear time (shifting a byte off at a time is
 * quadratic: 0.8 s for an int of 100,000 bytes).
 */
export function encodeLong(x: bigint): Uint8Array {
  if (x === 0n) return new Uint8Array(0);
  const neg = x < 0n;
  // bit_length of |x|, then nbytes = (bit_length >> 3) + 1, as CPython
  const magHex = (neg ? -x : x).toString(16);
  const bitLength = 4 * (magHex.length - 1) + (32 - Math.clz32(parseInt(magHex[0]!, 16)));
  let nbytes = (bitLength >> 3) + 1;
  const v = neg ? (1n << BigInt(nbytes * 8)) + x : x;
  const out = Buffer.from(v.toString(16).padStart(2 * nbytes, "0"), "hex").reverse();
  if (neg && nbytes > 1 && out[nbytes - 1] === 0xff && (out[nbytes - 2]! & 0x80) !== 0) nbytes--;
  return out.subarray(0, nbytes);
}

/**
 * CPython's default limit on the decimal digits of an int converted from
 * or to text (`sys.get_int_max_str_digits()`, 4300 since 3.11 and the
 * security releases of 3.7-3.10). Pickles carry ints as text at protocols
 * 0 and 1, so CPython refuses to write or read a longer one there.
 */
export const INT_MAX_STR_DIGITS = 4300;

/** CPython's ValueError text for an int of `digits` decimal digits read from text (digits undefined: written to text). */
export function intDigitsMessage(digits?: number): string {
  const has = digits === undefined ? "" : `: value has ${digits} digits`;
  return `Exceeds the limit (${INT_MAX_STR_DIGITS} digits) for integer string conversion${has}; use sys.set_int_max_str_digits() to increase the limit`;
}
