/**
 * struct's API as a JavaScript user meets it: the Struct object, the error
 * class, the buffers it accepts, the iterator, the cache, and the documented
 * differences from CPython. Byte-for-byte agreement with CPython is checked in
 * struct-cpython-vectors.test.ts and struct-python-roundtrip.test.ts.
 */
import { describe, expect, it } from "vitest";
import { _clearcache, calcsize, error, iter_unpack, pack, pack_into, Struct, StructError, unpack, unpack_from } from "stdnet/struct";
import { pythonJson } from "../helpers/python.js";

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error("did not throw");
}

describe("Struct", () => {
  it("exposes the format and the size of its record", () => {
    const s = new Struct("<iIqd8s?");
    expect(s.format).toBe("<iIqd8s?");
    expect(s.size).toBe(33);
    expect(new Struct(new TextEncoder().encode(">hh")).format).toBe(">hh");
  });

  it("packs and unpacks the record it describes", () => {
    const s = new Struct("!HHI");
    expect(Array.from(s.pack(1, 2, 3))).toEqual([0, 1, 0, 2, 0, 0, 0, 3]);
    expect(s.unpack(s.pack(1, 2, 3))).toEqual([1, 2, 3]);
  });

  it("refuses a format that is not a string or bytes", () => {
    const e = thrown(() => new Struct(5 as unknown as string));
    expect(e).toBeInstanceOf(error);
    expect((e as Error).message).toBe("Struct() argument 1 must be a str or bytes object, not number");
  });
});

describe("struct.error", () => {
  it("is named error, is an Error, and StructError is the same class", () => {
    const e = thrown(() => calcsize("<z"));
    expect(e).toBeInstanceOf(error);
    expect(e).toBeInstanceOf(Error);
    expect((e as Error).name).toBe("error");
    expect(StructError).toBe(error);
    expect(String(e)).toBe("error: bad char in struct format");
  });
});

describe("buffers", () => {
  const record = pack("<hq", -2, 5n);

  it("unpack() reads a Uint8Array, a Buffer at an offset, a DataView, another typed array and an ArrayBuffer", () => {
    const big = Buffer.alloc(40);
    big.set(record, 13);
    const inside = big.subarray(13, 13 + record.length);
    const copy = new ArrayBuffer(record.length);
    new Uint8Array(copy).set(record);
    for (const b of [record, inside, new DataView(copy), copy, new Uint16Array(copy.slice(0, 10))]) {
      expect(unpack("<hq", b)).toEqual([-2, 5n]);
    }
  });

  it("unpack() refuses what is not bytes-like with struct.error", () => {
    const e = thrown(() => unpack("<h", "ab" as unknown as Uint8Array));
    expect(e).toBeInstanceOf(error);
    expect((e as Error).message).toBe("a bytes-like object is required, not 'string'");
  });

  it("unpacked bytes are copies that later writes to the buffer do not change", () => {
    const buf = Uint8Array.from([3, 97, 98, 99, 120]);
    const [c, s, p] = unpack("c2s2p", buf.subarray(0, 5)) as Uint8Array[];
    buf.fill(0);
    expect(Array.from(c!)).toEqual([3]);
    expect(Array.from(s!)).toEqual([97, 98]);
    expect(Array.from(p!)).toEqual([120]);
  });

  it("records packed one after another do not share bytes", () => {
    const a = pack("<i", 1);
    const b = pack("<i", 2);
    a.fill(0xff);
    expect(unpack("<i", b)).toEqual([2]);
  });

  it("pack() builds records larger than a slab", () => {
    const values = Array.from({ length: 3000 }, (_, i) => i - 1500);
    const bytes = pack("<3000i", ...values);
    expect(bytes.length).toBe(12000);
    expect(unpack("<3000i", bytes)).toEqual(values);
  });

  it("unpack_from() reads records from a buffer larger than 64 KiB, in one job and the next", async () => {
    const big = new Uint8Array(200_000);
    pack_into("<I", big, 150_000, 77);
    expect(unpack_from("<I", big, 150_000)).toEqual([77]);
    await new Promise((resolve) => setTimeout(resolve, 1));
    pack_into("<I", big, 160_000, 78);
    expect(unpack_from("<I", big, 160_000)).toEqual([78]);
    expect(unpack_from("<I", big, 150_000)).toEqual([77]);
  });

  it("unpack_from() honours a negative offset", () => {
    expect(unpack_from(">H", Uint8Array.of(9, 9, 1, 2), -2)).toEqual([258]);
  });

  it("unpack_from() refuses an offset that is not an integer", () => {
    const e = thrown(() => unpack_from("<h", new Uint8Array(4), 1.5));
    expect(e).toBeInstanceOf(error);
    expect((e as Error).message).toBe("'number' object cannot be interpreted as an integer");
  });
});

