/**
 * dumps() of big random lists of records, byte for byte as CPython's: lists
 * of 10,000 dicts and lists holding ints, floats, strs of 0-119 characters
 * (some non-ASCII), bytes of 0-299, None, bools and references to
 * containers met before. Their pickles run past several 64 KiB frames, so
 * items are written in place up to each frame's mark and the buffer's end
 * and through `save` near them; each value is pickled twice at each
 * protocol, the second time following the objects the first met. CPython
 * builds each value from the same description, with equal strs made one
 * object (our str memo is by value). STDNET_PICKLE_RECORDS_SEED picks other
 * values ("random" for new ones each run).
 */
import { describe, expect, it } from "vitest";
import { dumps, float } from "stdnet/pickle";
import { pythonJson } from "../../helpers/python.js";
import { seedFrom, seededRandom } from "../../helpers/seeded.js";

/** A value's description, for both sides: `ref` is a container described earlier (None if not yet built). */
type Desc =
  | { k: "none" }
  | { k: "bool"; v: boolean }
  | { k: "int" | "float" | "str" | "bytes"; v: string }
  | { k: "ref"; n: number }
  | { k: "list"; id: number; items: Desc[] }
  | { k: "dict"; id: number; pairs: [string, Desc][] };

const CHARS = ["a", "b", "é", "日", "😀", "x", " "];
const KEYS = ["id", "name", "x", "é", "tags", "blob"];

/** A list of `n` random records, and the number of containers in it. */
function describeRecords(random: () => number, n: number): { desc: Desc; containers: number } {
  const pick = (k: number): number => Math.floor(random() * k);
  let containers = 0;
  const gen = (depth: number): Desc => {
    const r = pick(10);
    if (r === 0) return { k: "int", v: String(pick(3) === 0 ? pick(2 ** 31) * (pick(2) === 0 ? 1 : -1) : pick(70_000)) };
    if (r === 1) return { k: "float", v: String(random() * 1000) };
    if (r === 2 || r === 3) {
      const len = pick(4) === 0 ? pick(120) : pick(12);
      return { k: "str", v: Array.from({ length: len }, () => CHARS[pick(CHARS.length)]).join("") };
    }
    if (r === 4) return { k: "bytes", v: Buffer.from(Array.from({ length: pick(3) === 0 ? pick(300) : pick(20) }, () => pick(256))).toString("hex") };
    if (r === 5) return { k: "none" };
    if (r === 6 && containers > 0 && pick(2) === 0) return { k: "ref", n: pick(containers) };
    if (depth > 2) return { k: "bool", v: random() < 0.5 };
    if (r === 6 || r === 7) {
      const d: Desc = { k: "list", id: containers++, items: [] };
      for (let i = pick(5); i > 0; i--) d.items.push(gen(depth + 1));
      return d;
    }
    const d: Desc = { k: "dict", id: containers++, pairs: [] };
    for (let i = pick(5); i > 0; i--) {
      const key = KEYS[pick(KEYS.length)]!;
      if (!d.pairs.some(([k]) => k === key)) d.pairs.push([key, gen(depth + 1)]);
    }
    return d;
  };
  const desc: Desc = { k: "list", id: containers++, items: [] };
  for (let i = 0; i < n; i++) desc.items.push(gen(0));
  return { desc, containers };
}

/** Our value for a description; `built` holds the containers by id. */
function build(d: Desc, built: Map<number, unknown>): unknown {
  switch (d.k) {
    case "none":
      return null;
    case "bool":
      return d.v;
    case "int":
      return Number(d.v);
    case "float":
      return float(Number(d.v));
    case "str":
      return d.v;
    case "bytes":
      return new Uint8Array(Buffer.from(d.v, "hex"));
    case "ref":
      return built.get(d.n) ?? null;
    case "list": {
      const v: unknown[] = [];
      built.set(d.id, v);
      for (const x of d.items) v.push(build(x, built));
      return v;
    }
    case "dict": {
      const v: Record<string, unknown> = {};
      built.set(d.id, v);
      for (const [k, x] of d.pairs) v[k] = build(x, built);
      return v;
    }
  }
}

const PY_EXACT = String.raw`
import json, pickle, sys
def iv(v):
    # equal strs as one object; a one-char latin-1 str as CPython makes it at run time (its cached object)
    return v if len(v) == 1 and ord(v) < 256 else sys.intern(v)
def build(d, built):
    k = d["k"]
    if k == "none": return None
    if k == "bool": return d["v"]
    if k == "int": return int(d["v"])
    if k == "float": return float(d["v"])
    if k == "str": return iv(d["v"])
    if k == "bytes": return bytes.fromhex(d["v"])
    if k == "ref": return built.get(d["n"])
    if k == "list":
        v = []; built[d["id"]] = v
        for x in d["items"]: v.append(build(x, built))
        return v
    v = {}; built[d["id"]] = v
    for key, x in d["pairs"]: v[iv(key)] = build(x, built)
    return v
out = []
for item in json.load(sys.stdin):
    value = build(item["desc"], {})
    out.append([[pickle.dumps(value, p).hex() == h for h in hs] for p, hs in zip(range(6), item["ours"])])
print(json.dumps(out))
`;

describe("dumps() of big random lists of records is byte for byte CPython's", () => {
  it("at protocols 0-5, twice each, for two lists of 10,000 records past several frames", () => {
    const seed = seedFrom(process.env.STDNET_PICKLE_RECORDS_SEED, 20261206);
    const sent = [seed, seed + 1].map((s) => {
      const { desc } = describeRecords(seededRandom(s), 10_000);
      const value = build(desc, new Map());
      const ours = [0, 1, 2, 3, 4, 5].map((p) => [Buffer.from(dumps(value, p)).toString("hex"), Buffer.from(dumps(value, p)).toString("hex")]);
      return { desc, ours };
    });
    // past two frames at protocol 4 (64 KiB each)
    expect(sent.every(({ ours }) => ours[4]![0]!.length / 2 > 2 * 65536)).toBe(true);
    const exact = pythonJson<boolean[][][]>(PY_EXACT, JSON.stringify(sent));
    expect(exact, `seed ${seed}`).toEqual(sent.map(() => [0, 1, 2, 3, 4, 5].map(() => [true, true])));
  });
});
