/**
 * The struct format parser: turns a format string into a layout (byte order,
 * total size, number of values, and one field per code with its offset),
 * following CPython's `prepare_s` in Modules/_struct.c step by step, so that
 * the same strings are accepted, the same sizes computed and the same errors
 * raised in the same order.
 */
import { error } from "./_struct_error.js";

/** The byte-order prefix that governs a format (`@` when none is given). */
export type ByteOrder = "@" | "=" | "<" | ">" | "!";

/**
 * Which CPython table a code's pack function comes from; it decides the error
 * messages: the native functions ("short format requires …"), the standard
 * table in host byte order (`<` and `=` on a little-endian host, where CPython
 * swaps in the native function for codes of equal size), or the standard
 * table in the other byte order (`>` and `!`).
 */
export type Table = "native" | "host" | "other";

/** One code of a format, with its place in the record. */
export interface Field {
  /** The format code: one of `cbB?hHiIlLqQnNefdspP` (never `x`). */
  readonly code: string;
  /** Byte offset of the first item in the record. */
  readonly offset: number;
  /** Repeat count; always 1 for `s` and `p`, whose count is their size. */
  readonly count: number;
  /** Bytes per item (for `s` and `p`: the whole field). */
  readonly size: number;
}

/** A parsed format: everything needed to compile a packer and an unpacker. */
export interface Layout {
  readonly format: string;
  readonly order: ByteOrder;
  readonly table: Table;
  /** Multi-byte values are little-endian (true for `@ = <` on x86-64 and arm64 Linux). */
  readonly little: boolean;
  /** Total size in bytes, as `calcsize`. */
  readonly size: number;
  /** Number of values packed or unpacked. */
  readonly nargs: number;
  readonly fields: readonly Field[];
}

// [size, alignment] per code. Native sizes and alignments are those of CPython
// on 64-bit Linux (x86-64, arm64); alignment 0 means "none", as in _struct.c.
const NATIVE: Readonly<Record<string, readonly [number, number]>> = {
  x: [1, 0], c: [1, 0], b: [1, 0], B: [1, 0], "?": [1, 0], s: [1, 0], p: [1, 0],
  h: [2, 2], H: [2, 2], i: [4, 4], I: [4, 4], l: [8, 8], L: [8, 8],
  q: [8, 8], Q: [8, 8], n: [8, 8], N: [8, 8], e: [2, 2], f: [4, 4], d: [8, 8], P: [8, 8],
};
const STANDARD: Readonly<Record<string, readonly [number, number]>> = {
  x: [1, 0], c: [1, 0], b: [1, 0], B: [1, 0], "?": [1, 0], s: [1, 0], p: [1, 0],
  h: [2, 0], H: [2, 0], i: [4, 0], I: [4, 0], l: [4, 0], L: [4, 0],
  q: [8, 0], Q: [8, 0], e: [2, 0], f: [4, 0], d: [8, 0],
};

const PY_SSIZE_T_MAX = (1n << 63n) - 1n;
const HOST_LITTLE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function tooLong(): error {
  return new error("total struct size too long");
}

// Py_ISSPACE: space, \t, \n, \v, \f, \r.
function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

/**
 * Parses a format string as CPython's `Struct.__init__` does.
 *
 * Differences from CPython: a format whose size exceeds 2^53 - 1 bytes (which
 * CPython's `calcsize` accepts up to 2^63 - 1 but could never pack) is refused
 * with "total struct size too long".
 *
 * @example
 * ```ts
 * parseFormat("<hi").size; // 6
 * ```
 */
export function parseFormat(format: string): Layout {
  if (format.includes("\0")) throw new error("embedded null character");
  let i = 0;
  let order: ByteOrder = "@";
  const first = format[0];
  if (first === "@" || first === "=" || first === "<" || first === ">" || first === "!") {
    order = first;
    i = 1;
  }
  const native = order === "@";
  const table = native ? NATIVE : STANDARD;
  const fields: Field[] = [];
  // Sizes are kept as bigint so that CPython's overflow checks (at 2^63 - 1)
  // are exact; formats are parsed once, so this costs nothing per call.
  let size = 0n;
  let nargs = 0n;
  const n = format.length;
  while (i < n) {
    let c = format.charCodeAt(i++);
    if (isSpace(c)) continue;
    let num = 1n;
    if (c >= 48 && c <= 57) {
      const start = i - 1;
      while (i < n && format.charCodeAt(i) >= 48 && format.charCodeAt(i) <= 57) i++;
      num = BigInt(format.slice(start, i));
      if (num > PY_SSIZE_T_MAX) throw tooLong();
      if (i >= n) throw new error("repeat count given without format specifier");
      c = format.charCodeAt(i++);
    }
    const code = String.fromCharCode(c);
    const entry = Object.hasOwn(table, code) ? table[code] : undefined;
    if (entry === undefined) throw new error("bad char in struct format");
    const [itemSize, alignment] = entry;
    if (alignment !== 0 && size > 0n) {
      const a = BigInt(alignment);
      const extra = a - 1n - ((size - 1n) % a);
      if (extra > PY_SSIZE_T_MAX - size) throw tooLong();
      size += extra;
    }
    const item = BigInt(itemSize);
    if (num > (PY_SSIZE_T_MAX - size) / item) throw tooLong();
    if (size <= BigInt(Number.MAX_SAFE_INTEGER)) {
      if (code === "s" || code === "p") {
        fields.push({ code, offset: Number(size), count: 1, size: Number(num) });
        nargs += 1n;
      } else if (code !== "x" && num > 0n) {
        fields.push({ code, offset: Number(size), count: Number(num), size: itemSize });
        nargs += num;
      }
    }
    size += num * item;
  }
  if (size > BigInt(Number.MAX_SAFE_INTEGER) || nargs > BigInt(Number.MAX_SAFE_INTEGER)) throw tooLong();
  const little = order === "<" || ((order === "@" || order === "=") && HOST_LITTLE);
  const kind: Table = native ? "native" : little === HOST_LITTLE ? "host" : "other";
  return { format, order, table: kind, little, size: Number(size), nargs: Number(nargs), fields };
}
