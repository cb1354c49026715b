/**
 * The socket layer against raw node:net and CPython, on loopback:
 * sequential echo round trips of 100-byte messages, and 128 MiB streamed
 * through an echo server and back. Servers run in their own processes; the
 * load generator (raw node:net) is the same for every server. Then our
 * client against the raw server, beside a raw node:net client and CPython's.
 * STDNET_BENCH_ECHO_MB sizes the bulk transfer (default 128).
 */
import { spawn, type ChildProcess } from "node:child_process";
import * as net from "node:net";
import { createInterface } from "node:readline";
import { create_connection, MSG_WAITALL, SHUT_WR } from "stdnet/socket";
import type { BenchTable } from "./_harness.js";

const MESSAGE = Buffer.alloc(100, 0x61);
const ROUND_TRIP_MS = 1000;
const ROUNDS = 5;
const BULK_BYTES = Number(process.env.STDNET_BENCH_ECHO_MB ?? 128) * 1024 * 1024;

const PYTHON_SERVER = `
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.bind(("127.0.0.1", 0))
s.listen(5)
print(s.getsockname()[1], flush=True)
while True:
    conn, addr = s.accept()
    while True:
        data = conn.recv(65536)
        if not data: break
        conn.sendall(data)
    conn.close()
`;

const PYTHON_CLIENT = `
import socket, sys, time
port, ms = int(sys.argv[1]), int(sys.argv[2])
s = socket.create_connection(("127.0.0.1", port))
msg = b"a" * 100
def once():
    s.sendall(msg)
    got = 0
    while got < 100:
        got += len(s.recv(100 - got))
end = time.perf_counter() + ms / 2000
while time.perf_counter() < end: once()
n = 0
start = time.perf_counter()
while time.perf_counter() - start < ms / 1000:
    once(); n += 1
print(n / (time.perf_counter() - start))
`;

interface Server {
  port: number;
  child: ChildProcess;
}

function startServer(cmd: string, args: string[]): Promise<Server> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "inherit"] });
    const lines = createInterface({ input: child.stdout });
    lines.once("line", (line) => resolve({ port: Number(line), child }));
    child.once("exit", (code) => reject(new Error(`server exited with ${code}`)));
  });
}

function stop(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.child.once("exit", () => resolve());
    server.child.kill("SIGKILL");
  });
}

function rawConnect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, "127.0.0.1", () => resolve(s));
    s.once("error", reject);
  });
}

/** Sequential round trips/s with a raw node:net client. */
async function rawRoundTrips(port: number): Promise<number> {
  const s = await rawConnect(port);
  let pending: (() => void) | null = null;
  let got = 0;
  s.on("data", (d: Buffer) => {
    got += d.length;
    if (got >= MESSAGE.length && pending !== null) {
      got -= MESSAGE.length;
      const p = pending;
      pending = null;
      p();
    }
  });
  const once = (): Promise<void> =>
    new Promise((resolve) => {
      pending = resolve;
      s.write(MESSAGE);
    });
  const rate = await measure(once);
  s.destroy();
  return rate;
}

/** Sequential round trips/s with a stdnet client. */
async function stdnetRoundTrips(port: number): Promise<number> {
  const s = await create_connection(["127.0.0.1", port]);
  const rate = await measure(async () => {
    await s.sendall(MESSAGE);
    await s.recv(MESSAGE.length, MSG_WAITALL);
  });
  s.close();
  return rate;
}

async function measure(once: () => Promise<void>): Promise<number> {
  const warm = performance.now() + ROUND_TRIP_MS / 2;
  while (performance.now() < warm) await once();
  let n = 0;
  const start = performance.now();
  while (performance.now() - start < ROUND_TRIP_MS) {
    await once();
    n++;
  }
  return (n * 1000) / (performance.now() - start);
}

