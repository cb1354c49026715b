/**
 * The pickle API beside the opcodes, held to CPython's: protocol 5's
 * PickleBuffer and `buffers` (the documented round trip, one iterator across
 * an Unpickler's loads, the truth of buffer_callback's answer), persistent
 * ids, which objects reducer_override and dispatch_table see, the checks on
 * what a reducer returns and how its items are batched, the protocol
 * argument, the constructors' checks, and a file that reads more than asked.
 * python3 computes every expected pickle and message.
 */
import { describe, expect, it } from "vitest";
import { Global, PickleBuffer, Pickler, PicklingError, Unpickler, bytearray, dumps, loads, tuple, type ReduceValue } from "stdnet/pickle";
import { OverflowError, PyTypeError, ValueError } from "stdnet/socket";
import { pythonJson } from "../../helpers/python.js";

const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");

/** What python3 says for each case: the pickle's hex, or the exception's type and text. */
const PY = pythonJson<Record<string, string>>(String.raw`
import array, io, json, operator, pickle, sys
out = {}
def attempt(key, f):
    try:
        r = f()
        out[key] = r.hex() if isinstance(r, (bytes, bytearray)) else r
    except Exception as e:
        out[key] = type(e).__name__ + ": " + str(e)

# PickleBuffer: the documented round trip, read-only and writable
for name, src in (("ro", b"abc"), ("rw", bytearray(b"abc"))):
    bufs = []
    d = pickle.dumps(pickle.PickleBuffer(src), 5, buffer_callback=bufs.append)
    v = pickle.loads(d, buffers=bufs)
    out["roundtrip-" + name] = type(v).__name__ + ":" + bytes(v).hex()
attempt("pb-int", lambda: pickle.PickleBuffer(5))
attempt("pb-doubles", lambda: pickle.dumps(pickle.PickleBuffer(array.array("d", [1.0, 2.0])), 5))
def released():
    b = pickle.PickleBuffer(b"ab"); b.release(); return b.raw()
attempt("pb-released", released)

# one buffers iterator across an Unpickler's loads
f = io.BytesIO(pickle.dumps(pickle.PickleBuffer(b"\n"), 5, buffer_callback=lambda b: False) * 2)
u = pickle.Unpickler(f, buffers=[b"\x01", b"\x02"])
out["buffers-across"] = bytes(u.load()).hex() + "," + bytes(u.load()).hex()

# the truth of buffer_callback's answer
for key, answer in (("list", []), ("dict", {}), ("nan", float("nan")), ("zero", 0), ("str", "x"), ("full", [1])):
    attempt("cb-" + key, lambda: pickle.dumps(pickle.PickleBuffer(b"z"), 5, buffer_callback=lambda b: answer))

# persistent ids: not offered to persistent_id again; str() at protocol 0
class Pers(pickle.Pickler):
    def persistent_id(self, o):
        if isinstance(o, str) and o.startswith("ref:"): return o
        return {"n": 42, "t": (1, "a"), "nl": "a\nb", "f": 1.0}.get(o) if isinstance(o, str) else None
for proto in (0, 2):
    for v in ("ref:x", "n", "t", "nl", "f"):
        def run(v=v, proto=proto):
            b = io.BytesIO(); Pers(b, proto).dump([v]); return b.getvalue()
        attempt("pid-%d-%s" % (proto, v), run)

# reducer_override is not asked about the built-in types; a dispatch_table entry for dict is not used
class Over(pickle.Pickler):
    def reducer_override(self, o):
        return (len, ("x",)) if isinstance(o, list) else NotImplemented
def over():
    b = io.BytesIO(); Over(b, 4).dump([1, (2,), {"a": 3}]); return b.getvalue()
attempt("override-list", over)
def table():
    b = io.BytesIO(); p = pickle.Pickler(b, 4); p.dispatch_table = {dict: lambda o: (len, ("x",))}; p.dump({"a": 1}); return b.getvalue()
attempt("table-dict", table)
# subclasses of list and bytes, items of a list and of a dict, go by both, at every binary protocol
class L(list): pass
class B(bytes): pass
class OverB(pickle.Pickler):
    def reducer_override(self, o):
        return (len, ("b",)) if isinstance(o, B) else NotImplemented
for proto in (1, 2, 3, 4, 5):
    def subclasses(proto=proto):
        b = io.BytesIO(); p = OverB(b, proto); p.dispatch_table = {L: lambda o: (len, ("l",))}
        p.dump([L([1]), {"k": B(b"xy"), "m": L([2])}, [3], b"zw", B(b"uv")]); return b.getvalue()
    attempt("subclass-hooks-%d" % proto, subclasses)

# what a reducer returns
class R:
    def __init__(self, rv): self.rv = rv
    def __reduce__(self): return self.rv
def state_setter(obj, state): pass
cases = {
    "short": (len,), "long": (len, (), None, None, None, None, None), "notcallable": (5, ()), "args": (len, [1]),
    "none": None, "int": 5, "listitems-int": (list, (), None, 5), "dictitems-int": (dict, (), None, None, 5),
    "dictitems-bad": (dict, (), None, None, iter([(1,)])), "setter-int": (list, (), None, None, None, 5),
    "listitems-1001": (list, (), None, iter(range(1001))), "listitems-1000": (list, (), None, iter(range(1000))),
    "dictitems-dup": (dict, (), None, None, iter([(1, 2), (1, 3)])), "setter": (list, (), {"s": 1}, None, None, operator.eq),
}
for key, rv in cases.items():
    attempt("reduce-" + key, lambda rv=rv: pickle.dumps(R(rv), 4))

# the protocol argument
for key, p in (("true", True), ("half", 4.5), ("str", "4"), ("huge", 2 ** 70), ("six", 6)):
    attempt("protocol-" + key, lambda p=p: pickle.dumps(1, p))
attempt("callback-4", lambda: pickle.dumps(1, 4, buffer_callback=print))

# constructors and arguments
attempt("unpickler-nofile", lambda: pickle.Unpickler(object()))
attempt("pickler-nofile", lambda: pickle.Pickler(object()))
attempt("unpickler-encoding", lambda: pickle.Unpickler(io.BytesIO(), encoding=5))
attempt("loads-str", lambda: pickle.loads("abc"))
attempt("loads-buffers-int", lambda: pickle.loads(b"N.", buffers=5))

# a file whose read(n) gives more than n: the Unpickler keeps the rest for its next load
class Greedy:
    def __init__(self, data): self.data = data
    def read(self, n):
        d, self.data = self.data, b""
        return d
    def readline(self): return self.read(0)
for proto in (0, 2, 4):
    g = pickle.Unpickler(Greedy(pickle.dumps("first", proto) + pickle.dumps("second", proto)))
    attempt("greedy-%d" % proto, lambda g=g: g.load() + "," + g.load())
# fast mode after a dump that memoized: what is in the memo is still fetched, nothing new is put;
# a cycle is refused (the object's address cut from the text)
for proto in (0, 2, 4):
    def fast_after(proto=proto):
        f = io.BytesIO()
        p = pickle.Pickler(f, proto)
        x = [1, "abc", [2], b"xy"]
        p.dump(x)
        p.fast = True
        p.dump([x, "abc", "new", ["new"], b"xy", (x,)])
        return f.getvalue()
    attempt(f"fast-{proto}", fast_after)
    def fast_cycle(proto=proto):
        cyc = {"k": []}
        cyc["k"].append(cyc)
        p = pickle.Pickler(io.BytesIO(), proto)
        p.fast = True
        try:
            p.dump([1, cyc])
        except ValueError as e:
            raise ValueError(str(e).split(" at 0x")[0])
    attempt(f"fast-cycle-{proto}", fast_cycle)
print(json.dumps(out))
`);

