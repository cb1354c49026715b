import { describe, expect, it } from "vitest";
import { inet_aton, inet_ntoa, inet_pton, inet_ntop, AF_INET, AF_INET6, OSError, ValueError } from "stdnet/socket";
import { pythonJson } from "../helpers/python.js";

type Outcome = { ok: string } | { error: string; message: string };

const atonInputs = [
  "127.0.0.1", "127.1", "0x7f.1", "0x7F.0.0.1", "010.0.0.1", "08.0.0.1", "1.2.3", "4294967295", "4294967296", "256.1.1.1",
  "300.1.1.1", "1.2.3.4.5", "", " ", "1.2.3.4 trailing", "1.2.3.4x", "0x", "0xg", "1..2", ".1.2.3", "1.2.3.", "255.255.255.255",
  "1.16777215", "1.16777216", "1.2.65535", "1.2.65536", "00000000000000000000001.2.3.4", "0xffffffff", "0x100000000", "abc",
];
const pton4Inputs = ["1.2.3.4", "01.2.3.4", "1.2.3", "256.0.0.0", "1.2.3.4 ", "0.0.0.0", "255.255.255.255", "1.2.3.04", "1.2.3.4.5", ""];
const pton6Inputs = [
  "::", "::1", "1::", "fe80::1", "2001:db8::ff00:42:8329", "::ffff:1.2.3.4", "::1.2.3.4", "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8:9",
  "1::2::3", ":1::2", "1:2:3:4:5:6:1.2.3.4", "12345::", "g::", "::ffff:256.1.1.1", "1:2:3:4:5:6:7::", "::2:3:4:5:6:7:8", "", ":", "1:",
];
const ntop6Inputs = [
  "00000000000000000000000000000000", "00000000000000000000000000000001", "00000000000000000000ffff01020304",
  "00000000000000000000000001020304", "20010db8000000000000ff0000428329", "00010000000100000000000000000001",
  "00010000000000010000000000000000", "fe800000000000000000000000000001", "00000000000000010000000000000000",
  "0000000000000000000000000000ffff", "000000000000000000000000ffff0001", "00010002000300040005000600070008",
];

describe("inet conversions", () => {
  const py = pythonJson<Record<string, Outcome[]>>(`
import socket, json
def run(f, xs):
    out = []
    for x in xs:
        try:
            out.append({"ok": f(x)})
        except Exception as e:
            out.append({"error": type(e).__name__, "message": str(e)})
    return out
print(json.dumps({
  "aton": run(lambda s: socket.inet_aton(s).hex(), ${JSON.stringify(atonInputs)}),
  "pton4": run(lambda s: socket.inet_pton(socket.AF_INET, s).hex(), ${JSON.stringify(pton4Inputs)}),
  "pton6": run(lambda s: socket.inet_pton(socket.AF_INET6, s).hex(), ${JSON.stringify(pton6Inputs)}),
  "ntop6": run(lambda h: socket.inet_ntop(socket.AF_INET6, bytes.fromhex(h)), ${JSON.stringify(ntop6Inputs)}),
}))`);

  function check(name: string, inputs: string[], fn: (s: string) => string): void {
    inputs.forEach((x, i) => {
      const want = py[name]![i]!;
      if ("ok" in want) expect({ x, got: fn(x) }).toEqual({ x, got: want.ok });
      else expect(() => fn(x), `${name}(${JSON.stringify(x)})`).toThrow(want.message);
    });
  }

  it("inet_aton() accepts and refuses exactly what glibc's does", () => {
    check("aton", atonInputs, (s) => inet_aton(s).toString("hex"));
  });
  it("inet_pton(AF_INET) is strict as glibc's", () => {
    check("pton4", pton4Inputs, (s) => inet_pton(AF_INET, s).toString("hex"));
  });
  it("inet_pton(AF_INET6) parses every form Python parses", () => {
    check("pton6", pton6Inputs, (s) => inet_pton(AF_INET6, s).toString("hex"));
  });
  it("inet_ntop(AF_INET6) compresses as glibc does", () => {
    check("ntop6", ntop6Inputs, (h) => inet_ntop(AF_INET6, Buffer.from(h, "hex")));
  });
  it("inet_ntoa/inet_ntop refuse a wrong length with Python's errors", () => {
    expect(inet_ntoa(Uint8Array.of(10, 0, 0, 1))).toBe("10.0.0.1");
    expect(() => inet_ntoa(Uint8Array.of(1, 2, 3))).toThrow(OSError);
    expect(() => inet_ntoa(Uint8Array.of(1, 2, 3))).toThrow("packed IP wrong length for inet_ntoa");
    expect(() => inet_ntop(AF_INET, Uint8Array.of(1))).toThrow(ValueError);
    expect(() => inet_ntop(99, Uint8Array.of(1))).toThrow("unknown address family 99");
    expect(() => inet_pton(99, "x")).toThrow("[Errno 97] Address family not supported by protocol");
  });
});
