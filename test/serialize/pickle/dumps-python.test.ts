/**
 * dumps() against python3: every value type at every protocol is loaded by
 * CPython's pickle and compared there, and where CPython's own dumps of the
 * same value is knowable (no set of more than one element, whose order is
 * Python's hash order) our bytes must equal CPython's.
 */
import { describe, expect, it } from "vitest";
import { dumps, float, tuple, bytearray, frozenset, Global, PicklingError } from "stdnet/pickle";
import { pythonJson } from "../../helpers/python.js";
import { PY_TAGGED, toTagged, type Tagged } from "./_oracle.js";

const a = [1, 2];
const shared = new Uint8Array([1, 2, 3]);
const selfList: unknown[] = [];
selfList.push(selfList);
const selfDict: Record<string, unknown> = {};
selfDict.self = selfDict;
const selfMap = new Map<unknown, unknown>();
selfMap.set(1, selfMap);
// the pickler's memo keeps 4,096 objects per table in its first 7 tables, the rest in the 8th: these references reach back across tables
const manyRecords = Array.from({ length: 10_000 }, (_, i) => ({ id: i, tags: ["a"], blob: new Uint8Array([i & 0xff, i >> 8]) }));
const farShared = [...manyRecords, manyRecords[0], manyRecords[4095]!.tags, manyRecords[4096]!.blob, manyRecords[9999], manyRecords[5000]!.tags, manyRecords];
let deep: unknown[] = [];
for (let i = 0; i < 900; i++) deep = [i, deep];
const protoKeys: Record<string, unknown> = {};
Object.defineProperty(protoKeys, "__proto__", { value: 1, enumerable: true, writable: true, configurable: true });
Object.assign(protoKeys, { constructor: 2 });
protoKeys["1"] = "one";

/** For each value sent, whether CPython's dumps of it at each of `protocols` is the pickle written (in that order). */
function sameAsCPython(sent: { tagged: Tagged; pickles: string[] }[], protocols: readonly number[]): boolean[][] {
  return pythonJson<boolean[][]>(
    `${PY_TAGGED}
req = json.loads(sys.stdin.read())
print(json.dumps([[pickle.dumps(dec(item["tagged"]), p) == bytes.fromhex(h) for p, h in zip(${JSON.stringify(protocols)}, item["pickles"])] for item in req]))
`,
    JSON.stringify(sent),
  );
}

