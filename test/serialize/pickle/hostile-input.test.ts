/**
 * loads() on bad and hostile input: only values or UnpicklingError, with
 * CPython's messages; lengths refused before allocating; globals refused by
 * default; and a fuzz run of 100,000 mutated pickles.
 */
import { describe, expect, it } from "vitest";
import { dumps, loads, tuple, float, bytearray, frozenset, UnpicklingError } from "stdnet/pickle";
import { pythonJson } from "../../helpers/python.js";
import { PY_TAGGED, expectedJs, pyDiff, type Tagged } from "./_oracle.js";

const hex = (h: string): Buffer => Buffer.from(h.replace(/\s+/g, ""), "hex");
const bytes = (s: string): Buffer => Buffer.from(s, "latin1");

function errorOf(data: Uint8Array): unknown {
  try {
    loads(data);
  } catch (e) {
    return e;
  }
  return undefined;
}

/** CPython's error text for each pickle (pickle.loads), which ours must give as UnpicklingError. */
function expectCPythonMessages(pickles: readonly Uint8Array[]): void {
  const theirs = pythonJson<string[]>(
    String.raw`
import json, pickle, sys
out = []
for h in json.loads(sys.stdin.read()):
    try:
        pickle.loads(bytes.fromhex(h))
        out.append("(loaded)")
    except Exception as e:
        out.append(str(e))
print(json.dumps(out))
`,
    JSON.stringify(pickles.map((p) => Buffer.from(p).toString("hex"))),
  );
  pickles.forEach((p, i) => {
    const e = errorOf(p);
    expect(e, Buffer.from(p).toString("hex")).toBeInstanceOf(UnpicklingError);
    expect((e as Error).message, Buffer.from(p).toString("hex")).toBe(theirs[i]);
  });
}

// valid pickles to mutate: CPython's, at every protocol, of a mix of every type
const seeds: Buffer[] = pythonJson<string[]>(`
import pickle, json, collections
v = [None, True, 1, -300, 70000, 2**70, 1.5, "é日😀", b"ab", bytearray(b"c"), (1, 2), (1, 2, 3, 4), {"a": 1, 2: [3]}, {1, 2}, frozenset([3]), collections.OrderedDict(a=1)]
l = [v, v]; l.append(l)
out = []
for p in range(6):
    out.append(pickle.dumps(l, p).hex())
    out.append(pickle.dumps({"k": "x" * 300, "n": list(range(20))}, p).hex())
print(json.dumps(out))
`).map((h) => Buffer.from(h, "hex"));
const ourSeeds = [0, 1, 2, 3, 4, 5].map((p) => Buffer.from(dumps([tuple(1, "a"), float(2), new bytearray([1]), new frozenset([1]), new Map([[1, 2]]), { s: new Set(["x"]) }], p)));

