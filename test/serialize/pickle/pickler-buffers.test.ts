/**
 * The buffers dumps() returns: a big pickle is handed out in the buffer it
 * was written in (pickler.ts, handOut), so these check that no later dumps
 * writes into a buffer a caller holds, and that the memory past a pickle in
 * its ArrayBuffer is zeros rather than whatever was there before.
 */
import { describe, expect, it } from "vitest";
import { dumps, loads } from "stdnet/pickle";

/** A list of `n` bytes objects of 1,000 bytes, each filled with its own nonzero byte. */
function blobs(n: number, seed: number): Uint8Array[] {
  return Array.from({ length: n }, (_, i) => new Uint8Array(1000).fill(((seed + i) % 255) + 1));
}

describe("the buffers dumps() returns", () => {
  it("a pickle is not changed by the dumps calls after it, whatever their sizes", () => {
    const sizes = [200, 5, 200, 210, 190, 1, 400, 60, 70, 200, 3000, 200, 199];
    const kept: { out: Uint8Array; copy: Buffer; value: Uint8Array[] }[] = [];
    sizes.forEach((n, i) => {
      const value = blobs(n, i);
      const out = dumps(value);
      kept.push({ out, copy: Buffer.from(out), value });
    });
    for (const { out, copy, value } of kept) {
      expect(Buffer.from(out).equals(copy)).toBe(true);
      expect(loads(out)).toEqual(value);
    }
  });

  it("the memory past a pickle in its ArrayBuffer is zeros", () => {
    for (let round = 0; round < 40; round++) {
      const out = dumps(blobs(150 + (round % 7) * 10, round));
      const past = new Uint8Array(out.buffer, out.byteOffset + out.length, out.buffer.byteLength - out.byteOffset - out.length);
      expect(past.every((b) => b === 0)).toBe(true);
    }
  });
});
