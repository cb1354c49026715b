/**
 * The pickler's str memo: `getCopying` (the in-place path's lookup, which
 * copies the str while hashing it) and `get` (save's) must agree on every
 * str, through the table's growth and its thinning when full, or a str
 * memoized by one would be written out again by the other.
 */
import { describe, expect, it } from "vitest";
import { StrMemo } from "../../../src/serialize/pickle/_strmemo.js";

/** 40,000 distinct strs (past the 16,384 the table holds before it thins), some not ASCII. */
const strs = Array.from({ length: 40_000 }, (_, i) => (i % 7 === 0 ? `é${i}日` : i % 11 === 0 ? `\u{1F600}${i}` : `user${i}`));

describe("StrMemo", () => {
  it("getCopying and get find the same memo index for each str, memoized by either", () => {
    const memo = new StrMemo();
    const buf = new Uint8Array(256);
    let found = 0;
    strs.forEach((s, i) => {
      // memoized through each path in turn; each str is new to the memo
      const missed = i % 2 === 0 ? memo.getCopying(s, buf, 0) : memo.get(s);
      expect(missed).toBe(-1);
      memo.set(s, i);
      const idx = memo.get(s);
      expect(memo.getCopying(s, buf, 0)).toBe(idx);
      // (a set that fills the table thins it, forgetting the str it set)
      expect([i, -1]).toContain(idx);
      if (idx === i) found++;
    });
    expect(found).toBeGreaterThan(strs.length - 3);
    // after thinning, the first 256 memo indexes are kept and later ones are forgotten
    expect(memo.getCopying(strs[100]!, buf, 0)).toBe(100);
    expect(memo.get(strs[100]!)).toBe(100);
    expect(memo.getCopying(strs[1000]!, buf, 0)).toBe(-1);
  });

  it("a str past 256 characters is found by get after set, until clear", () => {
    const memo = new StrMemo();
    const long = (i: number): string => `${"w".repeat(300)}${i}`;
    for (let i = 0; i < 1000; i++) {
      expect(memo.get(long(i))).toBe(-1);
      memo.set(long(i), i);
    }
    // equal strs made anew, and a short one beside them
    expect(memo.get(long(999))).toBe(999);
    expect(memo.get(long(0))).toBe(0);
    memo.set("short", 5000);
    expect(memo.get("short")).toBe(5000);
    memo.clear();
    expect(memo.get(long(0))).toBe(-1);
    expect(memo.get("short")).toBe(-1);
  });

  it("getCopying copies an ASCII str's bytes where it is told, and says whether the str was ASCII", () => {
    const memo = new StrMemo();
    const buf = new Uint8Array(64);
    memo.getCopying("user1234", buf, 5);
    expect(memo.copiedAscii).toBe(true);
    expect(Buffer.from(buf.subarray(5, 13)).toString("latin1")).toBe("user1234");
    memo.getCopying("\u007f", buf, 0);
    expect(memo.copiedAscii).toBe(true);
    for (const s of ["é", "日本", "\u0080", "a\u{1F600}"]) {
      memo.getCopying(s, buf, 0);
      expect(memo.copiedAscii).toBe(false);
    }
  });
});
