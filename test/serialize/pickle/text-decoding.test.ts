/**
 * Text in a pickle decoded as CPython decodes it: Python 2 str under each
 * `encoding` and `errors` a user may pass to loads(), str opcodes (UTF-8
 * with 'surrogatepass') over every short byte string, and the escapes of
 * protocol 0 — the same text, or an UnpicklingError with CPython's message.
 */
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { load, loads, Unpickler, UnpicklingError } from "stdnet/pickle";
import { ValueError } from "stdnet/socket";
import { pythonJson } from "../../helpers/python.js";
import { seedFrom, seededRandom } from "../../helpers/seeded.js";

/** A decoded str, or the message of CPython's exception. */
type Outcome = string | { error: string };

function ours(pickle: Uint8Array, options: { encoding?: string; errors?: string } = {}): Outcome {
  try {
    const v = loads(pickle, options);
    return typeof v === "string" ? v : { error: `not a str: ${String(v)}` };
  } catch (e) {
    if (!(e instanceof UnpicklingError)) throw e;
    return { error: e.message };
  }
}

/** A SHORT_BINSTRING (Python 2 str) pickle of `b`, or a BINUNICODE (str) one. */
const py2Str = (b: Uint8Array): Uint8Array => Uint8Array.of(0x55, b.length, ...b, 0x2e);
const binUnicode = (b: Uint8Array): Uint8Array => Uint8Array.of(0x58, b.length, 0, 0, 0, ...b, 0x2e);

/** Python that defines outcome(p): what pickle.loads(p) returns, or {"error": its message}. */
const OUTCOME_PY = `
import json, pickle, sys
def outcome(p):
    try:
        return pickle.loads(p)
    except Exception as e:
        return {"error": str(e)}
`;

const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");

/** Where the bytes of UTF-8 change meaning: ASCII, the continuation ranges' edges, and lead bytes of each length. */
const EDGES = [0x00, 0x41, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff];

/** Every string of one and two bytes; three and four bytes led by E0-EF and F0-F7 followed by EDGES bytes. */
function shortByteStrings(): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let a = 0; a < 256; a++) out.push(Uint8Array.of(a));
  for (let a = 0x80; a < 256; a++) for (let b = 0; b < 256; b++) out.push(Uint8Array.of(a, b));
  for (let a = 0xe0; a < 0xf0; a++) for (const b of EDGES) for (const c of EDGES) out.push(Uint8Array.of(a, b, c), Uint8Array.of(0x61, a, b, c, 0x62));
  for (let a = 0xf0; a < 0xf8; a++) for (const b of EDGES) for (const c of EDGES) for (const d of EDGES) out.push(Uint8Array.of(a, b, c, d));
  return out;
}

const HANDLERS = ["strict", "ignore", "replace", "backslashreplace", "surrogateescape", "surrogatepass", "xmlcharrefreplace", "no-such-handler"];

