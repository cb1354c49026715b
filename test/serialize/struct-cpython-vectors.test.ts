/**
 * struct against CPython: python3 computes a broad vector set at test time
 * (every code under every prefix, boundary values, rounding floats, half-float
 * overflow, subnormals, NaN patterns, empty and odd formats, formats CPython
 * rejects, offsets, iteration) and ours must give the same bytes, the same
 * values and the same errors.
 */
import { describe, expect, it } from "vitest";
import { calcsize, error, iter_unpack, pack, pack_into, unpack, unpack_from } from "stdnet/struct";
import { pythonJson } from "../helpers/python.js";

type Enc = null | { i: string; big?: boolean } | { f: string } | { b: string } | { s: string } | { t: boolean } | { l: Enc[] };
type Outcome = { ok: unknown } | { err: string; type: string };
interface Case {
  op: "calcsize" | "pack" | "unpack" | "unpack_from" | "pack_into" | "iter_unpack";
  fmt: string;
  args?: Enc[];
  data?: string;
  offset?: number;
  size?: number;
  out: Outcome;
}

const ORACLE = String.raw`
import struct, json, random, math
rnd = random.Random(20261125)
PREFIXES = ["", "@", "=", "<", ">", "!"]
INT_CODES = "bBhHiIlLqQnNP"
FLOAT_CODES = "efd"
ALL_CODES = "xcbB?hHiIlLqQnNefdspP"

def enc(v, big=False):
    if isinstance(v, bool): return {"t": v}
    if isinstance(v, int): return {"i": str(v), "big": big}
    if isinstance(v, float): return {"f": repr(v)}
    if isinstance(v, (bytes, bytearray)): return {"b": bytes(v).hex()}
    if isinstance(v, str): return {"s": v}
    if v is None: return None
    if isinstance(v, (list, tuple)): return {"l": [enc(x) for x in v]}
    raise ValueError(v)

def value_codes(fmt):
    pre = fmt[0] if fmt[:1] in "@=<>!" and fmt else ""
    out, num = [], ""
    for ch in fmt[len(pre):]:
        if ch.isdigit(): num += ch; continue
        if ch.isspace(): continue
        n = int(num) if num else 1
        num = ""
        if ch in "sp": out.append(ch)
        elif ch != "x": out.extend(ch * n)
    return pre, out

def enc_result(fmt, values):
    pre, codes = value_codes(fmt)
    return [enc(v, c in INT_CODES and struct.calcsize(pre + c) == 8) for v, c in zip(values, codes)]

def outcome(fn):
    try: return {"ok": fn()}
    except Exception as e: return {"err": str(e), "type": type(e).__name__}

cases = []
def c_calcsize(fmt): cases.append({"op": "calcsize", "fmt": fmt, "out": outcome(lambda: struct.calcsize(fmt))})
def c_pack(fmt, *args): cases.append({"op": "pack", "fmt": fmt, "args": [enc(a) for a in args], "out": outcome(lambda: struct.pack(fmt, *args).hex())})
def c_unpack(fmt, data): cases.append({"op": "unpack", "fmt": fmt, "data": data.hex(), "out": outcome(lambda: enc_result(fmt, struct.unpack(fmt, data)))})
def c_unpack_from(fmt, data, off): cases.append({"op": "unpack_from", "fmt": fmt, "data": data.hex(), "offset": off, "out": outcome(lambda: enc_result(fmt, struct.unpack_from(fmt, data, off)))})
def c_iter(fmt, data): cases.append({"op": "iter_unpack", "fmt": fmt, "data": data.hex(), "out": outcome(lambda: [enc_result(fmt, t) for t in struct.iter_unpack(fmt, data)])})
def c_pack_into(fmt, size, off, *args):
    def go():
        buf = bytearray(b"\xaa" * size)
        struct.pack_into(fmt, buf, off, *args)
        return buf.hex()
    cases.append({"op": "pack_into", "fmt": fmt, "size": size, "offset": off, "args": [enc(a) for a in args], "out": outcome(go)})

# Formats: every code under every prefix with counts, alignment, whitespace, odd and rejected ones.
for p in PREFIXES:
    for c in ALL_CODES:
        for n in ["", "0", "1", "2", "3", "7", "10"]:
            c_calcsize(p + n + c)
    for combo in ["ci", "cq", "hd", "bhiq", "c0i", "ic", "xxi", "3si", "?e", "b7xq", "hbi", "cP", "cn", "eq", "c 2h", "i\ti", " i", "i ", "  ", "\x0bi\x0c", "dc", "5p2H"]:
        c_calcsize(p + combo)
for bad in ["z", "<>i", "i<", " <i", "4 i", "4", "3", "", "@", "1x2", "<n", ">N", "!P", "=n", "i\x00", "é", "ii\u2028", "9223372036854775808x", "4611686018427387904h",
            "2147483648i", "0x", "00i", "99999999999999999999i", "-1i", "+i", "i#", "Z", "\n", "<", "!!"]:
    c_calcsize(bad)

# Integer boundaries under every prefix.
special = [0, -1, 1, 2**63 - 1, 2**63, -2**63, -2**63 - 1, 2**64 - 1, 2**64, 2**100, -2**100, 1.5, -0.5, float("nan"), float("inf"), "x", None, True, False, b"x"]
for p in PREFIXES:
    for c in INT_CODES:
        try: size = struct.calcsize(p + c)
        except struct.error: continue
        bits = size * 8
        lo, hi = (-2**(bits - 1), 2**(bits - 1) - 1) if c.islower() else (0, 2**bits - 1)
        for v in [lo, hi, lo - 1, hi + 1, lo + 1, hi - 1, 2**31, -2**31 - 1, 2**32, 255, 256, -129, 65535, 65536, -32769] + special:
            c_pack(p + c, v)
        for _ in range(6):
            c_unpack(p + c, bytes(rnd.randrange(256) for _ in range(size)))
        c_unpack(p + c, b"\xff" * size)
        c_unpack(p + c, b"\x80" + b"\x00" * (size - 1))
        c_unpack(p + c, b"\x00" * (size - 1) + b"\x80")

# Floats: rounding, overflow, subnormals, specials, ints.
floats = [0.0, -0.0, 1.0, -1.0, 1/3, 0.1, 65504.0, 65519.99, 65520.0, -65520.0, 65519.999999, 1e-8, 2**-24, 2**-25, 2**-26, 3 * 2**-26, 2**-25 + 2**-40, 5.960464477539063e-08,
          6.1e-05, 6.097555160522461e-05, 1 + 2**-11, 1 + 3 * 2**-11, 1 + 2**-10 + 2**-11, 2049.0, 2051.0, 3.4028234663852886e38, 3.4028235677973366e38, 3.4028235677973362e38,
          -3.4028235677973366e38, 1e39, 1e300, -1e300, 1.7976931348623157e308, 5e-324, 1e-45, 1.4e-45, 7e-46, 7.006492321624086e-46, 1.401298464324817e-45, 1.1754943508222875e-38,
          1.1754942106924411e-38, float("inf"), float("-inf"), float("nan"), 2**24 + 1.0, 16777217.0, 0.30000000000000004, 123456.789]
floats += [rnd.uniform(-1e6, 1e6) for _ in range(20)] + [rnd.uniform(-70000, 70000) for _ in range(20)] + [math.ldexp(rnd.random(), rnd.randrange(-160, 160)) for _ in range(30)]
for p in PREFIXES:
    for c in FLOAT_CODES:
        for v in floats + [0, 1, -7, 2**53 + 1, 2**128, -2**128, 2**1023, 2**1024, 10**400, 65520, 65519, True, "x", None, b"x"]:
            c_pack(p + c, v)
        size = struct.calcsize(p + c)
        for _ in range(8):
            c_unpack(p + c, bytes(rnd.randrange(256) for _ in range(size)))
for pat in ["7c00", "fc00", "7e00", "7d00", "fe01", "0001", "8001", "03ff", "0400", "7bff", "fbff", "3c00", "0000", "8000"]:
    c_unpack(">e", bytes.fromhex(pat))
for pat in ["7f800000", "ff800000", "7fc00000", "7f800001", "00000001", "80000001", "007fffff", "7f7fffff"]:
    c_unpack(">f", bytes.fromhex(pat))
for pat in ["7ff0000000000000", "fff0000000000000", "7ff8000000000000", "7ff0000000000001", "7ff4000000000000", "fff8000000000001", "0000000000000001", "000fffffffffffff", "7fefffffffffffff"]:
    c_unpack(">d", bytes.fromhex(pat))
    c_unpack("<d", bytes.fromhex(pat)[::-1])

# Bytes codes.
for p in ["", "<", ">"]:
    for v in [b"", b"a", b"ab", "a", None, 1, [1]]:
        c_pack(p + "c", v)
    for n in ["", "0", "1", "3", "8", "20"]:
        for v in [b"", b"abc", b"abcdefgh", bytes(range(30)), "abc", 5, None]:
            c_pack(p + n + "s", v)
            c_pack(p + n + "p", v)
    for n in [255, 256, 257, 300]:
        for L in [0, 10, 254, 255, 256, 299, 300, 400]:
            c_pack(p + str(n) + "p", b"q" * L)
    for data in [b"\x00abc", b"\x03abc", b"\x04abc", b"\x09abc", b"\xffabc"]:
        c_unpack(p + "4p", data)
    c_unpack(p + "1p", b"\x05")
    c_unpack(p + "0p", b"")
    c_unpack(p + "0s", b"")
    c_unpack(p + "3s", b"abc")
    c_unpack(p + "c", b"\x00")

# Truth for '?'.
for p in ["", "<", ">"]:
    for v in [0, 1, 2, -1, 0.0, -0.0, 0.5, float("nan"), "", "a", None, b"", b"a", [], [0], True, False, 2**70]:
        c_pack(p + "?", v)
    for b in range(0, 256, 17):
        c_unpack(p + "?", bytes([b]))

# Whole records, alignment, value counts and buffer sizes.
records = [("@bhiqcd?e", [1, -2, 3, -4, b"z", 0.25, True, 1.5]), ("@c0i", [b"a"]), ("@ci", [b"a", 9]), ("@hq", [-1, 2**62]), ("@?P", [False, 2**64 - 1]), ("@fx", [1.5]),
           ("<iIqd8s?", [-1, 7, 2**40, 0.5, b"name", True]), (">iIqd8s?", [-1, 7, -2**40, -0.5, b"namenamename", False]), ("=lL", [-5, 5]), ("@lLnN", [-5, 5, -6, 6]),
           ("!3h2x4s", [1, 2, 3, b"ab"]), ("2x", []), ("", []), ("10i", list(range(10))), ("<20q", list(range(-10, 10))), (">12e", [0.5 * i for i in range(12)]),
           ("<3?", [1, 0, 2]), ("@ 2 h", None), ("@bq", [1, 2]), ("@qb", [1, 2]), ("@bd", [1, 0.5]), ("@ie", [1, 0.5]), ("@b5s", [1, b"hi"]), ("@h3P", [1, 2, 3, 4])]
for fmt, vals in records:
    if vals is None:
        c_calcsize(fmt); continue
    c_pack(fmt, *vals)
    try:
        data = struct.pack(fmt, *vals)
        c_unpack(fmt, data)
        c_unpack(fmt, data + b"\x00")
        c_unpack(fmt, data[:-1])
    except struct.error:
        pass
for fmt, args in [("ii", [1]), ("ii", [1, 2, 3]), ("3x", [1]), ("", [1]), ("s", []), ("0s", [b""]), ("2s3p", [b"a", b"b"])]:
    c_pack(fmt, *args)

# unpack_from, pack_into and iter_unpack with offsets.
data = bytes(range(1, 17))
for fmt in ["<i", ">h", "<q", "4s", "", "@ci"]:
    for off in [0, 1, 3, 12, 13, 15, 16, 17, 40, -1, -4, -5, -16, -17, -30]:
        c_unpack_from(fmt, data, off)
for fmt, args in [("<i", [258]), (">h", [-2]), ("<q", [2**40]), ("4s", [b"ab"]), ("", []), ("<h", [70000]), ("<hh", [1, 70000]), ("<i", ["x"])]:
    for off in [0, 1, 4, 6, 7, 8, 9, -1, -4, -5, -8, -9, -20]:
        c_pack_into(fmt, 8, off, *args)
for fmt in ["<h", "<hhl", ">i", "", "3s", "@ci"]:
    for n in [0, 1, 2, 3, 8, 16, 24]:
        c_iter(fmt, bytes(rnd.randrange(256) for _ in range(n)))
print(json.dumps(cases))
`;

