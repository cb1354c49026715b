/**
 * The rare repair the machine needs when a dict it built as a plain object
 * meets a key that is not a str after other values already refer to it (a
 * cycle through the dict): every reference to the old object, anywhere in
 * what has been built so far, is pointed at the Map that replaces it.
 * Iterative, so deep graphs cannot overflow the JS stack.
 */

/** Replaces every reference to `old` by `replacement` in the graph reachable from `roots`. */
export function replaceEverywhere(old: object, replacement: object, ...roots: unknown[][]): void {
  const seen = new Set<object>();
  const todo: unknown[] = [];
  for (const r of roots) {
    for (let i = 0; i < r.length; i++) if (r[i] === old) r[i] = replacement;
    todo.push(r);
  }
  for (const k of Object.keys(roots[roots.length - 1] ?? [])) {
    const memo = roots[roots.length - 1] as unknown as Record<string, unknown>;
    if (memo[k] === old) memo[k] = replacement;
  }
  while (todo.length > 0) {
    const v = todo.pop();
    if (typeof v !== "object" || v === null || seen.has(v)) continue;
    seen.add(v);
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        if (v[i] === old) v[i] = replacement;
        todo.push(v[i]);
      }
    } else if (v instanceof Map) {
      for (const [k, x] of v) {
        if (x === old) v.set(k, replacement);
        todo.push(k, x === old ? replacement : x);
      }
    } else if (v instanceof Set) {
      for (const x of v) todo.push(x);
    } else if (!ArrayBuffer.isView(v)) {
      const o = v as Record<string, unknown>;
      for (const k of Object.keys(o)) {
        if (o[k] === old) o[k] = replacement;
        todo.push(o[k]);
      }
    }
  }
}
