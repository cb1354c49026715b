/**
 * Downloads reuse the memory of their socket reads (see src/sockets/_heap.ts): in a
 * process of its own, after the first download, the next ones take few page
 * faults. Without `keepFreedHeap`, glibc handed the freed reads back to the
 * kernel in most processes, and each 32 MiB RETR took 1,000-9,000 faults.
 */
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFtpServer, type TestFtpServer } from "../../helpers/ftpserver.js";
import { runScript } from "../../helpers/processes.js";

const MIB = 32;
let srv: TestFtpServer;

beforeAll(async () => {
  srv = await startFtpServer();
  writeFileSync(join(srv.root, "big.bin"), randomBytes(MIB << 20));
});

afterAll(async () => {
  await srv.close();
});

describe("downloads and glibc's heap", () => {
  it("this machine's node runs on glibc, whose heap the module tunes", () => {
    const header = (process.report.getReport() as { header: { glibcVersionRuntime?: string } }).header;
    expect(header.glibcVersionRuntime).toMatch(/^\d+\.\d+/);
  });

  it("after the first download, four more of 32 MiB take under 2,000 page faults in all (a fault for every 64 KiB of them at most)", async () => {
    const server = JSON.stringify({ host: srv.host, port: srv.port, user: srv.user, password: srv.password });
    const out = await runScript(new URL("./_retrfaults.ts", import.meta.url).pathname, [], { STDNET_FTP_SERVER: server, RETRIES: "5" }, 60_000);
    const { faults, bytes } = JSON.parse(out) as { faults: number[]; bytes: number };
    expect(bytes).toBe(5 * (MIB << 20));
    const later = faults.slice(1).reduce((a, b) => a + b, 0);
    expect(later, `page faults per download: ${faults.join(", ")}`).toBeLessThan(2000);
  }, 70_000);
});
