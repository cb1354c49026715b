/**
 * dump() and load() over files: Python-like objects (sync or async read /
 * readline / write) and Node streams. load() reads exactly one pickle and no
 * byte past its STOP, so pickles can follow each other on one stream.
 */
import { PassThrough, Readable, Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { dump, dumps, load, loads, Pickler, Unpickler, UnpicklingError } from "stdnet/pickle";
import { pythonJson } from "../../helpers/python.js";

/** A BytesIO: read(n), readline(), write(b), over one growing buffer. */
class BytesIO {
  #buf: Buffer;
  #size: number;
  pos = 0;
  constructor(initial: Uint8Array = new Uint8Array(0)) {
    this.#buf = Buffer.from(initial);
    this.#size = initial.length;
  }
  get data(): Buffer {
    return this.#buf.subarray(0, this.#size);
  }
  read(n: number): Uint8Array {
    const b = this.data.subarray(this.pos, this.pos + n);
    this.pos += b.length;
    return b;
  }
  readline(): Uint8Array {
    const nl = this.data.indexOf(0x0a, this.pos);
    const stop = nl < 0 ? this.data.length : nl + 1;
    const b = this.data.subarray(this.pos, stop);
    this.pos = stop;
    return b;
  }
  write(b: Uint8Array): number {
    if (this.#size + b.length > this.#buf.length) {
      const grown = Buffer.alloc(Math.max(2 * this.#buf.length, this.#size + b.length, 256));
      this.#buf.copy(grown, 0, 0, this.#size);
      this.#buf = grown;
    }
    this.#buf.set(b, this.#size);
    this.#size += b.length;
    return b.length;
  }
}

/** The same file with each read answered asynchronously and in small pieces (short reads). */
class SlowAsyncFile {
  constructor(private readonly inner: BytesIO) {}
  async read(n: number): Promise<Uint8Array> {
    await new Promise((r) => setImmediate(r));
    return this.inner.read(Math.min(n, 4093));
  }
}

/** Equal as pickled values (cheaper than a deep compare of big arrays). */
function same(a: unknown, b: unknown): boolean {
  return Buffer.from(dumps(a, 4)).equals(Buffer.from(dumps(b, 4)));
}

const values: unknown[] = [
  { a: [1, 2, 3], b: "é日😀", c: new Uint8Array(70_000).fill(3) },
  Array.from({ length: 3000 }, (_, i) => `s${i}`),
  null,
  [new Map([[1, 2]]), new Set(["x"])],
];

// pickles python3 wrote, several in one stream, at every protocol
const pyStream = Buffer.from(
  pythonJson<string>(`
import pickle, io, json
f = io.BytesIO()
for p in range(6):
    pickle.dump({"p": p, "big": b"x" * 70000, "t": (1, "two")}, f, p)
    pickle.dump(["second", p], f, p)
print(json.dumps(f.getvalue().hex()))
`),
  "hex",
);

describe("dump() and load() over files", () => {
  it("load() reads one pickle at a time from a sync file, leaving the rest", () => {
    const f = new BytesIO(pyStream);
    for (let p = 0; p < 6; p++) {
      const first = load(f) as { p: number; big: Uint8Array };
      expect(first.p).toBe(p);
      expect(first.big.length).toBe(70_000);
      expect(load(f)).toEqual(["second", p]);
    }
    expect(f.pos).toBe(pyStream.length);
    expect(() => load(f)).toThrow(UnpicklingError);
  });

  it("load() from a file with peek (as socket.makefile's) takes a pickle that is there whole with one read, and reads one that is not as without peek", () => {
    // CPython's pickles at every protocol (some past the 64 KiB peek), ours, a text pickle, and a truncated one at the end
    const ours = [0, 1, 2, 3, 4, 5].flatMap((p) => values.map((v) => Buffer.from(dumps(v, p))));
    const stream = Buffer.concat([pyStream, ...ours, Buffer.from("(lp0\nI1\naVtext\np1\na."), Buffer.from(dumps([1, 2], 2)).subarray(0, 5)]);
    const count = 12 + ours.length + 1;
    /** The BytesIO with peek(n) showing at most `limit` bytes, counting its reads. */
    class PeekingFile extends BytesIO {
      reads = 0;
      constructor(data: Uint8Array, readonly limit: number) {
        super(data);
      }
      override read(n: number): Uint8Array {
        this.reads++;
        return super.read(n);
      }
      peek(n: number): Uint8Array {
        return this.data.subarray(this.pos, this.pos + Math.min(n, this.limit));
      }
    }
    const plain = new BytesIO(stream);
    const whole = new PeekingFile(stream, Infinity);
    const short = new PeekingFile(stream, 37);
    let small = 0;
    for (let i = 0; i < count; i++) {
      const at = plain.pos;
      const expected = load(plain);
      if (plain.pos - at < 64 * 1024) small++;
      const readsBefore = whole.reads;
      expect(same(load(whole), expected)).toBe(true);
      expect(same(load(short), expected)).toBe(true);
      expect([whole.pos, short.pos]).toEqual([plain.pos, plain.pos]);
      if (plain.pos - at < 64 * 1024) expect(whole.reads - readsBefore).toBe(1);
    }
    expect(small).toBeGreaterThan(20);
    // at the end of the stream, as CPython's load() at EOF
    for (const f of [plain, whole, short]) expect(() => load(f)).toThrow("Ran out of input");
  });

  it("load() of big pickles (framed, unframed, text) through files with and without peek and through Readables ends each where CPython's pickle ends, with loads()' value", async () => {
    // the opcodes that lie whole in a frame or in what is peeked are taken in one step
    const py = pythonJson<{ stream: string; ends: number[] }>(`
import pickle, io, json
f = io.BytesIO()
ends = []
big = [["s%d" % i if i % 10 else "\\u00e9%d\\u65e5" % i for i in range(30000)], {"k%d" % i: (i, b"x" * (i % 40), 2 ** 70 + i, i * 0.5) for i in range(3000)}]
for p in range(6):
    for v in (big, ["after", p]):
        pickle.dump(v, f, p)
        ends.append(f.tell())
print(json.dumps({"stream": f.getvalue().hex(), "ends": ends}))
`);
    const stream = Buffer.from(py.stream, "hex");
    const files: [string, () => BytesIO & { peek?: (n: number) => Uint8Array }][] = [
      ["without peek", () => new BytesIO(stream)],
      ...[37, 4096, 64 * 1024, Infinity].map((limit): [string, () => BytesIO & { peek: (n: number) => Uint8Array }] => [
        `with a peek of ${limit} bytes`,
        () => Object.assign(new BytesIO(stream), { peek(this: BytesIO, n: number) { return this.data.subarray(this.pos, this.pos + Math.min(n, limit)); } }),
      ]),
    ];
    for (const [way, open] of files) {
      const f = open();
      let start = 0;
      for (const end of py.ends) {
        expect(same(load(f), loads(stream.subarray(start, end))), `${way}, the pickle at ${start}`).toBe(true);
        expect(f.pos, way).toBe(end);
        start = end;
      }
    }
    for (const chunk of [7, 65536]) {
      const r = Readable.from(Array.from({ length: Math.ceil(stream.length / chunk) }, (_, k) => stream.subarray(chunk * k, chunk * k + chunk)), { objectMode: false });
      let start = 0;
      for (const end of py.ends) {
        expect(same(await load(r), loads(stream.subarray(start, end))), `a Readable of ${chunk}-byte chunks, the pickle at ${start}`).toBe(true);
        start = end;
      }
    }
    expect(py.ends[0]).toBeGreaterThan(200_000);
  });

  it("load() from a file whose read or readline gives a str is CPython's TypeError; a peek that gives a str shows nothing", async () => {
    const expected = pythonJson<string[]>(`
import json, pickle
class Reads:
    def read(self, n): return "abc"
    def readline(self): return b""
class Lines:
    def __init__(self): self.data = b"(lp0\\nI1\\na."
    def read(self, n):
        b, self.data = self.data[:n], self.data[n:]
        return b
    def readline(self): return "I1\\n"
out = []
for f in (Reads(), Lines()):
    try:
        pickle.load(f)
    except TypeError as e:
        out.append(str(e))
print(json.dumps(out))
`);
    expect(expected).toHaveLength(2);
    const text = Buffer.from("(lp0\nI1\na.", "latin1");
    const lines = (): { read(n: number): Uint8Array; readline(): Uint8Array } => {
      let pos = 0;
      return { read: (n) => text.subarray(pos, (pos += n)), readline: () => "I1\n" as unknown as Uint8Array };
    };
    expect(() => load({ read: () => "abc" as unknown as Uint8Array })).toThrow(new TypeError(expected[0]));
    expect(() => load(lines())).toThrow(new TypeError(expected[1]));
    await expect(load({ read: () => Promise.resolve("abc" as unknown as Uint8Array) })).rejects.toThrow(new TypeError(expected[0]));
    const data = Buffer.from(dumps([1, "two", [3]], 2));
    for (const peeked of ["a str", 42, null]) {
      let pos = 0;
      expect(load({ read: (n: number) => data.subarray(pos, (pos += n)), peek: () => peeked as unknown as Uint8Array })).toEqual([1, "two", [3]]);
    }
  });

  it("load() from a file whose read ends before what its peek shows is UnpicklingError, not a hang", async () => {
    const data = Buffer.from(dumps(Array.from({ length: 30000 }, (_, i) => `s${i}`), 2));
    for (const cut of [0, 1, 100, 5000]) {
      let pos = 0;
      const read = (n: number): Uint8Array => (pos >= cut ? new Uint8Array(0) : data.subarray(pos, (pos = Math.min(pos + n, cut))));
      const peek = (n: number): Uint8Array => data.subarray(pos, pos + Math.min(n, 4096));
      expect(() => load({ read, peek }), `sync, read ending at ${cut}`).toThrow(UnpicklingError);
      pos = 0;
      await expect(load({ read: (n: number) => Promise.resolve(read(n)), peek: (n: number) => Promise.resolve(peek(n)) }), `async, read ending at ${cut}`).rejects.toThrow(UnpicklingError);
    }
  });

  it("load() of a pickle whose STOP comes before its frame's end reads the whole frame, as CPython: the value, then the next pickle after the frame", async () => {
    // a FRAME that counts 4 bytes past its pickle's STOP (a writer other than CPython's, or damage), then a pickle of its own
    const oracle = pythonJson<{ stream: string; values: string[]; positions: number[] }>(`
import io, json, pickle, struct
body = pickle.dumps([1, "a"], 4)[11:] + b"NNNN"
stream = b"\\x80\\x04\\x95" + struct.pack("<Q", len(body)) + body + pickle.dumps("next", 4)
f = io.BytesIO(stream)
values, positions = [], []
for _ in range(2):
    values.append(repr(pickle.load(f)))
    positions.append(f.tell())
print(json.dumps({"stream": stream.hex(), "values": values, "positions": positions}))
`);
    const stream = Buffer.from(oracle.stream, "hex");
    expect(oracle.values).toEqual(["[1, 'a']", "'next'"]);
    class PeekingFile extends BytesIO {
      peek(n: number): Uint8Array {
        return this.data.subarray(this.pos, this.pos + n);
      }
    }
    for (const f of [new BytesIO(stream), new PeekingFile(stream)]) {
      expect(load(f)).toEqual([1, "a"]);
      expect(f.pos).toBe(oracle.positions[0]);
      expect(load(f)).toBe("next");
      expect(f.pos).toBe(oracle.positions[1]);
    }
    for (const chunk of [3, 64 * 1024]) {
      const parts = Array.from({ length: Math.ceil(stream.length / chunk) }, (_, i) => stream.subarray(i * chunk, (i + 1) * chunk));
      const readable = Readable.from(parts, { objectMode: false });
      expect(await load(readable)).toEqual([1, "a"]);
      expect(await load(readable)).toBe("next");
    }
  });

  it("load() reads one pickle at a time from an async file with short reads and no readline", async () => {
    const f = new SlowAsyncFile(new BytesIO(pyStream));
    for (let p = 0; p < 6; p++) {
      const pending = load(f);
      expect(pending).toBeInstanceOf(Promise);
      expect(((await pending) as { p: number }).p).toBe(p);
      expect(await load(f)).toEqual(["second", p]);
    }
  });

  it("dump() then load() through a sync file at every protocol, several in a row", () => {
    const f = new BytesIO();
    for (let p = 0; p <= 5; p++) for (const v of values) dump(v, f, p);
    f.pos = 0;
    for (let p = 0; p <= 5; p++) for (const v of values) expect(same(load(f), v), `protocol ${p}`).toBe(true);
  });

  it("dump() to a Node Writable resolves when written; load() from a Readable reads exactly one pickle", async () => {
    const stream = new PassThrough();
    const chunks: Buffer[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        chunks.push(chunk);
        cb();
      },
    });
    for (const v of values) await dump(v, sink, 4);
    const all = Buffer.concat(chunks);
    expect(all.equals(Buffer.concat(values.map((v) => Buffer.from(dumps(v, 4)))))).toBe(true);
    // feed the stream in odd-sized pieces while reading
    const feeding = (async () => {
      for (let i = 0; i < all.length; i += 4099) {
        stream.write(all.subarray(i, i + 4099));
        await new Promise((r) => setImmediate(r));
      }
      stream.write(Buffer.from("tail"));
      stream.end();
    })();
    for (const v of values) expect(same(await load(stream), v)).toBe(true);
    await feeding;
    expect((stream.read() as Buffer).toString()).toBe("tail");
  });

  it("load() from a stream that ends inside a pickle is UnpicklingError, not a hang", async () => {
    const stream = new PassThrough();
    const data = Buffer.from(dumps(values[0], 4));
    const cut = data.subarray(0, data.length - 10);
    stream.end(cut);
    const theirs = pythonJson<string>(
      `
import io, json, pickle, sys
try:
    pickle.load(io.BytesIO(bytes.fromhex(sys.stdin.read())))
    print(json.dumps("(loaded)"))
except Exception as e:
    print(json.dumps(str(e)))
`,
      Buffer.from(cut).toString("hex"),
    );
    await expect(load(stream)).rejects.toThrow(new UnpicklingError(theirs));
  });

  it("load() from an object-mode Readable (Readable.from's default) reads one pickle at a time, losing none of the rest", async () => {
    const all = Buffer.concat(values.map((v) => Buffer.from(dumps(v, 4))));
    for (const chunks of [[all], Array.from({ length: Math.ceil(all.length / 7) }, (_, i) => all.subarray(7 * i, 7 * i + 7))]) {
      const stream = Readable.from(chunks);
      expect(stream.readableObjectMode).toBe(true);
      for (const v of values) {
        // a Promise even when the pickle is there to be read at once
        const pending = load(stream);
        expect(pending).toBeInstanceOf(Promise);
        expect(same(await pending, v)).toBe(true);
      }
      await expect(load(stream)).rejects.toThrow(UnpicklingError);
    }
  });

  it("one Unpickler reads a long stream from one CPython Pickler (its memo growing all along) in time in proportion to it", async () => {
    const n = 20_000;
    const [stream, expected, memoSize] = pythonJson<[string, unknown[], number]>(`
import pickle, io, json
f = io.BytesIO()
pk = pickle.Pickler(f, 2)
records = [{"id": i, "name": "n%d" % i, "tags": ["a", "bb"]} for i in range(${n})]
for r in records:
    pk.dump(r)
print(json.dumps([f.getvalue().hex(), records, len(pk.memo.copy())]))
`);
    const data = Buffer.from(stream, "hex");
    for (const file of [new BytesIO(data), Readable.from([data], { objectMode: false })]) {
      const up = new Unpickler(file);
      const got: unknown[] = [];
      const t0 = performance.now();
      for (let i = 0; i < n; i++) got.push(await up.load());
      // (before: each load counted the memo's entries, 56 s for these 20,000 pickles)
      expect(performance.now() - t0).toBeLessThan(10_000);
      expect(got).toEqual(expected);
      expect(up.memo.length).toBe(memoSize);
    }
    // a memo the user replaces or empties is counted afresh: MEMOIZE numbers from 0 again (a stale count breaks the GETs)
    const x = [1];
    const up = new Unpickler(new BytesIO(Buffer.concat([dumps(x, 4), dumps([x, x], 4), dumps([x, x], 4)].map((b) => Buffer.from(b)))));
    up.load();
    up.memo = [];
    expect(up.load()).toEqual([x, x]);
    up.memo.length = 0;
    expect(up.load()).toEqual([x, x]);
  });

  it("Pickler keeps its memo across dump() calls as Python's does; clear_memo() forgets", () => {
    const f = new BytesIO();
    const shared = [1, 2];
    const pk = new Pickler(f, 2);
    pk.dump(shared);
    pk.dump(shared);
    const second = f.data.subarray(f.data.indexOf(0x2e) + 1);
    expect(Array.from(second)).toEqual([0x80, 2, 0x68, 0, 0x2e]); // PROTO 2, BINGET 0, STOP
    const up = new Unpickler(new BytesIO(f.data));
    const a = up.load();
    expect(up.load()).toBe(a);
    pk.clear_memo();
    const before = f.data.length;
    pk.dump(shared);
    expect(f.data.subarray(before).equals(Buffer.from(dumps(shared, 2)))).toBe(true);
  });

  it("a Pickler's stream of 20,000 records, more distinct strs than its str memo holds, is byte for byte CPython's", () => {
    const n = 20_000;
    const theirs = pythonJson<string[]>(`
import pickle, io, json
out = []
for p in (2, 4):
    f = io.BytesIO()
    pk = pickle.Pickler(f, p)
    for i in range(${n}):
        pk.dump({"id": i, "name": "n%d" % i, "tags": ["a", "bb"]})
    out.append(f.getvalue().hex())
print(json.dumps(out))
`);
    [2, 4].forEach((p, k) => {
      const f = new BytesIO();
      const pk = new Pickler(f, p);
      for (let i = 0; i < n; i++) pk.dump({ id: i, name: `n${i}`, tags: ["a", "bb"] });
      // (the keys stay fetched with two-byte GETs after the str memo fills, as CPython's)
      expect(f.data.toString("hex") === theirs[k], `protocol ${p}`).toBe(true);
    });
  });

  it("a Pickler at protocols 1-2 writes the bytes of later dumps as CPython's does (_codecs.encode and 'latin1' fetched from the kept memo)", () => {
    const py = pythonJson<Record<string, string>>(`
import io, json, pickle
out = {}
for p in (1, 2):
    f = io.BytesIO()
    pk = pickle.Pickler(f, p)
    # bytes made at run time: equal literals would be one constant object, memoized once
    for v in ([bytes([97, 98]), bytes([255, 128])], [bytes([97, 98])], [bytes(300 * [120]), "latin1".encode()], "latin1"):
        pk.dump(v)
    out[p] = f.getvalue().hex()
print(json.dumps(out))
`);
    for (const p of [1, 2]) {
      const f = new BytesIO();
      const pk = new Pickler(f, p);
      // fresh objects each time, as CPython's bytes() above are
      for (const v of [[Buffer.from("ab"), Buffer.from([255, 128])], [Buffer.from("ab")], [Buffer.alloc(300, "x"), Buffer.from("latin1")], "latin1"]) pk.dump(v);
      expect(f.data.toString("hex")).toBe(py[String(p)]);
    }
  });

  it("dump() with an async write returns a Promise", async () => {
    const got: Uint8Array[] = [];
    const r = dump([1], { write: async (b: Uint8Array) => { await new Promise((res) => setImmediate(res)); got.push(b); } }, 2);
    expect(r).toBeInstanceOf(Promise);
    await r;
    expect(Buffer.concat(got).equals(Buffer.from(dumps([1], 2)))).toBe(true);
  });
});
