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

/** Decodes `n` bytes of little-endian two's complement at `start` (LONG1/LONG4). */
export function decodeLong(data: Uint8Array, start: number, n: number): number | bigint {
  if (n === 0) return 0;
  if (n <= 6) {
    let v = 0;
    for (let i = n - 1; i >= 0; i--) v = v * 256 + data[start + i]!;
    if (data[start + n - 1]! >= 0x80) v -= 2 ** (8 * n);
    return v;
  }
  let hex = "";
  for (let i = n - 1; i >= 0; i--) {
    const b = data[start + i]!;
    hex += (b < 16 ? "0" : "") + b.toString(16);
  }
  let v = BigInt(`0x${hex}`);
  if (data[start + n - 1]! >= 0x80) v -= 1n << BigInt(8 * n);
  return intValue(v);
}

/** Python's `pickle.encode_long`: the shortest two's complement bytes, b'' for 0. */
export function encodeLong(x: bigint): Uint8Array {
  if (x === 0n) return new Uint8Array(0);
  const neg = x < 0n;
  // bit_length of |x|, then nbytes = (bit_length >> 3) + 1, as CPython
  const mag = neg ? -x : x;
  const bitLength = mag.toString(2).length;
  let nbytes = (bitLength >> 3) + 1;
  let v = neg ? (1n << BigInt(nbytes * 8)) + x : x;
  const out = new Uint8Array(nbytes);
  for (let i = 0; i < nbytes; i++) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  if (neg && nbytes > 1 && out[nbytes - 1] === 0xff && (out[nbytes - 2]! & 0x80) !== 0) nbytes--;
  return nbytes === out.length ? out : out.subarray(0, nbytes);
}

/**
 * Parses the text of a protocol 0 INT or LONG argument as CPython does (C's
 * strtol with base 0 for INT: a leading 0 means octal, 0x hex; Python's
 * int(text, 0) for LONG). Returns `undefined` when the text is not an int.
 */
export function parseIntText(text: string, strtol: boolean): bigint | undefined {
  let t = text.trim();
  let neg = false;
  if (t.startsWith("-") || t.startsWith("+")) {
    neg = t.startsWith("-");
    t = t.slice(1);
  }
  let v: bigint;
  if (strtol && /^0[0-7]+$/.test(t)) v = BigInt(`0o${t.slice(1)}`);
  else if (/^(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+)$/.test(t)) v = BigInt(t);
  else if (/^\d+$/.test(t)) v = BigInt(t);
  else if (!strtol && /^\d+(_\d+)*$/.test(t) && !/^0\d/.test(t)) v = BigInt(t.replace(/_/g, ""));
  else return undefined;
  return neg ? -v : v;
}
