/**
 * `str.encode(codec, errors)` against CPython's: for each codec and each of
 * Python's error handlers, the same bytes, or the same exception and text,
 * on chosen strings and on random ones built from the characters that
 * matter (ASCII, latin-1, the BMP, astral, and lone surrogates of each kind).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { pythonJson } from "../helpers/python.js";
import { encodeText } from "../../src/sockets/_encode.js";
import { LookupError, UnicodeEncodeError, ValueError } from "../../src/sockets/errors.js";
import type { Codec } from "../../src/sockets/_codecs.js";

const CODECS: Codec[] = ["utf_8", "latin_1", "ascii"];
const HANDLERS = ["strict", "ignore", "replace", "backslashreplace", "xmlcharrefreplace", "namereplace", "surrogateescape", "surrogatepass", "bogus"];

const CHOSEN = [
  "",
  "plain ascii",
  "a\udc80\udcff\u00e9\udc80b",
  "a\u00e9\udc80",
  "a\udc80\u0101\udcffb",
  "a\ud800\udc80\udcffb".replace("\ud800\udc80", "\ud800x\udc80"),
  "a\udc80\ud800",
  "\u00e9\ud800",
  "\udc7f\udc80\udcff\udd00",
  "caf\u00e9 \u20ac \u{1f600} \u65e5\u672c",
  "\u{1f600}\udcff\u00ff",
  "\x00\x7f\x80\xff",
];

const UNITS = ["a", "~", "\x00", "\x7f", "\x80", "\u00e9", "\u00ff", "\u0101", "\u20ac", "\u{1f600}", "\ud800", "\udbff", "\udc00", "\udc7f", "\udc80", "\udcff", "\udfff"];
const RANDOM = fc.sample(fc.array(fc.constantFrom(...UNITS), { maxLength: 12 }), { numRuns: 1500, seed: 20261206 }).map((units) => units.join(""));

type Outcome = { hex: string } | { error: string };

function ours(s: string, codec: Codec, errors: string): Outcome {
  try {
    return { hex: encodeText(s, codec, errors).toString("hex") };
  } catch (e) {
    if (e instanceof UnicodeEncodeError) return { error: `UnicodeEncodeError: ${e.message}` };
    if (e instanceof LookupError) return { error: `LookupError: ${e.message}` };
    throw e;
  }
}

/** Whether 'namereplace' would need a character's name: a character the codec cannot hold that is not a surrogate. */
function needsName(s: string, codec: Codec): boolean {
  const limit = codec === "ascii" ? 0x80 : codec === "latin_1" ? 0x100 : Infinity;
  return Array.from(s).some((c) => c.codePointAt(0)! >= limit && !/^[\ud800-\udfff]$/.test(c));
}

describe("encodeText encodes as CPython's str.encode", () => {
  const strings = [...CHOSEN, ...RANDOM];
  const theirs = pythonJson<Outcome[][][]>(
    String.raw`
import json, sys
data = json.loads(sys.stdin.read())
names = {"utf_8": "utf-8", "latin_1": "latin-1", "ascii": "ascii"}
out = []
for codec in data["codecs"]:
    per = []
    for errors in data["handlers"]:
        row = []
        for s in data["strings"]:
            try:
                row.append({"hex": s.encode(names[codec], errors).hex()})
            except (UnicodeEncodeError, LookupError) as e:
                row.append({"error": type(e).__name__ + ": " + str(e)})
        per.append(row)
    out.append(per)
print(json.dumps(out))
`,
    JSON.stringify({ codecs: CODECS, handlers: HANDLERS, strings }),
  );

  CODECS.forEach((codec, i) => {
    HANDLERS.forEach((errors, j) => {
      it(`${codec} with '${errors}': the same bytes or the same error`, () => {
        strings.forEach((s, k) => {
          if (errors === "namereplace" && needsName(s, codec)) {
            expect(() => encodeText(s, codec, errors), JSON.stringify(s)).toThrow(ValueError);
            return;
          }
          expect(ours(s, codec, errors), JSON.stringify(s)).toEqual(theirs[i]![j]![k]);
        });
      });
    });
  });
});
