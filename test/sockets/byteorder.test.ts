import { describe, expect, it } from "vitest";
import { htonl, htons, ntohl, ntohs, OverflowError, PyTypeError } from "stdnet/socket";
import { pythonJson } from "../helpers/python.js";

type Outcome = { ok: number } | { error: string; message: string };

const inputs = [0, 1, 2 ** 31, 2 ** 31 - 1, -(2 ** 31) - 1, 2 ** 63, -(2 ** 63) - 2048, 0x12, 0x1234, 0xffff, 0x10000, 70000, 0x12345678, 0xffffffff, 2 ** 32, -1, -70000, 2 ** 40, 2 ** 64];

describe("byte order", () => {
  const expected = pythonJson<Record<string, Outcome[]>>(`
import socket, json
inputs = ${JSON.stringify(inputs)}
out = {}
for name in ["htons", "ntohs", "htonl", "ntohl"]:
    row = []
    for x in inputs:
        try:
            row.append({"ok": getattr(socket, name)(x)})
        except Exception as e:
            row.append({"error": type(e).__name__, "message": str(e)})
    out[name] = row
print(json.dumps(out))`);
  const fns = { htons, ntohs, htonl, ntohl };
  for (const [name, fn] of Object.entries(fns)) {
    it(`${name}() gives Python's result or Python's error for every boundary`, () => {
      inputs.forEach((x, i) => {
        const want = expected[name]![i]!;
        const arg = Number.isSafeInteger(x) ? x : BigInt(x);
        if ("ok" in want) {
          expect(fn(arg)).toBe(want.ok);
        } else {
          expect(() => fn(arg)).toThrow(OverflowError);
          expect(() => fn(arg)).toThrow(want.message);
        }
      });
    });
  }

  it("refuses a float as Python does", () => {
    expect(() => htons(1.5)).toThrow(PyTypeError);
    expect(() => htonl(1.5)).toThrow("expected int, float found");
  });
});

describe("strerror", () => {
  it("gives glibc's text for every Linux errno, as os.strerror", async () => {
    const { strerror } = await import("stdnet/socket");
    const expected = pythonJson<string[]>("import os, json; print(json.dumps([os.strerror(i) for i in range(1, 134)]))");
    expected.forEach((text, i) => expect(strerror(i + 1)).toBe(text));
  });
});