/** MB/s streaming BULK_BYTES through the server and back, with a raw node:net client. */
async function rawBulk(port: number): Promise<number> {
  const s = await rawConnect(port);
  const block = Buffer.alloc(64 * 1024, 0x62);
  const start = performance.now();
  const received = new Promise<void>((resolve) => {
    let got = 0;
    s.on("data", (d: Buffer) => {
      got += d.length;
      if (got >= BULK_BYTES) resolve();
    });
  });
  for (let sent = 0; sent < BULK_BYTES; sent += block.length) {
    if (!s.write(block)) await new Promise((r) => s.once("drain", r));
  }
  await received;
  const seconds = (performance.now() - start) / 1000;
  s.destroy();
  return BULK_BYTES / 1e6 / seconds;
}

/** The same with a stdnet client: one task sends, one receives. */
async function stdnetBulk(port: number): Promise<number> {
  const s = await create_connection(["127.0.0.1", port]);
  const block = Buffer.alloc(64 * 1024, 0x62);
  const start = performance.now();
  const receiving = (async () => {
    let got = 0;
    while (got < BULK_BYTES) {
      const d = await s.recv(256 * 1024);
      if (d.length === 0) break;
      got += d.length;
    }
  })();
  for (let sent = 0; sent < BULK_BYTES; sent += block.length) await s.sendall(block);
  s.shutdown(SHUT_WR);
  await receiving;
  const seconds = (performance.now() - start) / 1000;
  s.close();
  return BULK_BYTES / 1e6 / seconds;
}

async function pythonClientRoundTrips(port: number): Promise<number> {
  const child = spawn("python3", ["-c", PYTHON_CLIENT, String(port), String(ROUND_TRIP_MS)], { stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  await new Promise((r) => child.once("exit", r));
  return Number(out.trim());
}

/** Measures every subject ROUNDS times, taking turns, and keeps each one's best. */
async function table(workload: string, unit: string, subjects: [string, () => Promise<number>][]): Promise<BenchTable> {
  const best = subjects.map(() => 0);
  for (let round = 0; round < ROUNDS; round++) {
    for (const [i, [, measure]] of subjects.entries()) best[i] = Math.max(best[i]!, await measure());
  }
  return { workload: `${workload}, best of ${ROUNDS} turns`, unit, rows: subjects.map(([subject], i) => ({ subject, value: best[i]! })) };
}

export async function run(): Promise<BenchTable[]> {
  const tsx = [process.execPath, ["--import", "tsx", new URL("./_echo-server.ts", import.meta.url).pathname]] as const;
  const ours = await startServer(tsx[0], [...tsx[1], "stdnet"]);
  const raw = await startServer(tsx[0], [...tsx[1], "raw"]);
  const python = await startServer("python3", ["-u", "-c", PYTHON_SERVER]);
  try {
    const serverRtt = await table(
      "echo server: sequential round trips, 100-byte messages (raw node:net client as load)",
      "round trips/s",
      [
        ["stdnet serveEcho", () => rawRoundTrips(ours.port)],
        ["raw node:net server", () => rawRoundTrips(raw.port)],
        ["CPython 3.11 socket server", () => rawRoundTrips(python.port)],
      ],
    );
    const serverBulk = await table(
      `echo server: ${BULK_BYTES / 1024 / 1024} MiB streamed and echoed back (raw node:net client as load)`,
      "MB/s",
      [
        ["stdnet serveEcho", () => rawBulk(ours.port)],
        ["raw node:net server", () => rawBulk(raw.port)],
        ["CPython 3.11 socket server", () => rawBulk(python.port)],
      ],
    );
    const clientRtt = await table(
      "echo client: sequential round trips, 100-byte messages, against the raw node:net server",
      "round trips/s",
      [
        ["stdnet socket client", () => stdnetRoundTrips(raw.port)],
        ["raw node:net client", () => rawRoundTrips(raw.port)],
        ["CPython 3.11 socket client", () => pythonClientRoundTrips(raw.port)],
      ],
    );
    const clientBulk = await table(
      `echo client: ${BULK_BYTES / 1024 / 1024} MiB streamed and read back, against the raw node:net server`,
      "MB/s",
      [
        ["stdnet socket client", () => stdnetBulk(raw.port)],
        ["raw node:net client", () => rawBulk(raw.port)],
      ],
    );
    return [serverRtt, serverBulk, clientRtt, clientBulk];
  } finally {
    await Promise.all([stop(ours), stop(raw), stop(python)]);
  }
}
