/**
 * `dumps` hands out the buffer it wrote each big pickle in, and V8 frees
 * those at GCs, many at a time; glibc is told to keep that memory for reuse
 * (see src/sockets/_heap.ts). In a process of its own, `dumps` of a 0.64 MB
 * pickle again and again then takes few page faults: without it, ~100 a call
 * (the pickle's 160 pages, most of them faulted in afresh), and 0.75-0.8x the
 * calls a second.
 */
import { describe, expect, it } from "vitest";
import { runScript } from "../../helpers/processes.js";

describe("dumps and glibc's heap", () => {
  it("after the first hundred, two hundred more dumps of a 0.64 MB pickle take under 50 page faults a call", async () => {
    const out = await runScript(new URL("./_dumpsfaults.ts", import.meta.url).pathname, [], { DUMPS: "300" }, 60_000);
    const { faults, bytes } = JSON.parse(out) as { faults: number[]; bytes: number };
    expect(bytes).toBeGreaterThan(300 * 600_000);
    const later = faults.slice(100);
    const mean = later.reduce((a, b) => a + b, 0) / later.length;
    expect(mean, `page faults per dumps: ${faults.join(", ")}`).toBeLessThan(50);
  }, 70_000);
});