const cases: [name: string, value: unknown, exact: boolean][] = [
  ["None, bools and small ints", [null, undefined, true, false, 0, 1, -1, 255, 256, 65535, 65536, 2 ** 31 - 1, -(2 ** 31)], true],
  ["ints past 32 bits", [2 ** 31, -(2 ** 31) - 1, 2 ** 53 - 1, -(2 ** 53 - 1), 2n ** 63n, -(2n ** 64n), 10n ** 100n, 5n, -(2n ** 2400n)], true],
  ["floats", [float(2), 1.5, -0, NaN, Infinity, -Infinity, 1e16, 1e-5, 0.1, 1e300, 5e-324, 2 ** 53, 123456789.125], true],
  ["strs", ["", "a", "é", "日本語", "😀", "x".repeat(300), "\\u\n\r\0\x1a", "a\\u1234", "\x80\xff", "ascii only but longer than forty-eight characters!!"], true],
  ["long strs", ["y".repeat(70000), "é".repeat(40000), "😀".repeat(20000)], true],
  // from 64 Ki characters a str is encoded with room for a byte a character, then the rest
  ["long strs of 64 Ki characters or more", ["é".repeat(70000), "😀".repeat(40000), `😀${"a".repeat(70000)}日`, `${"a".repeat(65535)}😀`, `${"b".repeat(70000)}\ud800`, `\udc00${"日".repeat(70000)}`], true],
  // an equal str met again is a GET, however long (past 256 characters the memo keeps them in a Map) and however made
  ["long strs met again", ["z".repeat(257), "z".repeat(256), ["z".repeat(200), "z".repeat(57)].join(""), "é".repeat(300), "z".repeat(256), `${"é".repeat(150)}${"é".repeat(150)}`, "y".repeat(70000), "y".repeat(70000)], true],
  ["a lone surrogate", ["\ud800", "a\udc00b", `${"a".repeat(30000)}\ud800${"b".repeat(30000)}`, `${"\udc00".repeat(30000)}é`], true],
  // (from 4,096 bytes protocols 0-2 write their latin-1 text's UTF-8 natively)
  ["bytes", [new Uint8Array(0), new Uint8Array([0, 255]), Uint8Array.from({ length: 256 }, (_, i) => i), new Uint8Array(70000).fill(7), Uint8Array.from({ length: 5000 }, (_, i) => (i * 7) % 256)], true],
  // in CPython b'' and each one-byte bytes is one object however made: a second is a GET of the first
  ["bytes of length 0 and 1, each a distinct object", [new Uint8Array(0), new Uint8Array(0), new Uint8Array([120]), new Uint8Array([120]), Buffer.from("x"), new Uint8Array([0xe9]), new Uint8Array([1, 2]), new Uint8Array([1, 2])], true],
  // and at protocols 0-2 the one-char str of a one-byte bytes is CPython's one str of that char
  ["one-byte bytes beside the one-char strs of their latin-1", ["é", new Uint8Array([0xe9]), new Uint8Array([120]), "x", { x: new Uint8Array([120]) }, new Uint8Array(0)], true],
  // below protocol 5 a bytearray reduces to bytearray(bytes(self)), whose one-byte bytes is a new object in CPython
  ["one-byte bytearrays beside the equal bytes", [new Uint8Array([0xc9]), new bytearray([0xc9]), new Uint8Array([0xc9]), new bytearray([0xc9])], true],
  ["bytearrays", [new bytearray(0), new bytearray([97, 98]), new bytearray(70000)], true],
  ["tuples", [tuple(), tuple(1), tuple(1, 2), tuple(1, 2, 3), tuple(1, 2, 3, 4), tuple(tuple()), tuple(tuple("a"))], true],
  ["lists", [[], [1], Array.from({ length: 1001 }, (_, i) => i), [[[]]]], true],
  ["a long list of ints of every width (crosses frames)", Array.from({ length: 60000 }, (_, i) => [i % 256, 256 + i, -i, 70000 * i][i % 4]), true],
  // a float or big int written just under the 64 KiB mark leaves the frame past it when the next int run starts
  ["int32s between floats and big ints, across frames", Array.from({ length: 40000 }, (_, i) => (i % 2 ? (i % 4 === 1 ? 0.5 : 2 ** 40) : [7, 300, -5][i % 3])), true],
  ["int32 runs broken by strs, floats and -0", Array.from({ length: 5000 }, (_, i) => (i % 7 === 0 ? `s${i % 50}` : i % 11 === 0 ? float(i) : i % 13 === 0 ? -0 : (i * 2654435761) | 0)), true],
  ["objects", { a: 1, b: [2], "": null, nested: { x: { y: "z" } } }, true],
  ["objects whose keys repeat, reorder and differ", [{ a: 1, b: 2, c: 3 }, { b: 1, a: 2, c: 3 }, { a: 1, b: 2 }, { a: 1, b: 2, c: 3, d: 4 }, { x: { a: 1, b: { a: 2, c: 3 } }, a: 0 }, { a: "a", b: "b" }], true],
  ["__proto__ and constructor keys", protoKeys, true],
  ["objects with the empty key, first and after others", [{ "": 1, a: 2 }, { "": 3, a: 4 }, { b: 1, "": 2 }, { c: 5, "": 6 }, { "": { "": 7 } }], true],
  ["Maps", [new Map([[1, "a"], [2, "b"]]), new Map<unknown, unknown>([["a", 1], [2, "b"], [tuple(1, 2), "t"], [null, 0], [1.5, 2]])], true],
  ["a dict of exactly 1000 items", new Map(Array.from({ length: 1000 }, (_, i) => [i, i])), true],
  // a plain object's items are batched as a dict's: SETITEM for one, MARK ... SETITEMS per 1,000 (an empty batch after exactly 1,000)
  ["plain objects of 0, 1, 2, 999, 1000, 1001 and 2000 keys", [0, 1, 2, 999, 1000, 1001, 2000].map((n) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i]))), true],
  ["small sets", [new Set(), new Set([1]), new frozenset(), new frozenset(["a"])], true],
  ["big sets", [new Set([1, "a", tuple(1, 2)]), new Set(Array.from({ length: 1500 }, (_, i) => i)), new frozenset([1, 2]), new frozenset(Array.from({ length: 1200 }, (_, i) => `s${i}`))], false],
  ["shared references", [a, a, { x: a, y: a }, shared, shared], true],
  ["objects an earlier dumps saw (its memo forgotten)", [[3], shared, a, { a }, a], true],
  ["shared references among 30,000 objects, reaching back thousands of them", farShared, true],
  ["a list containing itself", selfList, true],
  ["a dict containing itself", selfDict, true],
  ["a Map containing itself", selfMap, true],
  ["900-deep nesting", deep, true],
  ["more distinct strs than the str memo holds, met again near and far", [...Array.from({ length: 40000 }, (_, i) => `s${i}`), "s0", "s20000", "s39999"], false],
  // list and dict items are written in place near the buffer's end and a frame's 64 KiB mark only when they fit before them
  ["records of strs of 0-89 characters, bytes of 0-259 and nested lists and dicts, across frames", Array.from({ length: 2000 }, (_, i) => ({ s: "é".repeat(i % 90), t: `s${i}`.repeat(i % 30), b: new Uint8Array(i % 260).fill(i & 0xff), n: [i, `k${i % 7}`, float(i), null, i % 3 === 0, -0, 2 ** 40], d: { x: i, y: [] } })), true],
  ["records", Array.from({ length: 3000 }, (_, i) => ({ id: i, name: `user${i}`, score: float(i * 0.5), tags: ["a", "bb"], blob: new Uint8Array(16) })), true],
];