describe("loads() decodes text as CPython does", () => {
  it("Python 2 str under each encoding and errors: CPython's str, bytes, or error text", () => {
    const samples = ["", "abc", "80", "caf\xc3\xa9", "c3", "eda080", "61ff62fe", "f09f9880", "f09f98", "e282", "c0af", "f4908080", "780079", "e282ac807a", "edb080eda080", "5c78"].map((s) =>
      /^[0-9a-f]*$/.test(s) && s.length % 2 === 0 ? Buffer.from(s, "hex") : Buffer.from(s, "latin1"),
    );
    const encodings = ["ASCII", "ascii", "US-ASCII", "latin1", "ISO-8859-1", "utf-8", "UTF8", "u8", "bytes", "koi8-r"];
    const cases = samples.flatMap((b) => encodings.flatMap((encoding) => HANDLERS.map((errors) => ({ bytes: hex(b), encoding, errors }))));
    const expected = pythonJson<({ text: string } | { bytes: string } | { error: string })[]>(
      String.raw`
import json, pickle, sys
out = []
for c in json.loads(sys.stdin.read()):
    b = bytes.fromhex(c["bytes"])
    try:
        v = pickle.loads(b"U" + bytes([len(b)]) + b + b".", encoding=c["encoding"], errors=c["errors"])
        out.append({"bytes": v.hex()} if isinstance(v, bytes) else {"text": v})
    except Exception as e:
        out.append({"error": str(e)})
print(json.dumps(out))
`,
      JSON.stringify(cases),
    );
    let koi8 = 0;
    cases.forEach((c, i) => {
      const want = expected[i]!;
      const pickle = py2Str(Buffer.from(c.bytes, "hex"));
      if (c.encoding === "koi8-r") {
        // a codec stdnet does not have: refused, naming the encodings it reads
        expect(ours(pickle, c)).toEqual({ error: "unknown encoding: koi8-r (stdnet reads Python 2 str as 'ASCII', 'latin1', 'utf-8' or 'bytes')" });
        koi8++;
        return;
      }
      if ("bytes" in want) {
        expect(hex(loads(pickle, c) as Uint8Array), JSON.stringify(c)).toBe(want.bytes);
        return;
      }
      expect(ours(pickle, c), JSON.stringify(c)).toEqual("text" in want ? want.text : want);
    });
    expect(koi8).toBe(samples.length * HANDLERS.length);
  });

  it("encoding names are looked up as CPython's codec registry: in _codecs.encode (how protocols 0-2 write bytes) and as loads()' encoding", () => {
    // punctuation, case, dots (retried as '_' among the aliases only), non-ASCII letters, NUL
    const names = ["latin.1", "iso8859.1", "ISO8859.1", "utf.8", "u.8", "utf8.", ".ascii", "iso_646.irv_1991", "ISO_646.IRV.1991", "ansi.x3.4.1968", "ANSI_X3.4-1968", "iso8859..1"];
    names.push("LATIN 1", "Latin\t1", "latin--1", "_latin1_", "lat\u00e9in1", "\u00e9ascii", "ascii\u00b2", "\u0130so8859_1", "us", "U.S", "cp65001", "utf8\0", "latin1\0", "", "-");
    const expected = pythonJson<{ pickle: string; encoded: { hex: string } | { error: string }; decoded: { text: string } | { error: string } }[]>(
      String.raw`
import _codecs, json, pickle, sys
class Encoded:
    def __init__(self, name): self.name = name
    def __reduce__(self): return (_codecs.encode, ("ab", self.name))
def outcome(f, ok):
    try:
        return ok(f())
    except Exception as e:
        return {"error": str(e)}
out = []
for name in json.loads(sys.stdin.read()):
    p = pickle.dumps(Encoded(name), 2)
    out.append({"pickle": p.hex(), "encoded": outcome(lambda: pickle.loads(p), lambda v: {"hex": v.hex()}),
                "decoded": outcome(lambda: pickle.loads(b"U\x02ab.", encoding=name), lambda v: {"text": v})})
print(json.dumps(out))
`,
      JSON.stringify(names),
    );
    let found = 0;
    names.forEach((name, i) => {
      const want = expected[i]!;
      const where = JSON.stringify(name);
      let encoded: { hex: string } | { error: string };
      try {
        encoded = { hex: hex(loads(Buffer.from(want.pickle, "hex")) as Uint8Array) };
      } catch (e) {
        expect(e, where).toBeInstanceOf(UnpicklingError);
        encoded = { error: (e as Error).message };
      }
      expect(encoded, where).toEqual(want.encoded);
      if ("text" in want.decoded) {
        found++;
        expect(ours(py2Str(Buffer.from("ab")), { encoding: name }), where).toBe(want.decoded.text);
      } else if (name.includes("\0")) expect(() => loads(py2Str(Buffer.from("ab")), { encoding: name }), where).toThrow(new ValueError(want.decoded.error));
      // ours names the encodings it reads after CPython's text
      else expect(ours(py2Str(Buffer.from("ab")), { encoding: name }), where).toEqual({ error: `${want.decoded.error} (stdnet reads Python 2 str as 'ASCII', 'latin1', 'utf-8' or 'bytes')` });
    });
    expect(found).toBeGreaterThan(5);
  });

  it("_codecs.encode, bytes() and bytearray() in a pickle apply their errors handler as CPython's: the same bytes, or its error text", () => {
    const short = ["ab", "caf\u00e9", "\udcff\udc80x", "a\ud800b", "\u20ac\u{1f600}", "\u00e9\udcff"];
    // from 64 characters a str is encoded natively once nothing in it is refused: the same bytes, and the same errors where it is
    const long = ["x".repeat(64), "caf\u00e9".repeat(40), `${"\u00ff".repeat(70)}\u0100`, `\u20ac${"a".repeat(80)}`, `${"b".repeat(5000)}\udcff`, "\u00e9".repeat(6000)];
    const strs = [...short, ...long];
    const names = ["latin1", "ascii", "utf-8", "u8", "646"];
    const handlers = ["strict", "ignore", "replace", "backslashreplace", "xmlcharrefreplace", "surrogateescape", "surrogatepass", "bogus"];
    const cases = strs.flatMap((s) => names.flatMap((name) => handlers.flatMap((errors) => ["_codecs.encode", "builtins.bytes", "builtins.bytearray"].map((f) => ({ s, name, errors, f })))));
    const expected = pythonJson<{ pickle: string; outcome: { hex: string } | { error: string } }[]>(
      String.raw`
import _codecs, builtins, json, pickle, sys
class Call:
    def __init__(self, f, args): self.f, self.args = f, args
    def __reduce__(self): return (self.f, self.args)
out = []
for c in json.loads(sys.stdin.read()):
    module, name = c["f"].split(".")
    f = getattr(_codecs if module == "_codecs" else builtins, name)
    p = pickle.dumps(Call(f, (c["s"], c["name"], c["errors"])), 2)
    try:
        out.append({"pickle": p.hex(), "outcome": {"hex": bytes(pickle.loads(p)).hex()}})
    except Exception as e:
        out.append({"pickle": p.hex(), "outcome": {"error": str(e)}})
print(json.dumps(out))
`,
      JSON.stringify(cases),
    );
    let handled = 0;
    cases.forEach((c, i) => {
      const want = expected[i]!;
      const where = JSON.stringify(c);
      let got: { hex: string } | { error: string };
      try {
        got = { hex: hex(loads(Buffer.from(want.pickle, "hex")) as Uint8Array) };
        if (c.errors !== "strict" && !/^[\x00-\x7f]*$/.test(c.s)) handled++;
      } catch (e) {
        expect(e, where).toBeInstanceOf(UnpicklingError);
        got = { error: (e as Error).message };
      }
      expect(got, where).toEqual(want.outcome);
    });
    expect(handled).toBeGreaterThan(100);
  });

  it("every short byte string as UTF-8: CPython's text or error span under strict, surrogateescape and surrogatepass, and in a str opcode", () => {
    const strings = shortByteStrings();
    const expected = pythonJson<Outcome[][]>(
      String.raw`
import json, sys
def decode(b, h):
    try:
        return b.decode("utf-8", h)
    except UnicodeDecodeError as e:
        return {"error": str(e)}
print(json.dumps([[decode(bytes.fromhex(h), e) for e in ("strict", "surrogateescape", "surrogatepass")] for h in json.loads(sys.stdin.read())]))
`,
      JSON.stringify(strings.map(hex)),
    );
    const mismatches: string[] = [];
    strings.forEach((b, i) => {
      const [strict, escape, pass] = expected[i]!;
      const got = [ours(py2Str(b), { encoding: "utf-8" }), ours(py2Str(b), { encoding: "utf-8", errors: "surrogateescape" }), ours(py2Str(b), { encoding: "utf-8", errors: "surrogatepass" }), ours(binUnicode(b))];
      const want = [strict, escape, pass, pass];
      if (JSON.stringify(got) !== JSON.stringify(want)) mismatches.push(`${hex(b)}: ${JSON.stringify(got)} != ${JSON.stringify(want)}`);
    });
    expect(mismatches.slice(0, 10)).toEqual([]);
    expect(strings.length).toBeGreaterThan(100_000);
  });

  it("random str opcodes of 0-40 bytes (ASCII, 2-, 3- and 4-byte sequences, encoded surrogates, now and then a broken byte): CPython's str or error", () => {
    // 32 bytes and under are decoded by a hand loop, longer ones natively; both sides of that line, alone and in a list
    const seed = seedFrom(process.env.STDNET_PICKLE_TEXT_SEED, 20261207);
    const random = seededRandom(seed);
    const pieces = ["a", "Z", "~", "\xc3\xa9", "\xdf\xbf", "\xe6\x97\xa5", "\xef\xbf\xbf", "\xe0\xa0\x80", "\xed\xa0\x80", "\xed\xbf\xbf", "\xf0\x9f\x98\x80", "\xf4\x8f\xbf\xbf", "\xf0\x90\x80\x80"];
    const broken = ["\x80", "\xc0\xaf", "\xe0\x80\x80", "\xf4\x90\x80\x80", "\xf8", "\xe6\x97", "\xf0\x9f\x98"];
    const strs: Buffer[] = [];
    const wellFormed: Buffer[] = [];
    while (strs.length < 3000) {
      const target = Math.floor(random() * 41);
      let b = "";
      while (b.length < target) b += pieces[Math.floor(random() * pieces.length)]!;
      if (random() < 0.1) {
        const at = Math.floor(random() * (b.length + 1));
        b = b.slice(0, at) + broken[Math.floor(random() * broken.length)]! + b.slice(at);
      }
      else wellFormed.push(Buffer.from(b, "latin1"));
      strs.push(Buffer.from(b, "latin1"));
    }
    const one = (b: Buffer): Buffer => Buffer.concat([Buffer.of(0x8c, b.length), b, Buffer.of(0x2e)]);
    const list = Buffer.concat([Buffer.of(0x5d, 0x28), ...wellFormed.slice(0, 1000).map((b) => Buffer.concat([Buffer.of(0x8c, b.length), b])), Buffer.of(0x65, 0x2e)]);
    const expected = pythonJson<{ each: Outcome[]; list: Outcome[] | { error: string } }>(
      String.raw`${OUTCOME_PY}c = json.loads(sys.stdin.read())
print(json.dumps({"each": [outcome(bytes.fromhex(h)) for h in c["each"]], "list": outcome(bytes.fromhex(c["list"]))}))
`,
      JSON.stringify({ each: strs.map((b) => one(b).toString("hex")), list: list.toString("hex") }),
    );
    const got = strs.map((b) => ours(one(b)));
    const firstDiff = got.findIndex((g, i) => JSON.stringify(g) !== JSON.stringify(expected.each[i]));
    expect(firstDiff, firstDiff >= 0 ? `seed ${seed}: ${strs[firstDiff]!.toString("hex")}` : "").toBe(-1);
    let listGot: unknown;
    try {
      listGot = loads(list);
    } catch (e) {
      if (!(e instanceof UnpicklingError)) throw e;
      listGot = { error: e.message };
    }
    expect(listGot, `seed ${seed}`).toEqual(expected.list);
    expect(Array.isArray(listGot) && listGot.length).toBe(1000);
    // both sides of 32 bytes, well-formed and not
    expect(got.filter((g, i) => typeof g === "string" && strs[i]!.length <= 32).length).toBeGreaterThan(1000);
    expect(got.filter((g, i) => typeof g !== "string" && strs[i]!.length <= 32).length).toBeGreaterThan(50);
    expect(got.filter((g, i) => typeof g === "string" && strs[i]!.length > 32).length).toBeGreaterThan(200);
  });

  it("a run of str opcodes (a list of strs), each memoized and fetched again by GETs, whole and cut at each byte of its start: CPython's value or error text", () => {
    // loads takes a run of SHORT_BINUNICODEs, each with its MEMOIZE, in one turn of its loop
    const cases = pythonJson<{ pickle: string; value: unknown }[]>(String.raw`${OUTCOME_PY}
x = ["s%d" % i if i % 5 else ("\u00e9%d\u65e5" % i if i % 3 else "") for i in range(400)]
v = [x, x[::7], [x[3], x[399], x[255], x[256], "new"]]
out = []
for p in (4, 5):
    whole = pickle.dumps(v, p)
    out.append({"pickle": whole.hex(), "value": outcome(whole)})
    start = whole.index(b"\x8c")
    for cut in range(start, start + 40):
        out.append({"pickle": whole[:cut].hex(), "value": outcome(whole[:cut])})
print(json.dumps(out))
`);
    for (const c of cases) {
      let got: unknown;
      try {
        got = loads(Buffer.from(c.pickle, "hex"));
      } catch (e) {
        if (!(e instanceof UnpicklingError)) throw e;
        got = { error: e.message };
      }
      expect(got, c.pickle.slice(0, 80)).toEqual(c.value);
    }
    expect(cases.filter((c) => Array.isArray(c.value)).length).toBe(2);
  });

  it("strs of each str opcode memoized by MEMOIZE, BINPUT, LONG_BINPUT and PUT among memoized numbers, fetched by each GET: CPython's value from loads(), load() and an Unpickler, whose memo is CPython's", () => {
    // loads() and load() keep a memoized str as its place in the data (decoded again at a GET), and a memoized number in a box
    const cases = pythonJson<{ pickle: string; value: unknown; memo: [number, unknown][] }[]>(String.raw`
import io, json, pickle, struct, random
rnd = random.Random(20261207)
def text(s, kind):
    b = s.encode("utf-8", "surrogatepass")
    if kind == 0: return b"\x8c" + bytes([len(b)]) + b
    if kind == 1: return b"X" + struct.pack("<I", len(b)) + b
    return b"\x8d" + struct.pack("<Q", len(b)) + b
def number(x):
    if isinstance(x, float): return b"G" + struct.pack(">d", x)
    return b"K" + bytes([x]) if 0 <= x < 256 else b"J" + struct.pack("<i", x)
def put(i, how):
    return [b"\x94", b"q" + bytes([i]), b"r" + struct.pack("<I", i), b"p%d\n" % i][how]
def get(i, how):
    return [b"h" + bytes([i]), b"j" + struct.pack("<I", i), b"g%d\n" % i][how]
strs = ["", "a", "s12345", "\u00e9\u65e5", "\ud800x", "x" * 255, "y" * 300, "\U0001f600" * 70]
out = []
for p in range(40):
    body, n = b"", 0
    how = rnd.randrange(4) if p % 2 else 0
    for s in rnd.sample(strs, 5):
        size = len(s.encode("utf-8", "surrogatepass"))
        body += text(s, rnd.randrange(3) if size < 256 else rnd.randrange(1, 3)) + put(n, how)
        n += 1
        if rnd.random() < 0.5:
            body += number(rnd.choice([0, 7, 255, -5, 70000, 0.5, 2.0])) + put(n, how)
            n += 1
    # a number PUT over a str's index, and a str over a number's
    body += number(3) + put(1, 1) + b"0" + text("again", 0) + put(n - 1, 1) + b"0"
    # a str fetched by a GET and memoized again at a new index
    body += get(0, 0) + put(n, 1) + b"0"
    n += 1
    gets = b"".join(get(rnd.randrange(n), rnd.randrange(3)) for _ in range(12)) + get(n - 1, 0)
    data = b"\x80\x04(" + body + b"1(" + gets + b"l."
    up = pickle.Unpickler(io.BytesIO(data))
    value = up.load()
    out.append({"pickle": data.hex(), "value": value, "memo": sorted(up.memo.copy().items())})
print(json.dumps(out))
`);
    for (const c of cases) {
      const data = Buffer.from(c.pickle, "hex");
      expect(loads(data), c.pickle).toEqual(c.value);
      let at = 0;
      expect(load({ read: (n: number) => data.subarray(at, (at += n)) }), c.pickle).toEqual(c.value);
      let pos = 0;
      const u = new Unpickler({ read: (n: number) => data.subarray(pos, (pos += n)) });
      expect(u.load(), c.pickle).toEqual(c.value);
      expect(
        u.memo.map((v, i): [number, unknown] => [i, v]),
        c.pickle,
      ).toEqual(c.memo);
    }
    expect(cases.filter((c) => c.memo.some(([, v]) => typeof v === "number")).length).toBeGreaterThan(20);
  });

  it("str opcodes of 0-36 bytes, ASCII but for one byte at each place (where the test for ASCII reads four bytes at a time): CPython's str or error", () => {
    const strs: Buffer[] = [];
    for (let n = 0; n <= 36; n++) {
      const ascii = Buffer.from("abcdefghijklmnopqrstuvwxyz0123456789".slice(0, n), "latin1");
      strs.push(ascii);
      for (let at = 0; at < n; at++) {
        // a lone continuation byte (an error), and the first byte of "é" in place of one letter (its second byte after it)
        const broken = Buffer.from(ascii);
        broken[at] = 0x80;
        strs.push(broken, Buffer.concat([ascii.subarray(0, at), Buffer.of(0xc3, 0xa9), ascii.subarray(at + 1)]));
      }
    }
    const one = (b: Buffer): Buffer => Buffer.concat([Buffer.of(0x8c, b.length), b, Buffer.of(0x2e)]);
    const expected = pythonJson<Outcome[]>(
      String.raw`${OUTCOME_PY}print(json.dumps([outcome(bytes.fromhex(h)) for h in json.loads(sys.stdin.read())]))
`,
      JSON.stringify(strs.map((b) => one(b).toString("hex"))),
    );
    const got = strs.map((b) => ours(one(b)));
    const firstDiff = got.findIndex((g, i) => JSON.stringify(g) !== JSON.stringify(expected[i]));
    expect(firstDiff, firstDiff >= 0 ? strs[firstDiff]!.toString("hex") : "").toBe(-1);
    expect(got.filter((g) => typeof g !== "string").length).toBe((36 * 37) / 2);
  });

  it("strs of about a MiB (ASCII from 1 MiB is read as latin-1, which node keeps outside V8's heap): CPython's text", () => {
    const MiB = 1 << 20;
    const cases = pythonJson<{ pickle: string; sha: string; length: number }[]>(String.raw`
import hashlib, json, pickle
out = []
for s in ["a" * (${MiB} - 1), "b" * ${MiB}, "c" * (${MiB} + 3) + "\x7f", "d" * ${MiB} + "é", "é" + "e" * ${MiB}]:
    out.append({"pickle": pickle.dumps(s, 4).hex(), "sha": hashlib.sha256(s.encode("utf-8")).hexdigest(), "length": len(s)})
print(json.dumps(out))
`);
    for (const c of cases) {
      const s = loads(Buffer.from(c.pickle, "hex")) as string;
      expect(s.length).toBe(c.length);
      expect(createHash("sha256").update(s, "utf8").digest("hex")).toBe(c.sha);
    }
  });

  it("protocol 0's escapes: raw-unicode-escape (UNICODE) and escape_decode (STRING) errors with CPython's text", () => {
    const pickles = [
      "Vab\\u12\n.",
      "V\\U00110000\n.",
      "Vx\\U0011\n.",
      "V\\u12z4\n.",
      "V\\u\n.",
      "V\\\\u12\n.",
      "V\\\\\\u12\n.",
      "V\\U0010ffff\\u00e9\n.",
      "S'ab\\'\n.",
      "S'a\\x4'\n.",
      "S'a\\xzz'\n.",
      "S'\\x41\\101\\n\\q'\n.",
      "S'\\xff'\n.",
    ];
    const expected = pythonJson<Outcome[]>(
      String.raw`
import json, pickle, sys
out = []
for p in json.loads(sys.stdin.read()):
    try:
        v = pickle.loads(p.encode("latin1"), encoding="latin1")
        out.append(v)
    except Exception as e:
        out.append({"error": str(e)})
print(json.dumps(out))
`,
      JSON.stringify(pickles),
    );
    pickles.forEach((p, i) => {
      expect(ours(Buffer.from(p, "latin1"), { encoding: "latin1" }), p).toEqual(expected[i]);
    });
  });
});
