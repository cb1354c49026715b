/**
 * Properties against python3, in batches: fast-check draws random formats
 * (every prefix, every code, repeat counts, whitespace) with values in range;
 * we pack them and python3 must pack the same bytes and unpack our bytes to
 * what we unpack; random bytes of each record's size must unpack to the same
 * values on both sides. One python process checks a whole batch.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { pack, unpack } from "stdnet/struct";
import { runPython } from "../helpers/python.js";

type Enc = { i: string } | { f: string } | { b: string } | { t: boolean };

interface Sample {
  format: string;
  values: unknown[];
  random: Uint8Array;
}

const PREFIXES = ["", "@", "=", "<", ">", "!"] as const;
const STANDARD_CODES = "xcbB?hHiIlLqQefdsp";
const NATIVE_CODES = `${STANDARD_CODES}nNP`;

function intBounds(code: string, size: number): [bigint, bigint] {
  const bits = BigInt(size * 8);
  return code === code.toLowerCase() ? [-(1n << (bits - 1n)), (1n << (bits - 1n)) - 1n] : [0n, (1n << bits) - 1n];
}

const INT_SIZES: Readonly<Record<string, number>> = { b: 1, B: 1, h: 2, H: 2, i: 4, I: 4, q: 8, Q: 8, n: 8, N: 8, P: 8 };

function intSize(code: string, native: boolean): number {
  if (code === "l" || code === "L") return native ? 8 : 4;
  return INT_SIZES[code]!;
}

// One value for a code, in range, as a user would pass it.
function valueArb(code: string, native: boolean, count: number): fc.Arbitrary<unknown> {
  switch (code) {
    case "?": return fc.oneof(fc.boolean(), fc.integer(), fc.constantFrom("", "x", null));
    case "c": return fc.uint8Array({ minLength: 1, maxLength: 1 });
    case "s": case "p": return fc.uint8Array({ maxLength: count + 3 });
    case "e": return fc.oneof(fc.double({ min: -65504, max: 65504 }), fc.constantFrom(NaN, Infinity, -Infinity, -0, 2 ** -24, 2 ** -25, 65519.99));
    case "f": return fc.oneof(fc.float().map((x) => x), fc.double({ min: -3.4e38, max: 3.4e38 }));
    case "d": return fc.double();
    default: {
      const size = intSize(code, native);
      const [lo, hi] = intBounds(code, size);
      if (size <= 4) return fc.integer({ min: Number(lo), max: Number(hi) });
      if (code === "P") return fc.oneof(fc.bigInt(0n, hi), fc.bigInt(-(1n << 63n), -1n));
      return fc.oneof(fc.bigInt(lo, hi), fc.integer({ min: Math.max(Number(lo), -(2 ** 53) + 1), max: 2 ** 53 - 1 }));
    }
  }
}

interface Item {
  code: string;
  count: number;
  omitOne: boolean;
  space: string;
}

const sampleArb: fc.Arbitrary<{ format: string; values: unknown[]; random: Uint8Array }> = fc
  .constantFrom(...PREFIXES)
  .chain((prefix) => {
    const native = prefix === "" || prefix === "@";
    const codes = (native ? NATIVE_CODES : STANDARD_CODES).split("");
    const item = fc.record<Item>({
      code: fc.constantFrom(...codes),
      count: fc.oneof(fc.constant(1), fc.integer({ min: 0, max: 12 })),
      omitOne: fc.boolean(),
      space: fc.constantFrom("", "", " ", "\t", "\n "),
    });
    // '0p' cannot be unpacked (CPython raises SystemError), so p has a size of at least 1.
    const items = fc.array(item.map((it) => (it.code === "p" && it.count === 0 ? { ...it, count: 1 } : it)), { maxLength: 7 });
    return items.chain((items) => {
      const format = prefix + items.map((it) => `${it.count === 1 && it.omitOne ? "" : it.count}${it.code}${it.space}`).join("");
      const arbs: fc.Arbitrary<unknown>[] = [];
      for (const it of items) {
        if (it.code === "x") continue;
        if (it.code === "s" || it.code === "p") arbs.push(valueArb(it.code, native, it.count));
        else for (let k = 0; k < it.count; k++) arbs.push(valueArb(it.code, native, 1));
      }
      return fc.record({ format: fc.constant(format), values: fc.tuple(...arbs), random: fc.uint8Array({ minLength: 512, maxLength: 512 }) });
    });
  });

function enc(v: unknown): unknown {
  if (typeof v === "bigint") return { i: v.toString() };
  if (typeof v === "number") {
    if (Object.is(v, -0)) return { f: "-0.0" };
    return Number.isInteger(v) ? { n: String(v) } : { f: Number.isNaN(v) ? "nan" : v === Infinity ? "inf" : v === -Infinity ? "-inf" : String(v) };
  }
  if (typeof v === "boolean") return { t: v };
  if (v instanceof Uint8Array) return { b: Buffer.from(v).toString("hex") };
  if (typeof v === "string") return { s: v };
  return null;
}

function hex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("hex");
}

// python3 receives the batch on stdin; an integral JS number goes to a float
// code as a float and to an integer code as an int, as our pack reads it.
const CHECKER = String.raw`
import json, struct, sys
def dec(e, code):
    if e is None: return None
    if "i" in e: return int(e["i"])
    if "n" in e: return float(e["n"]) if code in "efd" else int(e["n"])
    if "f" in e: return float(e["f"])
    if "t" in e: return e["t"]
    if "b" in e: return bytes.fromhex(e["b"])
    if "s" in e: return e["s"]
def codes(fmt):
    pre = fmt[0] if fmt and fmt[0] in "@=<>!" else ""
    out, num = [], ""
    for ch in fmt[len(pre):]:
        if ch.isdigit(): num += ch; continue
        if ch.isspace(): continue
        n = int(num) if num else 1
        num = ""
        if ch in "sp": out.append(ch)
        elif ch != "x": out.extend(ch * n)
    return out
def enc(v):
    if isinstance(v, bool): return {"t": v}
    if isinstance(v, int): return {"i": str(v)}
    if isinstance(v, float): return {"f": repr(v)}
    return {"b": v.hex()}
out = []
for s in json.load(sys.stdin):
    fmt = s["format"]
    args = [dec(e, c) for e, c in zip(s["values"], codes(fmt))]
    try: packed = struct.pack(fmt, *args).hex()
    except Exception as e: packed = "error: %s" % e
    theirs = [enc(v) for v in struct.unpack(fmt, bytes.fromhex(s["ours"]))]
    rnd = [enc(v) for v in struct.unpack(fmt, bytes.fromhex(s["random"]))]
    out.append({"packed": packed, "unpacked": theirs, "random": rnd})
print(json.dumps(out))
`;

function same(ours: unknown, e: Enc): boolean {
  if ("i" in e) return (typeof ours === "number" || typeof ours === "bigint") && String(ours) === e.i;
  if ("f" in e) {
    const x = e.f === "nan" ? NaN : e.f === "inf" ? Infinity : e.f === "-inf" ? -Infinity : Number(e.f);
    return Object.is(ours, x);
  }
  if ("t" in e) return ours === e.t;
  return ours instanceof Uint8Array && hex(ours) === e.b;
}

function sameAll(ours: unknown[], theirs: Enc[]): boolean {
  return ours.length === theirs.length && ours.every((v, i) => same(v, theirs[i]!));
}

describe("struct against python3 on random formats", () => {
  it("packs what python3 packs, and both unpack each other's bytes and random bytes alike", async () => {
    const seed = Date.now() % 2 ** 31;
    const samples: Sample[] = fc.sample(sampleArb, { numRuns: 800, seed });
    const batch = samples.map((s) => {
      const ours = pack(s.format, ...s.values);
      return { format: s.format, values: s.values.map(enc), ours: hex(ours), random: hex(s.random.subarray(0, ours.length)) };
    });
    const results = JSON.parse((await runPython(CHECKER, [], JSON.stringify(batch))).toString()) as { packed: string; unpacked: Enc[]; random: Enc[] }[];
    const failures: string[] = [];
    results.forEach((r, i) => {
      const b = batch[i]!;
      const show = `seed ${seed}, format ${JSON.stringify(b.format)}, values ${JSON.stringify(b.values)}`;
      if (r.packed !== b.ours) failures.push(`${show}: we packed ${b.ours}, python3 ${r.packed}`);
      const ours = unpack(b.format, Buffer.from(b.ours, "hex"));
      if (!sameAll(ours, r.unpacked)) failures.push(`${show}: we unpacked our bytes differently from python3`);
      const random = unpack(b.format, Buffer.from(b.random, "hex"));
      if (!sameAll(random, r.random)) failures.push(`${show}: we unpacked ${b.random} differently from python3`);
    });
    expect(failures.slice(0, 10)).toEqual([]);
    expect(results.length).toBe(samples.length);
  });
});
