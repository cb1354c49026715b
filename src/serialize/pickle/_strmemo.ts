/**
 * The pickler's memo of strs by value: an open-addressing hash table of
 * (hash, key number) pairs in one Int32Array, the strs and their memo
 * indexes beside it. Unlike a JS Map it can be emptied without giving its
 * memory back, so `dumps` reuses one across calls: on a loaded machine the
 * page faults of fresh memory cost more than the hashing.
 *
 * The table stops growing at `CAP_SLOTS` (256 KiB, so that probes stay in
 * the CPU's cache; a table of 200,000 strs made every probe a miss and
 * halved the speed of `dumps`). When it fills, it forgets what it holds but
 * the strs at memo indexes below 256 (see `thin`) and starts again, so
 * another str met again only after more than 16,384 others is written out
 * once more instead of fetched. CPython does the same for equal strs that
 * are distinct objects, and the pickle loads equal either way.
 *
 * Strs longer than `LONG` go into a JS Map instead, whose hash V8 computes
 * natively, keeps in the string for the next time, and for the longest
 * strings takes from the length alone: hashing a str of a million
 * characters here took 3 ms, 80 times CPython's whole `dumps` of it (its
 * memo goes by identity).
 */

/** FNV-1a over the UTF-16 code units, mixed; never 0 (0 marks an empty slot). StrMemo.getCopying computes it as well. */
function strHash(s: string): number {
  let h = 0x811c9dc5 ^ s.length;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  h ^= h >>> 15;
  return h === 0 ? 1 : h;
}

/** The table's most slots; it holds at most half as many strs before it starts again. */
const CAP_SLOTS = 1 << 15;
/** Strs longer than this go into `long`, a Map. */
const LONG = 256;

export class StrMemo {
  /** Pairs [hash, 1 + key number]; hash 0 marks an empty slot. */
  private table = new Int32Array(2 * 256);
  private mask = 255;
  private keys: (string | undefined)[] = [];
  private values = new Int32Array(128);
  private count = 0;
  /** Where the last `get` that found nothing stopped: `set` of the same str fills it. */
  private pendingHash = 0;
  private pendingSlot = -1;
  private pendingKey: string | undefined = undefined;
  /** Whether the str the last `getCopying` copied is ASCII (its bytes then are its UTF-8). */
  copiedAscii = false;
  /** The memo indexes of strs longer than LONG. */
  private long = new Map<string, number>();

  /** The memo index of `s`, or -1 when it is not there. */
  get(s: string): number {
    if (s.length > LONG) return this.long.get(s) ?? -1;
    return this.lookup(s, strHash(s));
  }

  /**
   * `get`, having also copied the code units of `s` into `buf` from `at` on
   * as bytes (room assumed): for an ASCII str (`copiedAscii`) its UTF-8,
   * written in the walk that hashes it (a new str is then not walked again
   * to encode it). The hash is strHash's.
   */
  getCopying(s: string, buf: Uint8Array, at: number): number {
    let h = 0x811c9dc5 ^ s.length;
    let units = 0;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      h = Math.imul(h ^ c, 0x01000193);
      buf[at + i] = c;
      units |= c;
    }
    h ^= h >>> 15;
    this.copiedAscii = units < 0x80;
    return this.lookup(s, h === 0 ? 1 : h);
  }

  /** The memo index of `s`, whose hash is `h`, or -1 (then `set` of `s` fills the slot where the search stopped). */
  private lookup(s: string, h: number): number {
    const t = this.table;
    const mask = this.mask;
    let i = h & mask;
    for (;;) {
      const th = t[2 * i]!;
      if (th === 0) break;
      if (th === h) {
        const j = t[2 * i + 1]! - 1;
        if (this.keys[j] === s) return this.values[j]!;
      }
      i = (i + 1) & mask;
    }
    this.pendingHash = h;
    this.pendingSlot = i;
    this.pendingKey = s;
    return -1;
  }

  /** Records `s` (not yet there) at memo index `idx`. */
  set(s: string, idx: number): void {
    if (s.length > LONG) {
      this.long.set(s, idx);
      return;
    }
    const j = this.count++;
    this.keys[j] = s;
    if (j >= this.values.length) {
      const v = new Int32Array(this.values.length * 2);
      v.set(this.values);
      this.values = v;
    }
    this.values[j] = idx;
    if (this.pendingKey === s && this.pendingSlot >= 0) {
      const t = this.table;
      t[2 * this.pendingSlot] = this.pendingHash;
      t[2 * this.pendingSlot + 1] = j + 1;
    } else this.place(strHash(s), j + 1);
    this.pendingSlot = -1;
    this.pendingKey = undefined;
    if (this.count * 2 > this.mask) {
      if (this.mask + 1 < CAP_SLOTS) this.grow();
      else this.thin();
    }
  }

  /**
   * Forgets every str but those at memo indexes below 256, which a GET
   * fetches in two bytes: the first strs of a Pickler's stream, its records'
   * keys most often, met again and again (forgotten, each would be written
   * once more and fetched with five-byte GETs from then on, where CPython's
   * keep fetching the first).
   */
  private thin(): void {
    const keys = this.keys;
    const values = this.values;
    const n = this.count;
    this.table.fill(0);
    let kept = 0;
    for (let j = 0; j < n; j++) {
      const idx = values[j]!;
      if (idx >= 256) continue;
      keys[kept] = keys[j];
      values[kept] = idx;
      this.place(strHash(keys[kept]!), ++kept);
    }
    keys.fill(undefined, kept, n);
    this.count = kept;
  }

  /** Forgets every str, keeping the memory (the memo indexes already written stay valid in the pickle). */
  private forget(): void {
    this.table.fill(0);
    this.keys.fill(undefined, 0, this.count);
    this.count = 0;
  }

  private place(h: number, ref: number): void {
    const t = this.table;
    let i = h & this.mask;
    while (t[2 * i] !== 0) i = (i + 1) & this.mask;
    t[2 * i] = h;
    t[2 * i + 1] = ref;
  }

  private grow(): void {
    const old = this.table;
    const size = (this.mask + 1) * 2;
    this.table = new Int32Array(2 * size);
    this.mask = size - 1;
    for (let i = 0; i < old.length; i += 2) if (old[i] !== 0) this.place(old[i]!, old[i + 1]!);
  }

  /** Empties the memo, keeping its table's memory for the next use. */
  clear(): void {
    this.pendingSlot = -1;
    this.pendingKey = undefined;
    if (this.count > 0) this.forget();
    if (this.long.size > 0) this.long = new Map();
  }
}
