/**
 * The bridge to python3 for the pickle tests: a tagged JSON form of Python
 * values (with ids for shared objects and cycles), its Python encoder and
 * decoder, and on the JS side the value it stands for and a structural
 * equality that knows tuples, bytearrays, frozensets, Maps, -0, NaN and cycles.
 */
import { Tuple, bytearray, frozenset, PyFloat } from "stdnet/pickle";

/** A Python value as tagged JSON. */
export type Tagged = null | boolean | string | { i: string } | { f: string } | { b: string; id?: number } | { ba: string; id: number } | { l: Tagged[]; id: number } | { t: Tagged[]; id?: number } | { d: [Tagged, Tagged][]; id: number } | { s: Tagged[]; id: number } | { fs: Tagged[]; id?: number } | { r: number };

/** Python source defining enc(v) → tagged JSON and dec(tagged) → value (strs interned, so equal strs are one object as in JS). */
export const PY_TAGGED = String.raw`
import json, struct, sys, pickle, base64
def enc(v, ids=None):
    if ids is None: ids = {}
    def go(v):
        if v is None or v is True or v is False: return v
        t = type(v)
        if t is int: return {"i": str(v)}
        if t is float: return {"f": struct.pack(">d", v).hex()}
        if t is str: return v
        if t is bytes: return {"b": v.hex()}
        if t is tuple: return {"t": [go(x) for x in v]}
        if t is frozenset: return {"fs": [go(x) for x in v]}
        if id(v) in ids: return {"r": ids[id(v)]}
        n = len(ids); ids[id(v)] = n
        if t is bytes: return {"b": v.hex(), "id": n}
        if t is bytearray: return {"ba": v.hex(), "id": n}
        if t is list: return {"l": [go(x) for x in v], "id": n}
        if t is tuple: return {"t": [go(x) for x in v], "id": n}
        if isinstance(v, dict): return {"d": [[go(k), go(x)] for k, x in v.items()], "id": n}
        if t is set: return {"s": [go(x) for x in v], "id": n}
        if t is frozenset: return {"fs": [go(x) for x in v], "id": n}
        raise TypeError(t)
    return go(v)
def dec(j):
    ids = {}
    def go(j):
        if j is None or j is True or j is False: return j
        # equal strs as one object; a one-char latin-1 str as CPython makes it at run time, its one cached
        # object (which interning need not give: an interned 'x' can be another object, loaded from a .pyc)
        if type(j) is str: return j if len(j) == 1 and ord(j) < 256 else sys.intern(j)
        if "i" in j: return int(j["i"])
        if "f" in j: return struct.unpack(">d", bytes.fromhex(j["f"]))[0]
        if "r" in j: return ids[j["r"]]
        n = j.get("id")
        if "b" in j: v = bytes.fromhex(j["b"])
        elif "ba" in j: v = bytearray.fromhex(j["ba"])
        elif "l" in j:
            v = []; ids[n] = v; v.extend(go(x) for x in j["l"]); return v
        elif "d" in j:
            v = {}; ids[n] = v
            for k, x in j["d"]: kk = go(k); v[kk] = go(x)
            return v
        elif "t" in j: v = tuple(go(x) for x in j["t"])
        elif "s" in j: v = set(go(x) for x in j["s"])
        elif "fs" in j: v = frozenset(go(x) for x in j["fs"])
        ids[n] = v
        return v
    return go(j)
def norm(j):
    # sets are unordered: sort their elements (they never hold ids of mutables)
    if isinstance(j, list): return [norm(x) for x in j]
    if isinstance(j, dict):
        out = {k: norm(x) for k, x in j.items()}
        for k in ("s", "fs"):
            if k in out: out[k] = sorted(out[k], key=lambda e: json.dumps(e, sort_keys=True))
        return out
    return j
`;

function hexBytes(hex: string): Uint8Array {
  return Uint8Array.from(Buffer.from(hex, "hex"));
}

