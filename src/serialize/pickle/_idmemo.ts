/**
 * The pickler's memo of objects by identity. A JS Map is the only identity
 * table there is, and growing a big one is costly: past 4,096 entries its
 * table lives in pages of its own, so each `dumps` of ten thousand records
 * used to spend most of its time growing a fresh Map through fresh memory.
 * `recycle` forgets the entries without shrinking the table (each use stamps
 * its indexes above the last use's), so `dumps` can reuse one memo.
 */

/** Above this many stale entries per live one, `recycle` starts a fresh table. */
const STALE_RATIO = 2;
/** Tables this small are kept whatever their stale share. */
const SMALL = 4096;

export class IdentityMemo {
  private map = new Map<unknown, number>();
  /** Stored values below `base` belong to earlier uses. */
  private base = 0;
  /** One above the highest value stored. */
  private top = 0;
  private live = 0;

  /** The memo index of `obj` in this use, or undefined. */
  get(obj: unknown): number | undefined {
    const v = this.map.get(obj);
    return v !== undefined && v >= this.base ? v - this.base : undefined;
  }

  /** Records `obj` at memo index `idx`. */
  set(obj: unknown, idx: number): void {
    const v = this.base + idx;
    this.map.set(obj, v);
    this.live++;
    if (v >= this.top) this.top = v + 1;
  }

  /** Forgets everything and lets go of every object. */
  clear(): void {
    this.map = new Map();
    this.base = this.top = this.live = 0;
  }

  /**
   * Forgets everything but keeps the table for the next use. The objects
   * stay referenced until then (or until the table is dropped), so only a
   * memo that is itself weakly held should be recycled.
   */
  recycle(): void {
    if (this.map.size > STALE_RATIO * this.live + SMALL || this.top > 2 ** 52) this.clear();
    else {
      this.base = this.top;
      this.live = 0;
    }
  }
}
