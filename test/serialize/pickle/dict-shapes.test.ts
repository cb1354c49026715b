/**
 * loads() of lists of dicts that repeat their str keys: after two dicts
 * with the same keys, stdnet fills the next ones through a function
 * generated for those keys (src/serialize/pickle/_dictshape.ts). Keys that
 * could break out of generated code, and "__proto__", must load exactly as
 * Python has them, with or without code generation.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loads } from "stdnet/pickle";
import { pythonJson } from "../../helpers/python.js";
import { runScript } from "../../helpers/processes.js";

interface Corpus {
  pickles: string[];
  expected: string[];
}

// Python's json.dumps of each value, re-serialised by JS for a byte-exact comparison
const corpus = pythonJson<Corpus>(String.raw`
import json, pickle
keysets = [
    ["id", "name", "score"],
    ['a"b', "c\\d", "e\nf", "\u2028g", "${'$'}{x}", "` + "`" + String.raw`", "</script>", "'); throw 1; ('", ""],
    ["__proto__", "x", "y"],
    ["constructor", "toString", "hasOwnProperty", "valueOf"],
    ["k" * 1000, "é日😀", "1", "0"],
]
values = []
for ks in keysets:
    values.append([{k: i * 10 + j for j, k in enumerate(ks)} for i in range(6)])
values.append([{"a": 1, "b": 2}, {"a": 3, "b": 4}, {"b": 5, "a": 6}, {"a": 7, "b": 8, "c": 9}, {"a": 10, "b": 11}])
pickles = [pickle.dumps(v, p).hex() for v in values for p in range(6)]
expected = [json.dumps(v) for v in values for p in range(6)]
print(json.dumps({"pickles": pickles, "expected": expected}))
`);

const dir = mkdtempSync(join(tmpdir(), "stdnet-shapes-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const fixture = join(import.meta.dirname, "fixtures", "load-hex.ts");
const same = (json: string): string => JSON.stringify(JSON.parse(json) as unknown);

describe("loads() of dicts that repeat their keys", () => {
  it("gives every key and value as Python has them, own properties on plain objects", () => {
    corpus.pickles.forEach((hex, i) => {
      const got = loads(Buffer.from(hex, "hex")) as Record<string, unknown>[];
      expect(JSON.stringify(got)).toBe(same(corpus.expected[i]!));
      for (const d of got) expect(Object.getPrototypeOf(d)).toBe(Object.prototype);
    });
    const protoRecords = loads(Buffer.from(corpus.pickles[12]!, "hex")) as Record<string, unknown>[];
    expect(protoRecords.map((d) => Object.getOwnPropertyDescriptor(d, "__proto__")?.value as unknown)).toEqual([0, 10, 20, 30, 40, 50]);
    expect(Object.keys(Object.prototype)).toEqual([]);
  });

  it("gives the same values where code cannot be generated from strings", async () => {
    const file = join(dir, "pickles.txt");
    writeFileSync(file, corpus.pickles.join("\n"));
    const [normal, refused] = await Promise.all([runScript(fixture, [file]), runScript(fixture, [file], { NODE_OPTIONS: "--disallow-code-generation-from-strings" })]);
    const a = JSON.parse(normal) as { codegen: boolean; out: string[] };
    const b = JSON.parse(refused) as { codegen: boolean; out: string[] };
    expect([a.codegen, b.codegen]).toEqual([true, false]);
    expect(b.out).toEqual(a.out);
    expect(a.out).toEqual(corpus.expected.map(same));
  });
});
