/**
 * Python's equality of numbers as keys of a set or dict, where a JS Set or
 * Map would tell them apart: True is 1 and False is 0 (bool is a subclass of
 * int), and an integral float past 2**53 equals the int of its value, which
 * `loads` gives as a bigint. A pickle CPython writes never holds two such
 * keys in one set or dict (Python made them one before pickling), but a
 * crafted one may: CPython then keeps the first key (and, in a dict, the
 * last value), and so do these. Other Python-equal values that JS tells
 * apart (equal tuples, bytes or frozensets, which JS compares by identity)
 * stay apart.
 * @module
 */

/** What a JS Set or Map of keys answers: whether it holds a key. */
interface Keys {
  has(key: unknown): boolean;
}

/**
 * The key already in `keys` that Python's `==` makes the same as `k`, or
 * `k` itself.
 *
 * @example
 * ```ts
 * presentKey(new Set([1]), true); // 1
 * presentKey(new Set([2n ** 70n]), 2 ** 70); // 1180591620717411303424n
 * presentKey(new Set([1]), "1"); // "1"
 * ```
 */
export function presentKey(keys: Keys, k: unknown): unknown {
  if (typeof k === "number") {
    if (k === 0 || k === 1) {
      const b = k === 1;
      return keys.has(b) ? b : k;
    }
    if (Number.isInteger(k) && !Number.isSafeInteger(k)) {
      const big = BigInt(k);
      return keys.has(big) ? big : k;
    }
    return k;
  }
  if (typeof k === "boolean") {
    const n = k ? 1 : 0;
    return keys.has(n) ? n : k;
  }
  if (typeof k === "bigint") {
    const n = Number(k);
    return Number.isFinite(n) && BigInt(n) === k && keys.has(n) ? n : k;
  }
  return k;
}

/**
 * `items` as a Set, Python-equal numbers made one (see presentKey): what
 * Python's `set(items)` holds.
 *
 * @example
 * ```ts
 * pySet([1, true, 2]); // Set {1, 2}
 * ```
 */
export function pySet(items: Iterable<unknown>): Set<unknown> {
  const s = new Set<unknown>();
  for (const x of items) s.add(presentKey(s, x));
  return s;
}
