/**
 * Fuzzing struct with random format strings (valid and not), random buffers,
 * offsets and values of every JavaScript kind: every call must give a result
 * or a struct.error — never a TypeError or RangeError from the engine — and a
 * failed pack_into must leave its buffer untouched. python3 judges, in one
 * batch, which of the random formats are valid, their sizes and messages, and
 * what random bytes unpack to.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { calcsize, error, iter_unpack, pack, pack_into, unpack, unpack_from } from "stdnet/struct";
import { runPython } from "../helpers/python.js";

// Mostly codes and counts, so that many formats are valid; some prefixes,
// whitespace and characters CPython refuses.
const formatArb = fc
  .array(
    fc.oneof(
      { arbitrary: fc.constantFrom(..."xcbB?hHiIlLqQnNefdspP".split("")), weight: 8 },
      { arbitrary: fc.constantFrom(..."0123456789".split("")), weight: 3 },
      { arbitrary: fc.constantFrom(..."@=<>!  \t\n".split("")), weight: 2 },
      { arbitrary: fc.constantFrom(..."zZ#-\0é".split("")), weight: 1 },
    ),
    { maxLength: 12 },
  )
  .map((cs) => cs.join(""));
const junkArb: fc.Arbitrary<unknown> = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.bigInt(),
  fc.boolean(),
  fc.string({ maxLength: 3 }),
  fc.constantFrom(null, undefined, Symbol("x"), () => 1, new Date(0), NaN, -0),
  fc.uint8Array({ maxLength: 4 }),
  fc.array(fc.integer(), { maxLength: 2 }),
  fc.dictionary(fc.string({ maxLength: 2 }), fc.integer(), { maxKeys: 2 }),
);

interface Verdict {
  size?: number;
  err?: string;
  type?: string;
  unpacked?: unknown[];
}

const JUDGE = String.raw`
import json, struct, sys
def enc(v):
    if isinstance(v, bool): return {"t": v}
    if isinstance(v, int): return {"i": str(v)}
    if isinstance(v, float): return {"f": repr(v)}
    return {"b": v.hex()}
out = []
for fmt, data in json.load(sys.stdin):
    try:
        size = struct.calcsize(fmt)
        try: un = [enc(v) for v in struct.unpack(fmt, bytes.fromhex(data)[:size])] if size <= 512 else None
        except SystemError: un = None
        out.append({"size": size, "unpacked": un})
    except Exception as e:
        out.append({"err": str(e), "type": type(e).__name__})
print(json.dumps(out))
`;

// Runs fn; returns undefined if it gave a result or raised struct.error, else what went wrong.
function misbehaves(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (e) {
    return e instanceof error ? undefined : `threw ${String(e)}`;
  }
}

function same(ours: unknown, e: { i?: string; f?: string; t?: boolean; b?: string }): boolean {
  if (e.i !== undefined) return String(ours) === e.i;
  if (e.f !== undefined) return Object.is(ours, e.f === "nan" ? NaN : e.f === "inf" ? Infinity : e.f === "-inf" ? -Infinity : Number(e.f));
  if (e.t !== undefined) return ours === e.t;
  return ours instanceof Uint8Array && Buffer.from(ours).toString("hex") === e.b;
}

describe("struct under random input", () => {
  it("accepts and refuses random formats as python3 does, and unpacks random bytes alike", async () => {
    const seed = Date.now() % 2 ** 31;
    const formats = fc.sample(formatArb, { numRuns: 2000, seed });
    const data = fc.sample(fc.uint8Array({ minLength: 512, maxLength: 512 }), { numRuns: 1, seed })[0]!;
    const hex = Buffer.from(data).toString("hex");
    const verdicts = JSON.parse((await runPython(JUDGE, [], JSON.stringify(formats.map((f) => [f, hex])))).toString()) as Verdict[];
    const failures: string[] = [];
    formats.forEach((fmt, i) => {
      const v = verdicts[i]!;
      const show = `seed ${seed}, format ${JSON.stringify(fmt)}`;
      let size: number | undefined;
      try {
        size = calcsize(fmt);
      } catch (e) {
        if (!(e instanceof error)) failures.push(`${show}: threw ${String(e)}`);
        else if (v.err === undefined) failures.push(`${show}: we refused it (${e.message}), python3 sized it ${v.size}`);
        else if (v.type === "error" && e.message !== v.err) failures.push(`${show}: we said "${e.message}", python3 "${v.err}"`);
        return;
      }
      if (v.err !== undefined) failures.push(`${show}: we sized it ${size}, python3 raised ${v.type}: ${v.err}`);
      else if (size !== v.size) failures.push(`${show}: size ${size}, python3 ${v.size}`);
      else if (v.unpacked) {
        let ours: unknown[] = [];
        try {
          ours = unpack(fmt, data.subarray(0, size));
        } catch (e) {
          failures.push(`${show}: unpack threw ${String(e)}`);
        }
        const theirs = v.unpacked as { i?: string; f?: string; t?: boolean; b?: string }[];
        if (ours.length !== theirs.length || !ours.every((x, k) => same(x, theirs[k]!))) failures.push(`${show}: unpacked differently from python3`);
      }
    });
    expect(failures.slice(0, 10)).toEqual([]);
  });

  it("gives a result or struct.error for random formats, values, buffers and offsets, and a failed pack_into writes nothing", () => {
    const caseArb = fc.record({
      format: formatArb,
      values: fc.array(junkArb, { maxLength: 14 }),
      buffer: fc.uint8Array({ maxLength: 64 }),
      offset: fc.oneof(fc.integer({ min: -70, max: 70 }), fc.constantFrom(0.5, NaN, Infinity, -Infinity, 2 ** 60)),
      start: fc.nat(4),
    });
    fc.assert(
      fc.property(caseArb, ({ format, values, buffer, offset, start }) => {
        const calls: (() => unknown)[] = [
          () => calcsize(format),
          () => pack(format, ...values),
          () => unpack(format, buffer),
          () => unpack_from(format, buffer, offset),
          () => [...iter_unpack(format, buffer)],
          () => unpack(format, buffer.subarray(start)),
        ];
        for (const call of calls) {
          const m = misbehaves(call);
          if (m !== undefined) throw new Error(m);
        }
        const target = Uint8Array.from(buffer);
        try {
          pack_into(format, target, offset, ...values);
        } catch (e) {
          if (!(e instanceof error)) throw e;
          if (!target.every((x, k) => x === buffer[k])) throw new Error("pack_into failed after writing");
        }
        // With exactly as many values as the format takes, packing must still fail only with struct.error.
        let n = 0;
        try {
          const size = calcsize(format);
          if (size > 4096) return;
          n = unpack(format, new Uint8Array(size)).length;
        } catch {
          return;
        }
        const m = misbehaves(() => pack(format, ...Array.from({ length: n }, (_, k) => values[k % Math.max(1, values.length)])));
        if (m !== undefined) throw new Error(m);
      }),
      { numRuns: 2000 },
    );
  });
});