interface Verdict {
  equal: boolean[];
  exact: boolean[];
  error?: string;
}

const ours = cases.map(([, v]) => [0, 1, 2, 3, 4, 5].map((p) => Buffer.from(dumps(v, p)).toString("hex")));
const verdicts = pythonJson<Verdict[]>(
  `${PY_TAGGED}
sys.setrecursionlimit(30000)
req = json.loads(sys.stdin.read())
out = []
for item in req:
    value = dec(item["tagged"])
    equal, exact = [], []
    for p, h in enumerate(item["pickles"]):
        data = bytes.fromhex(h)
        got = pickle.loads(data)
        equal.append(norm(enc(got)) == norm(item["cmp"]))
        exact.append(pickle.dumps(value, p) == data)
    out.append({"equal": equal, "exact": exact, "first": [p for p in range(6) if not exact[p]][:1] and str(pickle.dumps(value, [p for p in range(6) if not exact[p]][0]))[:300]})
print(json.dumps(out))
`,
  JSON.stringify(cases.map(([, v], i) => ({ tagged: toTagged(v), cmp: toTagged(v, false), pickles: ours[i] }))),
);

describe("dumps() writes what CPython loads", () => {
  cases.forEach(([name, , exact], i) => {
    it(`dumps() of ${name} loads in python3 as the equal value at protocols 0-5${exact ? ", byte for byte as CPython's" : ""}`, () => {
      const v = verdicts[i]!;
      if (v.error !== undefined) throw new Error(v.error);
      expect(v.equal).toEqual([true, true, true, true, true, true]);
      if (exact) expect(v.exact, JSON.stringify(v)).toEqual([true, true, true, true, true, true]);
    });
  });

  it("dumps() of a plain object writes its own keys only, whatever Object.prototype holds", () => {
    const records = [{ a: 1, b: [2] }, { a: 3, b: [4] }, { only: 5 }];
    const before = Buffer.from(dumps(records, 4));
    Object.defineProperty(Object.prototype, "polluted", { value: "x", enumerable: true, configurable: true, writable: true });
    try {
      expect(Buffer.from(dumps(records, 4)).equals(before)).toBe(true);
    } finally {
      delete (Object.prototype as Record<string, unknown>).polluted;
    }
  });

  it("dumps() gives the same bytes each time", () => {
    for (const [, v] of cases) expect(Buffer.from(dumps(v, 4)).equals(Buffer.from(dumps(v, 4)))).toBe(true);
  });

  it("dumps() after dumps() never fetches an object from the earlier memo: the same value again, with new objects in it, and old objects in a new value", () => {
    const record = (i: number): Record<string, unknown> => ({ id: i, tags: ["a", "bb"], blob: new Uint8Array([i & 0xff, i >> 8]) });
    const root: unknown[] = Array.from({ length: 6000 }, (_, i) => record(i));
    const sent: { tagged: Tagged; pickles: string[] }[] = [];
    const send = (v: unknown): void => {
      sent.push({ tagged: toTagged(v), pickles: [2, 4].map((p) => Buffer.from(dumps(v, p)).toString("hex")) });
    };
    send(root);
    send(root);
    for (let i = 0; i < root.length; i += 2) root[i] = record(10_000 + i);
    root.push(root[1], root[4001], root);
    send(root);
    send([root[5], root[5], ...root.slice(0, 4500)]);
    const exact = sameAsCPython(sent, [2, 4]);
    expect(exact).toEqual(sent.map(() => [true, true]));
  });

  it("dumps() of a value again follows its objects in the order met before, and where they part, fetches each object from this dumps' memo only", () => {
    const a = [1];
    const b: Record<string, unknown> = { k: 2 };
    const c = new Uint8Array([3, 4]);
    const root: unknown[] = [a, b, c, [a]];
    const sent: { tagged: Tagged; pickles: string[] }[] = [];
    const send = (v: unknown): void => {
      sent.push({ tagged: toTagged(v), pickles: [1, 2, 4].map((p) => Buffer.from(dumps(v, p)).toString("hex")) });
    };
    send(root);
    send(root);
    // a new object between old ones, then the old ones again, met first and met again
    root.splice(2, 0, { x: [] });
    root.push(b, a, c, root);
    send(root);
    // the old objects in another order, in a dict among new ones
    send([root, { c, b, a, n: [a] }, [c, b]]);
    send([[c, b], { c, b, a }]);
    send(root);
    const exact = sameAsCPython(sent, [1, 2, 4]);
    expect(exact).toEqual(sent.map(() => [true, true, true]));
  });

  it("dumps() of a value again and again as random edits change it (new objects, old ones again, removals, cuts, nesting) is CPython's each time", () => {
    // seeded (STDNET_PICKLE_SEQ_SEED picks another sequence): the memo follows each call's objects in the last call's order
    let state = Number(process.env.STDNET_PICKLE_SEQ_SEED ?? 20261207) >>> 0;
    const rand = (n: number): number => {
      state = (state + 0x6d2b79f5) >>> 0;
      let t = Math.imul(state ^ (state >>> 15), state | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) % n;
    };
    let made = 0;
    const leaf = (): unknown => {
      made++;
      const k = rand(3);
      return k === 0 ? [made] : k === 1 ? { n: made } : new Uint8Array([made & 0xff, 7]);
    };
    const pool = Array.from({ length: 40 }, leaf);
    const pick = (): unknown => pool[rand(pool.length)];
    const root = Array.from({ length: 60 }, pick);
    const sent: { tagged: Tagged; pickles: string[] }[] = [];
    for (let round = 0; round < 60; round++) {
      const edits = rand(4) === 0 ? 0 : 1 + rand(6);
      for (let e = 0; e < edits; e++) {
        const i = rand(root.length);
        const k = rand(6);
        if (k === 0) root[i] = leaf();
        else if (k === 1) root[i] = pick();
        else if (k === 2 && root.length > 1) root.splice(i, 1);
        else if (k === 3) root.push(pick());
        else if (k === 4) root.length = Math.max(1, i);
        else {
          const host = pick();
          if (Array.isArray(host)) host.push(pick());
        }
      }
      const value = rand(5) === 0 ? [root[rand(root.length)], root] : root;
      sent.push({ tagged: toTagged(value), pickles: [2, 4].map((p) => Buffer.from(dumps(value, p)).toString("hex")) });
    }
    const exact = sameAsCPython(sent, [2, 4]);
    expect(exact).toEqual(sent.map(() => [true, true]));
  });

  it("dumps() uses protocol 4 by default and the highest for a negative protocol", () => {
    expect(Array.from(dumps(null).subarray(0, 2))).toEqual([0x80, 4]);
    expect(Array.from(dumps(null, -1).subarray(0, 2))).toEqual([0x80, 5]);
    expect(() => dumps(null, 6)).toThrow("pickle protocol must be <= 5");
  });

  it("dumps() of a function, a symbol or a class instance without a reducer is PicklingError naming the type", () => {
    class Point {
      x = 1;
    }
    expect(() => dumps(() => 1)).toThrow(PicklingError);
    expect(() => dumps(() => 1)).toThrow("cannot pickle 'function' object");
    expect(() => dumps([Symbol("s")])).toThrow("cannot pickle 'symbol' object");
    expect(() => dumps({ p: new Point() })).toThrow("cannot pickle 'Point' object");
    expect(() => dumps(new Date())).toThrow("cannot pickle 'Date' object");
    expect(() => dumps(new Global("os", "system"), 2)).not.toThrow();
  });

  it("dumps() of an object made with Array's or Uint8Array's prototype but not one is PicklingError, alone or among items", () => {
    const fakes: [unknown, string][] = [
      [Object.create(Array.prototype), "cannot pickle 'Array' object"],
      [Object.create(Uint8Array.prototype), "cannot pickle 'bytes' object"],
    ];
    for (const [fake, message] of fakes) {
      for (const p of [2, 4]) {
        expect(() => dumps(fake, p)).toThrow(PicklingError);
        expect(() => dumps([1, fake], p)).toThrow(message);
        expect(() => dumps({ j: 1, k: fake }, p)).toThrow(message);
      }
    }
  });

  it("dumps() of nesting deeper than the limit is PicklingError, not a JS stack overflow", () => {
    let v: unknown[] = [];
    for (let i = 0; i < 100_000; i++) v = [v];
    expect(() => dumps(v)).toThrow(PicklingError);
    expect(() => dumps(v)).toThrow("maximum recursion depth exceeded while pickling an object");
    const o: Record<string, unknown> = {};
    let cur = o;
    for (let i = 0; i < 100_000; i++) cur = (cur.k = {});
    expect(() => dumps(o, 0)).toThrow(PicklingError);
  });

  it("dumps() refuses the same depth whether a container is an only item or one of several (written through save, or in place)", () => {
    const deepest = (wrap: (v: unknown) => unknown): number => {
      for (let n = 990; n < 1010; n++) {
        let v: unknown = [];
        for (let i = 0; i < n; i++) v = wrap(v);
        try {
          dumps(v, 4);
        } catch (e) {
          expect(e).toBeInstanceOf(PicklingError);
          return n - 1;
        }
      }
      return -1;
    };
    const depths = [(v: unknown) => [v], (v: unknown) => [0, v], (v: unknown) => ({ k: v }), (v: unknown) => ({ a: 0, k: v }), (v: unknown) => [0, v, new Uint8Array(3)]].map(deepest);
    expect(depths[0]).toBeGreaterThan(990);
    expect(new Set(depths).size).toBe(1);
  });
});
