/**
 * Seeded randomness for tests that make their cases: the same seed makes the
 * same cases again, so a failing one can be run by itself.
 */

/** mulberry32: numbers in [0, 1) from a 32-bit seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The seed an environment variable names: a number, "random" for a new one each run, or `fallback` when unset. */
export function seedFrom(value: string | undefined, fallback: number): number {
  if (value === "random") return Date.now() % 2 ** 31;
  return value === undefined ? fallback : Number(value);
}
