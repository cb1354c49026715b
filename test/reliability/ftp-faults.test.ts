/**
 * ftplib through the fault proxy: the control connection of a session that
 * logs in, downloads 5000 bytes (RETR) and uploads 3000 (STOR) goes through
 * the proxy (data connections go straight to ftp-srv's PASV address), and
 * each fault fires at the greeting, USER/PASS and their replies, TYPE/PASV and
 * the 227, RETR and its 150/226, STOR and its replies. Every run ends within
 * its timeout in the right bytes on both sides or a documented Python error
 * (`ftplib.all_errors`: error_reply/temp/perm/proto, OSError, EOFError); the
 * same object then answers or fails clearly, serves again after
 * `connect()`+`login()`, and nothing is left open.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FTP, all_errors } from "stdnet/ftplib";
import { FAULT_KINDS, type FaultProxy } from "../helpers/faultproxy.js";
import { startFtpServer, type TestFtpServer } from "../helpers/ftpserver.js";
import { recordFigures } from "./_record.js";
import { FAULT_COLUMNS, NO_FAULT, errorName, openHandles, rowsOf, runPoints, settle, trackTimers, type FaultPoint, type FaultRun, type RunEnd } from "./_faultrun.js";

const TIMEOUT = 0.5;
const DOWNLOAD = Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 7) & 0xff));

let srv: TestFtpServer;
let baseline: { sockets: number; timers: number };
const timers = trackTimers();
beforeAll(async () => {
  srv = await startFtpServer();
  // Taken with the server up: ftp-srv's own close() leaves a timer behind, not ours.
  baseline = openHandles();
  writeFileSync(join(srv.root, "f.bin"), DOWNLOAD);
});
afterAll(async () => {
  await srv.close();
  recordFigures("ftp-faults", [
    { title: "ftplib session (login, RETR 5000 B, STOR 3000 B), faults on the control connection, timeout 0.5 s, 5 sessions at a time", columns: FAULT_COLUMNS, rows },
    {
      title: "Left out: not a client fault",
      columns: ["client", "case", "what happens", "Python"],
      rows: [
        ["ftplib", "a command split across TCP segments (fragment up)", "ftp-srv (the test server) parses each segment as a command: error_perm", "same with this server"],
      ],
    },
  ]);
});

function classify(e: unknown): string {
  if (e instanceof Error && all_errors.some((cls) => e instanceof cls)) return errorName(e);
  throw e;
}

let runId = 0;

/** RETR then STOR on a logged-in session; "ok" only if both sides hold the right bytes. */
async function transfer(f: FTP): Promise<string> {
  const id = ++runId;
  const upload = Buffer.alloc(3000, id & 0xff);
  const chunks: Buffer[] = [];
  await f.retrbinary("RETR f.bin", (b) => {
    chunks.push(Buffer.from(b));
  });
  if (!Buffer.concat(chunks).equals(DOWNLOAD)) return "wrong data (RETR)";
  await f.storbinary(`STOR up-${id}.bin`, upload);
  const path = join(srv.root, `up-${id}.bin`);
  if (!existsSync(path) || !readFileSync(path).equals(upload)) return "wrong data (STOR)";
  return "ok";
}

async function viaSession(port: number, proxy: FaultProxy): Promise<RunEnd> {
  const f = new FTP("", "", "", "", { timeout: TIMEOUT });
  try {
    let outcome: string;
    try {
      await f.connect("127.0.0.1", port);
      await f.login(srv.user, srv.password);
      outcome = await transfer(f);
    } catch (e) {
      outcome = classify(e);
    }
    proxy.fault = NO_FAULT;
    // The same object: the next command answers or fails (not hangs), then a new session works.
    const next = await f.pwd().then(
      (dir) => (dir === "/" ? "pwd ok" : `pwd ${dir}`),
      (e: unknown) => classify(e),
    );
    f.close();
    await f.connect("127.0.0.1", port);
    await f.login(srv.user, srv.password);
    const then = `${next}; reconnect ${await transfer(f).catch(classify)}`;
    await f.quit().catch(() => undefined);
    return { outcome, then };
  } finally {
    f.close();
  }
}

