/**
 * Class instances and other globals: loads() maps the globals a find_class
 * allows (option or Unpickler subclass) and applies REDUCE, NEWOBJ,
 * NEWOBJ_EX, BUILD and copyreg._reconstructor to them; dumps() writes
 * objects through reducers that python3 loads. Pickles come from python3.
 */
import { describe, expect, it } from "vitest";
import { dumps, loads, Global, Pickler, Unpickler, tuple, UnpicklingError, type ReduceValue } from "stdnet/pickle";
import { pythonJson, runPython } from "../../helpers/python.js";

const pickles = pythonJson<Record<string, string[]>>(`
import pickle, datetime, dataclasses, json, sys, types, collections
@dataclasses.dataclass
class Point:
    x: int
    y: str
Point.__module__ = "shapes"
sys.modules["shapes"] = types.SimpleNamespace(Point=Point)
class Slotted:
    __slots__ = ("a", "b")
    def __init__(self): self.a = 1; self.b = [2]
Slotted.__module__ = "shapes"
sys.modules["shapes"].Slotted = Slotted
class WithKw:
    def __new__(cls, *args, **kw):
        o = super().__new__(cls); o.args = args; o.kw = kw; return o
    def __getnewargs_ex__(self): return ((1, 2), {"k": "v"})
WithKw.__module__ = "shapes"
sys.modules["shapes"].WithKw = WithKw
out = {}
out["datetime"] = [pickle.dumps(datetime.datetime(2024, 1, 31, 12, 30, 5, 123), p).hex() for p in range(6)]
out["point"] = [pickle.dumps(Point(1, "a"), p).hex() for p in range(6)]
out["slotted"] = [pickle.dumps(Slotted(), p).hex() for p in range(2, 6)]
out["withkw"] = [pickle.dumps(WithKw(), p).hex() for p in (4, 5)]
class Measured:
    def __reduce__(self):
        return (len, (list(range(20000)) + ["last"],))
big = list(range(30000))
out["measured"] = [pickle.dumps([Measured(), big, Measured()], p).hex() for p in range(6)]
# a dict that refers to itself, then gets an int key (a Map once loaded), handed to a callable and kept
selfish = {}; selfish["self"] = selfish; selfish[1] = 2
class Shown:
    def __reduce__(self):
        return (repr, (selfish,))
out["selfish"] = [pickle.dumps([selfish, Shown(), [selfish]], p).hex() for p in range(6)]
print(json.dumps(out))
`);

class Point {
  x = 0;
  y = "";
  constructed = true;
  norm(): number {
    return this.x;
  }
}

/** datetime's pickled state: 10 bytes (year hi/lo, month, day, h, m, s, µs 3 bytes). */
function datetimeFromState(state: unknown): Date {
  const b = typeof state === "string" ? Uint8Array.from(state, (c) => c.charCodeAt(0)) : (state as Uint8Array);
  const us = (b[7]! << 16) | (b[8]! << 8) | b[9]!;
  return new Date(Date.UTC((b[0]! << 8) | b[1]!, b[2]! - 1, b[3], b[4], b[5], b[6], us / 1000));
}