function hex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("hex");
}

function floatOf(r: string): number {
  if (r === "inf") return Infinity;
  if (r === "-inf") return -Infinity;
  if (r === "nan") return NaN;
  return Number(r);
}

// A Python value as the JavaScript value a user would pass; `intsAsNumbers`
// passes Python ints as numbers where exact (otherwise as bigints).
function decode(e: Enc, intsAsNumbers: boolean): unknown {
  if (e === null) return null;
  if ("i" in e) {
    const n = BigInt(e.i);
    return intsAsNumbers && n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n;
  }
  if ("f" in e) return floatOf(e.f);
  if ("b" in e) return Uint8Array.from(Buffer.from(e.b, "hex"));
  if ("s" in e) return e.s;
  if ("t" in e) return e.t;
  return e.l.map((x) => decode(x, intsAsNumbers));
}

// Why `ours` differs from the Python value `e`, or undefined if it does not.
function valueMismatch(ours: unknown, e: Enc): string | undefined {
  if (e === null) return ours === null ? undefined : "expected None";
  if ("i" in e) {
    const wanted = e.big === true ? "bigint" : "number";
    if (typeof ours !== wanted) return `expected a ${wanted}, got ${typeof ours}`;
    return String(ours) === e.i ? undefined : `expected ${e.i}, got ${String(ours)}`;
  }
  if ("f" in e) return typeof ours === "number" && Object.is(ours, floatOf(e.f)) ? undefined : `expected ${e.f}, got ${String(ours)}`;
  if ("b" in e) return ours instanceof Uint8Array && hex(ours) === e.b ? undefined : `expected bytes ${e.b}, got ${String(ours)}`;
  if ("t" in e) return ours === e.t ? undefined : `expected ${e.t}, got ${String(ours)}`;
  if ("s" in e) return ours === e.s ? undefined : `expected ${e.s}`;
  if (!Array.isArray(ours) || ours.length !== e.l.length) return `expected ${e.l.length} items`;
  for (let i = 0; i < e.l.length; i++) {
    const m = valueMismatch(ours[i], e.l[i]!);
    if (m !== undefined) return `item ${i}: ${m}`;
  }
  return undefined;
}