describe("pack_into()", () => {
  it("writes at the offset and nothing else", () => {
    const buf = new Uint8Array(8).fill(7);
    pack_into("<h", buf, 3, -2);
    expect(Array.from(buf)).toEqual([7, 7, 7, 0xfe, 0xff, 7, 7, 7]);
  });

  it("writes nothing when the last value of the record is bad", () => {
    const buf = new Uint8Array(16).fill(7);
    expect(() => pack_into("<iiqh", buf, 0, 1, 2, 3n, 40000)).toThrow(error);
    expect(buf.every((x) => x === 7)).toBe(true);
  });

  it("Struct.pack_into counts a negative offset from the end", () => {
    const buf = new Uint8Array(6);
    new Struct(">H").pack_into(buf, -2, 0x0102);
    expect(Array.from(buf)).toEqual([0, 0, 0, 0, 1, 2]);
  });
});

describe("iter_unpack()", () => {
  it("is its own iterator, counts what remains, and stays done", () => {
    const it = iter_unpack("<h", Uint8Array.of(1, 0, 2, 0, 3, 0));
    expect(it[Symbol.iterator]()).toBe(it);
    expect(it.__length_hint__()).toBe(3);
    expect(it.next()).toEqual({ done: false, value: [1] });
    expect(it.__length_hint__()).toBe(2);
    expect([...it]).toEqual([[2], [3]]);
    expect(it.next()).toEqual({ done: true, value: undefined });
    expect(it.__length_hint__()).toBe(0);
  });

  it("reads a Buffer that sits inside a larger pool", () => {
    const buf = Buffer.from([0, 0, 5, 0, 6, 0]).subarray(2);
    expect([...new Struct("<h").iter_unpack(buf)]).toEqual([[5], [6]]);
  });
});

describe("the format cache", () => {
  it("gives the same results after more formats than it holds and after _clearcache()", () => {
    for (let i = 0; i < 250; i++) expect(calcsize(`${i}x`)).toBe(i);
    _clearcache();
    expect(calcsize("<q")).toBe(8);
    expect(unpack("<q", pack("<q", -1n))).toEqual([-1n]);
  });
});

describe("values", () => {
  it("'?' packs Python's truth of any value", () => {
    const values = [[], [0], {}, { a: 1 }, new Map(), new Set([1]), "", "x", null, undefined, NaN, 0, -0, 0n, 2n, new Uint8Array(0)];
    expect(Array.from(pack(`${values.length}?`, ...values))).toEqual([0, 1, 0, 1, 0, 1, 0, 1, 0, 0, 1, 0, 0, 0, 1, 0]);
  });

  it("8-byte integers accept numbers and bigints and unpack as bigints", () => {
    expect(unpack("<qQ", pack("<qQ", -(2 ** 53), 2 ** 63))).toEqual([-(2n ** 53n), 2n ** 63n]);
    expect(unpack("@lLnNP", pack("@lLnNP", -1, 1, -2n, 2n, -1))).toEqual([-1n, 1n, -2n, 2n, 2n ** 64n - 1n]);
  });

  it("unpacks a NaN with a payload as NaN", () => {
    const [x] = unpack("<d", Uint8Array.of(1, 0, 0, 0, 0, 0, 0xf0, 0x7f));
    expect(Number.isNaN(x)).toBe(true);
  });

  it("refuses to unpack a '0p' field, which has no length byte (CPython raises SystemError)", () => {
    expect(() => unpack("0p", new Uint8Array(0))).toThrow(error);
  });

  it("refuses a format larger than 2^53 - 1 bytes (CPython's calcsize allows up to 2^63 - 1)", () => {
    expect(() => calcsize("9223372036854775807x")).toThrow("total struct size too long");
    const cpython = pythonJson<number>("import struct, json; print(json.dumps(struct.calcsize('9007199254740991x')))");
    expect(calcsize("9007199254740991x")).toBe(cpython);
  });
});
