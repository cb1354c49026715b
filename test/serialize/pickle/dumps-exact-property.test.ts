/**
 * A property of dumps(): for random nested values (None, bools, ints of
 * every size, floats, strs with any code point, bytes, bytearrays, lists,
 * tuples, dicts with str keys, Maps with int and str keys, shared
 * references), our pickle at each protocol 0-5 is byte for byte the pickle
 * CPython writes of the same value. CPython builds each value from a
 * description, with equal strs made one object (our str memo is by value;
 * see _oracle.ts). STDNET_PICKLE_SEED picks other samples (the default seed
 * keeps CI's run the same).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Pickler, bytearray, dumps, float, tuple } from "stdnet/pickle";
import { ValueError } from "stdnet/socket";
import { pythonJson } from "../../helpers/python.js";

/** A value's description, for both sides: `ref` is a value described earlier in the same sample. */
type Desc =
  | { k: "none" }
  | { k: "bool"; v: boolean }
  | { k: "int"; v: string }
  | { k: "float"; v: string }
  | { k: "str"; v: string }
  | { k: "bytes" | "bytearray"; v: string }
  | { k: "list" | "tuple"; items: Desc[] }
  | { k: "dict"; pairs: [string, Desc][] }
  | { k: "map"; pairs: [number, Desc][] }
  | { k: "ref"; n: number };

const hexOf = (x: number): string => {
  const b = Buffer.alloc(8);
  b.writeDoubleBE(x);
  return b.toString("hex");
};

const leaf: fc.Arbitrary<Desc> = fc.oneof(
  fc.constant<Desc>({ k: "none" }),
  fc.boolean().map<Desc>((v) => ({ k: "bool", v })),
  fc.oneof(fc.integer(), fc.integer({ min: -300, max: 70_000 }), fc.bigInt({ min: -(2n ** 100n), max: 2n ** 100n })).map<Desc>((v) => ({ k: "int", v: String(v) })),
  fc.double().map<Desc>((v) => ({ k: "float", v: hexOf(v) })),
  fc.string({ unit: fc.oneof(fc.constantFrom("a", "x", "é", "\xff", "日", "😀", "\n", "\\", " "), fc.string({ minLength: 1, maxLength: 1, unit: "binary" })), maxLength: 12 }).map<Desc>((v) => ({ k: "str", v })),
  fc.uint8Array({ maxLength: 3 }).map<Desc>((v) => ({ k: "bytes", v: Buffer.from(v).toString("hex") })),
  fc.uint8Array({ maxLength: 20 }).map<Desc>((v) => ({ k: "bytes", v: Buffer.from(v).toString("hex") })),
  fc.uint8Array({ maxLength: 4 }).map<Desc>((v) => ({ k: "bytearray", v: Buffer.from(v).toString("hex") })),
  fc.nat(30).map<Desc>((n) => ({ k: "ref", n })),
);

const tree = fc.letrec<{ t: Desc }>((tie) => ({
  t: fc.oneof(
    { depthSize: "small" },
    leaf,
    fc.array(tie("t"), { maxLength: 5 }).map<Desc>((items) => ({ k: "list", items })),
    fc.array(tie("t"), { maxLength: 4 }).map<Desc>((items) => ({ k: "tuple", items })),
    fc.array(fc.tuple(fc.constantFrom("a", "id", "name", "x", "é", "k2"), tie("t")), { maxLength: 4 }).map<Desc>((pairs) => ({ k: "dict", pairs: [...new Map(pairs)] })),
    fc.array(fc.tuple(fc.integer({ min: -3, max: 300 }), tie("t")), { maxLength: 3 }).map<Desc>((pairs) => ({ k: "map", pairs: [...new Map(pairs)] })),
  ),
}));

/** Our value for a description; `made` holds the lists, dicts, Maps, bytes and bytearrays made so far, for refs. */
function build(d: Desc, made: object[]): unknown {
  switch (d.k) {
    case "none":
      return null;
    case "bool":
      return d.v;
    case "int": {
      const b = BigInt(d.v);
      return b >= BigInt(Number.MIN_SAFE_INTEGER) && b <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : b;
    }
    case "float":
      return float(Buffer.from(d.v, "hex").readDoubleBE());
    case "str":
      return d.v;
    case "bytes":
    case "bytearray": {
      const v = d.k === "bytes" ? new Uint8Array(Buffer.from(d.v, "hex")) : new bytearray(Buffer.from(d.v, "hex"));
      made.push(v);
      return v;
    }
    case "list": {
      const v: unknown[] = [];
      made.push(v);
      for (const x of d.items) v.push(build(x, made));
      return v;
    }
    case "tuple":
      return tuple(...d.items.map((x) => build(x, made)));
    case "dict": {
      const v: Record<string, unknown> = {};
      made.push(v);
      for (const [k, x] of d.pairs) v[k] = build(x, made);
      return v;
    }
    case "map": {
      const v = new Map<unknown, unknown>();
      made.push(v);
      for (const [k, x] of d.pairs) v.set(k, build(x, made));
      return v;
    }
    case "ref":
      return made.length === 0 ? null : made[d.n % made.length];
  }
}