/**
 * Offsets measured on this dialogue with ftp-srv. The 227 lines vary by up to
 * 4 bytes with the PASV port, so the later points sit a few bytes into their
 * line, inside it whatever the port.
 *
 * Reply lines cut by TCP segment boundaries (fragment down, a delay inside a
 * line) are read whole, as Python's readline reads them: the engine hands
 * basic-ftp whole lines only. Fragment up is left out: ftp-srv (the test
 * server) parses each TCP segment as a command, so a fragmented command gets
 * error_perm from the server, which is not the client's doing.
 */
const POINTS: (FaultPoint & { lineStart?: boolean })[] = [
  { name: "USER", direction: "up", at: 0, lineStart: true },
  { name: "PASS", direction: "up", at: 12, lineStart: true },
  { name: "TYPE", direction: "up", at: 30, lineStart: true },
  { name: "PASV", direction: "up", at: 38, lineStart: true },
  { name: "RETR", direction: "up", at: 44, lineStart: true },
  { name: "STOR", direction: "up", at: 70, lineStart: true },
  { name: "greeting", direction: "down", at: 0, lineStart: true },
  { name: "greeting 2nd line", direction: "down", at: 24, lineStart: true },
  { name: "331 (USER)", direction: "down", at: 43, lineStart: true },
  { name: "230 (PASS)", direction: "down", at: 81, lineStart: true },
  { name: "227 (PASV)", direction: "down", at: 149, lineStart: true },
  { name: "150 (RETR)", direction: "down", at: 184 },
  { name: "226 (RETR)", direction: "down", at: 236 },
  { name: "150 (STOR)", direction: "down", at: 320 },
  { name: "226 (STOR)", direction: "down", at: 373 },
];

const rows: (string | number)[][] = [];
const runs: FaultRun[] = [];

describe("ftplib under faults on the control connection", () => {
  for (const kind of FAULT_KINDS) {
    const points = kind === "fragment" ? POINTS.filter((p) => p.direction === "down") : POINTS;
    it(`login+RETR+STOR: ${kind} at ${points.length} points ends in the right bytes or a Python error, then serves again`, async () => {
      const got = await runPoints(srv.port, kind, points, viaSession, 100, 5);
      runs.push(...got);
      rows.push(...rowsOf("ftplib control", got));
      for (const r of got) {
        expect([r.point, r.fired]).toEqual([r.point, true]);
        expect(r.ms, `${r.point}: ${r.outcome}`).toBeLessThan(TIMEOUT * 1000 * 8 + 1000);
        if (kind === "delay" || kind === "fragment") expect([r.point, r.outcome]).toEqual([r.point, "ok"]);
        expect(r.outcome).not.toMatch(/^wrong data/);
        expect([r.point, r.then]).toEqual([r.point, expect.stringMatching(/^(pwd ok|error_\w+|EOFError|TimeoutError|ConnectionResetError|OSError); reconnect ok$/)]);
      }
    });
  }

  it("stall, reset and close before the last reply end in errors, not in success", () => {
    for (const r of runs.filter((x) => ["stall", "reset", "close"].includes(x.kind) && x.point !== "226 (STOR)")) {
      expect([r.kind, r.point, r.outcome]).not.toEqual([r.kind, r.point, "ok"]);
    }
  });

  // Timers: ftp-srv's passive connector keeps a timer for each PASV whose data connection never
  // came (node_modules/ftp-srv/src/connector/passive.js); every other timer must be gone.
  it("leaves no socket or timer of the clients open, and the server still serves", async () => {
    // Ours: made by stdnet's source or by basic-ftp (not ftp-srv, vitest or this file's waits).
    const ours = (stack: string): boolean => stack.split("\n").some((l) => (l.includes("/src/") && !l.includes("node_modules")) || l.includes("node_modules/basic-ftp"));
    const clean = await settle(() => openHandles().sockets <= baseline.sockets && timers.live(ours).length === 0, 2000);
    expect({ clean, sockets: openHandles().sockets, timers: timers.live(ours) }).toEqual({ clean: true, sockets: baseline.sockets, timers: [] });
    timers.stop();
    // And the server still serves.
    const f = new FTP("", "", "", "", { timeout: TIMEOUT });
    await f.connect("127.0.0.1", srv.port);
    await f.login(srv.user, srv.password);
    expect(await transfer(f)).toBe("ok");
    await f.quit();
  });
});
