/**
 * Python's `str.isprintable()` for one code point, as CPython 3.11 tells
 * it: with the Unicode 14.0 of its `unicodedata`, where node's own Unicode
 * is newer (17.0 in node 20.20).
 * @module
 */

/** The categories Python does not print: controls, format, surrogates, private use, unassigned, separators. */
const NOT_PRINTABLE = /^[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]$/u;

/**
 * Code points assigned in Unicode 15.0 to 17.0, unassigned (so not
 * printable) in Unicode 14.0, as hex ranges: what node 20.20 prints and
 * python3.11 does not. An older node has them unassigned already.
 */
const ASSIGNED_AFTER_14 = [
  "88f 897 c5c cdc cf3 ece 1acf-1add 1ae0-1aeb 1b4e-1b4f 1b7f 1c89-1c8a 20c1 2427-2429 2b96 2ffc-2fff",
  "31e4-31e5 31ef a7cb-a7cf a7d2 a7d4 a7da-a7dc a7f1 fbc3-fbd2 fd90-fd91 fdc8-fdce 105c0-105f3",
  "10940-10959 10d40-10d65 10d69-10d85 10d8e-10d8f 10ec2-10ec7 10ed0-10ed8 10efa-10eff 1123f-11241",
  "11380-11389 1138b 1138e 11390-113b5 113b7-113c0 113c2 113c5 113c7-113ca 113cc-113d5 113d7-113d8",
  "113e1-113e2 116d0-116e3 11b00-11b09 11b60-11b67 11bc0-11be1 11bf0-11bf9 11db0-11ddb 11de0-11de9",
  "11f00-11f10 11f12-11f3a 11f3e-11f5a 1342f 13440-13455 13460-143fa 16100-16139 16d40-16d79",
  "16ea0-16eb8 16ebb-16ed3 16ff2-16ff6 187f8-187ff 18cff 18d09-18d1e 18d80-18df2 1b132 1b155",
  "1cc00-1ccfc 1cd00-1ceb3 1ceba-1ced0 1cee0-1cef0 1d2c0-1d2d3 1df25-1df2a 1e030-1e06d 1e08f",
  "1e4d0-1e4f9 1e5d0-1e5fa 1e5ff 1e6c0-1e6de 1e6e0-1e6f5 1e6fe-1e6ff 1f6d8 1f6dc 1f774-1f77f 1f7d9",
  "1f8b2-1f8bb 1f8c0-1f8c1 1f8d0-1f8d8 1fa54-1fa57 1fa75-1fa77 1fa87-1fa8a 1fa8e-1fa8f 1faad-1faaf",
  "1fabb-1fabf 1fac6 1fac8 1facd-1facf 1fada-1fadc 1fadf 1fae8-1faea 1faef 1faf7-1faf8 1fbcb-1fbef",
  "1fbfa 2b739-2b73f 2cea2-2cead 2ebf0-2ee5d 31350-33479",
].join(" ");

/** ASSIGNED_AFTER_14 as sorted [first, last] pairs, flat. */
const RANGES: Uint32Array = Uint32Array.from(
  ASSIGNED_AFTER_14.split(" ").flatMap((r) => {
    const [a = "", b = a] = r.split("-");
    return [parseInt(a, 16), parseInt(b, 16)];
  }),
);

function assignedAfter14(cp: number): boolean {
  let lo = 0;
  let hi = RANGES.length / 2;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (RANGES[2 * mid + 1]! < cp) lo = mid + 1;
    else hi = mid;
  }
  return lo < RANGES.length / 2 && RANGES[2 * lo]! <= cp;
}

/**
 * Whether Python 3.11's `repr()` shows code point `cp` as itself (else as
 * an escape): everything but controls, format characters, surrogates,
 * private use, unassigned code points and separators other than space.
 *
 * @example
 * ```ts
 * isPrintable(0xe9); // true ('é')
 * isPrintable(0x5c8); // false (unassigned)
 * isPrintable(0x1acf); // false (assigned in Unicode 15.0, after python3.11's)
 * ```
 */
export function isPrintable(cp: number): boolean {
  if (cp >= 0x20 && cp < 0x7f) return true;
  if (cp < 0xa0) return false;
  return !NOT_PRINTABLE.test(String.fromCodePoint(cp)) && !assignedAfter14(cp);
}
