/**
 * Downloads reuse the memory of their socket reads (see src/sockets/_heap.ts): in a
 * process of its own, after the first download, the next ones take few page
 * faults. Without `keepFreedHeap`, glibc handed the freed reads back to the
 * kernel in most processes, and each 32 MiB RETR took 1,000-9,000 faults.
 * With it, the later downloads took 0-500 each, though one or two just after
 * the first took ~1,200 in some runs.
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

  it("after the first download, most of five more of 32 MiB take under 512 page faults each (fewer than one for each 64 KiB read)", async () => {
    const server = JSON.stringify({ host: srv.host, port: srv.port, user: srv.user, password: srv.password });
    const out = await runScript(new URL("./_retrfaults.ts", import.meta.url).pathname, [], { STDNET_FTP_SERVER: server, RETRIES: "6" }, 60_000);
    const { faults, bytes } = JSON.parse(out) as { faults: number[]; bytes: number };
    expect(bytes).toBe(6 * (MIB << 20));
    // the median of the five: in some runs one or two just after the first still took ~1,200
    const later = faults.slice(1).sort((a, b) => a - b);
    expect(later[2], `page faults per download: ${faults.join(", ")}`).toBeLessThan(512);
  }, 70_000);
});
