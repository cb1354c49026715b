/**
 * The socket layer against raw node:net and CPython, on loopback:
 * sequential echo round trips of 100-byte messages, and 128 MiB streamed
 * through an echo server and back. Servers run in their own processes; the
 * load generator (raw node:net, in a process of its own) is the same for
 * every server. Then our client against the raw server, beside a raw
 * node:net client and CPython's. STDNET_BENCH_ECHO_MB sizes the bulk
 * transfer (default 128).
 *
 * Every node server and client runs in plain node on the built package
 * (_echo-server.mjs, _echo-client.mjs), as its users run it and as python3
 * runs its side; not under tsx, whose heap made the bulk figures swing (see
 * BENCHMARKS.md). node:net's processes run with glibc's malloc told to keep
 * freed memory (KEEP_HEAP), which stdnet's socket asks for itself
 * (keepFreedHeap): without it node's own echo server took 300-8,600 page
 * faults per 128 MiB, by chance of the process.
 *
 * Each workload starts with one untimed round; then the subjects take turns
 * for STDNET_BENCH_SOCKET_RUNS rounds (9), each round starting one subject
 * later, and each figure is a subject's median turn.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { KEEP_HEAP, median, type BenchTable } from "./_harness.js";

const ROUND_TRIP_MS = 1000;
const RUNS = Number(process.env.STDNET_BENCH_SOCKET_RUNS ?? "9");
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

function startServer(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<Server> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "inherit"], env: { ...process.env, ...env } });
    const lines = createInterface({ input: child.stdout });
    lines.once("line", (line) => resolve({ port: Number(line), child }));
    child.once("exit", (code) => reject(new Error(`server exited with ${code}`)));
  });
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    child.kill("SIGKILL");
  });
}

const nodeScript = (name: string): string => fileURLToPath(new URL(name, import.meta.url));

/** A node client of _echo-client.mjs in a process of its own: `rtt(port)` and `bulk(port)` each give one figure. */
interface EchoClient {
  rtt(port: number): Promise<number>;
  bulk(port: number): Promise<number>;
  close(): Promise<void>;
}

async function startClient(kind: "raw" | "stdnet", env: NodeJS.ProcessEnv = {}): Promise<EchoClient> {
  const child = spawn(process.execPath, [nodeScript("_echo-client.mjs"), kind], { stdio: ["pipe", "pipe", "inherit"], env: { ...process.env, ...env } });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async (): Promise<string> => {
    const r = await lines.next();
    if (r.done === true) throw new Error(`the ${kind} echo client ended early`);
    return r.value;
  };
  if ((await next()) !== "ready") throw new Error(`the ${kind} echo client did not start`);
  const ask = async (line: string): Promise<number> => {
    child.stdin.write(line + "\n");
    return Number(await next());
  };
  return {
    rtt: (port) => ask(`rtt ${port} ${ROUND_TRIP_MS}`),
    bulk: (port) => ask(`bulk ${port} ${BULK_BYTES}`),
    async close() {
      child.stdin.end();
      await new Promise((resolve) => child.once("exit", resolve));
    },
  };
}

async function pythonClientRoundTrips(port: number): Promise<number> {
  const child = spawn("python3", ["-c", PYTHON_CLIENT, String(port), String(ROUND_TRIP_MS)], { stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  await new Promise((r) => child.once("exit", r));
  return Number(out.trim());
}

/**
 * Each subject's median of RUNS turns, after one untimed round; each round
 * starts one subject later, so none always follows another.
 */
async function table(workload: string, unit: string, subjects: [string, () => Promise<number>][]): Promise<BenchTable> {
  for (const [, measure] of subjects) await measure();
  const figures: number[][] = subjects.map(() => []);
  for (let round = 0; round < RUNS; round++) {
    for (let k = 0; k < subjects.length; k++) {
      const i = (round + k) % subjects.length;
      figures[i]!.push(await subjects[i]![1]());
    }
  }
  return { workload: `${workload}, median of ${RUNS} turns`, unit, rows: subjects.map(([subject], i) => ({ subject, value: median(figures[i]!) })) };
}

export async function run(): Promise<BenchTable[]> {
  const echoServer = nodeScript("_echo-server.mjs");
  const ours = await startServer(process.execPath, [echoServer, "stdnet"]);
  const raw = await startServer(process.execPath, [echoServer, "raw"], KEEP_HEAP);
  const python = await startServer("python3", ["-u", "-c", PYTHON_SERVER]);
  const load = await startClient("raw", KEEP_HEAP);
  const client = await startClient("stdnet");
  try {
    const serverRtt = await table(
      "echo server: sequential round trips, 100-byte messages (raw node:net client as load)",
      "round trips/s",
      [
        ["stdnet serveEcho", () => load.rtt(ours.port)],
        ["raw node:net server", () => load.rtt(raw.port)],
        ["CPython 3.11 socket server", () => load.rtt(python.port)],
      ],
    );
    const serverBulk = await table(
      `echo server: ${BULK_BYTES / 1024 / 1024} MiB streamed and echoed back (raw node:net client as load)`,
      "MB/s",
      [
        ["stdnet serveEcho", () => load.bulk(ours.port)],
        ["raw node:net server", () => load.bulk(raw.port)],
        ["CPython 3.11 socket server", () => load.bulk(python.port)],
      ],
    );
    const clientRtt = await table(
      "echo client: sequential round trips, 100-byte messages, against the raw node:net server",
      "round trips/s",
      [
        ["stdnet socket client", () => client.rtt(raw.port)],
        ["raw node:net client", () => load.rtt(raw.port)],
        ["CPython 3.11 socket client", () => pythonClientRoundTrips(raw.port)],
      ],
    );
    const clientBulk = await table(
      `echo client: ${BULK_BYTES / 1024 / 1024} MiB streamed and read back, against the raw node:net server`,
      "MB/s",
      [
        ["stdnet socket client", () => client.bulk(raw.port)],
        ["raw node:net client", () => load.bulk(raw.port)],
      ],
    );
    return [serverRtt, serverBulk, clientRtt, clientBulk];
  } finally {
    await Promise.all([load.close(), client.close()]);
    await Promise.all([stop(ours.child), stop(raw.child), stop(python.child)]);
  }
}
