/**
 * http.client and urllib.request: keep-alive GETs of a 1 KiB body through
 * our HTTPConnection, undici's Client directly, Node's fetch and CPython's
 * http.client; and urlopen against CPython's urlopen and undici's own
 * `request` (its global pool), the call a Node user reaches for. The server is a
 * node:http server in a child process (so no client shares its event loop).
 * Each workload has two tables: requests per second, and requests per CPU
 * second of the client's process, which moves far less with the load on a
 * shared machine than the wall clock does.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { Client, request } from "undici";
import { HTTPConnection } from "stdnet/http/client";
import { urlopen } from "stdnet/urllib/request";
import type { BenchTable } from "./_harness.js";

const KEEPALIVE_N = 5000;
const URLOPEN_N = 1000;
const WARMUP = 1000;
/** Each figure is the best of this many timed runs (the box is shared; the best run is the least disturbed). */
const ROUNDS = 5;

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

/** A subject's best figures: requests per second, and per CPU second of its client process. */
interface Rates {
  wall: number;
  cpu: number;
}

/**
 * The Python side's timing, as race() here: argv is port, n, warm-up,
 * rounds; prints the best requests/s and the best requests per CPU second.
 */
const PY_RATE = `
import sys, time
port, n, warm = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
def rate(run):
    run(warm)
    best = cpu = 0
    for _ in range(int(sys.argv[4])):
        t, c = time.perf_counter(), time.process_time()
        run(n)
        best = max(best, n / (time.perf_counter() - t))
        cpu = max(cpu, n / (time.process_time() - c))
    print(best, cpu)
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

function python(script: string, args: string[]): Promise<Rates> {
  return new Promise((resolve, reject) => {
    const child = spawn("python3", ["-c", script, ...args], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      const [wall, cpu] = out.trim().split(/\s+/).map(Number);
      if (code === 0 && wall !== undefined && cpu !== undefined) resolve({ wall, cpu });
      else reject(new Error(`python3 exited with ${code}`));
    });
  });
}

/**
 * Each subject's best of ROUNDS runs of `n` sequential requests, after a
 * warm-up: requests per second, and per CPU second of this process (GC and
 * libuv threads included). The subjects take turns round by round, so a
 * disturbance of the shared machine falls on all of them alike.
 */
async function race(n: number, warmup: number, subjects: readonly (() => Promise<void>)[]): Promise<Rates[]> {
  for (const one of subjects) for (let i = 0; i < warmup; i++) await one();
  const best = subjects.map(() => ({ wall: 0, cpu: 0 }));
  for (let round = 0; round < ROUNDS; round++) {
    for (const [k, one] of subjects.entries()) {
      const cpu = process.cpuUsage();
      const t = performance.now();
      for (let i = 0; i < n; i++) await one();
      const used = process.cpuUsage(cpu);
      const figures = best[k]!;
      figures.wall = Math.max(figures.wall, (n * 1000) / (performance.now() - t));
      figures.cpu = Math.max(figures.cpu, n / ((used.user + used.system) / 1e6));
    }
  }
  return best;
}

/** The two tables of a workload: requests/s, and requests per CPU second of the client. */
function tables(workload: string, rows: readonly (readonly [string, Rates])[]): BenchTable[] {
  return [
    { workload, unit: "requests/s", rows: rows.map(([subject, r]) => ({ subject, value: r.wall })) },
    { workload: `${workload}, client CPU`, unit: "requests per CPU second of the client process", rows: rows.map(([subject, r]) => ({ subject, value: r.cpu })) },
  ];
}

/** The http family's tables. */
export async function run(): Promise<BenchTable[]> {
  const { port, child } = await startServer();
  try {
    const conn = new HTTPConnection("127.0.0.1", port, { timeout: 30 });
    const client = new Client(`http://127.0.0.1:${port}`, { keepAliveTimeout: 60_000 });
    const [ours, undiciRates, fetchRates] = await race(KEEPALIVE_N, WARMUP, [
      async () => {
        await conn.request("GET", "/k");
        const r = await conn.getresponse();
        if ((await r.read()).length !== 1024) throw new Error("short body");
      },
      async () => {
        const { body } = await client.request({ path: "/k", method: "GET" });
        if ((await body.arrayBuffer()).byteLength !== 1024) throw new Error("short body");
      },
      async () => {
        const res = await fetch(`http://127.0.0.1:${port}/k`);
        if ((await res.arrayBuffer()).byteLength !== 1024) throw new Error("short body");
      },
    ]);
    conn.close();
    await client.close();
    const pyHttp = await python(PY_HTTPCLIENT, [String(port), String(KEEPALIVE_N), String(WARMUP), String(ROUNDS)]);

    const [oursUrlopen, undiciRequest] = await race(URLOPEN_N, 200, [
      async () => {
        const r = await urlopen(`http://127.0.0.1:${port}/k`);
        if ((await r.read()).length !== 1024) throw new Error("short body");
      },
      async () => {
        const { body } = await request(`http://127.0.0.1:${port}/k`);
        if ((await body.arrayBuffer()).byteLength !== 1024) throw new Error("short body");
      },
    ]);
    const pyUrlopen = await python(PY_URLOPEN, [String(port), String(URLOPEN_N), "200", String(ROUNDS)]);

    return [
      ...tables(`${KEEPALIVE_N.toLocaleString("en-US")} keep-alive GETs of a 1 KiB body (one connection, sequential)`, [
        ["stdnet HTTPConnection", ours!],
        ["undici Client.request (direct)", undiciRates!],
        ["Node fetch", fetchRates!],
        ["CPython 3.11 http.client", pyHttp],
      ]),
      ...tables(`${URLOPEN_N.toLocaleString("en-US")} urlopen() of a 1 KiB body (stdnet's calls share a kept connection; Python's open one each)`, [
        ["stdnet urlopen", oursUrlopen!],
        ["undici request() (its global pool)", undiciRequest!],
        ["CPython 3.11 urllib.request.urlopen", pyUrlopen],
      ]),
    ];
  } finally {
    child.kill("SIGKILL");
  }
}
