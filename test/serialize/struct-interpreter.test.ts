/**
 * Where code generation from strings is disallowed, struct interprets its
 * layouts instead of compiling them. One script packs and unpacks a few
 * thousand random formats and values twice — in a node with
 * `--disallow-code-generation-from-strings` and in a normal one — and the two
 * must agree on every result and every error (the compiled code is checked
 * against CPython by the other struct tests).
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { runScript } from "../helpers/processes.js";

const fixture = join(dirname(fileURLToPath(import.meta.url)), "fixtures", "struct-cases.ts");

async function runCases(env: NodeJS.ProcessEnv = {}): Promise<{ mode: string; out: string[] }> {
  return JSON.parse(await runScript(fixture, [], env, 60_000)) as { mode: string; out: string[] };
}

describe("struct without code generation", () => {
  it("interprets layouts with the same results and errors as the compiled code", async () => {
    const [compiled, interpreted] = await Promise.all([runCases(), runCases({ NODE_OPTIONS: "--disallow-code-generation-from-strings" })]);
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
