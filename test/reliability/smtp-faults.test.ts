/**
 * smtplib through the fault proxy: `sendmail` of a 1 KiB message to a real
 * smtp-server, each fault at the greeting, EHLO, MAIL/RCPT, DATA, the message,
 * the final dot and the replies after it, in both directions. Every run ends
 * within its timeout in a delivered message or a documented Python error
 * (SMTPServerDisconnected, SMTPResponseException, TimeoutError, …); after a
 * failure the same object is clearly closed (a call rejects at once with
 * SMTPServerDisconnected) and serves again after `connect()` and `ehlo()`; nothing is left open.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SMTP, SMTPException, SMTPServerDisconnected } from "stdnet/smtplib";
import { OSError } from "stdnet/socket";
import { FAULT_KINDS } from "../helpers/faultproxy.js";
import { startSmtpServer, type SmtpTestServer } from "../helpers/smtpserver.js";
import { recordFigures } from "./_record.js";
import { FAULT_COLUMNS, NO_FAULT, errorName, leftOpen, openHandles, rowsOf, runPoints, type FaultPoint, type FaultRun, type RunEnd } from "./_faultrun.js";
import type { FaultProxy } from "../helpers/faultproxy.js";

/** smtp-server itself takes 100–200 ms to greet on this box, so 0.5 s and 50 ms delays. */
const TIMEOUT = 0.5;
const DELAY_MS = 50;
const FRAGMENT_TIMEOUT = 3;

let server: SmtpTestServer;
let baseline: { sockets: number; timers: number };
beforeAll(async () => {
  baseline = openHandles();
  server = await startSmtpServer();
});
afterAll(async () => {
  await server.close();
});

function classify(e: unknown): string {
  if (e instanceof SMTPException || e instanceof OSError) return errorName(e);
  throw e;
}

let runId = 0;
function message(id: number): string {
  return `Subject: run ${id}\r\n\r\n${"x".repeat(1000)}\r\n`;
}

/** Sends one message; "ok" only if the server holds exactly that message. */
async function send(s: SMTP): Promise<string> {
  const id = ++runId;
  try {
    const refused = await s.sendmail("a@example.org", ["b@example.org"], message(id));
    const got = server.received.filter((m) => m.raw.toString("latin1").startsWith(`Subject: run ${id}\r\n`));
    return Object.keys(refused).length === 0 && got.length === 1 && got[0]!.raw.toString("latin1") === message(id) ? "ok" : "wrong data";
  } catch (e) {
    return classify(e);
  }
}

async function viaSendmail(port: number, proxy: FaultProxy): Promise<RunEnd> {
  const timeout = proxy.fault.kind === "fragment" ? FRAGMENT_TIMEOUT : TIMEOUT;
  const s = new SMTP("127.0.0.1", port, "client.test", { timeout });
  try {
    const outcome = await send(s);
    proxy.fault = NO_FAULT;
    let then: string;
    if (outcome === "ok") {
      then = await send(s);
    } else {
      // Clearly closed: a call rejects at once, then connect() makes it usable again.
      const t0 = Date.now();
      const closed = await s.noop().then(
        () => "noop answered",
        (e: unknown) => (e instanceof SMTPServerDisconnected && Date.now() - t0 < 100 ? "closed" : classify(e)),
      );
      // As in Python, connect() keeps the old EHLO state: a new session starts with ehlo().
      await s.connect("127.0.0.1", port);
      await s.ehlo();
      then = `${closed}, reconnect ${await send(s)}`;
    }
    await s.quit().catch(() => undefined);
    return { outcome, then };
  } finally {
    s.close();
  }
}

// Offsets measured on this dialogue (smtp-server's replies, our commands; see the table).
const POINTS: FaultPoint[] = [
  { name: "EHLO", direction: "up", at: 0 },
  { name: "MAIL", direction: "up", at: 18 },
  { name: "RCPT", direction: "up", at: 45 },
  { name: "DATA", direction: "up", at: 70 },
  { name: "mid message", direction: "up", at: 600 },
  { name: "the dot", direction: "up", at: 1092 },
  { name: "greeting", direction: "down", at: 0 },
  { name: "mid greeting", direction: "down", at: 10 },
  { name: "EHLO reply", direction: "down", at: 27 },
  { name: "MAIL/RCPT replies", direction: "down", at: 122 },
  { name: "354", direction: "down", at: 150 },
  { name: "after the dot", direction: "down", at: 187 },
];

const rows: (string | number)[][] = [];
const runs: FaultRun[] = [];

describe("smtplib under faults", () => {
  for (const kind of FAULT_KINDS) {
    it(`sendmail: ${kind} at ${POINTS.length} points ends in delivery or a Python error, then closed or serving`, async () => {
      const got = await runPoints(server.port, kind, POINTS, viaSendmail, DELAY_MS);
      runs.push(...got);
      rows.push(...rowsOf("smtplib sendmail", got));
      const timeout = kind === "fragment" ? FRAGMENT_TIMEOUT : TIMEOUT;
      for (const r of got) {
        expect([r.point, r.fired]).toEqual([r.point, true]);
        expect(r.ms, `${r.point}: ${r.outcome}`).toBeLessThan(timeout * 1000 * 6 + 600);
        if (kind === "delay" || kind === "fragment") expect([r.point, r.outcome]).toEqual([r.point, "ok"]);
        expect(r.outcome).not.toBe("wrong data");
        expect([r.point, r.then]).toEqual([r.point, r.outcome === "ok" ? "ok" : "closed, reconnect ok"]);
      }
    });
  }

  it("stall, reset and close before the final reply end in errors, not in success", () => {
    for (const r of runs.filter((x) => ["stall", "reset", "close"].includes(x.kind))) {
      expect([r.kind, r.point, r.outcome]).toEqual([r.kind, r.point, expect.stringMatching(/SMTPServerDisconnected|TimeoutError|ConnectionResetError/)]);
    }
  });

  it("leaves no socket or timer open once the server is closed", async () => {
    await server.close();
    expect(await leftOpen(baseline)).toEqual({ sockets: 0, timers: 0 });
    recordFigures("smtp-faults", [{ title: "smtplib sendmail (1 KiB message) through the fault proxy, timeout 0.5 s (fragment: 3 s), delay 50 ms", columns: FAULT_COLUMNS, rows }]);
  });
});
