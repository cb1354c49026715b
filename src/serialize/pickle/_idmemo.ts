/**
 * The pickler's memo of objects by identity. A JS Map is the only identity
 * table there is, but one big Map is slow to build: past 4,096 entries V8
 * keeps its table in pages of its own, fresh memory at each growth, and on a
 * machine where a page fault is dear, a Map of 30,000 objects cost more to
 * build than all the rest of a `dumps` of them. So the memo is a row of
 * Maps of at most 4,096 objects each (but the last).
 *
 * Each Map gives its objects a slot; a slot holds the use (one `dumps`) that
 * last wrote it and the memo index of that use. `recycle` keeps a use's Maps
 * for the next use, as stale ones: when that use meets their objects again
 * (the same value pickled again, or its parts in a new one), an object finds
 * its slot with the lookup that tells it is not yet in this use's memo, and
 * `set` writes the slot without a second lookup. A use whose first two
 * objects looked up are new drops the stale Maps, which would only keep the
 * user's old objects alive and lengthen the search for objects that V8 has
 * hashed (see MAX_SHARDS).
 *
 * A value pickled again meets its objects in the order it met them before.
 * Each use lists its new objects, with their slots, in the order it memoized
 * them; the next use follows that list with a cursor, and an object that is
 * the one at the cursor takes its slot from there, without a lookup in any
 * Map. The first object that is not leaves the cursor where it is, and the
 * Maps answer as before. While a use meets the last use's objects in their
 * order from its start, its list is not written: it is the last one's, as
 * far as the use has followed it (writing it had cost a value pickled
 * again 7-13%, much of it in the GC's barriers and scans of the list).
 *
 * Until it is known which, a use's new objects go into Maps of its own: a
 * young object stored into an old Map that then dies keeps that object,
 * and all it refers to, alive through young-generation GCs (the old Map is
 * one of their roots until a full GC finds it dead), and a value of 10,000
 * records so kept cost ~250 page faults a `dumps` as it was moved to the old
 * generation.
 */

/** The most objects in one Map (its table then stays below V8's large-object size). */
const SHARD = 4096;
/**
 * The most Maps a use fills: an object that V8 has hashed (one that was
 * ever a key of a Map, Set or WeakMap) is looked for in each Map until
 * found, so the last Map takes every object past the first 28,672.
 */
const MAX_SHARDS = 8;
/** One use in a stamp (memo indexes are below 2 ** 32), and the last use a float64 holds exactly. */
const USE = 2 ** 32;
const LAST_USE = 2 ** 52;

export class IdentityMemo {
  /** The Maps searched: this use's, and the last use's once this use has met their objects. */
  private shards = [new Map<unknown, number>()];
  /** The last use's Maps while this use has not yet told whether it meets their objects. */
  private stale: Map<unknown, number>[] | undefined = undefined;
  /** New objects this use has looked up while `stale` is undecided. */
  private misses = 0;
  /** The Map of the last object found: a value pickled again meets its objects in the same order. */
  private near = this.shards[0]!;
  /** Per slot: the use that wrote it and its memo index then, as `use * 2 ** 32 + index`. */
  private stamps = new Float64Array(256);
  /** Slots handed out (an object given a new slot leaves its old one unused), and this use's first. */
  private next = 0;
  private first = 0;
  /** `use * 2 ** 32` for this use. */
  private base = USE;
  /** Slots written in this use. */
  private live = 0;
  /** This use's new objects in the order memoized, and their slots (`seen` of them); the last use's, and the cursor in them. */
  private order: unknown[] = [];
  private orderSlots = new Int32Array(256);
  private seen = 0;
  /**
   * How many of this use's first objects are the last use's first, at the
   * same slots: those are not written to `order` (while a value pickled
   * again meets its objects as before, its list is the last one's).
   */
  private same = 0;
  private last: unknown[] = [];
  private lastSlots = new Int32Array(256);
  private lastSeen = 0;
  private cursor = 0;
  /** Whether this use lists its new objects: in a recycled memo, until the use drops the stale Maps (see dropStale). */
  private listing: boolean;

