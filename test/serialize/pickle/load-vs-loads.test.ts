/**
 * load() reads a pickle's bytes from a file before the machine sees them:
 * with peek (a whole pickle taken with one read), without it (opcode by
 * opcode, a FRAME whole), or from a Node Readable. On damaged pickles, each
 * way must give what loads() gives for the same bytes: the same value, or
 * UnpicklingError when loads() refuses them.
 */
import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { load, loads, UnpicklingError } from "stdnet/pickle";
import { pythonJson } from "../../helpers/python.js";
import { pyDiff } from "./_oracle.js";
import { mutants } from "./_mutants.js";

const CASES = 3_000;

/** A file over `data`: read(n) and readline(), and peek(n) showing at most `peekLimit` bytes when given one. */
function fileOver(data: Buffer, peekLimit?: number): { read(n: number): Uint8Array; readline(): Uint8Array; peek?: (n: number) => Uint8Array } {
  let pos = 0;
  const file = {
    read(n: number): Uint8Array {
      const b = data.subarray(pos, pos + n);
      pos += b.length;
      return b;
    },
    readline(): Uint8Array {
      const nl = data.indexOf(0x0a, pos);
      return file.read((nl < 0 ? data.length : nl + 1) - pos);
    },
  };
  return peekLimit === undefined ? file : { ...file, peek: (n: number) => data.subarray(pos, pos + Math.min(n, peekLimit)) };
}

type Outcome = { value: unknown } | { refused: true };

async function outcomeOf(run: () => unknown): Promise<Outcome> {
  try {
    return { value: await run() };
  } catch (e) {
    if (!(e instanceof UnpicklingError)) throw e;
    return { refused: true };
  }
}

describe("load() agrees with loads() on damaged pickles", () => {
  it(`load() through a file with and without peek and through Readables gives what loads() gives, for ${CASES.toLocaleString("en")} damaged pickles`, async () => {
    const seeds = pythonJson<string[]>(`
import json, pickle
v = [None, True, 1, -300, 70000, 2**70, 1.5, "é日😀", b"ab", b"", bytearray(b"c"), (1, 2), (), {"a": 1, 2: [3]}, {1, 2}, frozenset([3]), "x" * 300, list(range(300))]
l = [v, v, {"k": v}]; l.append(l)
print(json.dumps([pickle.dumps(x, p).hex() for p in range(6) for x in (l, {"k": "x" * 30, "n": list(range(20))})]))
`).map((h) => Buffer.from(h, "hex"));
    // another pickle after each damaged one: what load() reads past a damaged length or frame comes from it, as loads() reads it
    const next = Buffer.from("\x80\x04K\x07.", "latin1");
    let values = 0;
    const damaged = mutants(seeds, CASES, 12345);
    for (let i = 0; i < CASES; i++) {
      const data = Buffer.concat([damaged[i]!, next]);
      const want = await outcomeOf(() => loads(data));
      if ("value" in want) values++;
      const ways: [string, () => unknown][] = [
        ["a file with peek", () => load(fileOver(data, 64 * 1024))],
        ["a file with a 37-byte peek", () => load(fileOver(data, 37))],
        ["a file without peek", () => load(fileOver(data))],
        ["a Readable of 7-byte chunks", () => load(Readable.from(Array.from({ length: Math.ceil(data.length / 7) }, (_, k) => data.subarray(7 * k, 7 * k + 7)), { objectMode: false }))],
        ["a Readable of one chunk", () => load(Readable.from([data], { objectMode: false }))],
      ];
      for (const [way, run] of ways) {
        const got = await outcomeOf(run);
        const where = `${way}, damaged pickle ${i}: ${data.toString("hex")}`;
        expect("value" in got, where).toBe("value" in want);
        if ("value" in got && "value" in want) expect(pyDiff(got.value, want.value), where).toBe("");
      }
    }
    expect(values).toBeGreaterThan(CASES / 20);
  });
});
