/**
 * `fix_imports` at protocols 0-2: Python 2's module and global names read
 * as Python 3's, and Python 3's written as Python 2's, as CPython's
 * `find_class` and `save_global` map them with `_compat_pickle`. python3
 * gives the pairs of every table and the pickles of the globals it can import.
 */
import { describe, expect, it } from "vitest";
import { Global, dumps, loads, type Protocol } from "stdnet/pickle";
import { pythonJson } from "../../helpers/python.js";

interface Oracle {
  /** [module, name] → [module, name] as find_class maps it (every NAME_MAPPING key, every IMPORT_MAPPING module). */
  load: [[string, string], [string, string]][];
  /** The same for save_global at protocols 0-2. */
  save: [[string, string], [string, string]][];
  /** Pickles of calls to len and range at every protocol, and the globals a CPython Unpickler subclass's find_class was given for them. */
  userSees: { pickles: string[]; seen: string[] };
  /** [module, name, protocol, hex of pickle.dumps of that global] for the Python 3 globals python3 can import. */
  dumped: [string, string, number, string][];
}

const PY = pythonJson<Oracle>(String.raw`
import _compat_pickle as c, importlib, io, json, pickle, warnings
warnings.simplefilter("ignore")
def load_map(m, n):
    if (m, n) in c.NAME_MAPPING: return c.NAME_MAPPING[(m, n)]
    return (c.IMPORT_MAPPING.get(m, m), n)
def save_map(m, n):
    if (m, n) in c.REVERSE_NAME_MAPPING: return c.REVERSE_NAME_MAPPING[(m, n)]
    return (c.REVERSE_IMPORT_MAPPING.get(m, m), n)
load = [[k, load_map(*k)] for k in list(c.NAME_MAPPING) + [(m, "Anything") for m in c.IMPORT_MAPPING]]
save = [[k, save_map(*k)] for k in list(c.REVERSE_NAME_MAPPING) + [(m, "Anything") for m in c.REVERSE_IMPORT_MAPPING]]
dumped = []
for m, n in c.REVERSE_NAME_MAPPING:
    try:
        obj = getattr(importlib.import_module(m), n)
        if pickle.dumps(obj, 4) != pickle.dumps(pickle.loads(pickle.dumps(obj, 4)), 4): continue
        # only globals CPython pickles by this very name
        if (getattr(obj, "__module__", None), getattr(obj, "__qualname__", None)) != (m, n): continue
        for proto in range(6):
            dumped.append([m, n, proto, pickle.dumps(obj, proto).hex()])
    except Exception:
        pass
class Calls:
    def __reduce__(self): return (len, ([range(3)],))
seen = []
class Own(pickle.Unpickler):
    def find_class(self, m, n):
        seen.append(m + "." + n)
        return lambda *a: None
pickles = [pickle.dumps(Calls(), p) for p in range(6)]
for d in pickles:
    Own(io.BytesIO(d)).load()
print(json.dumps({"load": load, "save": save, "dumped": dumped, "userSees": {"pickles": [d.hex() for d in pickles], "seen": seen}}))
`);

describe("fix_imports: Python 2's names and Python 3's, as _compat_pickle pairs them", () => {
  it("loads at protocols 0-2 reads each of Python 2's globals by Python 3's names where it resolves them itself", () => {
    const refused = (data: Uint8Array, fix_imports = true): string => {
      try {
        loads(data, { fix_imports });
        return "loaded";
      } catch (e) {
        return (e as Error).message;
      }
    };
    for (const [[m, n], [m3, n3]] of PY.load) {
      const pickle0 = Buffer.from(`c${m}\n${n}\n.`, "utf8");
      expect(refused(pickle0)).toBe(`global '${m3}.${n3}' is forbidden`);
      // at protocol 3 and up, and without fix_imports, nothing is mapped
      expect(refused(Buffer.concat([Buffer.from([0x80, 3]), pickle0]))).toBe(`global '${m}.${n}' is forbidden`);
      expect(refused(pickle0, false)).toBe(`global '${m}.${n}' is forbidden`);
    }
    // the value types' own globals, under Python 2's names
    expect(loads(Buffer.from("c__builtin__\nset\n(]tR.", "utf8"))).toEqual(new Set());
    expect(PY.load.length).toBeGreaterThan(140);
  });

  it("an own find_class gets the names as written, as a CPython Unpickler subclass's does", () => {
    const seen: string[] = [];
    const find_class = (module: string, name: string): unknown => {
      seen.push(`${module}.${name}`);
      return () => null;
    };
    for (const hex of PY.userSees.pickles) loads(Buffer.from(hex, "hex"), { find_class });
    expect(seen).toEqual(PY.userSees.seen);
    expect(seen).toContain("__builtin__.len");
  });

  it("dumps at protocols 0-2 writes each Python 3 global by Python 2's names, at 3-5 as it is", () => {
    const line = (m: string, n: string): string => `c${m}\n${n}\n`;
    for (const [[m, n], [m2, n2]] of PY.save) {
      const global = new Global(m, n);
      for (const protocol of [0, 1, 2] as const) expect(Buffer.from(dumps(global, protocol)).toString("utf8")).toContain(line(m2, n2));
      expect(Buffer.from(dumps(global, 3)).toString("utf8")).toContain(line(m, n));
      expect(Buffer.from(dumps(global, 2, { fix_imports: false })).toString("utf8")).toContain(line(m, n));
    }
    expect(PY.save.length).toBeGreaterThan(150);
  });

  it("dumps of the globals python3 can import gives CPython's bytes at every protocol", () => {
    for (const [m, n, protocol, hex] of PY.dumped) {
      expect([m, n, protocol, Buffer.from(dumps(new Global(m, n), protocol as Protocol)).toString("hex")]).toEqual([m, n, protocol, hex]);
    }
    expect(new Set(PY.dumped.map(([m, n]) => `${m}.${n}`)).size).toBeGreaterThan(20);
  });
});