  /** The object the last `get` did not find, and its stale slot (-1: none). */
  private missed: unknown = undefined;
  private missedSlot = -1;

  /** `recycled`: the memo is emptied with `recycle`, and each use lists its objects for the next. */
  constructor(private readonly recycled: boolean) {
    this.listing = recycled;
  }

  /** The memo index of `obj` in this use, or undefined. */
  get(obj: unknown): number | undefined {
    const c = this.cursor;
    if (c < this.lastSeen && this.last[c] === obj) {
      // its slot is in the last use's Maps, which this use then keeps
      if (this.stale !== undefined) this.keepStale(this.near);
      return this.slotted(obj, this.lastSlots[c]!);
    }
    let slot = this.near.get(obj);
    if (slot === undefined) {
      slot = this.search(obj);
      if (slot === undefined) {
        if (this.stale !== undefined && this.missedStale(obj)) slot = this.missedSlot;
        else {
          this.missedSlot = -1;
          return undefined;
        }
      }
    }
    return this.slotted(obj, slot);
  }

  /**
   * The memo index of `obj` in this use; or, where it has none, records it
   * at memo index `idx` and returns -1: `get`, then `set`. The object the
   * last use met next (with no stale Maps to decide about) is taken in one
   * step, as a value pickled again meets all of its objects.
   */
  getOrSet(obj: unknown, idx: number): number {
    const c = this.cursor;
    if (c < this.lastSeen && this.last[c] === obj && this.stale === undefined) {
      const slot = this.lastSlots[c]!;
      const stamp = this.stamps[slot]! - this.base;
      if (stamp >= 0) return stamp;
      this.stamps[slot] = this.base + idx;
      this.live++;
      this.cursor = c + 1;
      // still in the last use's order from the start: the list is the last one's (see same)
      if (this.same === c && this.seen === c && this.listing) this.same = this.seen = c + 1;
      else this.record(obj, slot);
      return -1;
    }
    const found = this.get(obj);
    if (found !== undefined) return found;
    this.set(obj, idx);
    return -1;
  }

  /** The memo index of `obj`, found at `slot`, in this use, or undefined (then `set` writes that slot). */
  private slotted(obj: unknown, slot: number): number | undefined {
    const stamp = this.stamps[slot]! - this.base;
    if (stamp >= 0) return stamp;
    this.missed = obj;
    this.missedSlot = slot;
    return undefined;
  }

  /** The slot of `obj` in this use's Maps but `near` (which becomes the Map it is in). */
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

  /**
   * Looks for `obj` among the stale Maps (its slot then in `missedSlot`),
   * and decides: found, they are kept; a second new object, they are dropped.
   */
  private missedStale(obj: unknown): boolean {
    const stale = this.stale!;
    for (const m of stale) {
      const slot = m.get(obj);
      if (slot !== undefined) {
        this.keepStale(m);
        this.missedSlot = slot;
        return true;
      }
    }
    if (++this.misses === 2) this.dropStale();
    return false;
  }

  /** Searches the stale Maps from now on, with `near` the Map to look in first. */
  private keepStale(near: Map<unknown, number>): void {
    this.shards = this.stale!.concat(this.shards);
    this.stale = undefined;
    this.near = near;
  }

  /** Drops the stale Maps, and moves this use's few slots down to the first (where they stay in cache). */
  private dropStale(): void {
    this.stale = undefined;
    const first = this.first;
    for (const m of this.shards) for (const [obj, slot] of m) m.set(obj, slot - first);
    // the last use's slots are gone with its Maps, and its objects are let go
    this.last = [];
    this.lastSeen = 0;
    // a use of new objects is most likely followed by another: listing them
    // (an array the GC must scan, pointing at young objects) cost such uses 10-14%
    this.order = [];
    this.seen = this.same = 0;
    this.listing = false;
    this.stamps.copyWithin(0, first, this.next);
    this.next -= first;
    this.first = 0;
  }

