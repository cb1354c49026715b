/**
 * Python ints in pickles, against CPython: text ints (protocols 0-1) within
 * and past CPython's limit of 4300 decimal digits, their error texts, and
 * LONG1/LONG4 of big ints written and read in linear time.
 */
import { describe, expect, it } from "vitest";
import { dumps, loads, UnpicklingError } from "stdnet/pickle";
import { ValueError } from "stdnet/socket";
import { pythonJson } from "../../helpers/python.js";

/** What CPython's loads makes of each pickle: the int as hex text, or the error's type and message. */
type Outcome = { hex: string } | { error: string; message: string };

function pyLoads(pickles: readonly Buffer[]): Outcome[] {
  return pythonJson<Outcome[]>(
    String.raw`
import json, pickle, sys
out = []
for h in json.loads(sys.stdin.read()):
    try:
        out.append({"hex": hex(pickle.loads(bytes.fromhex(h)))})
    except Exception as e:
        out.append({"error": type(e).__name__, "message": str(e)})
print(json.dumps(out))
`,
    JSON.stringify(pickles.map((p) => p.toString("hex"))),
  );
}

/** Our loads of `data`, in the same terms (hex as Python's hex() writes it). */
function ourLoads(data: Buffer): Outcome {
  try {
    const v = loads(data);
    const b = BigInt(v as number | bigint);
    return { hex: b < 0n ? `-0x${(-b).toString(16)}` : `0x${b.toString(16)}` };
  } catch (e) {
    if (!(e instanceof UnpicklingError)) throw e;
    return { error: "ValueError", message: e.message };
  }
}

const text = (s: string): Buffer => Buffer.from(s, "latin1");

describe("pickle ints against CPython", () => {
  it("loads() of text ints gives CPython's values within its 4300-digit limit, and its error texts past it or for a bad literal", () => {
    const nines = (n: number): string => "9".repeat(n);
    const pickles = [
      text(`L${nines(4300)}L\n.`),
      text(`L-${nines(4300)}L\n.`),
      text(`L${nines(4301)}L\n.`),
      text(`L-${nines(5000)}\n.`),
      text(`L1_000_${"0".repeat(4298)}L\n.`),
      text(`L0x${"f".repeat(6000)}L\n.`),
      text(`L0b${"1".repeat(20000)}L\n.`),
      text(`I${nines(4300)}\n.`),
      text(`I${nines(4301)}\n.`),
      text("LabcL\n."),
      text("L12a\n."),
      text("L0xZZL\n."),
      text("L'q'L\n."),
      text("L0o9L\n."),
    ];
    const expected = pyLoads(pickles);
    pickles.forEach((p, i) => expect(ourLoads(p), p.subarray(0, 40).toString("latin1")).toEqual(expected[i]));
  });

  it("dumps() at protocols 0 and 1 writes an int of 4300 digits that CPython loads, and refuses one more as CPython does (ValueError)", () => {
    const most = 10n ** 4300n - 1n;
    const ours = [0, 1].flatMap((p) => [Buffer.from(dumps(most, p)), Buffer.from(dumps(-most, p))]);
    const back = pyLoads(ours);
    expect(back.map((o) => ("hex" in o ? BigInt(o.hex.replace("-", "")) : o))).toEqual([most, most, most, most]);
    const refused = pythonJson<string[]>(String.raw`
import json, pickle
out = []
for p in (0, 1):
    for v in (10 ** 4300, -(10 ** 4300)):
        try:
            pickle.dumps(v, p)
            out.append("")
        except ValueError as e:
            out.append(str(e))
print(json.dumps(out))
`);
    const mine = [0, 1].flatMap((p) =>
      [10n ** 4300n, -(10n ** 4300n)].map((v) => {
        try {
          dumps(v, p);
          return "";
        } catch (e) {
          if (!(e instanceof ValueError)) throw e;
          return e.message;
        }
      }),
    );
    expect(mine).toEqual(refused);
    // at protocol 2 and up the int goes as bytes (LONG4), with no limit
    expect(loads(dumps(10n ** 4300n, 2))).toBe(10n ** 4300n);
  });

  it("LONG1 of 5 to 18 bytes (written and read through 32- and 64-bit halves up to 16): CPython's bytes and values at every edge", () => {
    // ±2^k and its neighbours, k from 31 to 140: numbers up to 2^53, bigints past it
    const values: bigint[] = [];
    for (let k = 31n; k <= 140n; k++) for (const d of [-1n, 0n, 1n]) values.push((1n << k) + d, -(1n << k) + d);
    const asJs = (v: bigint): number | bigint => (v >= -(2n ** 53n - 1n) && v <= 2n ** 53n - 1n ? Number(v) : v);
    const theirs = pythonJson<string[]>(
      String.raw`
import json, pickle, sys
print(json.dumps([pickle.dumps(int(v), 2).hex() for v in json.loads(sys.stdin.read())]))
`,
      JSON.stringify(values.map(String)),
    );
    values.forEach((v, i) => {
      const where = `${v}`;
      expect(Buffer.from(dumps(asJs(v), 2)).toString("hex"), where).toBe(theirs[i]);
      // a number that is safe also as a bigint
      expect(Buffer.from(dumps(v, 2)).toString("hex"), where).toBe(theirs[i]);
      expect(loads(Buffer.from(theirs[i]!, "hex")), where).toBe(asJs(v));
    });
    // LONG1 of 7 to 16 bytes that are not the shortest (CPython reads them, and so do we)
    for (const n of [7, 8, 9, 12, 14, 15, 16]) {
      expect(loads(Buffer.from([0x80, 2, 0x8a, n, 5, ...new Array<number>(n - 1).fill(0), 0x2e]))).toBe(5);
      expect(loads(Buffer.from([0x80, 2, 0x8a, n, ...new Array<number>(n).fill(0xff), 0x2e]))).toBe(-1);
    }
  });

  it("dumps() and loads() of an int of 300,000 bytes (LONG4) agree with CPython, in linear time", () => {
    const big = -(3n ** 1_500_000n) - 12345n; // about 2.4 million bits
    const t0 = performance.now();
    const ours = Buffer.from(dumps(big, 4));
    const back = loads(ours);
    // (before: shifting a byte off at a time took ~7 s to write it; building hex a byte at a time, ~0.1 s to read it)
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(back).toBe(big);
    const [py] = pyLoads([ours]);
    expect(py).toEqual({ hex: `-0x${(-big).toString(16)}` });
    const theirs = pythonJson<string>(String.raw`
import json, pickle
print(json.dumps(pickle.dumps(-(3 ** 1_500_000) - 12345, 4).hex()))
`);
    expect(ours.toString("hex")).toBe(theirs);
    expect(loads(Buffer.from(theirs, "hex"))).toBe(big);
  });
});
