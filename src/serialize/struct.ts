/**
 * Python's `struct` module: pack values into the bytes of a C-like record and
 * unpack them again, byte for byte as CPython 3.11 does on 64-bit Linux.
 *
 * ```ts
 * import { pack, unpack, calcsize, Struct } from "stdnet/struct";
 * const record = pack("<iIqd8s?", -1, 7, 2n ** 40n, 0.5, new TextEncoder().encode("name"), true);
 * calcsize("<iIqd8s?");              // 33
 * unpack("<iIqd8s?", record);        // [-1, 7, 1099511627776n, 0.5, Uint8Array(8) […], true]
 * const header = new Struct("!HHI"); // compile once, use many times
 * ```
 *
 * Every format CPython accepts works here with the same layout (byte order,
 * size and alignment prefixes `@ = < > !`, codes `x c b B ? h H i I l L q Q n
 * N e f d s p P`, repeat counts, whitespace between codes), and every format
 * it rejects is rejected with `struct.error` and CPython's message. A format
 * is parsed and compiled once, into a packer and an unpacker specialised to
 * it; the module functions keep compiled formats in a cache keyed by the
 * format string, as CPython does. (Where the host forbids generating code
 * from strings, formats are interpreted instead: same results, slower.)
 *
 * Values: integer codes of up to 4 bytes give `number`, 8-byte codes (`q Q`,
 * and native `l L n N P`) give `bigint`; packing takes `number | bigint` (and
 * `boolean`, an int in Python). `e f d` give `number`, `?` gives `boolean`,
 * `c s p` give bytes (`Uint8Array`).
 *
 * Differences from Python:
 * - `unpack` gives arrays (Python: tuples); `pack` gives a `Uint8Array`
 *   (Python: bytes). Bytes to pack or unpack may be any `Uint8Array`, Buffer
 *   included (Python's bytes and bytearray alike), or another view or ArrayBuffer.
 * - Every failure is `struct.error` (`error`). Where CPython raises another
 *   class — `OverflowError` for "float too large to pack with f format",
 *   `TypeError` for a buffer that is not bytes-like, `SystemError` for
 *   unpacking `0p`, `UnicodeEncodeError` for a non-ASCII format — the message
 *   is CPython's or says the same thing.
 * - `pack_into` writes nothing when a value is bad (CPython may leave the
 *   record half written).
 * - A format whose size exceeds 2^53 - 1 bytes is refused ("total struct size
 *   too long"); CPython's limit is 2^63 - 1, though it cannot pack such records.
 * - A packed record, and a `c s p` value unpacked, is a small Uint8Array cut
 *   from a shared 8 KiB slab, as Node cuts small Buffers from its pool: its
 *   `.buffer` is the slab; use `byteOffset` and `length` (or copy it) when
 *   handing the ArrayBuffer itself to an API.
 * - A NaN keeps its payload through `d` only as far as JavaScript numbers do:
 *   unpacking gives `NaN`, packing `NaN` gives CPython's `float("nan")` bytes.
 * @module
 */
import { error } from "./_struct_error.js";
import { canGenerateCode } from "./_codegen.js";
import { compileIteratorNext, compilePacker, compileUnpacker, type IteratorNext, type Packer, type Unpacker } from "./_struct_compile.js";
import { interpretIteratorNext, interpretPacker, interpretUnpacker } from "./_struct_interpret.js";
import { parseFormat, type Layout } from "./_struct_format.js";
import { newSlab, slab, SLAB_ITEM_MAX, SLAB_SIZE } from "./_slab.js";
import { asBytes, asOffset, formatText, view, viewed, type BytesLike } from "./_struct_buffers.js";
import { StructIterator, type StructValue } from "./_struct_iterator.js";

export { error, StructIterator };
export type { BytesLike, StructValue };

/**
 * Another name for `error` (Python's `struct.error`), for code that reads better with it.
 *
 * @example
 * ```ts
 * import { calcsize, StructError } from "stdnet/struct";
 * try { calcsize("<z"); } catch (e) { console.log(e instanceof StructError); } // true
 * ```
 */
export const StructError = error;

// Compiled code where the host allows it, else the interpreter.
const CODEGEN = canGenerateCode();
const makePacker = CODEGEN ? compilePacker : interpretPacker;
const makeUnpacker = CODEGEN ? compileUnpacker : interpretUnpacker;
const makeIteratorNext = CODEGEN ? compileIteratorNext : interpretIteratorNext;

// A record too big for a slab gets its own buffer (and views).
function packLarge(packer: Packer, size: number, values: readonly unknown[]): Uint8Array {
  let buffer: ArrayBuffer;
  try {
    buffer = new ArrayBuffer(size);
  } catch (cause) {
    throw new error(`cannot allocate a record of ${size} bytes`, { cause });
  }
  packer(new DataView(buffer), new Uint8Array(buffer), 0, values);
  return new Uint8Array(buffer);
}

// The module functions pass their rest arguments on as they are, through
// these two doors into Struct's private methods (set in its static block).
let packValues: (s: Struct, values: readonly unknown[]) => Uint8Array;
let packIntoValues: (s: Struct, buffer: BytesLike, offset: number, values: readonly unknown[]) => void;

