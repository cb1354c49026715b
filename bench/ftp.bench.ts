/**
 * ftp: RETR and STOR of one large file (128 MiB; `STDNET_BENCH_FTP_MB` sets
 * another size) through stdnet's `FTP`, through basic-ftp's `Client`
 * directly, and through CPython's ftplib (python3), all against the same
 * ftp-srv server on loopback; and stdnet's `FTP` once more in a process
 * whose glibc malloc keeps the memory it frees (see KEEP_HEAP), which also
 * shows how far two runs of one client differ. Two references that are no
 * FTP client: node's own net.Socket reading the data connection with a
 * 'data' listener (what any node client that hands out fresh blocks pays at
 * least) and into one reused buffer (RETR only: a floor for node's event
 * loop); see _ftp-client.mjs. The server (_ftp-server.mjs) and each client
 * run in a process of their own, so no two share an event loop or a heap,
 * and all in plain node, as python3 runs ftplib, not under tsx.
 *
 * Each direction starts with one untimed round (the server's JIT and heap,
 * each client's first transfer), then the clients take turns for
 * `STDNET_BENCH_FTP_RUNS` rounds (15), each round starting with the next
 * client, so none always follows another; each figure is a client's median
 * transfer, MB/s, login excluded (TYPE, PASV and the transfer included).
 *
 * Every client does what its users write by default: ours and Python's
 * `retrbinary` with a callback that counts the bytes (blocksize 8192) and
 * `storbinary` from the local file; basic-ftp's `downloadTo` into a Writable
 * that counts and `uploadFrom` the local file's path.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { KEEP_HEAP, median, type BenchTable } from "./_harness.js";

const MB = Number(process.env.STDNET_BENCH_FTP_MB ?? "128");
const SIZE = Math.round(MB * 1024 * 1024);
const RUNS = Number(process.env.STDNET_BENCH_FTP_RUNS ?? "15");

interface ServerInfo {
  host: string;
  port: number;
  root: string;
  user: string;
  password: string;
}

/** Starts bench/_ftp-server.mjs (ftp-srv in plain node) and resolves to where it listens. */
function startServerProcess(): Promise<{ child: ChildProcess; info: ServerInfo }> {
  const child = spawn(process.execPath, [fileURLToPath(new URL("_ftp-server.mjs", import.meta.url))], {
    // the server keeps its freed heap too: otherwise its first several transfers fault its memory in afresh (see KEEP_HEAP)
    env: { ...process.env, ...KEEP_HEAP },
    stdio: ["pipe", "pipe", "inherit"],
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error("the FTP server process did not start in time"));
    }, 30_000);
    createInterface({ input: child.stdout }).once("line", (line) => {
      clearTimeout(timer);
      resolve({ child, info: JSON.parse(line) as ServerInfo });
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`the FTP server process exited with ${code}`));
    });
  });
}

const PYTHON = String.raw`
import ftplib, sys, time
host, port, user, passwd, local, size = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5], int(sys.argv[6])
ftp = ftplib.FTP()
ftp.connect(host, port)
ftp.login(user, passwd)
print("ready", flush=True)
for command in sys.stdin:
    command = command.strip()
    if command == "down":
        n = 0
        def count(b):
            global n
            n += len(b)
        t = time.perf_counter()
        ftp.retrbinary("RETR big.bin", count)
        took = time.perf_counter() - t
        assert n == size, n
    elif command == "up":
        t = time.perf_counter()
        with open(local, "rb") as f:
            ftp.storbinary("STOR up-py.bin", f)
        took = time.perf_counter() - t
    else:
        break
    print(took, flush=True)
ftp.quit()
`;

/*
 * KEEP_HEAP (the harness's): the server process runs with these, so that its
 * first transfers are not slower than the rest; and a fourth subject is
 * stdnet's client run with these (the process's environment, not the
 * adapter: stdnet's own `keepFreedHeap` does the same from inside, so this
 * subject measures the same code, and its ratio shows the noise). The two
 * references run with these too, as they have no `keepFreedHeap` of their
 * own: without them a bare socket took 240 ms of CPU a RETR in one run,
 * against 56-95 ms with them.
 */
const KEPT_LABEL = "stdnet, MALLOC_TRIM_THRESHOLD_=256M MALLOC_TOP_PAD_=64M";

type Direction = "down" | "up";

/** A subject of the benchmark: one client, logged in, that times one transfer in either direction. */
interface Subject {
  time(direction: Direction): Promise<number>;
  close(): Promise<void>;
}

/**
 * Median time of each subject in a direction, after one untimed round. The
 * subjects take turns, so load changes hit all alike, and each round starts
 * one subject later, so none is always the one after another (the server's
 * speed drifts while it warms up).
 */
