/**
 * The iterator that `iter_unpack` returns: one record after another from a
 * buffer whose size is a multiple of the record size.
 */
import type { IteratorNext } from "./_struct_compile.js";

/**
 * A value that `unpack` gives: `number`, `bigint` (8-byte integers), `boolean` (`?`) or bytes (`c s p`).
 *
 * @example
 * ```ts
 * import { unpack, type StructValue } from "stdnet/struct";
 * const [size, flag]: StructValue[] = unpack("<q?", new Uint8Array(9)); // 0n, false
 * ```
 */
export type StructValue = number | bigint | boolean | Uint8Array;

/**
 * Python's `iter_unpack` iterator: unpacks one record after another from a
 * buffer whose size is a multiple of the record size.
 */
export class StructIterator implements IterableIterator<StructValue[]> {
  /**
   * The next record, or done at the end of the buffer. Each format has its
   * own `next`, compiled with the unpacking of a record inline.
   *
   * @example
   * ```ts
   * import { iter_unpack } from "stdnet/struct";
   * iter_unpack("<h", Uint8Array.of(1, 0)).next(); // { done: false, value: [1] }
   * ```
   */
  readonly next: () => IteratorResult<StructValue[], undefined>;
  // Read and advanced by the compiled `next` (see IteratorState).
  private readonly dv: DataView;
  private readonly b: Uint8Array;
  private readonly step: number;
  private readonly end: number;
  private pos: number;

  /** Made by `iter_unpack`, which has checked the buffer's size. */
  constructor(next: IteratorNext, source: Uint8Array, step: number) {
    this.next = next as () => IteratorResult<StructValue[], undefined>;
    this.dv = new DataView(source.buffer);
    this.b = new Uint8Array(source.buffer);
    this.step = step;
    this.pos = source.byteOffset;
    this.end = source.byteOffset + source.byteLength;
  }

  /**
   * The iterator itself, so that it works in `for … of`.
   *
   * @example
   * ```ts
   * import { iter_unpack } from "stdnet/struct";
   * for (const [n] of iter_unpack("<h", Uint8Array.of(1, 0, 2, 0))) console.log(n);
   * ```
   */
  [Symbol.iterator](): this {
    return this;
  }

  /**
   * How many records remain (Python's `__length_hint__`).
   *
   * @example
   * ```ts
   * import { iter_unpack } from "stdnet/struct";
   * iter_unpack("<h", new Uint8Array(6)).__length_hint__(); // 3
   * ```
   */
  __length_hint__(): number {
    return Math.max(0, (this.end - this.pos) / this.step);
  }
}