/**
 * Python's `struct.Struct`: a format compiled once, to pack and unpack many
 * records.
 *
 * @example
 * ```ts
 * import { Struct } from "stdnet/struct";
 * const header = new Struct("!HHI");
 * const bytes = header.pack(1, 2, 3);
 * header.unpack(bytes); // [1, 2, 3]
 * ```
 */
export class Struct {
  static {
    packValues = (s, values) => s.#packValues(values);
    packIntoValues = (s, buffer, offset, values) => {
      s.#packIntoValues(buffer, offset, values);
    };
  }

  /** The format string. */
  readonly format: string;
  /** The size in bytes of one record, as `calcsize(format)`. */
  readonly size: number;
  readonly #layout: Layout;
  #packer: Packer | undefined;
  #unpacker: Unpacker | undefined;
  #next: IteratorNext | undefined;

  /**
   * Parses `format`; throws `struct.error` if CPython would refuse it.
   *
   * @example
   * ```ts
   * new Struct("<hhl").size; // 8
   * ```
   */
  constructor(format: string | Uint8Array) {
    const text = formatText(format);
    this.#layout = parseFormat(text);
    this.format = text;
    this.size = this.#layout.size;
  }

  #compiledPacker(): Packer {
    return (this.#packer ??= makePacker(this.#layout));
  }

  #compiledUnpacker(): Unpacker {
    return (this.#unpacker ??= makeUnpacker(this.#layout));
  }

  /**
   * Packs the values into a new record.
   *
   * @example
   * ```ts
   * new Struct("<hh").pack(1, -2); // Uint8Array [1, 0, 254, 255]
   * ```
   */
  pack(...values: unknown[]): Uint8Array {
    return this.#packValues(values);
  }

