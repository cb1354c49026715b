/**
 * Byte order conversions of Python's `socket` module: `htonl ntohl htons
 * ntohs`, with Python's range errors.
 *
 * @example
 * ```ts
 * import { htons, htonl } from "stdnet/socket";
 * htons(0x1234);     // 0x3412 on a little-endian host, as in Python
 * htonl(1);          // 16777216
 * htons(70000);      // throws OverflowError, as Python does
 * ```
 * @module
 */
import { OverflowError, PyTypeError } from "./errors.js";

// Every machine node runs on here is little-endian; a big-endian host would
// make these identities, as C's do.
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function typeName(x: unknown): string {
  if (typeof x === "number") return "float";
  if (typeof x === "string") return "str";
  if (x === null || x === undefined) return "NoneType";
  return typeof x;
}

function toBigInt(x: number | bigint, message: string): bigint {
  if (typeof x === "bigint") return x;
  if (typeof x !== "number" || !Number.isInteger(x)) throw new PyTypeError(message.replace("%s", typeName(x)));
  return BigInt(x);
}

function short(name: string, x: number | bigint): number {
  const v = toBigInt(x, "'%s' object cannot be interpreted as an integer");
  // Python parses the argument as a C int first, then checks 16 bits.
  if (v > 0x7fffffffffffffffn || v < -0x8000000000000000n) throw new OverflowError("Python int too large to convert to C long");
  if (v > 0x7fffffffn) throw new OverflowError("signed integer is greater than maximum");
  if (v < -0x80000000n) throw new OverflowError("signed integer is less than minimum");
  if (v < 0n) throw new OverflowError(`${name}: can't convert negative Python int to C 16-bit unsigned integer`);
  if (v > 0xffffn) throw new OverflowError(`${name}: Python int too large to convert to C 16-bit unsigned integer`);
  const n = Number(v);
  return LITTLE_ENDIAN ? ((n & 0xff) << 8) | (n >>> 8) : n;
}

function long(x: number | bigint): number {
  const v = toBigInt(x, "expected int, %s found");
  if (v < 0n) throw new OverflowError("can't convert negative value to unsigned int");
  if (v > 0xffffffffffffffffn) throw new OverflowError("Python int too large to convert to C unsigned long");
  if (v > 0xffffffffn) throw new OverflowError("int larger than 32 bits");
  const n = Number(v);
  if (!LITTLE_ENDIAN) return n;
  return (((n & 0xff) << 24) | ((n & 0xff00) << 8) | ((n >>> 8) & 0xff00) | (n >>> 24)) >>> 0;
}

/**
 * Host to network byte order, 16 bits. Throws `OverflowError` outside 0..65535.
 *
 * @example
 * ```ts
 * htons(80); // 20480
 * ```
 */
export function htons(x: number | bigint): number {
  return short("htons", x);
}

/**
 * Network to host byte order, 16 bits. Throws `OverflowError` outside 0..65535.
 *
 * @example
 * ```ts
 * ntohs(20480); // 80
 * ```
 */
export function ntohs(x: number | bigint): number {
  return short("ntohs", x);
}

/**
 * Host to network byte order, 32 bits. Throws `OverflowError` outside 0..2**32-1.
 *
 * @example
 * ```ts
 * htonl(1); // 16777216
 * ```
 */
export function htonl(x: number | bigint): number {
  return long(x);
}

/**
 * Network to host byte order, 32 bits. Throws `OverflowError` outside 0..2**32-1.
 *
 * @example
 * ```ts
 * ntohl(16777216); // 1
 * ```
 */
export function ntohl(x: number | bigint): number {
  return long(x);
}
