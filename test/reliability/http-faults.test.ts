/**
 * http.client and urlopen through the fault proxy: a GET of a 1500-byte body
 * with `HTTPConnection`, and a POST of a 1200-byte body with `urlopen`, each
 * fault at the request head, request body, status line, response head and
 * body, in both directions. Every run ends within its timeout in the right
 * bytes or a documented Python error, the same connection object then serves
 * again (Python's HTTPConnection reconnects) or fails clearly, and nothing is
 * left open.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HTTPConnection, HTTPException } from "stdnet/http/client";
import { urlopen } from "stdnet/urllib/request";
import { OSError } from "stdnet/socket";
import { FAULT_KINDS, type FaultKind } from "../helpers/faultproxy.js";
import { startHttpServer, type TestServer } from "../helpers/httpserver.js";
import { recordFigures } from "./_record.js";
import { FAULT_COLUMNS, NO_FAULT, errorName, leftOpen, openHandles, rowsOf, runPoints, type FaultPoint, type FaultRun, type RunEnd } from "./_faultrun.js";

const TIMEOUT = 0.5;
/**
 * Fragmenting sends one byte per event-loop turn (about 1 ms here). Going
 * down, that is fine at the usual timeout, which (as Python's) is per wait.
 * Going up, the server sees the whole request only after a second or more
 * and answers then, so the client's wait for the answer is that long (and
 * Python's would time out as well): those runs get a longer timeout.
 */
const FRAGMENT_UP_TIMEOUT = 3;

/** The timeout for a run under `fault`. */
function timeoutFor(fault: { kind: FaultKind; direction: "up" | "down" }): number {
  return fault.kind === "fragment" && fault.direction === "up" ? FRAGMENT_UP_TIMEOUT : TIMEOUT;
}
const N = 1500;
const EXPECTED = Buffer.from(Array.from({ length: N }, (_, i) => i & 0xff));
const POST_BODY = Buffer.alloc(1200, "p");

let server: TestServer;
let baseline: { sockets: number; timers: number };
beforeAll(async () => {
  baseline = openHandles();
  server = await startHttpServer();
});
afterAll(async () => {
  await server.close();
});

/** The documented errors of http.client and urllib: HTTPException or OSError (TimeoutError, ConnectionResetError, URLError…). */
function classify(e: unknown): string {
  if (e instanceof HTTPException || e instanceof OSError) return errorName(e);
  throw e;
}

async function getOnce(conn: HTTPConnection): Promise<string> {
  try {
    await conn.request("GET", `/bytes?n=${N}`);
    const resp = await conn.getresponse();
    const body = await resp.read();
    return resp.status === 200 && body.equals(EXPECTED) ? "ok" : `wrong data (${resp.status}, ${body.length} bytes)`;
  } catch (e) {
    return classify(e);
  }
}

async function viaHTTPConnection(port: number, proxy: { fault: typeof NO_FAULT }): Promise<RunEnd> {
  const conn = new HTTPConnection("127.0.0.1", port, { timeout: timeoutFor(proxy.fault) });
  try {
    const outcome = await getOnce(conn);
    proxy.fault = NO_FAULT;
    const then = await getOnce(conn);
    return { outcome, then };
  } finally {
    conn.close();
  }
}

async function postOnce(port: number, timeout: number): Promise<string> {
  try {
    const resp = await urlopen(`http://127.0.0.1:${port}/echo`, POST_BODY, { timeout });
    try {
      const echoed = JSON.parse((await resp.read()).toString("latin1")) as { method: string; body: string };
      return echoed.method === "POST" && echoed.body === POST_BODY.toString("latin1") ? "ok" : "wrong data";
    } finally {
      resp.close();
    }
  } catch (e) {
    return classify(e);
  }
}

async function viaUrlopen(port: number, proxy: { fault: typeof NO_FAULT }): Promise<RunEnd> {
  const timeout = timeoutFor(proxy.fault);
  const outcome = await postOnce(port, timeout);
  proxy.fault = NO_FAULT;
  return { outcome, then: await postOnce(port, timeout) };
}

const GET_POINTS: FaultPoint[] = [
  { name: "request line", direction: "up", at: 0 },
  { name: "request headers", direction: "up", at: 30 },
  { name: "status line", direction: "down", at: 0 },
  { name: "mid status line", direction: "down", at: 6 },
  { name: "response headers", direction: "down", at: 60 },
  { name: "mid body", direction: "down", at: 800 },
  { name: "late body", direction: "down", at: 1500 },
];

const POST_POINTS: FaultPoint[] = [
  { name: "request line", direction: "up", at: 0 },
  { name: "request headers", direction: "up", at: 40 },
  { name: "mid request body", direction: "up", at: 700 },
  { name: "last request byte", direction: "up", at: 1350 },
  { name: "status line", direction: "down", at: 0 },
  { name: "response headers", direction: "down", at: 50 },
  { name: "mid response body", direction: "down", at: 800 },
];

const runs: FaultRun[] = [];
const rows: (string | number)[][] = [];

function check(runsOfKind: FaultRun[], kind: FaultKind): void {
  for (const r of runsOfKind) {
    // Two calls, each bounded by the timeout (plus the proxy's 100 ms delay and slack).
    const timeout = timeoutFor({ kind, direction: r.direction });
    expect(r.ms, `${r.point}: ${r.outcome}`).toBeLessThan(timeout * 1000 * 4 + 600);
    if (kind === "delay" || kind === "fragment") expect([r.point, r.outcome]).toEqual([r.point, "ok"]);
    expect(r.outcome).not.toMatch(/^wrong data/);
    // The same object serves again with a faithful network.
    expect([r.point, r.then]).toEqual([r.point, "ok"]);
  }
}

describe("http.client and urlopen under faults", () => {
  for (const kind of FAULT_KINDS) {
    it(`HTTPConnection GET: ${kind} at 7 points ends in the body or a Python error, then serves again`, async () => {
      const got = await runPoints(server.port, kind, GET_POINTS, viaHTTPConnection);
      runs.push(...got);
      rows.push(...rowsOf("HTTPConnection GET", got));
      check(got, kind);
      for (const r of got) expect([r.point, r.fired]).toEqual([r.point, true]);
    });

    it(`urlopen POST: ${kind} at 7 points ends in the echo or a Python error, then serves again`, async () => {
      const got = await runPoints(server.port, kind, POST_POINTS, viaUrlopen);
      runs.push(...got);
      rows.push(...rowsOf("urlopen POST", got));
      check(got, kind);
    });
  }

  it("stall and reset end in the documented errors, not in success", () => {
    for (const r of runs.filter((x) => x.kind === "stall" && x.fired)) expect([r.point, r.outcome]).toEqual([r.point, expect.stringMatching(/TimeoutError/)]);
    for (const r of runs.filter((x) => x.kind === "reset" && x.fired)) expect(r.outcome).toMatch(/ConnectionResetError|RemoteDisconnected|IncompleteRead|BadStatusLine|TimeoutError/);
  });

  it("leaves no socket or timer open once the server is closed", async () => {
    await server.close();
    expect(await leftOpen(baseline)).toEqual({ sockets: 0, timers: 0 });
    recordFigures("http-faults", [{ title: "http.client (GET 1500 bytes) and urlopen (POST 1200 bytes) through the fault proxy, timeout 0.5 s (fragment going up: 3 s)", columns: FAULT_COLUMNS, rows }]);
  });
});
