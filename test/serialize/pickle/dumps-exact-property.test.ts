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
import { Pickler, dumps } from "stdnet/pickle";
import { ValueError } from "stdnet/socket";
import { pythonJson } from "../../helpers/python.js";
import { PY_BUILD, build, hexOf, type Desc } from "./_descs.js";

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

const PY_SCRIPT = String.raw`
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
    const theirs = pythonJson<string[][]>(`${PY_BUILD}\n${PY_SCRIPT}`, JSON.stringify(samples));
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