// Python's classes that are not struct.error: ours raises struct.error with the
// same text (OverflowError) or a text that says the same (the others).
const SAME_TEXT = new Set(["error", "OverflowError"]);

function run(c: Case, intsAsNumbers: boolean): unknown {
  const args = (c.args ?? []).map((a) => decode(a, intsAsNumbers));
  const data = c.data === undefined ? new Uint8Array(0) : Uint8Array.from(Buffer.from(c.data, "hex"));
  switch (c.op) {
    case "calcsize":
      return calcsize(c.fmt);
    case "pack":
      return hex(pack(c.fmt, ...args));
    case "unpack":
      return unpack(c.fmt, data);
    case "unpack_from":
      return unpack_from(c.fmt, data, c.offset);
    case "iter_unpack":
      return [...iter_unpack(c.fmt, data)];
    case "pack_into": {
      const buf = new Uint8Array(c.size ?? 0).fill(0xaa);
      try {
        pack_into(c.fmt, buf, c.offset ?? 0, ...args);
      } catch (e) {
        if (!buf.every((x) => x === 0xaa)) throw new Error(`pack_into wrote into the buffer and then failed: ${String(e)}`);
        throw e;
      }
      return hex(buf);
    }
  }
}

function mismatch(c: Case, intsAsNumbers: boolean): string | undefined {
  let ours: unknown;
  try {
    ours = run(c, intsAsNumbers);
  } catch (e) {
    if (!(e instanceof error)) return `threw ${String(e)}`;
    if (!("err" in c.out)) return `raised "${e.message}", CPython gave ${JSON.stringify(c.out.ok)}`;
    if (SAME_TEXT.has(c.out.type) && e.message !== c.out.err) return `message "${e.message}", CPython "${c.out.err}"`;
    return undefined;
  }
  if ("err" in c.out) return `gave ${JSON.stringify(ours, (_k, v: unknown) => (typeof v === "bigint" ? `${v}n` : v))}, CPython raised ${c.out.type}: ${c.out.err}`;
  if (c.op === "calcsize" || c.op === "pack" || c.op === "pack_into") return ours === c.out.ok ? undefined : `bytes ${String(ours)}, CPython ${String(c.out.ok)}`;
  if (c.op === "iter_unpack") {
    const records = c.out.ok as Enc[][];
    return valueMismatch(ours, { l: records.map((r) => ({ l: r })) });
  }
  return valueMismatch(ours, { l: c.out.ok as Enc[] });
}

