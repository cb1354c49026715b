/**
 * Property: random JS values → our dumps (random protocol) → python3 loads
 * and dumps again (random protocol) → our loads → the value back, as Python
 * maps it. One python3 process checks each generated batch.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { dumps, loads, float, tuple, bytearray, frozenset, PyFloat, Tuple } from "stdnet/pickle";
import { runPython } from "../../helpers/python.js";
import { pyDiff } from "./_oracle.js";

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** The value loads should give back for `v` after a trip through Python. */
function expectedBack(v: unknown): unknown {
  if (v === undefined || v === null) return null;
  if (typeof v === "bigint") return v >= -MAX_SAFE && v <= MAX_SAFE ? Number(v) : v;
  if (v instanceof PyFloat) return v.valueOf();
  if (typeof v !== "object") return v;
  if (v instanceof bytearray) return v;
  if (v instanceof Uint8Array) return new Uint8Array(v);
  if (v instanceof Tuple) return tuple(...v.map(expectedBack));
  if (Array.isArray(v)) return v.map(expectedBack);
  if (v instanceof frozenset) return new frozenset([...v].map(expectedBack));
  if (v instanceof Set) return new Set([...v].map(expectedBack));
  if (v instanceof Map) {
    if ([...v.keys()].every((k) => typeof k === "string")) return Object.fromEntries([...v].map(([k, x]) => [k, expectedBack(x)]));
    return new Map([...v].map(([k, x]) => [expectedBack(k), expectedBack(x)]));
  }
  const o: Record<string, unknown> = {};
  for (const k of Object.keys(v)) Object.defineProperty(o, k, { value: expectedBack((v as Record<string, unknown>)[k]), enumerable: true, writable: true, configurable: true });
  return o;
}

const scalar = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.maxSafeInteger(),
  fc.bigInt({ min: -(1n << 300n), max: 1n << 300n }),
  fc.double(),
  fc.double().map(float),
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.string({ maxLength: 300 }),
  fc.uint8Array({ maxLength: 40 }),
  fc.uint8Array({ maxLength: 20 }).map((b) => {
    const ba = new bytearray(b.length);
    ba.set(b);
    return ba;
  }),
);
const hashable = fc.oneof(fc.integer(), fc.string({ maxLength: 10 }), fc.array(fc.integer(), { maxLength: 3 }).map((a) => tuple(...a)));

/** Python's equality for the hashables above (so a Map or Set has no two keys Python would merge). */
const keyOf = (k: unknown): string => (typeof k === "string" ? `s${k}` : typeof k === "number" ? `n${k}` : `t${JSON.stringify(k)}`);

const value = fc.letrec((tie) => ({
  any: fc.oneof({ depthSize: "small", withCrossShrink: true }, scalar, tie("list"), tie("tuple"), tie("dict"), tie("map"), tie("set")),
  list: fc.array(tie("any"), { maxLength: 6 }),
  tuple: fc.array(tie("any"), { maxLength: 5 }).map((a) => tuple(...a)),
  dict: fc.dictionary(fc.string({ maxLength: 8 }), tie("any"), { maxKeys: 6 }),
  map: fc.uniqueArray(fc.tuple(hashable, tie("any")), { maxLength: 5, selector: ([k]) => keyOf(k) }).map((pairs) => new Map(pairs)),
  set: fc.oneof(fc.uniqueArray(hashable, { maxLength: 6, selector: keyOf }).map((a) => new Set(a)), fc.uniqueArray(hashable, { maxLength: 6, selector: keyOf }).map((a) => new frozenset(a))),
})).any;

describe("round trip through python3", () => {
  it("our dumps → python3 loads/dumps → our loads gives the value back, at every protocol pair", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(value, fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 5 })), { minLength: 300, maxLength: 300 }), async (cases) => {
        const input = cases.map(([v, p, q]) => `${q} ${Buffer.from(dumps(v, p)).toString("hex")}`).join("\n");
        const out = await runPython("import pickle,sys\nfor l in sys.stdin.read().split('\\n'):\n    q, h = l.split(' ')\n    print(pickle.dumps(pickle.loads(bytes.fromhex(h)), int(q)).hex())", [], input);
        const back = out.toString().trim().split("\n");
        expect(back).toHaveLength(cases.length);
        cases.forEach(([v], i) => {
          expect(pyDiff(loads(Buffer.from(back[i]!, "hex")), expectedBack(v)), `case ${i}`).toBe("");
        });
      }),
      { numRuns: 3, seed: 20240131, endOnFailure: true },
    );
  });
});