/** The JS value that `loads` should give for a tagged Python value. */
export function expectedJs(tag: Tagged, dictAsMap = false): unknown {
  const ids = new Map<number, unknown>();
  const go = (j: Tagged): unknown => {
    if (j === null || typeof j === "boolean" || typeof j === "string") return j;
    if ("i" in j) {
      const b = BigInt(j.i);
      return b >= -BigInt(Number.MAX_SAFE_INTEGER) && b <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : b;
    }
    if ("f" in j) return new DataView(hexBytes(j.f).buffer).getFloat64(0, false);
    if ("r" in j) return ids.get(j.r);
    if ("b" in j) {
      const v = hexBytes(j.b);
      if (j.id !== undefined) ids.set(j.id, v);
      return v;
    }
    if ("ba" in j) {
      const src = hexBytes(j.ba);
      const v = new bytearray(src.length);
      v.set(src);
      ids.set(j.id, v);
      return v;
    }
    if ("l" in j) {
      const v: unknown[] = [];
      ids.set(j.id, v);
      for (const x of j.l) v.push(go(x));
      return v;
    }
    if ("t" in j) {
      const v = new Tuple<unknown>();
      if (j.id !== undefined) ids.set(j.id, v);
      for (const x of j.t) v.push(go(x));
      return v;
    }
    if ("d" in j) {
      const allStr = !dictAsMap && j.d.every(([k]) => typeof k === "string");
      if (allStr) {
        const o: Record<string, unknown> = {};
        ids.set(j.id, o);
        for (const [k, x] of j.d) Object.defineProperty(o, k as string, { value: go(x), enumerable: true, writable: true, configurable: true });
        return o;
      }
      const m = new Map<unknown, unknown>();
      ids.set(j.id, m);
      for (const [k, x] of j.d) {
        const kk = go(k);
        m.set(kk, go(x));
      }
      return m;
    }
    if ("s" in j) {
      const v = new Set(j.s.map(go));
      ids.set(j.id, v);
      return v;
    }
    const v = new frozenset(j.fs.map(go));
    if (j.id !== undefined) ids.set(j.id, v);
    return v;
  };
  return go(tag);
}

function hex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("hex");
}

function floatHex(x: number): string {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setFloat64(0, x, false);
  return hex(b);
}

/**
 * The tagged form of a JS value, as `dumps` maps it to Python (Python's dec()
 * rebuilds the value). With `immutableIds` false, only mutable objects get ids,
 * as Python's enc() gives them (for comparing).
 */
export function toTagged(v: unknown, immutableIds = true): Tagged {
  const ids = new Map<object, number>();
  const go = (x: unknown): Tagged => {
    if (x === null || x === undefined) return null;
    if (typeof x === "boolean" || typeof x === "string") return x;
    if (typeof x === "bigint") return { i: x.toString() };
    if (typeof x === "number") return Number.isSafeInteger(x) && !Object.is(x, -0) ? { i: String(x) } : { f: floatHex(x) };
    if (x instanceof PyFloat) return { f: floatHex(x.valueOf()) };
    if (typeof x !== "object") throw new TypeError(typeof x);
    if (!immutableIds) {
      if (x instanceof Uint8Array && !(x instanceof bytearray)) return { b: hex(x) };
      if (x instanceof Tuple) return { t: x.map(go) };
      if (x instanceof frozenset) return { fs: [...x].map(go) };
    }
    const seen = ids.get(x);
    if (seen !== undefined) return { r: seen };
    const id = ids.size;
    ids.set(x, id);
    if (x instanceof bytearray) return { ba: hex(x), id };
    if (x instanceof Uint8Array) return { b: hex(x), id };
    if (x instanceof Tuple) return { t: x.map(go), id };
    if (Array.isArray(x)) return { l: x.map(go), id };
    if (x instanceof Map) return { d: [...x].map(([k, y]) => [go(k), go(y)] as [Tagged, Tagged]), id };
    if (x instanceof frozenset) return { fs: [...x].map(go), id };
    if (x instanceof Set) return { s: [...x].map(go), id };
    return { d: Object.keys(x).map((k) => [k, go((x as Record<string, unknown>)[k])] as [Tagged, Tagged]), id };
  };
  return go(v);
}

function kind(v: unknown): string {
  if (v === null) return "null";
  if (typeof v !== "object") return typeof v;
  if (v instanceof Tuple) return "tuple";
  if (Array.isArray(v)) return "list";
  if (v instanceof bytearray) return "bytearray";
  if (v instanceof Uint8Array) return "bytes";
  if (v instanceof frozenset) return "frozenset";
  if (v instanceof Set) return "set";
  if (v instanceof Map) return "map";
  return Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null ? "object" : "other";
}

