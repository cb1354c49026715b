/**
 * Items appended to big lists, held back and written in one go. A pickle
 * fills a list by APPENDS batches of 1,000 items; pushing a million items
 * one by one regrows the array some thirty times, each larger copy in fresh
 * memory, which was most of the time `loads` spent on `list(range(10**6))`.
 * Lists past `DEFER_AT` items collect their batches here instead; `flush`
 * sizes each list once and copies the items in, and the machine flushes
 * before anything outside it could look at a list (a callable, a reducer's
 * state, a user's container methods, a dict turned into a Map) and at the end.
 */

/** A list this long has outgrown V8's ordinary heap pages (its store moves to pages of its own). */
export const DEFER_AT = 16384;
/** Single APPENDs are gathered in pieces of at most this many items. */
const PIECE = 4096;

/**
 * Appends stack[from..to) to `list` now, by stores past its end: V8 grows
 * the array inline, where `push` is a call (and, for each array that must
 * grow, one through SetProperty).
 */
export function appendNow(list: unknown[], stack: readonly unknown[], from: number, to: number): void {
  let n = list.length;
  for (let i = from; i < to; i++) list[n++] = stack[i];
}

export class DeferredAppends {
  private readonly pending = new Map<unknown[], unknown[][]>();

  /** Appends stack[from..to) to `list`, now or later. */
  appendSlice(list: unknown[], stack: readonly unknown[], from: number, to: number): void {
    const pieces = this.pending.get(list);
    if (pieces !== undefined) pieces.push(stack.slice(from, to));
    else if (list.length + (to - from) >= DEFER_AT) this.pending.set(list, [stack.slice(from, to)]);
    else appendNow(list, stack, from, to);
  }

  /** Appends one item to `list`, now or later. */
  appendOne(list: unknown[], item: unknown): void {
    const pieces = this.pending.get(list);
    if (pieces === undefined) {
      if (list.length + 1 >= DEFER_AT) this.pending.set(list, [[item]]);
      else list[list.length] = item;
      return;
    }
    const last = pieces[pieces.length - 1]!;
    if (last.length < PIECE) last.push(item);
    else pieces.push([item]);
  }

  /**
   * Writes every held-back item into its list: sized once when the items
   * held back are at least as many as the list has, else stored past its
   * end (so that frequent flushes grow a list geometrically, as V8 grows it).
   */
  flush(): void {
    if (this.pending.size === 0) return;
    for (const [list, pieces] of this.pending) {
      let k = list.length;
      let held = 0;
      for (const p of pieces) held += p.length;
      if (held >= k) list.length = k + held;
      for (const p of pieces) for (let i = 0; i < p.length; i++) list[k++] = p[i];
    }
    this.pending.clear();
  }
}
