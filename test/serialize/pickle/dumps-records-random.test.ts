/**
 * dumps() of big random lists of records, byte for byte as CPython's: lists
 * of 10,000 dicts and lists holding ints, floats, strs of 0-119 characters
 * (some non-ASCII), bytes of 0-299, None, bools and references to values
 * made before (the descriptions of _descs.ts). Their pickles run past
 * several 64 KiB frames, so items are written in place up to each frame's
 * mark and the buffer's end and through `save` near them; each value is
 * pickled twice at each protocol, the second time following the objects the
 * first met. STDNET_PICKLE_RECORDS_SEED picks other values ("random" for new
 * ones each run).
 */
import { describe, expect, it } from "vitest";
import { dumps } from "stdnet/pickle";
import { pythonJson } from "../../helpers/python.js";
import { seedFrom, seededRandom } from "../../helpers/seeded.js";
import { PY_BUILD, build, hexOf, type Desc } from "./_descs.js";

const CHARS = ["a", "b", "é", "日", "😀", "x", " "];
const KEYS = ["id", "name", "x", "é", "tags", "blob"];

/** A list of `n` random records (containers and bytes counted as `build` makes them, for refs). */
function describeRecords(random: () => number, n: number): Desc {
  const pick = (k: number): number => Math.floor(random() * k);
  let made = 1;
  const gen = (depth: number): Desc => {
    const r = pick(10);
    if (r === 0) return { k: "int", v: String(pick(3) === 0 ? pick(2 ** 31) * (pick(2) === 0 ? 1 : -1) : pick(70_000)) };
    if (r === 1) return { k: "float", v: hexOf(random() * 1000) };
    if (r === 2 || r === 3) {
      const len = pick(4) === 0 ? pick(120) : pick(12);
      return { k: "str", v: Array.from({ length: len }, () => CHARS[pick(CHARS.length)]).join("") };
    }
    if (r === 4) {
      made++;
      return { k: "bytes", v: Buffer.from(Array.from({ length: pick(3) === 0 ? pick(300) : pick(20) }, () => pick(256))).toString("hex") };
    }
    if (r === 5) return { k: "none" };
    if (r === 6 && pick(2) === 0) return { k: "ref", n: pick(made) };
    if (depth > 2) return { k: "bool", v: random() < 0.5 };
    made++;
    if (r === 6 || r === 7) return { k: "list", items: Array.from({ length: pick(5) }, () => gen(depth + 1)) };
    const pairs: [string, Desc][] = [];
    for (let i = pick(5); i > 0; i--) {
      const key = KEYS[pick(KEYS.length)]!;
      if (!pairs.some(([k]) => k === key)) pairs.push([key, gen(depth + 1)]);
    }
    return { k: "dict", pairs };
  };
  return { k: "list", items: Array.from({ length: n }, () => gen(0)) };
}

const PY_SCRIPT = String.raw`
out = []
for item in json.load(sys.stdin):
    value = build(item["desc"], [])
    out.append([[pickle.dumps(value, p).hex() == h for h in hs] for p, hs in zip(range(6), item["ours"])])
print(json.dumps(out))
`;

describe("dumps() of big random lists of records is byte for byte CPython's", () => {
  it("at protocols 0-5, twice each, for two lists of 10,000 records past several frames", () => {
    const seed = seedFrom(process.env.STDNET_PICKLE_RECORDS_SEED, 20261206);
    const sent = [seed, seed + 1].map((s) => {
      const desc = describeRecords(seededRandom(s), 10_000);
      const value = build(desc, []);
      const ours = [0, 1, 2, 3, 4, 5].map((p) => [Buffer.from(dumps(value, p)).toString("hex"), Buffer.from(dumps(value, p)).toString("hex")]);
      return { desc, ours };
    });
    // past two frames at protocol 4 (64 KiB each)
    expect(sent.every(({ ours }) => ours[4]![0]!.length / 2 > 2 * 65536)).toBe(true);
    const exact = pythonJson<boolean[][][]>(`${PY_BUILD}\n${PY_SCRIPT}`, JSON.stringify(sent));
    expect(exact, `seed ${seed}`).toEqual(sent.map(() => [0, 1, 2, 3, 4, 5].map(() => [true, true])));
  });
});