describe("loads() refuses bad input with UnpicklingError", () => {
  it("loads() of every truncation of a valid pickle is UnpicklingError", () => {
    for (const seed of [...seeds, ...ourSeeds]) {
      for (let n = 0; n < seed.length; n++) {
        const e = errorOf(seed.subarray(0, n));
        expect(e, `prefix ${n} of ${seed.length}`).toBeInstanceOf(UnpicklingError);
      }
    }
    expectCPythonMessages([hex("8004"), new Uint8Array(0), bytes("("), hex("8004 95 0100000000000000 4e"), bytes("K"), hex("80")]);
  });

  it("loads() names an unknown opcode as CPython does", () => {
    expectCPythonMessages([hex("ff"), bytes("z"), bytes("'"), bytes("\\"), hex("00"), hex("7f")]);
  });

  it("loads() refuses stack underflow, a missing MARK and a missing memo entry", () => {
    expectCPythonMessages([
      ...["a.", "N(a.", ".", "(.", "(0.", "(N(t0a.", "Nt.", "g7\n.", "}(K\x01u.", "K\x01(N(tb."].map(bytes),
      ...["680570", "8006", "8002 28 28 85"].map(hex),
    ]);
  });

  it("loads() refuses APPEND(S), SETITEM(S) and ADDITEMS on targets that cannot take them, with CPython's errors", () => {
    expectCPythonMessages(
      [")K\x01a.", "K\x01\x85(K\x02K\x03e.", "}K\x01a.", "NK\x01a.", "](K\x01K\x02u.", "]K\x00K\x05s.", "](\x8c\x01aK\x01u.", "K\x01K\x02K\x03s.", "\x8c\x01aK\x00K\x05s.", "\x80\x04](K\x01\x90.", "\x80\x04(K\x01\x91(K\x02\x90."].map(bytes),
    );
    // the set type's unbound add, called with each item alone; the frozenset type has none
    expectCPythonMessages(["\x80\x04cbuiltins\nset\n(]\x90.", "\x80\x04cbuiltins\nset\n(\x8f\x90.", "\x80\x04cbuiltins\nset\n((\x91\x90.", "\x80\x04cbuiltins\nfrozenset\n(K\x01\x90."].map(bytes));
    // a sequence type makes an int key an index first (IndexError past 64 bits); a float key (2**68, -0.0) is no index
    const int64Past = "\x8a\x09\x00\x00\x00\x00\x00\x00\x00\x80\x00";
    const int64Min = "\x8a\x08\x00\x00\x00\x00\x00\x00\x00\x80";
    expectCPythonMessages(
      [`)${int64Past}K\x05s.`, `\x8c\x01a${int64Past}K\x05s.`, `\x80\x04\x8f${int64Past}K\x05s.`, `C\x01a${int64Past}K\x05s.`, `)${int64Min}K\x05s.`, `K\x01${int64Past}K\x05s.`, ")G\x44\x30\x00\x00\x00\x00\x00\x00K\x05s.", "(K\x01lG\x44\x30\x00\x00\x00\x00\x00\x00K\x05s.", "(K\x01lG\x80\x00\x00\x00\x00\x00\x00\x00K\x05s."].map(bytes),
    );
    // nothing to add, append or set: CPython asks nothing of the target
    expect(loads(bytes("K\x01(e."))).toBe(1);
    expect(loads(bytes("K\x01(u."))).toBe(1);
    expect(loads(bytes("\x80\x04K\x01(\x90."))).toBe(1);
    expect(loads(bytes("](K\x01K\x02eK\x03a(K\x04e."))).toEqual([1, 2, 3, 4]);
  });

  it("loads() sets list and bytearray items by index as CPython does, with its errors", () => {
    // a list's SETITEM is list.__setitem__ (negative indexes from the end), a bytearray's bytearray.__setitem__
    expect(loads(bytes("(K\x01K\x02l\x88K\x05s."))).toEqual([1, 5]);
    expect(loads(bytes("(K\x01K\x02lJ\xfe\xff\xff\xffK\x05s."))).toEqual([5, 2]);
    expect([...(loads(hex("8005 960200000000000000 6162 4aFFFFFFFF 4b41 73 2e")) as Uint8Array)]).toEqual([0x61, 0x41]);
    expectCPythonMessages([
      ...["(K\x01l\x8c\x01aK\x05s.", "(K\x01lNK\x05s.", "(K\x01l\x8a\x09\x00\x00\x00\x00\x00\x00\x00\x00\x01K\x05s."].map(bytes),
      ...["8005 960200000000000000 6162 4b05 4b41 73 2e", "8005 960200000000000000 6162 4b00 8c0161 73 2e", "8005 960200000000000000 6162 4b00 4d0001 73 2e", "8005 960200000000000000 6162 8c0161 4b00 73 2e"].map(hex),
    ]);
  });

  it("loads() refuses BUILD, REDUCE and NEWOBJ on what cannot take them, with CPython's errors", () => {
    expectCPythonMessages(
      [
        "K\x01}b.",
        "]}b.",
        "K\x01K\x02b.",
        "K\x01N\x86K\x01\x85b.",
        "\x80\x02K\x01K\x01R.",
        "\x80\x02K\x01)R.",
        "\x80\x02K\x01)\x81.",
        "\x80\x02c__builtin__\nset\nK\x01\x81.",
        "\x80\x02c_codecs\nencode\nK\x01\x81.",
        "\x80\x04K\x01)}\x92.",
        "\x80\x02c__builtin__\nset\nK\x01K\x02\x86R.",
        "\x80\x02c__builtin__\nfrozenset\nK\x01\x85R.",
        "\x80\x02c__builtin__\nbytearray\n)R}b.",
        "\x80\x02c__builtin__\nbytes\nX\x01\x00\x00\x00aN\x86R.",
        "\x80\x02c__builtin__\nbytearray\nX\x01\x00\x00\x00aX\x06\x00\x00\x00latin1N\x87R.",
        "\x80\x02c_codecs\nencode\nX\x01\x00\x00\x00aX\x06\x00\x00\x00latin1N\x87R.",
        "\x80\x02c__builtin__\nbytes\n]K\x01aN\x86R.",
      ].map(bytes),
    );
    // with nothing to set, BUILD asks nothing of the target; set() and frozenset() take any iterable
    expect(loads(bytes("K\x01Nb."))).toBe(1);
    expect(loads(bytes("\x80\x02c__builtin__\nset\nX\x02\x00\x00\x00ab\x85R."))).toEqual(new Set(["a", "b"]));
    expect(loads(bytes("\x80\x02c__builtin__\nfrozenset\n}K\x01K\x02s\x85R."))).toEqual(new frozenset([1]));
    // NEWOBJ of Python's types is their __new__: set and bytearray empty (their __init__ fills them), bytes and frozenset made
    expect(loads(bytes("\x80\x02c__builtin__\nset\n]K\x01a\x85\x81."))).toEqual(new Set());
    expect(loads(bytes("\x80\x02c__builtin__\nfrozenset\n]K\x01a\x85\x81."))).toEqual(new frozenset([1]));
    expect(loads(bytes("\x80\x02c__builtin__\nbytes\n]K\x01a\x85\x81."))).toEqual(Uint8Array.of(1));
  });

  it("loads() refuses a length larger than the data before allocating it", () => {
    const withTail = (h: string): Buffer => Buffer.concat([hex(h), Buffer.from("abc")]);
    // CPython tries to allocate these and fails with MemoryError (where it can): ours says what is wrong
    const huge = ["8e 0000000000001000", "96 00000000ffff0000", "95 00000000ffffff00"].map(withTail);
    const before = process.memoryUsage().arrayBuffers;
    for (const c of huge) expect((errorOf(c) as Error).message).toBe("pickle data was truncated");
    expectCPythonMessages(
      [
        "8d ffffffffffffffff", // BINUNICODE8 past 2^63: "exceeds system's maximum"
        "8e ffffffffffffffff", // BINBYTES8
        "96 ffffffffffffffff", // BYTEARRAY8
        "95 ffffffffffffffff", // FRAME
        "95 0000000000ffffff", // FRAME
        "58 ffffffff", // BINUNICODE
        "42 ffffffff", // BINBYTES
        "8b ffffff7f", // LONG4
        "8b ffffffff", // LONG4, negative
        "54 ffffff7f", // BINSTRING
        "54 ffffffff", // BINSTRING (unsigned in CPython's C unpickler)
      ].map(withTail),
    );
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(1 << 20);
  });

  it("loads() refuses globals by default, naming them", () => {
    expect((errorOf(bytes("cos\nsystem\n(S'echo hi'\ntR.")) as Error).message).toBe("global 'os.system' is forbidden");
    expect((errorOf(hex("8004") ? Buffer.concat([hex("8004"), bytes("\x8c\x08builtins\x8c\x04eval\x93.")]) : hex("")) as Error).message).toBe("global 'builtins.eval' is forbidden");
    expect((errorOf(bytes("cbuiltins\ngetattr\n.")) as Error).message).toBe("global 'builtins.getattr' is forbidden");
    expect((errorOf(bytes("ccopyreg\n_reconstructor\n.")) as Error).message).toBe("global 'copyreg._reconstructor' is forbidden");
    expect((errorOf(bytes("c__main__\nPoint\n)\x81.")) as Error).message).toBe("global '__main__.Point' is forbidden");
    expect((errorOf(bytes("(cposix\nsystem\nS'x'\no.")) as Error).message).toBe("global 'posix.system' is forbidden");
    expect((errorOf(bytes("(S'x'\nios\nsystem\n.")) as Error).message).toBe("global 'os.system' is forbidden");
    expect((errorOf(bytes("P1\n.")) as Error).message).toContain("no persistent_load function was specified");
  });

  it("loads() keeps __proto__ and constructor keys as own properties, never the prototype", () => {
    const v = loads(bytes("}(X\x09\x00\x00\x00__proto__}X\x01\x00\x00\x00xK\x01sX\x0b\x00\x00\x00constructorK\x02u.")) as Record<string, unknown>;
    expect(Object.getPrototypeOf(v)).toBe(Object.prototype);
    expect(Object.hasOwn(v, "__proto__")).toBe(true);
    expect(v.constructor).toBe(2);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
    const viaSetitem = loads(bytes("}X\x09\x00\x00\x00__proto__}X\x01\x00\x00\x00yK\x01ss.")) as Record<string, unknown>;
    expect(Object.hasOwn(viaSetitem, "__proto__")).toBe(true);
    expect(({} as Record<string, unknown>).y).toBeUndefined();
  });

  it("loads() decodes Python 2 str with encoding and errors as Python does", () => {
    const py2 = ["S'abc'\n.", "S'\\xe9t\\xc3\\xa9'\n.", "U\x04\xe9t\xc3\xa9.", "T\x02\x00\x00\x00\x80a.", "(dp0\nS'k'\np1\nS'v'\np2\ns."];
    const settings: [string, string][] = [["ASCII", "strict"], ["latin1", "strict"], ["utf-8", "strict"], ["bytes", "strict"], ["ASCII", "replace"], ["ASCII", "ignore"], ["ASCII", "surrogateescape"]];
    const expected = pythonJson<(Tagged | undefined)[][]>(
      `${PY_TAGGED}
data = json.loads(sys.stdin.read())
out = []
for d in data["pickles"]:
    row = []
    for e, err in data["settings"]:
        try:
            row.append({"ok": enc(pickle.loads(d.encode("latin1"), encoding=e, errors=err))})
        except Exception:
            row.append({})
    out.append(row)
print(json.dumps(out))
`,
      JSON.stringify({ pickles: py2, settings }),
    ) as unknown as { ok?: Tagged }[][];
    py2.forEach((p, i) => {
      settings.forEach(([encoding, errors], j) => {
        const want = expected[i]![j]!;
        const data = bytes(p);
        if (want.ok === undefined) expect(() => loads(data, { encoding, errors }), `${p} ${encoding}`).toThrow(UnpicklingError);
        else expect(pyDiff(loads(data, { encoding, errors }), expectedJs(want.ok)), `${JSON.stringify(p)} ${encoding} ${errors}`).toBe("");
      });
    });
  });

  it("loads() of _codecs.encode, bytes and bytearray reductions CPython never writes gives its bytes or its error text", () => {
    // [callable, args]: aliases of the three codecs stdnet encodes with, unencodable characters and runs of them, arguments of the wrong type
    const calls: [string, string][] = [
      ["_codecs.encode", "('x', 'latin')"],
      ["_codecs.encode", "('\\xe9', 'ISO-8859-1')"],
      ["_codecs.encode", "('x', 'us')"],
      ["_codecs.encode", "('é', 'U8')"],
      ["_codecs.encode", "('é',)"],
      ["_codecs.encode", "('a\\u20acb', 'latin1')"],
      ["_codecs.encode", "('a\\u20ac\\U0001f600b', 'latin-1')"],
      ["_codecs.encode", "('ab\\xe9', 'ascii')"],
      ["_codecs.encode", "('\\U0001f600\\ud800x', 'utf-8')"],
      ["_codecs.encode", "('x\\udc00\\udc01', 'utf8')"],
      ["_codecs.encode", "('x', 5)"],
      ["_codecs.encode", "('x', None)"],
      ["_codecs.encode", "('x', b'latin1')"],
      ["builtins.bytes", "('x', 5)"],
      ["builtins.bytearray", "('é', 'l1')"],
      // a NUL in the encoding or the errors is refused before the source's type is looked at
      ["builtins.bytearray", "(1, 'latin\\x001')"],
      ["builtins.bytes", "(1, 'latin1', 'str\\x00ict')"],
      ["builtins.bytes", "(1, 'latin\\x001', 5)"],
    ];
    const outcomes = pythonJson<({ hex: string } | { error: string })[]>(
      `
import _codecs, builtins, json, pickle, sys
class Call:
    def __init__(self, f, args): self.f, self.args = f, args
    def __reduce__(self): return (self.f, self.args)
out = []
for name, args in json.loads(sys.stdin.read()):
    module, attr = name.split(".")
    data = pickle.dumps(Call(getattr(sys.modules[module], attr), eval(args)), 2)
    try:
        out.append({"pickle": data.hex(), "hex": bytes(pickle.loads(data)).hex()})
    except Exception as e:
        out.append({"pickle": data.hex(), "error": str(e)})
print(json.dumps(out))
`,
      JSON.stringify(calls),
    ) as unknown as ({ pickle: string } & ({ hex: string } | { error: string }))[];
    outcomes.forEach((want, i) => {
      const data = Buffer.from(want.pickle, "hex");
      const what = `${calls[i]![0]}${calls[i]![1]}`;
      if ("hex" in want) expect(Buffer.from(loads(data) as Uint8Array).toString("hex"), what).toBe(want.hex);
      else expect((errorOf(data) as Error).message, what).toBe(want.error);
    });
  });

  it("loads() of a PUT far past the memo's end takes no longer than a near one, and the next loads neither", () => {
    const le32 = (n: number): string => Buffer.from(new Uint32Array([n]).buffer).toString("hex");
    // a dict memoized twice (so shared) that then meets an int key: the machine turns it into a Map wherever it is referenced
    const pickleAt = (idx: number): Buffer => hex(`80 02 5d 71 00 7d 71 01 72 ${le32(idx)} 4b 01 4b 02 73 61 68 01 61 2e`);
    const near = [2, 700_000, 1_048_575];
    const oracle = pythonJson<Tagged[]>(
      `${PY_TAGGED}
print(json.dumps([enc(pickle.loads(bytes.fromhex(h))) for h in json.loads(sys.stdin.read())]))
`,
      JSON.stringify(near.map((i) => pickleAt(i).toString("hex"))),
    );
    // (timed first, so that a return of the old cost fails here rather than hangs below: 0.35 s to
    // empty the reused memo after the index 700,000, and no end at all with the last index)
    for (const idx of [700_000, 1_048_575, 0xfffffffe, 0xfffffffe, 2]) {
      const t0 = performance.now();
      loads(pickleAt(idx));
      loads(Buffer.from(dumps(Array.from({ length: 300 }, (_, i) => `s${i}`), 2)));
      expect(performance.now() - t0, `PUT at ${idx}`).toBeLessThan(100);
    }
    near.forEach((idx, k) => expect(pyDiff(loads(pickleAt(idx)), expectedJs(oracle[k]!))).toBe(""));
    // CPython's memo is an array of twice the index (a MemoryError at 2 ** 32 - 2); ours holds what was put, at any index
    expect(pyDiff(loads(pickleAt(0xfffffffe)), expectedJs(oracle[0]!))).toBe("");
  });

  it("loads() of many shared dicts that turn into Maps takes time in proportion to their number", () => {
    // each dict is memoized twice (shared), then given an int key: one walk of what was built for all of them, not one each
    const u32 = (n: number): Buffer => Buffer.from(new Uint32Array([n]).buffer);
    const timeFor = (n: number): { ms: number; data: Buffer } => {
      const parts = [hex("80 02 5d 71 00")];
      for (let i = 0; i < n; i++) parts.push(Buffer.concat([hex("7d 72"), u32(1 + 2 * i), hex("72"), u32(2 + 2 * i), hex("4b 01 4b 02 73 61")]));
      parts.push(hex("2e"));
      const data = Buffer.concat(parts);
      const t0 = performance.now();
      const v = loads(data) as unknown[];
      const ms = performance.now() - t0;
      expect(v).toHaveLength(n);
      expect(v.every((d) => d instanceof Map && d.size === 1 && d.get(1) === 2)).toBe(true);
      return { ms, data };
    };
    const small = timeFor(200);
    const oracle = pythonJson<Tagged>(`${PY_TAGGED}\nprint(json.dumps(enc(pickle.loads(bytes.fromhex(sys.stdin.read())))))\n`, small.data.toString("hex"));
    expect(pyDiff(loads(small.data), expectedJs(oracle))).toBe("");
    // 8,000 of them: about 40 ms (before, one walk per dict: 4-9 s); 40,000 (680 KB): a tenth of a second (before: minutes)
    expect(timeFor(8_000).ms).toBeLessThan(1000);
    expect(timeFor(40_000).ms).toBeLessThan(3000);
  });

  it("loads() of a dict memoized twice, turned into a Map, then filled through its other memo slot, gives CPython's dict", () => {
    // } PUT0 PUT1, 1: 2 (a Map now), POP, GET0 (the dict again), 'k': 3, STOP
    const data = hex("80 02 7d 71 00 71 01 4b 01 4b 02 73 30 68 00 58 01000000 6b 4b 03 73 2e");
    const oracle = pythonJson<Tagged>(`${PY_TAGGED}\nprint(json.dumps(enc(pickle.loads(bytes.fromhex(sys.stdin.read())))))\n`, data.toString("hex"));
    expect(pyDiff(loads(data), expectedJs(oracle))).toBe("");
  });

  it("loads() of 100,000 mutated pickles gives a value or UnpicklingError, nothing else", () => {
    let seed = 0x2545f491;
    const rand = (n: number): number => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return (seed >>> 0) % n;
    };
    const pool = [...seeds, ...ourSeeds];
    const interesting = [0x00, 0xff, 0x7f, 0x80, 0x28, 0x2e, 0x0a, 0x94, 0x95, 0x68, 0x71, 0x52, 0x81, 0x62, 0x93, 0x63];
    let values = 0;
    let errors = 0;
    for (let i = 0; i < 100_000; i++) {
      const src = pool[rand(pool.length)]!;
      const m = Buffer.from(src);
      let data: Uint8Array = m;
      const kind = rand(6);
      const at = rand(m.length);
      if (kind === 0) m[at] = rand(256);
      else if (kind === 1) m[at] = interesting[rand(interesting.length)]!;
      else if (kind === 2) for (let k = 0; k < 4; k++) m[rand(m.length)] = rand(256);
      else if (kind === 3) data = Buffer.concat([m.subarray(0, at), m.subarray(Math.min(m.length, at + 1 + rand(8)))]);
      else if (kind === 4) data = Buffer.concat([m.subarray(0, at), Buffer.from([rand(256), rand(256)]), m.subarray(at)]);
      else {
        const other = pool[rand(pool.length)]!;
        const from = rand(other.length);
        data = Buffer.concat([m.subarray(0, at), other.subarray(from, from + 1 + rand(32)), m.subarray(at)]);
      }
      try {
        loads(data);
        values++;
      } catch (e) {
        if (!(e instanceof UnpicklingError)) throw new Error(`mutation ${i} threw ${String(e)} for ${Buffer.from(data).toString("hex")}`);
        errors++;
      }
    }
    expect(values + errors).toBe(100_000);
    expect(errors).toBeGreaterThan(10_000);
  });
});