/** A key that is equal for equal hashable Python values (set elements, Map keys). */
function hashKey(v: unknown): string {
  const k = kind(v);
  if (k === "number") return Number.isNaN(v) ? "nan" : `n${Object.is(v, -0) ? "0" : String(v)}`;
  if (k === "bigint") return `n${String(v)}`;
  if (k === "string") return `s${JSON.stringify(v)}`;
  if (k === "boolean") return `n${v ? 1 : 0}`;
  if (k === "null") return "None";
  if (k === "bytes") return `b${hex(v as Uint8Array)}`;
  if (k === "tuple") return `t(${(v as unknown[]).map(hashKey).join(",")})`;
  if (k === "frozenset") return `f{${[...(v as Set<unknown>)].map(hashKey).sort().join(",")}}`;
  return `?${k}`;
}

/** Structural equality of Python-mapped JS values; returns "" when equal, else where they differ. */
export function pyDiff(a: unknown, b: unknown): string {
  const pairs = new Map<object, object>();
  const go = (x: unknown, y: unknown, path: string): string => {
    const kx = kind(x);
    const ky = kind(y);
    if (kx !== ky) return `${path}: ${kx} vs ${ky}`;
    if (kx === "number") return Object.is(x, y) || (x === y && x !== 0) ? "" : `${path}: ${String(x)} vs ${String(y)}`;
    if (typeof x !== "object" || x === null) return x === y ? "" : `${path}: ${String(x)} vs ${String(y)}`;
    const yo = y as object;
    // sharing is checked for mutable objects (Python may share equal immutables, e.g. ())
    if (kx === "list" || kx === "object" || kx === "map" || kx === "set" || kx === "bytearray") {
      const paired = pairs.get(x);
      if (paired !== undefined) return paired === yo ? "" : `${path}: sharing differs`;
      pairs.set(x, yo);
    }
    if (x instanceof Uint8Array) return hex(x) === hex(yo as Uint8Array) ? "" : `${path}: bytes ${hex(x).slice(0, 40)} vs ${hex(yo as Uint8Array).slice(0, 40)}`;
    if (Array.isArray(x)) {
      const ya = yo as unknown[];
      if (x.length !== ya.length) return `${path}: length ${x.length} vs ${ya.length}`;
      for (let i = 0; i < x.length; i++) {
        const d = go(x[i], ya[i], `${path}[${i}]`);
        if (d) return d;
      }
      return "";
    }
    if (x instanceof Set) {
      const ys = yo as Set<unknown>;
      const kx2 = [...x].map(hashKey).sort();
      const ky2 = [...ys].map(hashKey).sort();
      return JSON.stringify(kx2) === JSON.stringify(ky2) ? "" : `${path}: set ${kx2.join(" ").slice(0, 80)} vs ${ky2.join(" ").slice(0, 80)}`;
    }
    if (x instanceof Map) {
      const ym = yo as Map<unknown, unknown>;
      if (x.size !== ym.size) return `${path}: map size ${x.size} vs ${ym.size}`;
      const byKey = new Map<string, unknown>();
      for (const [k, v] of ym) byKey.set(hashKey(k), v);
      for (const [k, v] of x) {
        const hk = hashKey(k);
        if (!byKey.has(hk)) return `${path}: key ${hk} missing`;
        const d = go(v, byKey.get(hk), `${path}{${hk}}`);
        if (d) return d;
      }
      return "";
    }
    const xr = x as Record<string, unknown>;
    const yr = yo as Record<string, unknown>;
    const xk = Object.keys(xr).sort();
    const yk = Object.keys(yr).sort();
    if (JSON.stringify(xk) !== JSON.stringify(yk)) return `${path}: keys ${xk.join(",").slice(0, 80)} vs ${yk.join(",").slice(0, 80)}`;
    for (const k of xk) {
      if (!Object.hasOwn(yr, k)) return `${path}.${k}: not own`;
      const d = go(xr[k], yr[k], `${path}.${k}`);
      if (d) return d;
    }
    return "";
  };
  return go(a, b, "$");
}