  /** Records `obj` at memo index `idx` (-1, the index of nothing in fast mode: not recorded). */
  set(obj: unknown, idx: number): void {
    if (idx < 0) return;
    let slot = this.missedSlot;
    if (slot < 0 || obj !== this.missed) slot = this.newSlot(obj);
    this.stamps[slot] = this.base + idx;
    this.live++;
    if (this.cursor < this.lastSeen && this.last[this.cursor] === obj) this.cursor++;
    this.record(obj, slot);
  }

  /** Lists `obj` at `slot` among this use's new objects (see the module comment). */
  private record(obj: unknown, slot: number): void {
    if (!this.listing) return;
    const n = this.seen++;
    if (n === this.same) {
      if (n < this.lastSeen && this.last[n] === obj && this.lastSlots[n] === slot) {
        this.same = n + 1;
        return;
      }
      // the first object out of the last use's order: the list so far is written out
      if (n > 0) {
        this.order = this.last.slice(0, n);
        if (this.orderSlots.length <= n) this.orderSlots = new Int32Array(2 * n);
        this.orderSlots.set(this.lastSlots.subarray(0, n));
      }
    }
    this.order[n] = obj;
    if (n === this.orderSlots.length) {
      const slots = new Int32Array(2 * n);
      slots.set(this.orderSlots);
      this.orderSlots = slots;
    }
    this.orderSlots[n] = slot;
  }

  /** Gives `obj` a slot of its own, in the last Map. */
  private newSlot(obj: unknown): number {
    const slot = this.next++;
    if (slot === this.stamps.length) {
      const stamps = new Float64Array(2 * slot);
      stamps.set(this.stamps);
      this.stamps = stamps;
    }
    // new objects go into the last Map (this use's own: see missedStale)
    let last = this.shards[this.shards.length - 1]!;
    if (last.size >= SHARD && this.shards.length < MAX_SHARDS) {
      last = new Map();
      this.shards.push(last);
    }
    last.set(obj, slot);
    return slot;
  }

  /** Forgets everything and lets go of every object. */
  clear(): void {
    this.start();
    this.stale = undefined;
    this.next = this.first = 0;
    this.order = [];
    this.last = [];
    this.lastSeen = 0;
    // no slot is reachable now, so the uses can count afresh
    this.base = USE;
  }

  /** Starts a use with Maps of its own. */
  private start(): void {
    this.shards = [new Map<unknown, number>()];
    this.near = this.shards[0]!;
    this.misses = 0;
    this.live = 0;
    this.missed = undefined;
    this.missedSlot = -1;
    this.seen = 0;
    this.same = 0;
    this.cursor = 0;
    this.listing = this.recycled;
  }

  /**
   * Forgets everything, keeping the Maps as stale ones for the next use
   * (see the module comment). The objects stay referenced until then, so
   * only a memo that is itself weakly held should be recycled.
   */
  recycle(): void {
    const last = this.shards.filter((m) => m.size > 0);
    // a value pickled again with many new objects in it leaves many slots unused, and Maps
    if (this.next > 2 * this.live + SHARD || last.length > MAX_SHARDS + 4 || this.base === LAST_USE) {
      this.clear();
      return;
    }
    // this use's list of new objects becomes the next use's to follow (where it is all the
    // last use's, that one stays)
    if (this.same < this.seen) {
      [this.last, this.order] = [this.order, this.last];
      [this.lastSlots, this.orderSlots] = [this.orderSlots, this.lastSlots];
    }
    this.lastSeen = this.seen;
    this.start();
    this.stale = last.length > 0 ? last : undefined;
    this.first = this.next;
    this.base += USE;
  }
}
