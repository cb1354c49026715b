/**
 * The rare repair the machine needs when dicts it built as plain objects
 * meet keys that are not strs after other values already refer to them (a
 * cycle through a dict): every reference to an old object, anywhere in
 * what has been built so far, is pointed at the Map that replaces it. The
 * machine gathers the replacements and makes them in one walk, before
 * values go to code outside it and at the end, so that many such dicts
 * cost one walk, not one each. Iterative, so deep graphs cannot overflow
 * the JS stack.
 */

/**
 * Replaces every reference to a key of `replacements` by its value in the
 * graph reachable from the machine's `stack` and `memo`.
 *
 * @example
 * ```ts
 * const old = {}, m = new Map(), stack = [[old]], memo = [old];
 * replaceEverywhere(new Map([[old, m]]), stack, memo); // stack[0][0] === m, memo[0] === m
 * ```
 */
export function replaceEverywhere(replacements: ReadonlyMap<object, object>, stack: unknown[], memo: unknown[]): void {
  const seen = new Set<object>();
  const todo: unknown[] = [];
  const swap = (x: unknown): unknown => (typeof x === "object" && x !== null ? (replacements.get(x) ?? x) : x);
  for (let i = 0; i < stack.length; i++) todo.push((stack[i] = swap(stack[i])));
  // the memo by its keys, not its length: a pickle may PUT at index 2 ** 32 - 2 of an almost empty memo
  const slots = memo as unknown as Record<string, unknown>;
  for (const k of Object.keys(slots)) todo.push((slots[k] = swap(slots[k])));
  while (todo.length > 0) {
    const v = todo.pop();
    if (typeof v !== "object" || v === null || seen.has(v)) continue;
    seen.add(v);
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        const x = swap(v[i]);
        if (x !== v[i]) v[i] = x;
        todo.push(x);
      }
    } else if (v instanceof Map) {
      for (const [k, x] of v) {
        const y = swap(x);
        if (y !== x) v.set(k, y);
        todo.push(k, y);
      }
    } else if (v instanceof Set) {
      for (const x of v) todo.push(x);
    } else if (!ArrayBuffer.isView(v)) {
      const o = v as Record<string, unknown>;
      for (const k of Object.keys(o)) {
        const y = swap(o[k]);
        if (y !== o[k]) o[k] = y;
        todo.push(y);
      }
    }
  }
}
