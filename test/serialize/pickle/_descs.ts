/**
 * Values described for both sides of a dumps() comparison: our `build` makes
 * the JS value of a description, `PY_BUILD` (Python source defining `iv` and
 * `build(d, made)`) makes CPython's, with equal strs made one object (our str
 * memo is by value). A `ref` is a list, dict, Map, bytes or bytearray made
 * earlier in the same value (None when there is none yet).
 */
import { bytearray, float, tuple } from "stdnet/pickle";

/** A value's description, for both sides: `ref` is a value described earlier in the same sample. */
export type Desc =
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

/** The IEEE 754 double of `x`, big-endian, as hex (how a float is described). */
export const hexOf = (x: number): string => {
  const b = Buffer.alloc(8);
  b.writeDoubleBE(x);
  return b.toString("hex");
};

/** Our value for a description; `made` holds the lists, dicts, Maps, bytes and bytearrays made so far, for refs. */
export function build(d: Desc, made: object[]): unknown {
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

/** Python source: `iv` and `build(d, made)`, CPython's value for a description. */
export const PY_BUILD = String.raw`
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
`;
