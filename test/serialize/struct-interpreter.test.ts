/**
 * Where code generation from strings is disallowed, struct interprets its
 * layouts instead of compiling them. One script packs and unpacks a few
 * thousand random formats and values twice — in a node with
 * `--disallow-code-generation-from-strings` and in a normal one — and the two
 * must agree on every result and every error (the compiled code is checked
 * against CPython by the other struct tests).
 */
import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";

const SCRIPT = String.raw`
import { calcsize, error, iter_unpack, pack, pack_into, unpack, unpack_from } from "stdnet/struct";
let seed = 20261125;
const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
const pick = (a) => a[Math.floor(rnd() * a.length)];
const INTS = [0, 1, -1, 127, 128, -129, 255, 256, 32767, 32768, -32769, 65535, 65536, 2 ** 31 - 1, 2 ** 31, -(2 ** 31) - 1, 2 ** 32 - 1, 2 ** 32, 2 ** 53, -(2 ** 53),
  0n, -1n, 2n ** 63n - 1n, 2n ** 63n, -(2n ** 63n), -(2n ** 63n) - 1n, 2n ** 64n - 1n, 2n ** 64n, true, 1.5, NaN, "x"];
const FLOATS = [0, -0, 1.5, NaN, Infinity, -Infinity, 1e300, 65504, 65519.99, 65520, 3.4028235677973366e38, 5e-324, 2 ** -25, 7n, 2n ** 1100n, true, "x", null];
const BYTES = [new Uint8Array(0), Uint8Array.of(1), Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), new Uint8Array(300).fill(7), "x", 5, [], [0], null, {}];
const poolOf = (c) => ("efd".includes(c) ? FLOATS : "csp?".includes(c) ? BYTES : INTS);
const codesOf = (fmt) => {
  const out = [];
  let num = "";
  for (const ch of fmt.replace(/^[@=<>!]/, "")) {
    if (ch >= "0" && ch <= "9") { num += ch; continue; }
    const n = num === "" ? 1 : Number(num);
    num = "";
    if (ch === "s" || ch === "p") out.push(ch);
    else if (ch !== "x") for (let k = 0; k < n; k++) out.push(ch);
  }
  return out;
};
const enc = (r) => JSON.stringify(r, (_k, v) => typeof v === "bigint" ? v + "n" : v instanceof Uint8Array ? "b" + Buffer.from(v).toString("hex") : typeof v === "number" ? (Object.is(v, -0) ? "-0" : String(v)) : v);
const run = (fn) => { try { return enc(fn()); } catch (e) { return e instanceof error ? "error: " + e.message : "NOT A STRUCT ERROR: " + e; } };
const out = [];
for (let i = 0; i < 800; i++) {
  const fmt = pick(["", "@", "=", "<", ">", "!"]) + Array.from({ length: Math.floor(rnd() * 5) }, () => (rnd() < 0.6 ? "" : String(Math.floor(rnd() * 12))) + pick("xcbB?hHiIlLqQnNefdspP".split(""))).join("");
  const values = codesOf(fmt).map((c) => pick(poolOf(c)));
  const bytes = Uint8Array.from({ length: 96 }, () => Math.floor(rnd() * 256));
  let size = 0;
  out.push(run(() => (size = calcsize(fmt))));
  out.push(run(() => pack(fmt, ...values)));
  out.push(run(() => unpack(fmt, bytes.subarray(0, size))));
  out.push(run(() => unpack_from(fmt, bytes, 1)));
  out.push(run(() => [...iter_unpack(fmt, bytes.subarray(0, size === 0 ? 0 : size * Math.floor(96 / size)))]));
  const target = bytes.slice();
  out.push(run(() => { pack_into(fmt, target, -size, ...values); return target; }));
}
let mode = "compiled";
try { new Function("return 1"); } catch { mode = "interpreted"; }
console.log(JSON.stringify({ mode, out }));
`;

function runNode(flags: readonly string[]): Promise<{ mode: string; out: string[] }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...flags, "--import", "tsx", "--conditions=source", "--input-type=module", "-e", SCRIPT], { cwd: process.cwd(), stdio: ["ignore", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error("node did not finish within 60 s"));
    }, 60_000);
    child.stdout.on("data", (d: Buffer) => out.push(d));
    child.stderr.on("data", (d: Buffer) => err.push(d));
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(JSON.parse(Buffer.concat(out).toString()) as { mode: string; out: string[] });
      else reject(new Error(`node exited with ${code}: ${Buffer.concat(err).toString()}`));
    });
  });
}

describe("struct without code generation", () => {
  it("interprets layouts with the same results and errors as the compiled code", async () => {
    const [compiled, interpreted] = await Promise.all([runNode([]), runNode(["--disallow-code-generation-from-strings"])]);
    expect(compiled.mode).toBe("compiled");
    expect(interpreted.mode).toBe("interpreted");
    expect(compiled.out.filter((r) => r.startsWith("NOT A STRUCT ERROR"))).toEqual([]);
    const differences = compiled.out.flatMap((r, i) => (r === interpreted.out[i] ? [] : [`case ${i}: compiled ${r}, interpreted ${interpreted.out[i]}`]));
    expect(differences.slice(0, 10)).toEqual([]);
    expect(interpreted.out.length).toBe(compiled.out.length);
    // The cases do more than fail: many formats pack and unpack.
    expect(compiled.out.filter((r) => !r.startsWith("error")).length).toBeGreaterThan(compiled.out.length / 2);
  });
});