async function race(subjects: readonly Subject[], direction: Direction): Promise<number[]> {
  for (const subject of subjects) await subject.time(direction);
  const times: number[][] = subjects.map(() => []);
  for (let round = 0; round < RUNS; round++) {
    for (let k = 0; k < subjects.length; k++) {
      const i = (round + k) % subjects.length;
      times[i]!.push(await subjects[i]!.time(direction));
    }
  }
  return times.map((t) => median(t));
}

/** A subject in a process of its own, speaking the protocol of the python script: "ready", then one time per command. */
async function processSubject(command: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<Subject> {
  const child = spawn(command, args, { stdio: ["pipe", "pipe", "inherit"], env: { ...process.env, ...env } });
  const iterator = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async (): Promise<string> => {
    const r = await iterator.next();
    if (r.done === true) throw new Error(`${command} ended early`);
    return r.value;
  };
  if ((await next()) !== "ready") throw new Error(`${command} did not log in`);
  return {
    async time(direction) {
      child.stdin.write(direction + "\n");
      return Number(await next());
    },
    async close() {
      child.stdin.end("quit\n");
      await new Promise((resolve) => child.once("exit", resolve));
    },
  };
}

/** Runs the family: two tables, download and upload. */
export async function run(): Promise<BenchTable[]> {
  const { child, info } = await startServerProcess();
  const localDir = mkdtempSync(join(tmpdir(), "stdnet-ftp-bench-"));
  const local = join(localDir, "big.bin");
  try {
    const data = randomBytes(SIZE);
    writeFileSync(join(info.root, "big.bin"), data);
    writeFileSync(local, data);
    // every client in a process of its own, as python3 is, and in plain node (see _ftp-client.mjs)
    const nodeClient = (kind: string, env: NodeJS.ProcessEnv = {}): Promise<Subject> =>
      processSubject(process.execPath, [fileURLToPath(new URL("_ftp-client.mjs", import.meta.url)), kind], {
        ...env,
        STDNET_FTP_BENCH_SERVER: JSON.stringify(info),
        STDNET_FTP_BENCH_LOCAL: local,
        STDNET_FTP_BENCH_SIZE: String(SIZE),
      });
    const subjects = [
      await nodeClient("stdnet"),
      await nodeClient("basic-ftp"),
      await processSubject("python3", ["-u", "-c", PYTHON, info.host, String(info.port), info.user, info.password, local, String(SIZE)], {}),
      await nodeClient("stdnet", KEEP_HEAP),
      await nodeClient("socket", KEEP_HEAP),
      await nodeClient("socket-reused", KEEP_HEAP),
    ];
    const [oursDown, basicDown, pyDown, keptDown, socketDown, reusedDown] = await race(subjects, "down");
    // the reused buffer only matters to reads: uploads of both references are the same code
    const [oursUp, basicUp, pyUp, keptUp, socketUp] = await race(subjects.slice(0, 5), "up");
    for (const subject of subjects) await subject.close();
    const mbps = (s: number | undefined): number => SIZE / 1e6 / (s ?? Infinity);
    return [
      {
        workload: `RETR of a ${MB} MiB file over loopback (retrbinary, blocksize 8192; median of ${RUNS} turns)`,
        unit: "MB/s",
        rows: [
          { subject: "stdnet FTP.retrbinary", value: mbps(oursDown) },
          { subject: "basic-ftp Client.downloadTo", value: mbps(basicDown) },
          { subject: "CPython 3.11 ftplib retrbinary", value: mbps(pyDown) },
          { subject: KEPT_LABEL, value: mbps(keptDown) },
          { subject: "reference, no FTP client: node net.Socket, 'data' events counted", value: mbps(socketDown) },
          { subject: "reference, no FTP client: node net.Socket reading into one reused buffer (onread)", value: mbps(reusedDown) },
        ],
      },
      {
        workload: `STOR of a ${MB} MiB file over loopback (storbinary from the local file; median of ${RUNS} turns)`,
        unit: "MB/s",
        rows: [
          { subject: "stdnet FTP.storbinary", value: mbps(oursUp) },
          { subject: "basic-ftp Client.uploadFrom", value: mbps(basicUp) },
          { subject: "CPython 3.11 ftplib storbinary", value: mbps(pyUp) },
          { subject: KEPT_LABEL, value: mbps(keptUp) },
          { subject: "reference, no FTP client: node net.Socket, the file's read stream piped in", value: mbps(socketUp) },
        ],
      },
    ];
  } finally {
    child.stdin?.end();
    await new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        child.kill("SIGKILL");
        resolve();
      }, 5000);
      child.once("exit", () => {
        clearTimeout(t);
        resolve();
      });
    });
    rmSync(localDir, { recursive: true, force: true });
  }
}
