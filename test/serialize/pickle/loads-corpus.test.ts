/**
 * loads() against a corpus that python3 writes at test time: every value
 * type at every protocol (from the C pickler, the pure-Python pickler, and
 * pickletools.optimize), deep and wide nestings, big ints, non-ASCII text,
 * shared references and cycles.
 */
import { describe, expect, it } from "vitest";
import { loads, Tuple, Unpickler } from "stdnet/pickle";
import { pythonJson } from "../../helpers/python.js";
import { PY_TAGGED, expectedJs, pyDiff, type Tagged } from "./_oracle.js";

interface Case {
  name: string;
  tagged: Tagged;
  pickles: [string, string][];
}

const corpus = pythonJson<Case[]>(`${PY_TAGGED}
import collections, pickletools
sys.setrecursionlimit(20000)
cases = []
def add(name, v, protos=range(6)):
    ps = []
    for p in protos:
        ps.append(["c%d" % p, pickle.dumps(v, p).hex()])
        ps.append(["py%d" % p, pickle._dumps(v, p).hex()])
        ps.append(["opt%d" % p, pickletools.optimize(pickle.dumps(v, p)).hex()])
    cases.append({"name": name, "tagged": enc(v), "pickles": ps})
for v in [None, True, False, 0, 1, -1, 255, 256, 65535, 65536, -2**31, 2**31 - 1, 2**31, 2**53 - 1, 2**53, -2**53 + 1, -2**53, 2**63, -2**64, 10**100, -(10**300), 2**(8*300), -2**(8*300)]:
    add("int %d" % v if isinstance(v, int) and not isinstance(v, bool) and abs(v) < 10**20 else "value %r" % (v if not isinstance(v, int) or isinstance(v, bool) else type(v)), v)
for v in [0.0, -0.0, 1.5, 2.0, 1e300, 1e-300, float("inf"), float("-inf"), float("nan"), 1e16, 1e-5, 0.1, 123456789.125]:
    add("float %r" % v, v)
for v in ["", "a", "é", "日本語", "😀 emoji", "x" * 300, "y" * 70000, "\\\\u\\n\\r\\0\\x1a", "a\\\\u1234 b\\\\\\\\u", "\\x80\\xff", "é" * 40000, "mixed 日本 😀 \\u0100"]:
    add("str %r" % v[:20], v)
for v in [b"", b"\\x00\\xff", bytes(range(256)), b"x" * 70000]:
    add("bytes %r" % v[:8], v)
for v in [bytearray(), bytearray(b"ab"), bytearray(70000)]:
    add("bytearray %d" % len(v), v)
add("tuples", [(), (1,), (1, 2), (1, 2, 3), (1, 2, 3, 4), ((),), (("a",),)])
add("lists", [[], [1], list(range(1001)), [[[]]]])
add("big list of 50,000 ints", list(range(50000)))
add("big lists of strs and floats", [["s%d" % i for i in range(20000)], [i * 0.25 for i in range(17000)]])
bl = list(range(20000)); bl.append(bl)
add("big list containing itself, twice referenced", [bl, bl])
dm = {}; big = list(range(20000)) + [dm]; dm["big"] = big; dm[1] = 2
add("dict turned Map by an int key, referenced from the end of a big list", dm)
add("big sets (reduced from a list below protocol 4)", [set(range(20000)), frozenset(range(17000))])
add("dict str keys", {"a": 1, "b": [2], "": None, "__proto__": {"x": 1}, "constructor": 5, "toString": "t", "1": "one"})
add("dict int keys", {1: "a", 2: "b", -5: None, 2**70: "big"})
add("dict mixed keys", {"a": 1, 2: "b", (1, 2): "t", None: 0, b"k": 1, 1.5: 2, frozenset([1]): 3})
add("dict wide", {"k%d" % i: i for i in range(2500)})
add("dict of exactly 1000", {i: i for i in range(1000)})
add("sets", [set(), {1}, {1, "a", (1, 2)}, set(range(1500)), frozenset(), frozenset([1, 2]), frozenset(range(1200))])
add("OrderedDict", collections.OrderedDict([("a", 1), ("b", 2)]))
add("nested", {"users": [{"id": i, "name": "user%d" % i, "score": i * 0.5, "tags": ["a", "bb"], "blob": bytes(16)} for i in range(50)]})
deep = []
cur = deep
for i in range(400):
    nxt = [i]
    cur.append(nxt)
    cur = nxt
add("deep lists 400", deep)
deepd = {}
cur = deepd
for i in range(300):
    cur["k"] = {"v": (i,)}
    cur = cur["k"]
add("deep dicts/tuples 300", deepd)
a = [1, 2]
b = b"shared"
t = (a, b)
add("shared refs", [a, a, {"x": a, "y": a}, b, b, t, t])
l = []; l.append(l)
add("list containing itself", l)
d = {}; d["self"] = d
add("dict containing itself", d)
m = {}; m[1] = m
add("int-key dict containing itself", m)
m2 = {}; m2["a"] = [m2, (m2,)]; m2[2] = 3
add("dict referenced before its int key", m2)
m3 = {}; m3["a"] = 1
inner = [m3]
m3[5] = inner
add("dict in a list before its int key", [inner, m3])
l2 = []; t2 = (l2,); l2.append(t2)
add("tuple cycle through a list", t2)
s = set(); d4 = {"s": s, "again": s}
add("shared set", d4)
print(json.dumps(cases))
`);

