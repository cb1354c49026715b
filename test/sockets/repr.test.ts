/**
 * repr() of a str as python3's: every code point shown as itself or escaped
 * as CPython escapes it (str.isprintable, with python3's Unicode version),
 * and the quote chosen as CPython chooses it.
 */
import { describe, expect, it } from "vitest";
import { repr } from "stdnet/socket";
import { pythonJson } from "../helpers/python.js";

describe("repr() of a str", () => {
  it("shows each code point as python3's repr() does", () => {
    // every code point in strs of 4,096 code points each, but surrogates, each alone (in JS a high one
    // and a low one side by side are one code point)
    const surrogate = (cp: number): boolean => cp >= 0xd800 && cp < 0xe000;
    const theirs = pythonJson<{ blocks: string[]; surrogates: string[] }>(String.raw`
import json
blocks = [repr("".join(chr(c) for c in range(start, min(start + 4096, 0x110000)) if not 0xd800 <= c < 0xe000)) for start in range(0, 0x110000, 4096)]
print(json.dumps({"blocks": blocks, "surrogates": [repr(chr(c)) for c in range(0xd800, 0xe000)]}))
`);
    expect(Array.from({ length: 0x800 }, (_, i) => repr(String.fromCharCode(0xd800 + i)))).toEqual(theirs.surrogates);
    const mismatches: string[] = [];
    theirs.blocks.forEach((want, i) => {
      let s = "";
      for (let cp = i * 4096; cp < Math.min((i + 1) * 4096, 0x110000); cp++) if (!surrogate(cp)) s += String.fromCodePoint(cp);
      const ours = repr(s);
      if (ours !== want) {
        // name the first code point shown otherwise
        const a = Array.from(ours);
        const b = Array.from(want);
        let k = 0;
        while (k < a.length && a[k] === b[k]) k++;
        mismatches.push(`block ${(i * 4096).toString(16)}: ours ${JSON.stringify(a.slice(k, k + 8).join(""))}, python3 ${JSON.stringify(b.slice(k, k + 8).join(""))}`);
      }
    });
    expect(mismatches).toEqual([]);
  });

  it("chooses its quotes as python3 does", () => {
    const samples = ["", "a", "it's", 'say "hi"', `both ' and "`, "back\\slash", "\t\r\n\x00\x7f\x9f\xa0\xad", "\u2028\u2029\u3000 ", "\ud800", "😀\u{e0001}"];
    const theirs = pythonJson<string[]>(
      String.raw`
import json, sys
print(json.dumps([repr(s) for s in json.loads(sys.stdin.read())]))
`,
      JSON.stringify(samples),
    );
    expect(samples.map((s) => repr(s))).toEqual(theirs);
  });
});
