/**
 * Sets and dicts whose keys Python holds equal and JS tells apart (True and
 * 1, False and 0, an int past 2**53 and the float of its value): crafted
 * pickles (CPython never writes two such keys into one container) load as
 * CPython loads them, the first key kept and, in a dict, the last value.
 */
import { describe, expect, it } from "vitest";
import { loads } from "stdnet/pickle";
import { pythonJson } from "../../helpers/python.js";

const bytes = (s: string): Buffer => Buffer.from(s, "latin1");

/** 2**70 as LONG1, and as BINFLOAT (big-endian double). */
const LONG_2_70 = "\x8a\x09\x00\x00\x00\x00\x00\x00\x00\x00\x40";
const FLOAT_2_70 = "G\x44\x50\x00\x00\x00\x00\x00\x00";

const PICKLES = [
  // sets: ADDITEMS, FROZENSET, set() and frozenset() of a list, at protocols 4 and 2
  "\x80\x04\x8f(K\x01\x88K\x02\x90.",
  "\x80\x04\x8f(\x88K\x01\x90.",
  "\x80\x04\x8f(\x89K\x00\x88\x90.",
  "\x80\x04(K\x01\x88\x91.",
  "\x80\x02c__builtin__\nset\n](K\x01\x88\x89K\x00e\x85R.",
  "\x80\x02c__builtin__\nfrozenset\n](\x88K\x01e\x85R.",
  `\x80\x04\x8f(${LONG_2_70}${FLOAT_2_70}\x90.`,
  `\x80\x04\x8f(${FLOAT_2_70}${LONG_2_70}\x90.`,
  // dicts: SETITEMS, SETITEM, DICT, and a dict of str keys that then meets int ones
  "\x80\x04}(K\x01\x8c\x01a\x88\x8c\x01bu.",
  "\x80\x04}\x88K\x01sK\x01K\x02s.",
  "\x80\x04(\x89K\x05K\x00K\x06d.",
  `\x80\x04}(${FLOAT_2_70}K\x01${LONG_2_70}K\x02u.`,
  "\x80\x04}(\x8c\x01kK\x00K\x01K\x01\x88K\x02u.",
];

/** A key as CPython tells it: its type's name and its repr. */
type Key = [string, string];
type Loaded = { set: Key[] } | { dict: [Key, string][] };

/** Ours, told the same way (a number is a float when Python's would be: past 2**53, as loads maps them). */
function pyKey(k: unknown): Key {
  if (typeof k === "boolean") return ["bool", k ? "True" : "False"];
  if (typeof k === "bigint") return ["int", k.toString()];
  if (typeof k === "number") return Number.isSafeInteger(k) ? ["int", String(k)] : ["float", BigInt(k).toString()];
  return ["str", `'${String(k)}'`];
}

function told(v: unknown): Loaded {
  if (v instanceof Set) return { set: [...v].map(pyKey) };
  if (v instanceof Map) return { dict: [...v].map(([k, x]) => [pyKey(k), pyKey(x)[1]]) };
  throw new Error(`neither a set nor a dict: ${String(v)}`);
}

describe("loads() holds keys equal where Python does", () => {
  it("a set or dict with True and 1, False and 0, or 2**70 as int and as float keeps CPython's keys and values", () => {
    const theirs = pythonJson<Loaded[]>(
      String.raw`
import json, pickle, sys
def key(k):
    return [type(k).__name__, str(int(k)) if type(k) is float else repr(k)]
out = []
for h in json.loads(sys.stdin.read()):
    v = pickle.loads(bytes.fromhex(h))
    out.append({"dict": [[key(k), repr(x)] for k, x in v.items()]} if isinstance(v, dict) else {"set": [key(k) for k in v]})
print(json.dumps(out))
`,
      JSON.stringify(PICKLES.map((p) => bytes(p).toString("hex"))),
    );
    PICKLES.forEach((p, i) => {
      const ours = told(loads(bytes(p)));
      const want = theirs[i]!;
      // a set's order is Python's hash order: compared as sorted
      if ("set" in want && "set" in ours) expect(ours.set.map(String).sort(), JSON.stringify(p)).toEqual(want.set.map(String).sort());
      else expect(ours, JSON.stringify(p)).toEqual(want);
    });
  });
});
