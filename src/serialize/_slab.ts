/**
 * Small byte arrays for struct's and pickle's results, cut from 8 KiB slabs
 * as Node cuts small Buffers from its pool: making a view on an existing
 * ArrayBuffer costs a fraction of allocating a new one (an ArrayBuffer of
 * its own is memory outside V8's heap, which each GC must account for), and
 * the slab's DataView is made once for all the records packed into it. Like
 * a pooled Buffer, a result's `.buffer` is the whole slab; `byteOffset` and
 * `length` delimit the result. Each result starts at a multiple of 8, so a
 * Float64Array over it needs no copy.
 */

/** Size of one slab; results up to half of it are cut from slabs. */
export const SLAB_SIZE = 8192;
/** The largest result cut from a slab; bigger ones get their own ArrayBuffer. */
export const SLAB_ITEM_MAX = SLAB_SIZE >>> 1;

/** The current slab, its views and the first free byte. */
export interface Slab {
  buffer: ArrayBuffer;
  view: DataView;
  bytes: Uint8Array;
  offset: number;
}

const first = new ArrayBuffer(SLAB_SIZE);

/** The slab in use. */
export const slab: Slab = { buffer: first, view: new DataView(first), bytes: new Uint8Array(first), offset: 0 };

/**
 * Replaces the current slab with a fresh one.
 *
 * @example
 * ```ts
 * if (slab.offset + size > SLAB_SIZE) newSlab();
 * ```
 */
export function newSlab(): void {
  const buffer = new ArrayBuffer(SLAB_SIZE);
  slab.buffer = buffer;
  slab.view = new DataView(buffer);
  slab.bytes = new Uint8Array(buffer);
  slab.offset = 0;
}

/**
 * A copy of `n` bytes of `source` from `from`, as a new small Uint8Array.
 *
 * @example
 * ```ts
 * copyBytes(Uint8Array.of(1, 2, 3), 1, 2); // Uint8Array [2, 3]
 * ```
 */
export function copyBytes(source: Uint8Array, from: number, n: number): Uint8Array {
  if (n > SLAB_ITEM_MAX) {
    // memory of its own, not zeroed first (all of it is written)
    const own = Buffer.allocUnsafeSlow(n);
    own.set(source.subarray(from, from + n));
    return new Uint8Array(own.buffer, own.byteOffset, n);
  }
  const d = cut(n);
  const target = slab.bytes;
  // a loop is quicker than set() of a subarray for a few bytes
  if (n <= 64) for (let k = 0; k < n; k++) target[d + k] = source[from + k]!;
  else target.set(source.subarray(from, from + n), d);
  return new Uint8Array(slab.buffer, d, n);
}

/** The current slab as a Buffer, for Node's string writers (made again for each slab). */
let slabBuffer: Buffer | undefined;

/**
 * `s`, whose every character is below 256, as latin-1 bytes in a new
 * Uint8Array (cut from the slab when small), written by Node's native
 * latin-1 writer: ~0.3 µs for 4,096 characters where a `charCodeAt` loop
 * takes ~18 µs. (For a few dozen characters the loop is quicker.)
 *
 * @example
 * ```ts
 * latin1Bytes("a\xff"); // Uint8Array [0x61, 0xff]
 * ```
 */
export function latin1Bytes(s: string): Uint8Array {
  const n = s.length;
  if (n > SLAB_ITEM_MAX) {
    // memory of its own, all of it written
    const own = Buffer.allocUnsafeSlow(n);
    own.write(s, 0, n, "latin1");
    return new Uint8Array(own.buffer, own.byteOffset, n);
  }
  const d = cut(n);
  if (slabBuffer?.buffer !== slab.buffer) slabBuffer = Buffer.from(slab.buffer);
  slabBuffer.write(s, d, n, "latin1");
  return new Uint8Array(slab.buffer, d, n);
}

/** Where in the slab `n` bytes (at most SLAB_ITEM_MAX) go: the next multiple of 8 that has room, in a new slab if need be. */
function cut(n: number): number {
  let d = slab.offset;
  if (d + n > SLAB_SIZE) {
    newSlab();
    d = 0;
  }
  slab.offset = (d + n + 7) & ~7;
  return d;
}