const cases = pythonJson<Case[]>(ORACLE);

function failures(op: Case["op"], intsAsNumbers = false): string[] {
  const out: string[] = [];
  for (const c of cases) {
    if (c.op !== op) continue;
    const m = mismatch(c, intsAsNumbers);
    if (m !== undefined) out.push(`${c.op}(${JSON.stringify(c.fmt)}, ${JSON.stringify(c.args ?? c.data)}${c.offset === undefined ? "" : `, ${c.offset}`}): ${m}`);
  }
  return out;
}

describe("struct matches CPython", () => {
  it("the vector set is broad", () => {
    expect(cases.length).toBeGreaterThan(5000);
  });

  it("calcsize() accepts and sizes the formats CPython accepts, and rejects the rest with its messages", () => {
    expect(failures("calcsize")).toEqual([]);
  });

  it("pack() gives CPython's bytes and errors, with ints passed as bigints", () => {
    expect(failures("pack")).toEqual([]);
  });

  it("pack() gives CPython's bytes and errors, with ints passed as numbers", () => {
    const out: string[] = [];
    for (const c of cases) {
      if (c.op !== "pack" || /[efd]/.test(c.fmt)) continue;
      const m = mismatch(c, true);
      if (m !== undefined) out.push(`pack(${JSON.stringify(c.fmt)}, ${JSON.stringify(c.args)}): ${m}`);
    }
    expect(out).toEqual([]);
  });

  it("unpack() gives CPython's values, numbers for up to 4 bytes and bigints for 8", () => {
    expect(failures("unpack")).toEqual([]);
  });

  it("unpack_from() honours offsets, negative ones included, as CPython", () => {
    expect(failures("unpack_from")).toEqual([]);
  });

  it("pack_into() writes what CPython writes and nothing when it fails", () => {
    expect(failures("pack_into")).toEqual([]);
    expect(failures("pack_into", true)).toEqual([]);
  });

  it("iter_unpack() yields CPython's records and refuses what CPython refuses", () => {
    expect(failures("iter_unpack")).toEqual([]);
  });
});