/** The pickle of `value` by a Pickler in fast mode, as hex, or the ValueError it throws. */
function fastDumps(value: unknown, protocol: number): string {
  const chunks: Uint8Array[] = [];
  const pickler = new Pickler({ write: (b: Uint8Array) => chunks.push(Uint8Array.from(b)) }, protocol);
  pickler.fast = true;
  try {
    pickler.dump(value);
  } catch (e) {
    if (e instanceof ValueError) return `ValueError: ${e.message}`;
    throw e;
  }
  return Buffer.concat(chunks).toString("hex");
}

const PY_BUILD = String.raw`
import json, pickle, struct, sys
def iv(v):
    # equal strs as one object; a one-char latin-1 str as CPython makes it at run time (its cached object)
    return v if len(v) == 1 and ord(v) < 256 else sys.intern(v)
def build(d, made):
    k = d["k"]
    if k == "none": return None
    if k == "bool": return d["v"]
    if k == "int": return int(d["v"])
    if k == "float": return struct.unpack(">d", bytes.fromhex(d["v"]))[0]
    if k == "str": return iv(d["v"])
    if k in ("bytes", "bytearray"):
        v = bytes.fromhex(d["v"]) if k == "bytes" else bytearray.fromhex(d["v"])
        made.append(v); return v
    if k == "list":
        v = []; made.append(v)
        for x in d["items"]: v.append(build(x, made))
        return v
    if k == "tuple": return tuple(build(x, made) for x in d["items"])
    if k in ("dict", "map"):
        v = {}; made.append(v)
        for a, x in d["pairs"]: v[iv(a) if k == "dict" else a] = build(x, made)
        return v
    return made[d["n"] % len(made)] if made else None
import io
def fast(v, p):
    f = io.BytesIO()
    pickler = pickle.Pickler(f, p)
    pickler.fast = True
    try:
        pickler.dump(v)
    except ValueError as e:
        return "ValueError: " + str(e).split(" at 0x")[0]
    return f.getvalue().hex()
out = []
for d in json.load(sys.stdin):
    v = build(d, [])
    out.append([pickle.dumps(v, p).hex() for p in range(6)] + [fast(v, p) for p in range(6)])
print(json.dumps(out))
`;

describe("dumps() of random values is byte for byte CPython's", () => {
  it("at protocols 0-5, for 1,500 random nested values with shared references, and in fast mode (Pickler.fast)", () => {
    const samples = fc.sample(tree.t, { numRuns: 1500, seed: Number(process.env.STDNET_PICKLE_SEED ?? 20261125) });
    const theirs = pythonJson<string[][]>(PY_BUILD, JSON.stringify(samples));
    const diffs: string[] = [];
    let refused = 0;
    samples.forEach((d, i) => {
      const value = build(d, []);
      for (let q = 0; q < 12; q++) {
        const p = q % 6;
        const ours = q < 6 ? Buffer.from(dumps(value, p)).toString("hex") : fastDumps(value, p);
        const th = theirs[i]![q]!;
        if (th.startsWith("ValueError")) refused++;
        if (ours === th) continue;
        let at = 0;
        while (ours[at] === th[at]) at++;
        at -= at % 2;
        diffs.push(`protocol ${p}${q < 6 ? "" : " (fast)"} of ${JSON.stringify(d)}\n differs at byte ${at / 2}:\n ours   ${ours.slice(Math.max(0, at - 60), at + 80)}\n theirs ${th.slice(Math.max(0, at - 60), at + 80)}`);
      }
    });
    expect(diffs.slice(0, 3).join("\n")).toBe("");
    expect(samples.length).toBe(1500);
    // cycles are among the samples: fast mode refuses them
    expect(refused).toBeGreaterThan(0);
  });
});
