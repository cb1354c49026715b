/**
 * The pickler's memo of objects by identity. A JS Map is the only identity
 * table there is, but one big Map is slow to build: past 4,096 entries V8
 * keeps its table in pages of its own, fresh memory at each growth, and on a
 * machine where a page fault is dear, a Map of 30,000 objects cost more to
 * build than all the rest of a `dumps` of them. So the memo is a row of
 * Maps of at most 4,096 objects each (but the last).
 *
 * Each Map gives its objects a slot; a slot holds the use (one `dumps`) that
 * last wrote it and the memo index of that use. `recycle` keeps the Maps for
 * the next use, which keeps them in turn when it pickles the same value
 * again (its first object has a slot already): an object met again finds its
 * slot with the lookup that tells it is not yet in this use's memo, and
 * `set` writes the slot without a second lookup. A use that starts with a
 * new object drops the Maps, which would only keep the user's old objects
 * alive and lengthen the search for objects that V8 has hashed (see
 * MAX_SHARDS).
 */

/** The most objects in one Map (its table then stays below V8's large-object size). */
const SHARD = 4096;
/**
 * The most Maps: an object that V8 has hashed (one that was ever a key of a
 * Map, Set or WeakMap) is looked for in each Map until found, so the last
 * Map takes every object past the first 28,672.
 */
const MAX_SHARDS = 8;
/** One use in a stamp (memo indexes are below 2 ** 32), and the last use a float64 holds exactly. */
const USE = 2 ** 32;
const LAST_USE = 2 ** 52;

export class IdentityMemo {
  private shards = [new Map<unknown, number>()];
  /** The Map new objects go into (the last). */
  private current = this.shards[0]!;
  /** The Map of the last object found: a value pickled again meets its objects in the same order. */
  private near = this.shards[0]!;
  /** Per slot: the use that wrote it and its memo index then, as `use * 2 ** 32 + index`. */
  private stamps = new Float64Array(256);
  /** Slots handed out (an object given a new slot leaves its old one unused). */
  private next = 0;
  /** `use * 2 ** 32` for this use. */
  private base = USE;
  /** Slots written in this use. */
  private live = 0;
  /** Whether this use has looked nothing up yet and has the last use's Maps. */
  private recycled = false;
  /** The object the last `get` did not find, and its stale slot (-1: none). */
  private missed: unknown = undefined;
  private missedSlot = -1;

  /** The memo index of `obj` in this use, or undefined. */
  get(obj: unknown): number | undefined {
    let slot = this.near.get(obj);
    if (slot === undefined) {
      slot = this.search(obj);
      if (slot === undefined) {
        if (this.recycled) this.clear();
        this.missedSlot = -1;
        return undefined;
      }
    }
    this.recycled = false;
    const stamp = this.stamps[slot]! - this.base;
    if (stamp >= 0) return stamp;
    this.missed = obj;
    this.missedSlot = slot;
    return undefined;
  }

  /** The slot of `obj` in any Map but `near` (which becomes the Map it is in). */
  private search(obj: unknown): number | undefined {
    const shards = this.shards;
    for (let i = shards.length - 1; i >= 0; i--) {
      const m = shards[i]!;
      if (m === this.near) continue;
      const slot = m.get(obj);
      if (slot !== undefined) {
        this.near = m;
        return slot;
      }
    }
    return undefined;
  }

  /** Records `obj` at memo index `idx`. */
  set(obj: unknown, idx: number): void {
    let slot = this.missedSlot;
    if (slot < 0 || obj !== this.missed) slot = this.newSlot(obj);
    this.recycled = false;
    this.stamps[slot] = this.base + idx;
    this.live++;
  }

  /** Gives `obj` a slot of its own, in the last Map. */
  private newSlot(obj: unknown): number {
    const slot = this.next++;
    if (slot === this.stamps.length) {
      const stamps = new Float64Array(2 * slot);
      stamps.set(this.stamps);
      this.stamps = stamps;
    }
    if (this.current.size >= SHARD && this.shards.length < MAX_SHARDS) {
      this.current = new Map();
      this.shards.push(this.current);
    }
    this.current.set(obj, slot);
    return slot;
  }

  /** Forgets everything and lets go of every object. */
  clear(): void {
    this.shards = [new Map<unknown, number>()];
    this.current = this.near = this.shards[0]!;
    this.next = 0;
    // no slot is reachable now, so the uses can count afresh
    this.base = USE;
    this.live = 0;
    this.recycled = false;
    this.missed = undefined;
    this.missedSlot = -1;
  }

  /**
   * Forgets everything but keeps the Maps for the next use (see the module
   * comment). The objects stay referenced until then, so only a memo that
   * is itself weakly held should be recycled.
   */
  recycle(): void {
    // a value pickled again with many new objects in it leaves many slots unused
    if (this.next > 2 * this.live + SHARD || this.base === LAST_USE) {
      this.clear();
      return;
    }
    this.base += USE;
    this.live = 0;
    this.recycled = this.next > 0;
    this.missed = undefined;
    this.missedSlot = -1;
  }
}