describe("globals, by find_class only", () => {
  it("loads() gives a datetime as the JS object find_class chooses, at every protocol", () => {
    const find_class = (module: string, name: string): unknown => {
      if (module === "datetime" && name === "datetime") return (state: unknown) => datetimeFromState(state);
      throw new UnpicklingError(`global '${module}.${name}' is forbidden`);
    };
    for (const hex of pickles.datetime!) {
      const d = loads(Buffer.from(hex, "hex"), { find_class }) as Date;
      expect(d.toISOString()).toBe("2024-01-31T12:30:05.000Z");
    }
  });

  it("a callable find_class allows sees every item of a big list it is given, during loads()", () => {
    const seen: unknown[] = [];
    const find_class = (module: string, name: string): unknown => {
      // (protocols 0-2 write Python 2's module, which an own find_class gets as written, as in CPython)
      if ((module === "builtins" || module === "__builtin__") && name === "len") return (items: unknown[]) => seen.push(items.length, items[items.length - 1]);
      throw new UnpicklingError(`global '${module}.${name}' is forbidden`);
    };
    for (const hex of pickles.measured!) {
      seen.length = 0;
      const [, big] = loads(Buffer.from(hex, "hex"), { find_class }) as [unknown, number[]];
      expect(seen).toEqual([20001, "last", 20001, "last"]);
      expect([big.length, big[0], big[29999]]).toEqual([30000, 0, 29999]);
    }
  });

  it("a callable find_class allows is given the Map of a dict that an int key turned into one, as is every other reference", () => {
    const given: unknown[] = [];
    const find_class = (module: string, name: string): unknown => {
      // what the callable sees while it runs: the Map, whose self-reference is the Map too
      if ((module === "builtins" || module === "__builtin__") && name === "repr") return (x: unknown) => given.push(x, x instanceof Map ? x.get("self") : undefined);
      throw new UnpicklingError(`global '${module}.${name}' is forbidden`);
    };
    for (const hex of pickles.selfish!) {
      given.length = 0;
      const [d, , [again]] = loads(Buffer.from(hex, "hex"), { find_class }) as [Map<unknown, unknown>, unknown, [unknown]];
      expect(d).toBeInstanceOf(Map);
      expect([d.get("self"), d.get(1), given[0], again]).toEqual([d, 2, d, d]);
      expect(given[0]).toBe(d);
      expect(given[1]).toBe(d);
      expect(again).toBe(d);
    }
  });

  it("a dict a callable gave another prototype gets its items through that prototype's __setitem__", () => {
    const calls: unknown[] = [];
    const Recording = { __setitem__: (k: unknown, v: unknown) => calls.push(k, v) };
    const find_class = (module: string, name: string): unknown => {
      if (module === "mod" && name === "adopt") return (d: object): void => void Object.setPrototypeOf(d, Recording);
      throw new UnpicklingError(`global '${module}.${name}' is forbidden`);
    };
    // {} memoized; mod.adopt(it); then SETITEMS into it, and SETITEM of one more key
    const pickle = Buffer.from("\x80\x02}q\x00cmod\nadopt\nh\x00\x85R0h\x00(X\x01\x00\x00\x00kK\x01uX\x01\x00\x00\x00jK\x02s.", "latin1");
    const d = loads(pickle, { find_class }) as Record<string, unknown>;
    expect(calls).toEqual(["k", 1, "j", 2]);
    expect(Object.keys(d)).toEqual([]);
  });

  it("loads() builds a dataclass through NEWOBJ/copyreg._reconstructor and BUILD, without running its constructor", () => {
    const find_class = (module: string, name: string): unknown => {
      if (module === "shapes" && name === "Point") return Point;
      throw new UnpicklingError(`global '${module}.${name}' is forbidden`);
    };
    for (const hex of pickles.point!) {
      const p = loads(Buffer.from(hex, "hex"), { find_class }) as Point;
      expect(p).toBeInstanceOf(Point);
      expect(p.x).toBe(1);
      expect(p.y).toBe("a");
      expect(p.norm()).toBe(1);
      expect(Object.hasOwn(p, "constructed")).toBe(false);
    }
  });

  it("loads() applies slot state (BUILD with a (dict, slots) tuple)", () => {
    class Slotted {}
    for (const hex of pickles.slotted!) {
      const s = loads(Buffer.from(hex, "hex"), { find_class: () => Slotted }) as Record<string, unknown>;
      expect(s).toBeInstanceOf(Slotted);
      expect(s.a).toBe(1);
      expect(s.b).toEqual([2]);
    }
  });

  it("loads() passes NEWOBJ_EX arguments and keywords to a static __new__", () => {
    class WithKw {
      static __new__(...args: unknown[]): unknown {
        return { made: args };
      }
    }
    for (const hex of pickles.withkw!) {
      const o = loads(Buffer.from(hex, "hex"), { find_class: () => WithKw }) as { made: unknown[] };
      expect(o.made.slice(0, 2)).toEqual([1, 2]);
      expect(o.made[2]).toEqual({ k: "v" });
    }
  });

  it("Unpickler subclass: find_class overrides, super.find_class refuses, __setstate__ is called", () => {
    class Pt {
      state: unknown;
      __setstate__(s: unknown): void {
        this.state = s;
      }
    }
    class Points extends Unpickler {
      override find_class(module: string, name: string): unknown {
        if (module === "shapes" && name === "Point") return Pt;
        return super.find_class(module, name);
      }
    }
    const data = Buffer.from(pickles.point![4]!, "hex");
    let at = 0;
    const file = {
      read: (n: number) => {
        const b = data.subarray(at, at + n);
        at += b.length;
        return b;
      },
    };
    const pt = new Points(file).load() as Pt;
    expect(pt).toBeInstanceOf(Pt);
    expect(pt.state).toEqual({ x: 1, y: "a" });
    at = 0;
    expect(() => new Points(file, {}).load()).not.toThrow();
    at = 0;
    expect(() => new Unpickler(file).load()).toThrow("global 'shapes.Point' is forbidden");
  });

  it("dumps() writes objects through __reduce__, reducer_override and dispatch_table, and python3 loads them", async () => {
    class Day {
      constructor(
        readonly y: number,
        readonly m: number,
        readonly d: number,
      ) {}
      __reduce__(): ReduceValue {
        return [new Global("datetime", "date"), [this.y, this.m, this.d]];
      }
    }
    class Money {
      constructor(readonly text: string) {}
    }
    class Custom extends Pickler<{ write(b: Uint8Array): number }> {
      override reducer_override(obj: unknown): ReduceValue | undefined {
        if (obj instanceof Money) return [new Global("decimal", "Decimal"), [obj.text]];
        return undefined;
      }
    }
    const value = { day: new Day(2024, 1, 31), price: new Money("1.25"), at: new Date(Date.UTC(2020, 0, 2)), ns: tuple(new Global("collections", "OrderedDict")) };
    const results: string[] = [];
    for (let p = 0; p <= 5; p++) {
      const chunks: Uint8Array[] = [];
      const pk = new Custom({ write: (b: Uint8Array) => chunks.push(b) }, p);
      pk.dispatch_table = new Map([[Date, (d: never) => [new Global("datetime", "datetime"), [(d as Date).getUTCFullYear(), (d as Date).getUTCMonth() + 1, (d as Date).getUTCDate()]] as ReduceValue]]);
      pk.dump(value);
      results.push(Buffer.concat(chunks).toString("hex"));
    }
    const out = await runPython(
      `
import pickle, sys
for line in sys.stdin.read().split():
    v = pickle.loads(bytes.fromhex(line))
    print(repr(v["day"]), repr(v["price"]), repr(v["at"]), repr(v["ns"]))
`,
      [],
      results.join("\n"),
    );
    const lines = out.toString().trim().split("\n");
    expect(lines).toHaveLength(6);
    for (const l of lines) expect(l).toBe("datetime.date(2024, 1, 31) Decimal('1.25') datetime.datetime(2020, 1, 2, 0, 0) (<class 'collections.OrderedDict'>,)");
  });

  it("dumps() writes copyreg.__newobj__ reductions as NEWOBJ at protocol 2+, with state through BUILD", async () => {
    const obj = {
      __reduce_ex__: (protocol: number): ReduceValue =>
        protocol >= 2 ? [new Global("copyreg", "__newobj__"), [new Global("types", "SimpleNamespace")], { a: 1 }] : [new Global("types", "SimpleNamespace"), [], { a: 1 }],
    };
    const all = [0, 1, 2, 3, 4, 5].map((p) => Buffer.from(dumps(obj, p)).toString("hex"));
    expect(Buffer.from(dumps(obj, 2)).includes(0x81)).toBe(true);
    const out = await runPython("import pickle,sys\nfor l in sys.stdin.read().split(): print(pickle.loads(bytes.fromhex(l)))", [], all.join("\n"));
    expect(out.toString().trim().split("\n")).toEqual(Array(6).fill("namespace(a=1)"));
  });
});
