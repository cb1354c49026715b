/**
 * http.client and urllib.request: keep-alive GETs of a 1 KiB body through
 * our HTTPConnection, undici's Client directly, Node's fetch and CPython's
 * http.client; and urlopen against CPython's urlopen. The server is a
 * node:http server in a child process (so no client shares its event loop).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { Client } from "undici";
import { HTTPConnection } from "stdnet/http/client";
import { urlopen } from "stdnet/urllib/request";
import type { BenchTable } from "./_harness.js";

const KEEPALIVE_N = 5000;
const URLOPEN_N = 1000;
const WARMUP = 1000;
/** Each figure is the best of this many timed runs (the box is shared; the best run is the least disturbed). */
const ROUNDS = 3;

const SERVER = `
const http = require("node:http");
const body = Buffer.alloc(1024, 120);
const s = http.createServer((req, res) => {
  req.resume();
  res.writeHead(200, { "Content-Type": "application/octet-stream", "Content-Length": body.length });
  res.end(body);
});
s.keepAliveTimeout = 60000;
s.listen(0, "127.0.0.1", () => console.log(s.address().port));
`;

function startServer(): Promise<{ port: number; child: ChildProcess }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["-e", SERVER], { stdio: ["ignore", "pipe", "inherit"] });
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error("bench server did not start"));
    }, 10_000);
    createInterface({ input: child.stdout }).once("line", (line) => {
      clearTimeout(timer);
      resolve({ port: Number(line), child });
    });
    child.once("error", reject);
  });
}

function python(script: string, args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn("python3", ["-c", script, ...args], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code === 0) resolve(Number(out.trim()));
      else reject(new Error(`python3 exited with ${code}`));
    });
  });
}

/** The Python side's timing, as rate() here: argv is port, n, warm-up, rounds; prints the best requests/s of run(k). */
const PY_RATE = `
import sys, time
port, n, warm = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
def rate(run):
    run(warm)
    best = 0
    for _ in range(int(sys.argv[4])):
        t = time.perf_counter()
        run(n)
        best = max(best, n / (time.perf_counter() - t))
    print(best)
`;

const PY_HTTPCLIENT = `${PY_RATE}
import http.client
c = http.client.HTTPConnection("127.0.0.1", port)
def run(k):
    for _ in range(k):
        c.request("GET", "/k")
        r = c.getresponse()
        assert len(r.read()) == 1024
rate(run)
`;

const PY_URLOPEN = `${PY_RATE}
from urllib.request import urlopen
url = "http://127.0.0.1:%d/k" % port
def run(k):
    for _ in range(k):
        with urlopen(url) as r:
            assert len(r.read()) == 1024
rate(run)
`;

async function rate(n: number, one: () => Promise<void>, warmup = WARMUP): Promise<number> {
  for (let i = 0; i < warmup; i++) await one();
  let best = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const t = performance.now();
    for (let i = 0; i < n; i++) await one();
    best = Math.max(best, (n * 1000) / (performance.now() - t));
  }
  return best;
}

/** The http family's tables. */
export async function run(): Promise<BenchTable[]> {
  const { port, child } = await startServer();
  try {
    const conn = new HTTPConnection("127.0.0.1", port, { timeout: 30 });
    const ours = await rate(KEEPALIVE_N, async () => {
      await conn.request("GET", "/k");
      const r = await conn.getresponse();
      if ((await r.read()).length !== 1024) throw new Error("short body");
    });
    conn.close();

    const client = new Client(`http://127.0.0.1:${port}`, { keepAliveTimeout: 60_000 });
    const undiciRate = await rate(KEEPALIVE_N, async () => {
      const { body } = await client.request({ path: "/k", method: "GET" });
      if ((await body.arrayBuffer()).byteLength !== 1024) throw new Error("short body");
    });
    await client.close();

    const fetchRate = await rate(KEEPALIVE_N, async () => {
      const res = await fetch(`http://127.0.0.1:${port}/k`);
      if ((await res.arrayBuffer()).byteLength !== 1024) throw new Error("short body");
    });

    const pyHttp = await python(PY_HTTPCLIENT, [String(port), String(KEEPALIVE_N), String(WARMUP), String(ROUNDS)]);

    const oursUrlopen = await rate(URLOPEN_N, async () => {
      const r = await urlopen(`http://127.0.0.1:${port}/k`);
      if ((await r.read()).length !== 1024) throw new Error("short body");
    }, 200);
    // the engine's own floor for a new connection per request: one undici Client, `connection: close` each time
    const closing = new Client(`http://127.0.0.1:${port}`);
    const undiciClose = await rate(URLOPEN_N, async () => {
      const { body } = await closing.request({ path: "/k", method: "GET", headers: { connection: "close" } });
      if ((await body.arrayBuffer()).byteLength !== 1024) throw new Error("short body");
    }, 200);
    await closing.close();
    const pyUrlopen = await python(PY_URLOPEN, [String(port), String(URLOPEN_N), "200", String(ROUNDS)]);

    return [
      {
        workload: `${KEEPALIVE_N.toLocaleString("en-US")} keep-alive GETs of a 1 KiB body (one connection, sequential)`,
        unit: "requests/s",
        rows: [
          { subject: "stdnet HTTPConnection", value: ours },
          { subject: "undici Client.request (direct)", value: undiciRate },
          { subject: "Node fetch", value: fetchRate },
          { subject: "CPython 3.11 http.client", value: pyHttp },
        ],
      },
      {
        workload: `${URLOPEN_N.toLocaleString("en-US")} urlopen() of a 1 KiB body (new connection each, as Python)`,
        unit: "requests/s",
        rows: [
          { subject: "stdnet urlopen", value: oursUrlopen },
          { subject: "undici Client.request, connection: close (direct)", value: undiciClose },
          { subject: "CPython 3.11 urllib.request.urlopen", value: pyUrlopen },
        ],
      },
    ];
  } finally {
    child.kill("SIGKILL");
  }
}