/** Our outcome as python3 writes it: a pickle's hex, or "Type: message". */
function ours(f: () => Uint8Array | string): string {
  try {
    const r = f();
    return typeof r === "string" ? r : hex(r);
  } catch (e) {
    return `${(e as Error).name}: ${(e as Error).message}`;
  }
}

describe("the pickle API as CPython's", () => {
  it("PickleBuffer: the documented round trip gives the buffers back, its constructor takes any bytes-like object, a released one refuses", () => {
    for (const [name, src] of [
      ["ro", Buffer.from("abc")],
      ["rw", new bytearray(Buffer.from("abc"))],
    ] as const) {
      const bufs: PickleBuffer[] = [];
      const d = dumps(new PickleBuffer(src), 5, { buffer_callback: (b) => void bufs.push(b) });
      const v = loads(d, { buffers: bufs });
      expect(v, name).toBeInstanceOf(PickleBuffer);
      expect(`PickleBuffer:${hex((v as PickleBuffer).raw())}`).toBe(PY[`roundtrip-${name}`]);
    }
    expect(ours(() => dumps(new PickleBuffer(5 as unknown as Uint8Array), 5))).toBe(PY["pb-int"]);
    expect(() => new PickleBuffer(5 as unknown as Uint8Array)).toThrow(PyTypeError);
    expect(ours(() => dumps(new PickleBuffer(new Float64Array([1, 2])), 5))).toBe(PY["pb-doubles"]);
    const b = new PickleBuffer(Buffer.from("ab"));
    b.release();
    expect(ours(() => b.raw())).toBe(PY["pb-released"]);
    expect(ours(() => dumps(b, 5))).toBe(PY["pb-released"]);
    // nothing of a failed dumps stays behind
    expect(loads(dumps([1, 2]))).toEqual([1, 2]);
  });

  it("an Unpickler's loads share one iterator over `buffers`", () => {
    const one = dumps(new PickleBuffer(Buffer.from("\n")), 5, { buffer_callback: () => false });
    const data = Buffer.concat([one, one]);
    let pos = 0;
    const file = { read: (n: number) => data.subarray(pos, (pos += n)) };
    const u = new Unpickler(file, { buffers: [Buffer.from([1]), Buffer.from([2])] });
    const first = u.load() as Uint8Array;
    const second = u.load() as Uint8Array;
    expect(`${hex(first)},${hex(second)}`).toBe(PY["buffers-across"]);
  });

  it("buffer_callback's answer is taken by Python's truth: an empty list or dict sends the buffer out of band, NaN keeps it in", () => {
    const answers: Record<string, unknown> = { list: [], dict: {}, nan: NaN, zero: 0, str: "x", full: [1] };
    for (const [key, answer] of Object.entries(answers)) {
      expect(ours(() => dumps(new PickleBuffer(Buffer.from("z")), 5, { buffer_callback: () => answer })), key).toBe(PY[`cb-${key}`]);
    }
  });

  it("a persistent id is not offered to persistent_id again, and protocol 0 writes its str()", () => {
    class Pers extends Pickler {
      override persistent_id(o: unknown): unknown {
        if (typeof o !== "string") return undefined;
        if (o.startsWith("ref:")) return o;
        return ({ n: 42, t: tuple(1, "a"), nl: "a\nb" } as Record<string, unknown>)[o];
      }
    }
    for (const proto of [0, 2]) {
      for (const v of ["ref:x", "n", "t", "nl"]) {
        const chunks: Uint8Array[] = [];
        expect(ours(() => {
          void new Pers({ write: (b: Uint8Array) => void chunks.push(Buffer.from(b)) }, proto).dump([v]);
          return Buffer.concat(chunks);
        }), `${proto} ${v}`).toBe(PY[`pid-${proto}-${v}`]);
      }
    }
  });

  it("fast mode writes no memo opcodes but fetches what an earlier dump memoized, and refuses a cycle", () => {
    for (const proto of [0, 2, 4] as const) {
      const chunks: Uint8Array[] = [];
      const p = new Pickler({ write: (b: Uint8Array) => void chunks.push(Buffer.from(b)) }, proto);
      // (Python's two b"xy" are one constant of its code object)
      const xy = new Uint8Array([120, 121]);
      const x = [1, "abc", [2], xy];
      expect(ours(() => {
        p.dump(x);
        p.fast = true;
        p.dump([x, "abc", "new", ["new"], xy, tuple(x)]);
        return Buffer.concat(chunks);
      }), `${proto}`).toBe(PY[`fast-${proto}`]);
      const cyc: Record<string, unknown[]> = { k: [] };
      cyc.k!.push(cyc);
      const fast = new Pickler({ write: () => undefined }, proto);
      fast.fast = true;
      expect(ours(() => {
        fast.dump([1, cyc]);
        return "";
      })).toBe(PY[`fast-cycle-${proto}`]);
    }
  });

  it("reducer_override is not asked about the built-in types, nor is a dispatch_table entry for dicts used", () => {
    const seen: string[] = [];
    class Over extends Pickler {
      override reducer_override(o: unknown): ReduceValue | undefined {
        seen.push(Array.isArray(o) ? "array" : typeof o);
        return Array.isArray(o) ? [new Global("builtins", "len"), tuple("x")] : undefined;
      }
    }
    const chunks: Uint8Array[] = [];
    void new Over({ write: (b: Uint8Array) => void chunks.push(Buffer.from(b)) }, 4).dump([1, tuple(2), { a: 3 }]);
    expect(hex(Buffer.concat(chunks))).toBe(PY["override-list"]);
    expect(seen).toEqual([]);
    const out: Uint8Array[] = [];
    const p = new Pickler({ write: (b: Uint8Array) => void out.push(Buffer.from(b)) }, 4);
    p.dispatch_table = new Map([[Object, () => [new Global("builtins", "len"), tuple("x")] as const]]);
    p.dump({ a: 1 });
    expect(hex(Buffer.concat(out))).toBe(PY["table-dict"]);
  });

  it("items that are subclasses of Array and Uint8Array go by dispatch_table and reducer_override, as CPython's subclasses of list and bytes", () => {
    class L extends Array<unknown> {}
    class B extends Uint8Array {}
    // one args tuple each, as the constant tuple of Python's lambda is one object (memoized, then fetched)
    const len = new Global("builtins", "len");
    const [argsB, argsL] = [tuple("b"), tuple("l")];
    class OverB extends Pickler {
      override reducer_override(o: unknown): ReduceValue | undefined {
        return o instanceof B ? [len, argsB] : undefined;
      }
    }
    for (const proto of [1, 2, 3, 4, 5] as const) {
      const chunks: Uint8Array[] = [];
      const p = new OverB({ write: (b: Uint8Array) => void chunks.push(Buffer.from(b)) }, proto);
      p.dispatch_table = new Map([[L, () => [len, argsL] as const]]);
      void p.dump([L.from([1]), { k: new B([0x78, 0x79]), m: L.from([2]) }, [3], Buffer.from("zw"), new B([0x75, 0x76])]);
      expect(hex(Buffer.concat(chunks)), `protocol ${proto}`).toBe(PY[`subclass-hooks-${proto}`]);
    }
  });

  it("what a reducer returns is checked and written as CPython's save_reduce: the same texts, batches and state_setter", () => {
    const len = new Global("builtins", "len");
    const list = new Global("builtins", "list");
    const dict = new Global("builtins", "dict");
    const range = (n: number): Iterable<number> => Array.from({ length: n }, (_, i) => i)[Symbol.iterator]();
    const cases: Record<string, unknown> = {
      short: [len],
      long: [len, tuple(), null, null, null, null, null],
      notcallable: [5, tuple()],
      args: [len, 1],
      none: null,
      int: 5,
      "listitems-int": [list, tuple(), null, 5],
      "dictitems-int": [dict, tuple(), null, null, 5],
      "dictitems-bad": [dict, tuple(), null, null, [tuple(1)][Symbol.iterator]()],
      "setter-int": [list, tuple(), null, null, null, 5],
      "listitems-1001": [list, tuple(), null, range(1001)],
      "listitems-1000": [list, tuple(), null, range(1000)],
      "dictitems-dup": [dict, tuple(), null, null, [tuple(1, 2), tuple(1, 3)][Symbol.iterator]()],
      // (a setter from another module than the callable's: CPython's strs of a module's name are not always one object)
      setter: [list, tuple(), { s: 1 }, null, null, new Global("_operator", "eq")],
    };
    for (const [key, rv] of Object.entries(cases)) {
      const obj = { __reduce__: () => rv };
      // (PicklingError carries the text of CPython's; the one TypeError CPython raises here is a PyTypeError)
      const got = ours(() => dumps(obj, 4)).replace(/^PyTypeError/, "TypeError");
      expect(got, key).toBe(PY[`reduce-${key}`]);
    }
    expect(() => dumps({ __reduce__: () => [5, tuple()] }, 4)).toThrow(PicklingError);
  });

  it("the protocol argument: a bool is an int, other types and sizes are refused with Python's errors", () => {
    expect(ours(() => dumps(1, true))).toBe(PY["protocol-true"]);
    expect(ours(() => dumps(1, 4.5))).toBe(PY["protocol-half"]);
    expect(() => dumps(1, 4.5)).toThrow(PyTypeError);
    expect(ours(() => dumps(1, "4" as unknown as number))).toBe(PY["protocol-str"]);
    expect(ours(() => dumps(1, 2n ** 70n))).toBe(PY["protocol-huge"]);
    expect(() => dumps(1, 2n ** 70n)).toThrow(OverflowError);
    expect(ours(() => dumps(1, 6))).toBe(PY["protocol-six"]);
    expect(() => dumps(1, 6)).toThrow(ValueError);
    expect(ours(() => dumps(1, 4, { buffer_callback: () => true }))).toBe(PY["callback-4"]);
    expect(hex(dumps(1, 4n))).toBe(hex(dumps(1, 4)));
  });

  it("the constructors check their file and options at once, and loads names what it was given", () => {
    const made = (f: () => object): string => (f(), "made");
    expect(ours(() => made(() => new Unpickler({} as never)))).toBe(PY["unpickler-nofile"]);
    expect(ours(() => made(() => new Pickler({} as never)))).toBe(PY["pickler-nofile"]);
    expect(ours(() => made(() => new Unpickler({ read: () => new Uint8Array(0) }, { encoding: 5 as unknown as string })))).toBe(PY["unpickler-encoding"]);
    expect(ours(() => String(loads("abc" as unknown as Uint8Array)))).toBe(PY["loads-str"]);
    expect(ours(() => String(loads(Buffer.from("N."), { buffers: 5 as unknown as Uint8Array[] })))).toBe(PY["loads-buffers-int"]);
  });

  it("a file whose read(n) gives more than n: the Unpickler keeps the rest for its next load", () => {
    for (const proto of [0, 2, 4]) {
      let data: Uint8Array = Buffer.concat([dumps("first", proto), dumps("second", proto)]);
      const greedy = {
        read: (): Uint8Array => {
          const d = data;
          data = new Uint8Array(0);
          return d;
        },
        readline: (): Uint8Array => greedy.read(),
      };
      const u = new Unpickler(greedy);
      expect(ours(() => `${String(u.load())},${String(u.load())}`), String(proto)).toBe(PY[`greedy-${proto}`]);
    }
  });
});
