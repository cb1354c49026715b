/**
 * The numbers on protocol 0's text lines (INT, LONG, FLOAT, PUT, GET) read
 * as CPython's C unpickler reads them, on lines CPython never writes itself:
 * prefixes, signs, spaces, underscores, a NUL inside, overflow, and bad text.
 */
import { describe, expect, it } from "vitest";
import { loads, UnpicklingError } from "stdnet/pickle";
import { pythonJson } from "../../helpers/python.js";

/** A value as both sides name it (type and text), or an error with CPython's message. */
type Outcome = { type: string; text: string } | { error: string; message: string };

const TEXTS = [
  ...["0", "1", "00", "01", "+1", "-0", " 0", "0 ", "1 ", "12", "-300", "010", "-010", "007", "08", "09", "0o10", "0O7", "0x1f", "0X1F", "-0x1f", "0x", "0b11"],
  ...["1_000", "0_1", "00_0", "0_0", "1__0", "_1", "1_", "0x_1f", "0b_1", "0x__1", "1 2", "\t5", "5\t", "\x0b5", "5\x0c", "5\r", "\xa01", "1\xa0"],
  ...["1\x002", "1\x00", "\x001", "118\x00059", "12L", "0L", "1e3", "1.0", "", "-", "+", "L", "abc", "12a", "0xZZ"],
  ...["99999999999999999999", "-99999999999999999999", "9223372036854775807", "9223372036854775808", "-9223372036854775808", "-9223372036854775809"],
  ...["0x7fffffffffffffff", "0x8000000000000000", "0777777777777777777777777", "00000000000000000000", "9".repeat(4301)],
  ...["inf", "-inf", "+inf", "infinity", "-Infinity", "infinit", "nan", "NaN", "-nan", " 1.5", "1.5 ", "1_0.5", "1.5e3", ".5", "5.", ".", "1e", "1e+", "1e-3x"],
  ...["1.5\x00junk", "0x1p3", "1e400", "-1e400", "1e-400", "1.5\r"],
  // either side of the plain digits read straight from the bytes (at most 15, and indexes to 2^32 - 2)
  ...["123456789012345", "1234567890123456", "-999999999999999", "-9999999999999999", "-0L", "99L", "999999999999999L", "9999999999999999L", "4294967294", "4294967295"],
];

/** Each text on an INT, a LONG and a FLOAT line, and as the index of a PUT and of a GET. */
const PICKLES = TEXTS.flatMap((t) => [`I${t}\n.`, `L${t}\n.`, `F${t}\n.`, `Np${t}\n.`, `Np5\n0g${t}\n.`]);

/** Our value in CPython's terms; a FLOAT line's number is a float even when integral (JS has one number type). */
function describeValue(v: unknown, fromFloat: boolean): Outcome {
  if (typeof v === "boolean") return { type: "bool", text: v ? "True" : "False" };
  if (typeof v === "bigint" || (typeof v === "number" && !fromFloat && Number.isSafeInteger(v) && !Object.is(v, -0) && !Number.isNaN(v))) return { type: "int", text: String(v) };
  if (typeof v === "number") return { type: "float", text: Number.isNaN(v) ? "nan" : v === Infinity ? "inf" : v === -Infinity ? "-inf" : String(v) };
  if (v === null) return { type: "NoneType", text: "None" };
  return { type: typeof v, text: JSON.stringify(v) };
}

describe("loads() reads protocol 0's text numbers as CPython does", () => {
  it("loads() of INT, LONG, FLOAT, PUT and GET lines gives CPython's value or its error text", () => {
    const expected = pythonJson<Outcome[]>(
      String.raw`
import json, math, pickle, sys
out = []
for p in json.loads(sys.stdin.read()):
    try:
        v = pickle.loads(p.encode("latin1"))
        if type(v) is float:
            text = "nan" if math.isnan(v) else repr(v) if math.isinf(v) else repr(int(v)) if v == int(v) and v != 0 else repr(v) if v != 0 else "0"
        else:
            text = str(v)
        out.append({"type": type(v).__name__, "text": text})
    except Exception as e:
        out.append({"error": type(e).__name__, "message": str(e)})
print(json.dumps(out))
`,
      JSON.stringify(PICKLES),
    );
    PICKLES.forEach((p, i) => {
      const want = expected[i]!;
      let ours: Outcome;
      try {
        ours = describeValue(loads(Buffer.from(p, "latin1")), p.startsWith("F"));
      } catch (e) {
        expect(e, JSON.stringify(p)).toBeInstanceOf(UnpicklingError);
        ours = { error: "", message: (e as Error).message };
      }
      if (!("error" in want)) {
        // (floats compared by value: JS and Python spell some differently, 1e-05 and 0.00001)
        if (want.type === "float" && "type" in ours && ours.type === "float" && Number(ours.text) === Number(want.text)) return;
        expect(ours, JSON.stringify(p)).toEqual(want);
      } else if (want.error === "MemoryError") {
        // a PUT far past the memo's end: CPython sizes its memo array by the index; ours holds what was put
        expect(p, JSON.stringify(p)).toMatch(/^Np/);
      } else if (/^Unicode(De|En)codeError$/.test(want.error)) {
        // CPython fails while quoting a non-UTF-8 line in its message: an error all the same
        expect("error" in ours, JSON.stringify(p)).toBe(true);
      } else expect("error" in ours ? ours.message : ours, `${JSON.stringify(p)} (CPython: ${want.error})`).toBe(want.message);
    });
  });
});