  // `pack` with the values as one array (the module functions call it too).
  #packValues(values: readonly unknown[]): Uint8Array {
    const layout = this.#layout;
    if (values.length !== layout.nargs) throw new error(`pack expected ${layout.nargs} items for packing (got ${values.length})`);
    const packer = this.#packer ?? this.#compiledPacker();
    const size = layout.size;
    if (size > SLAB_ITEM_MAX) return packLarge(packer, size, values);
    let d = slab.offset;
    if (d + size > SLAB_SIZE) {
      newSlab();
      d = 0;
    }
    packer(slab.view, slab.bytes, d, values);
    slab.offset = (d + size + 7) & ~7;
    return new Uint8Array(slab.buffer, d, size);
  }

  /**
   * Packs the values into `buffer` at `offset` (negative counts from the
   * end); writes nothing if a value is bad or the record does not fit.
   *
   * @example
   * ```ts
   * const buf = new Uint8Array(8);
   * new Struct("<i").pack_into(buf, 4, 7); // buf is [0, 0, 0, 0, 7, 0, 0, 0]
   * ```
   */
  pack_into(buffer: BytesLike, offset: number, ...values: unknown[]): void {
    this.#packIntoValues(buffer, offset, values);
  }

  #packIntoValues(buffer: BytesLike, offset: number, values: readonly unknown[]): void {
    const layout = this.#layout;
    if (values.length !== layout.nargs) throw new error(`pack_into expected ${layout.nargs} items for packing (got ${values.length})`);
    const target = asBytes(buffer);
    let at = asOffset(offset);
    const size = layout.size;
    if (at < 0) {
      if (at + size > 0) throw new error(`no space to pack ${size} bytes at offset ${at}`);
      if (at + target.length < 0) throw new error(`offset ${at} out of range for ${target.length}-byte buffer`);
      at += target.length;
    }
    if (target.length - at < size) {
      throw new error(`pack_into requires a buffer of at least ${size + at} bytes for packing ${size} bytes at offset ${at} (actual buffer size is ${target.length})`);
    }
    // Pack aside first, so that a bad value leaves the target untouched.
    target.set(this.#packValues(values), at);
  }

  /**
   * Unpacks a buffer of exactly `size` bytes.
   *
   * @example
   * ```ts
   * new Struct(">H").unpack(Uint8Array.of(1, 2)); // [258]
   * ```
   */
  unpack(buffer: BytesLike): StructValue[] {
    const source = buffer instanceof Uint8Array ? buffer : asBytes(buffer);
    const layout = this.#layout;
    if (source.length !== layout.size) throw new error(`unpack requires a buffer of ${layout.size} bytes`);
    const unpacker = this.#unpacker ?? this.#compiledUnpacker();
    if (source.buffer !== viewed.buffer) view(source.buffer);
    return unpacker(viewed.view, viewed.bytes, source.byteOffset) as StructValue[];
  }

  /**
   * Unpacks one record from `buffer` at `offset` (negative counts from the
   * end); the buffer may be longer than the record.
   *
   * @example
   * ```ts
   * new Struct("<h").unpack_from(Uint8Array.of(9, 1, 0), 1); // [1]
   * ```
   */
  unpack_from(buffer: BytesLike, offset = 0): StructValue[] {
    const source = asBytes(buffer);
    const layout = this.#layout;
    let at = asOffset(offset);
    if (at < 0) {
      if (at + layout.size > 0) throw new error(`not enough data to unpack ${layout.size} bytes at offset ${at}`);
      if (at + source.length < 0) throw new error(`offset ${at} out of range for ${source.length}-byte buffer`);
      at += source.length;
    }
    if (source.length - at < layout.size) {
      throw new error(
        `unpack_from requires a buffer of at least ${layout.size + at} bytes for unpacking ${layout.size} bytes at offset ${at} (actual buffer size is ${source.length})`,
      );
    }
    const unpacker = this.#unpacker ?? this.#compiledUnpacker();
    if (source.buffer !== viewed.buffer) view(source.buffer);
    return unpacker(viewed.view, viewed.bytes, source.byteOffset + at) as StructValue[];
  }

  /**
   * An iterator over the records of a buffer whose size is a multiple of `size`.
   *
   * @example
   * ```ts
   * [...new Struct("<h").iter_unpack(Uint8Array.of(1, 0, 2, 0))]; // [[1], [2]]
   * ```
   */
  iter_unpack(buffer: BytesLike): StructIterator {
    const source = asBytes(buffer);
    const size = this.#layout.size;
    if (size === 0) throw new error("cannot iteratively unpack with a struct of length 0");
    if (source.length % size !== 0) throw new error(`iterative unpacking requires a buffer of a multiple of ${size} bytes`);
    return new StructIterator((this.#next ??= makeIteratorNext(this.#layout)), source, size);
  }
}

/** CPython keeps at most this many compiled formats for the module functions. */
const MAXCACHE = 100;
const cache = new Map<string, Struct>();

// The last format used: a program that packs one format in a loop skips the map.
let lastFormat = "";
let lastStruct: Struct | undefined;

function compiled(format: string | Uint8Array): Struct {
  if (format === lastFormat && lastStruct !== undefined) return lastStruct;
  if (typeof format === "string") {
    let s = cache.get(format);
    if (s === undefined) {
      s = new Struct(format);
      if (cache.size >= MAXCACHE) cache.clear();
      cache.set(format, s);
    }
    lastFormat = format;
    lastStruct = s;
    return s;
  }
  return new Struct(format);
}

/**
 * Packs the values by `format` into a new record.
 *
 * @example
 * ```ts
 * import { pack } from "stdnet/struct";
 * pack(">hq", 1, 2n); // Uint8Array [0, 1, 0, 0, 0, 0, 0, 0, 0, 2]
 * ```
 */
export function pack(format: string | Uint8Array, ...values: unknown[]): Uint8Array {
  return packValues(compiled(format), values);
}

/**
 * Packs the values by `format` into `buffer` at `offset`; writes nothing on failure.
 *
 * @example
 * ```ts
 * import { pack_into } from "stdnet/struct";
 * const buf = new Uint8Array(4);
 * pack_into("<H", buf, 2, 0x0102); // buf is [0, 0, 2, 1]
 * ```
 */
export function pack_into(format: string | Uint8Array, buffer: BytesLike, offset: number, ...values: unknown[]): void {
  packIntoValues(compiled(format), buffer, offset, values);
}

/**
 * Unpacks a buffer of exactly `calcsize(format)` bytes.
 *
 * @example
 * ```ts
 * import { unpack } from "stdnet/struct";
 * const [n, flag] = unpack("<I?", Uint8Array.of(1, 0, 0, 0, 1)); // 1, true
 * ```
 */
export function unpack(format: string | Uint8Array, buffer: BytesLike): StructValue[] {
  return compiled(format).unpack(buffer);
}

/**
 * Unpacks one record from `buffer` at `offset` (negative counts from the end).
 *
 * @example
 * ```ts
 * import { unpack_from } from "stdnet/struct";
 * unpack_from(">H", Uint8Array.of(0, 0, 1, 2), 2); // [258]
 * ```
 */
export function unpack_from(format: string | Uint8Array, buffer: BytesLike, offset = 0): StructValue[] {
  return compiled(format).unpack_from(buffer, offset);
}

/**
 * An iterator over the records of a buffer, one `unpack` per record.
 *
 * @example
 * ```ts
 * import { iter_unpack } from "stdnet/struct";
 * for (const [x, y] of iter_unpack("<hh", new Uint8Array(8))) console.log(x, y);
 * ```
 */
export function iter_unpack(format: string | Uint8Array, buffer: BytesLike): StructIterator {
  return compiled(format).iter_unpack(buffer);
}

/**
 * The size in bytes of a record of `format`.
 *
 * @example
 * ```ts
 * import { calcsize } from "stdnet/struct";
 * calcsize("@ci"); // 8: native alignment pads the char to 4 bytes
 * ```
 */
export function calcsize(format: string | Uint8Array): number {
  return compiled(format).size;
}

/**
 * Empties the cache of compiled formats that the module functions use
 * (Python's `struct._clearcache`).
 *
 * @example
 * ```ts
 * import { _clearcache } from "stdnet/struct";
 * _clearcache();
 * ```
 */
export function _clearcache(): void {
  cache.clear();
  lastStruct = undefined;
}