const deepPickles: [string, Uint8Array, () => unknown][] = [
  ["300,000 nested MARK/LIST", Buffer.concat([Buffer.alloc(300_000, 0x28), Buffer.alloc(300_000, 0x6c), Buffer.from(".")]), () => null],
  ["200,000 nested EMPTY_LIST/APPEND", Buffer.concat([Buffer.alloc(200_000, 0x5d), Buffer.alloc(199_999, 0x61), Buffer.from(".")]), () => null],
];

describe("loads() reads what CPython writes", () => {
  for (const c of corpus) {
    it(`loads() gives the value of ${c.name} at every protocol`, () => {
      const expected = expectedJs(c.tagged);
      for (const [label, hex] of c.pickles) {
        const got = loads(Buffer.from(hex, "hex"));
        const diff = pyDiff(got, expected);
        expect(diff, label).toBe("");
      }
    });
  }

  it("loads() with dict: 'map' makes every dict a Map", () => {
    const c = corpus.find((x) => x.name === "nested")!;
    const expected = expectedJs(c.tagged, true);
    for (const [label, hex] of c.pickles) expect(pyDiff(loads(Buffer.from(hex, "hex"), { dict: "map" }), expected), label).toBe("");
  });

  it("loads() keeps __proto__ and constructor keys as own data properties", () => {
    const c = corpus.find((x) => x.name === "dict str keys")!;
    const got = loads(Buffer.from(c.pickles[0]![1], "hex")) as Record<string, unknown>;
    expect(Object.getPrototypeOf(got)).toBe(Object.prototype);
    expect(Object.hasOwn(got, "__proto__")).toBe(true);
    expect(got.constructor).toBe(5);
    expect(({} as { x?: unknown }).x).toBeUndefined();
  });

  it("loads() builds cycles: a list that contains itself", () => {
    const c = corpus.find((x) => x.name === "list containing itself")!;
    for (const [, hex] of c.pickles) {
      const l = loads(Buffer.from(hex, "hex")) as unknown[];
      expect(l[0]).toBe(l);
    }
  });

  it("loads() gives each bytes object bytes of its own, though small ones share a slab: writing into one changes no other", () => {
    const { pickle, items } = pythonJson<{ pickle: string; items: string[] }>(`
import json, pickle
items = [bytes([i % 251]) * (i % 70) + b"\\xfe" * (i % 3) for i in range(600)] + [bytes(5000)]
print(json.dumps({"pickle": pickle.dumps(items, 4).hex(), "items": [b.hex() for b in items]}))
`);
    const got = loads(Buffer.from(pickle, "hex")) as Uint8Array[];
    const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("hex");
    expect(got.map(hex)).toEqual(items);
    // each starts at a multiple of 8, so that a Float64Array or BigInt64Array can view it in place
    expect(got.filter((b) => b.byteOffset % 8 !== 0)).toEqual([]);
    // (equal one-byte bytes are one object in CPython, and so one Uint8Array here)
    const distinct = [...new Set(got)];
    distinct.forEach((b, i) => b.fill(i % 256));
    expect(distinct.filter((b, i) => b.some((x) => x !== i % 256))).toEqual([]);
  });

  it("loads() builds the tuples of a pickle as Tuple", () => {
    const c = corpus.find((x) => x.name === "tuples")!;
    const got = loads(Buffer.from(c.pickles[0]![1], "hex")) as unknown[];
    expect(got.every((t) => t instanceof Tuple)).toBe(true);
  });

  it("loads() gives the arguments tuple of a _codecs.encode REDUCE to a GET as CPython does: one Tuple, however often fetched, and in an Unpickler's memo", () => {
    // protocols 0-2 write bytes as _codecs.encode(str, 'latin1'), the tuple memoized by a PUT between
    // TUPLE2 and REDUCE; no pickler fetches it again, but a pickle may (BINPUT, and LONG_BINPUT past 255)
    const cases = pythonJson<{ pickle: string; tagged: Tagged; same: boolean }[]>(`${PY_TAGGED}
import pickletools
def fetched(put, get):
    return (b"\\x80\\x02(c_codecs\\nencode\\nX\\x03\\x00\\x00\\x00a\\xc3\\xbfX\\x06\\x00\\x00\\x00latin1\\x86" + put + b"R" + get + get + b"l.")
out = []
for put, get in [(b"q\\x07", b"h\\x07"), (b"r\\x00\\x01\\x00\\x00", b"j\\x00\\x01\\x00\\x00"), (b"q\\x07", b"j\\x07\\x00\\x00\\x00")]:
    p = fetched(put, get)
    v = pickle.loads(p)
    out.append({"pickle": p.hex(), "tagged": enc(v), "same": v[1] is v[2]})
print(json.dumps(out))
`);
    for (const c of cases) {
      const got = loads(Buffer.from(c.pickle, "hex")) as unknown[];
      expect(pyDiff(got, expectedJs(c.tagged)), c.pickle).toBe("");
      expect(got[1]).toBeInstanceOf(Tuple);
      expect(c.same).toBe(true);
      expect(got[2]).toBe(got[1]);
    }
    // an Unpickler's memo, which its user sees, holds the tuple itself
    const data = Buffer.from(cases[0]!.pickle, "hex");
    let pos = 0;
    const u = new Unpickler({ read: (n: number) => data.subarray(pos, (pos += n)) });
    const value = u.load() as unknown[];
    expect(u.memo[7]).toBe(value[1]);
    // never fetched, as CPython's own pickles of bytes: the bytes alone, and the next pickle fetches nothing stale
    const bytesPickle = pythonJson<string>(`import json, pickle; print(json.dumps(pickle.dumps([b"ab", b"ab", bytes(300)], 2).hex()))`);
    for (let i = 0; i < 2; i++) expect(loads(Buffer.from(bytesPickle, "hex"))).toEqual([Buffer.from("ab"), Buffer.from("ab"), new Uint8Array(300)].map((b) => new Uint8Array(b)));
  });

  for (const [name, data] of deepPickles) {
    it(`loads() handles ${name} without recursion`, () => {
      let v = loads(data);
      let depth = 0;
      while (Array.isArray(v) && v.length > 0) {
        v = v[0];
        depth++;
      }
      expect(depth).toBeGreaterThan(199_000);
    });
  }
});
