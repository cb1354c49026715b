import { describe, expect, it } from "vitest";
import { runScript } from "../helpers/processes.js";

describe("the tour (npm start)", () => {
  it("walks every step against its own servers and exits 0", async () => {
    const out = await runScript("examples/tour.ts", [], {}, 90_000);
    expect(out).toContain("Client received: b'Echo=>Hello network world'");
    expect(out).toMatch(/retrbinary: 4194304 bytes, sha256 [0-9a-f]+ = what was sent/);
    expect(out).toContain("send_message: refused 0 recipients");
    expect(out).toMatch(/urlopen\('http:\/\/127\.0\.0\.1:\d+\/old'\) → 200 http:\/\/127\.0\.0\.1:\d+\/ /);
    expect(out).toContain("http.client GET /missing → 404 Not Found: not here");
    expect(out).toMatch(/Done: 7 steps in [\d.]+ s; every server stopped\./);
  });

  it("--help lists the steps, and an unknown step is refused", async () => {
    const help = await runScript("examples/tour.ts", ["--help"]);
    for (const step of ["byteorder", "lookup", "echo", "records", "ftp", "smtp", "http"]) expect(help).toContain(step);
    await expect(runScript("examples/tour.ts", ["nonsense"])).rejects.toThrow("Unknown step: nonsense");
  });
});
