/**
 * pickle: loads and dumps of three workloads (10,000 records at protocols 2
 * and 4; list(range(1_000_000)); 200,000 short strings, some non-ASCII),
 * against CPython's C pickle (python3 timeit), the npm parsers pickleparser
 * and jpickle where they can read the pickle, JSON.parse/JSON.stringify of
 * the equivalent JSON as the bar V8's native parser sets, and Node's
 * v8.serialize/v8.deserialize of the same value: V8's structured clone, the
 * native serializer that, like pickle, keeps shared references and typed
 * arrays (what Node offers for objects between its own processes). The
 * records at protocol 4 are also dumped as a program pickles new data: a value built
 * afresh for each call, the building not counted (timeit's loop pickles one
 * value over and over, whose objects both sides have already met). The
 * records at protocol 4 and the strings are also read by load() from a file
 * with peek, as from socket.makefile('rb') (CPython: a BufferedReader over
 * a BytesIO, as its makefile gives).
 *
 * Every figure is operations per CPU second (process CPU time, Python's
 * time.process_time), so that other work on a shared machine does not tilt
 * the comparison; GC threads count against Node.
 *
 * The workloads are measured in three rounds, and each side keeps its best
 * round. A round is one python3 process measuring every workload in turn
 * (timeit's best of three repeats for loads and for dumps), then, per
 * workload, a node process for stdnet's loads and another for its dumps
 * (each the best of three timed stretches). Alternating the two sides makes
 * a busy spell of the machine, which here comes and goes over minutes and
 * halves every figure taken in it, fall on both alike.
 * stdnet's jobs get processes of their own because in one shared process
 * what V8 decided for one job (which allocation sites it pretenures, how
 * far the old generation has grown, when the weakly held memo goes)
 * carried over to the next and moved figures by 2-5x depending on the
 * order they ran in. The JS peers share one more process per workload.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { deserialize as v8Deserialize, serialize as v8Serialize } from "node:v8";
import { Parser } from "pickleparser";
import { dumps, float, load, loads, type PickleReadable } from "stdnet/pickle";
import type { BenchRow, BenchTable } from "./_harness.js";

const require = createRequire(import.meta.url);

function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/**
 * Calls per CPU second of fn, after a warm-up: the best of three rounds of at
 * least `minMs` of CPU time each (as CPython's side keeps the best of timeit's repeats).
 */
function opsPerSecond(fn: () => unknown, minMs = 400): number {
  const minSec = minMs / 1000;
  const warm = cpuSeconds() + minSec / 2;
  while (cpuSeconds() < warm) fn();
  let best = 0;
  for (let round = 0; round < 3; round++) {
    let calls = 0;
    const start = cpuSeconds();
    let now = start;
    do {
      fn();
      calls++;
      now = cpuSeconds();
    } while (now - start < minSec);
    best = Math.max(best, calls / (now - start));
  }
  return best;
}

/**
 * Calls per CPU second of `fn` on a value `build` makes anew for each call
 * (the building not counted): the best of three rounds of at least `minMs`,
 * after one more that warms up.
 */
function freshOpsPerSecond(build: () => unknown, fn: (value: unknown) => unknown, minMs = 400): number {
  let best = 0;
  for (let round = 0; round < 4; round++) {
    let calls = 0;
    let spent = 0;
    do {
      const value = build();
      const start = cpuSeconds();
      fn(value);
      spent += cpuSeconds() - start;
      calls++;
    } while (spent < minMs / 1000);
    // the first round warms up
    if (round > 0) best = Math.max(best, calls / spent);
  }
  return best;
}
const jpickle = require("jpickle") as { loads(data: string): unknown };

interface Workload {
  name: string;
  protocol: number;
  /** Python expression that builds the value. */
  py: string;
  /** The same value in JS, as stdnet maps it. */
  js: () => unknown;
  /** The equivalent JSON value. */
  json: () => unknown;
  /** Whether dumps is also measured on a value built afresh for each call (as a program pickles new data). */
  fresh?: boolean;
  /** Whether load() from a file with peek is also measured (as objects come over a socket). */
  file?: boolean;
}

const workloads: Workload[] = [
  ...[2, 4].map((protocol) => ({
    name: `10,000 records, protocol ${protocol}`,
    protocol,
    py: "[{'id': i, 'name': 'user%d' % i, 'score': i * 0.5, 'tags': ['a', 'bb'], 'blob': bytes(16)} for i in range(10000)]",
    js: () => Array.from({ length: 10_000 }, (_, i) => ({ id: i, name: `user${i}`, score: float(i * 0.5), tags: ["a", "bb"], blob: new Uint8Array(16) })),
    json: () => Array.from({ length: 10_000 }, (_, i) => ({ id: i, name: `user${i}`, score: i * 0.5, tags: ["a", "bb"], blob: "00".repeat(16) })),
    fresh: protocol === 4,
    file: protocol === 4,
  })),
  {
    name: "list(range(1_000_000)), protocol 4",
    protocol: 4,
    py: "list(range(1_000_000))",
    js: () => Array.from({ length: 1_000_000 }, (_, i) => i),
    json: () => Array.from({ length: 1_000_000 }, (_, i) => i),
  },
  {
    name: "200,000 short strings (1 in 10 non-ASCII), protocol 4",
    protocol: 4,
    py: "['s%d' % i if i % 10 else 'é%d日' % i for i in range(200_000)]",
    js: () => Array.from({ length: 200_000 }, (_, i) => (i % 10 ? `s${i}` : `é${i}日`)),
    json: () => Array.from({ length: 200_000 }, (_, i) => (i % 10 ? `s${i}` : `é${i}日`)),
    file: true,
  },
  // shapes beyond the four, where stdnet once trailed by 10-100x (see BENCHMARKS.md)
  {
    name: "a str of 1 MiB (ASCII), protocol 4",
    protocol: 4,
    py: "'abcdefgh' * (1 << 17)",
    js: () => "abcdefgh".repeat(1 << 17),
    json: () => "abcdefgh".repeat(1 << 17),
  },
  {
    name: "50,000 ints of 100 bits, protocol 4",
    protocol: 4,
    py: "[(i * 0x9E3779B97F4A7C15F39CC0605) % (1 << 100) for i in range(50_000)]",
    js: () => Array.from({ length: 50_000 }, (_, i) => (BigInt(i) * 0x9e3779b97f4a7c15f39cc0605n) % (1n << 100n)),
    json: () => Array.from({ length: 50_000 }, (_, i) => ((BigInt(i) * 0x9e3779b97f4a7c15f39cc0605n) % (1n << 100n)).toString()),
  },
  {
    name: "bytes of 1 MiB, protocol 2",
    protocol: 2,
    py: "bytes((i * 7919) % 256 for i in range(1 << 20))",
    js: () => Uint8Array.from({ length: 1 << 20 }, (_, i) => (i * 7919) % 256),
    json: () => Buffer.from(Uint8Array.from({ length: 1 << 20 }, (_, i) => (i * 7919) % 256)).toString("hex"),
  },
  {
    name: "5,000 records, protocol 0",
    protocol: 0,
    py: "[{'id': i, 'name': 'user%d' % i} for i in range(5000)]",
    js: () => Array.from({ length: 5000 }, (_, i) => ({ id: i, name: `user${i}` })),
    json: () => Array.from({ length: 5000 }, (_, i) => ({ id: i, name: `user${i}` })),
  },
];

interface PyFigures {
  loads: number;
  dumps: number;
  /** dumps of the value built afresh for each call (0 when not measured). */
  freshDumps: number;
  /** pickle.load from a BufferedReader over a BytesIO (0 when not measured). */
  fileLoads: number;
  pickle: string;
}

/**
 * CPython's figures (pickles per second) and its pickle of each workload,
 * measured with timeit in one python3 process, in the workloads' order: a
 * fresh process for each measured some workloads at half their speed here
 * (the memory that earlier workloads left to the allocator is what later
 * ones run fastest in), and CPython is to have its best.
 */
function cpython(): PyFigures[] {
  const script = `
import io, pickle, timeit, json, sys, time
out = []
def fresh_rate(expr, p):
    code = compile(expr, "<workload>", "eval")
    best = 0
    for r in range(4):
        n, spent = 0, 0.0
        while spent < 0.4:
            value = eval(code)
            start = time.process_time()
            pickle.dumps(value, p)
            spent += time.process_time() - start
            n += 1
        if r > 0: best = max(best, n / spent)
    return best
for expr, p, fresh, file in json.loads(sys.stdin.read()):
    v = eval(expr)
    data = pickle.dumps(v, p)
    def rate(fn):
        timer = timeit.Timer(fn, timer=time.process_time)
        n, t = timer.autorange()
        best = min(timer.repeat(3, n))
        return n / best
    file_rate = rate(lambda: pickle.load(io.BufferedReader(io.BytesIO(data)))) if file else 0
    out.append({"loads": rate(lambda: pickle.loads(data)), "dumps": rate(lambda: pickle.dumps(v, p)), "freshDumps": fresh_rate(expr, p) if fresh else 0, "fileLoads": file_rate, "pickle": data.hex()})
print(json.dumps(out))
`;
  const r = spawnSync("python3", ["-c", script], { input: JSON.stringify(workloads.map((w) => [w.py, w.protocol, w.fresh === true, w.file === true])), maxBuffer: 1 << 30, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`python3 failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as PyFigures[];
}

/** ops/s of fn, or undefined when it throws (the peer cannot do this job). */
function tryRate(fn: () => unknown): number | undefined {
  try {
    fn();
  } catch {
    return undefined;
  }
  return opsPerSecond(fn);
}

/** stdnet's and the JS peers' figures for one workload. */
interface JsFigures {
  loads: number;
  dumps: number;
  freshDumps: number;
  fileLoads: number;
  pickleparser: number | undefined;
  jpickle: number | undefined;
  jsonParse: number;
  jsonStringify: number;
  /** Node's v8.deserialize and v8.serialize of the same value. */
  v8Deserialize: number;
  v8Serialize: number;
  v8Mb: number;
  /** Megabytes of CPython's pickle, of the JSON text, and of our pickle. */
  mb: number;
  jsonMb: number;
  oursMb: number;
}

/** What one measuring process does: stdnet's loads, its dumps, its dumps of values built afresh, its load() from a file, or the JS peers. */
type Job = "loads" | "dumps" | "freshDumps" | "fileLoads" | "peers";

/** A file over `data` with read and peek, as socket.makefile('rb') gives one (peek shows what its buffer holds). */
function fileOver(data: Buffer): PickleReadable {
  let pos = 0;
  return {
    read: (n) => data.subarray(pos, (pos += n)),
    peek: (n) => data.subarray(pos, pos + Math.min(n, 65536)),
  };
}

/** One process's figures for workload `w`: those of `job`, 0 (or undefined) for the rest. */
function measure(w: Workload, pyPickle: Buffer, job: Job): JsFigures {
  const value = w.js();
  const jsonValue = w.json();
  const jsonText = JSON.stringify(jsonValue);
  const latin1 = pyPickle.toString("latin1");
  const peers = job === "peers";
  // (only where it is measured: a v8.serialize of the value slowed the dumps measured after it in the same process)
  const v8Data = peers ? v8Serialize(value) : undefined;
  return {
    loads: job === "loads" ? opsPerSecond(() => loads(pyPickle)) : 0,
    pickleparser: peers ? tryRate(() => new Parser().parse(pyPickle)) : undefined,
    jpickle: peers ? tryRate(() => jpickle.loads(latin1)) : undefined,
    jsonParse: peers ? opsPerSecond(() => JSON.parse(jsonText)) : 0,
    dumps: job === "dumps" ? opsPerSecond(() => dumps(value, w.protocol)) : 0,
    freshDumps: job === "freshDumps" ? freshOpsPerSecond(w.js, (v) => dumps(v, w.protocol)) : 0,
    fileLoads: job === "fileLoads" ? opsPerSecond(() => load(fileOver(pyPickle))) : 0,
    jsonStringify: peers ? opsPerSecond(() => JSON.stringify(jsonValue)) : 0,
    v8Deserialize: v8Data !== undefined ? opsPerSecond(() => v8Deserialize(v8Data)) : 0,
    v8Serialize: peers ? opsPerSecond(() => v8Serialize(value)) : 0,
    v8Mb: (v8Data?.length ?? 0) / 1e6,
    mb: pyPickle.length / 1e6,
    jsonMb: jsonText.length / 1e6,
    oursMb: dumps(value, w.protocol).length / 1e6,
  };
}

/** How many rounds measure the workloads: each round is one python3 process for all of them and, per workload, one node process for each of stdnet's jobs. */
const ROUNDS = 3;

/** One node process (this file in child mode) measuring `job` for workload `i`. */
function child(i: number, file: string, job: Job): JsFigures {
  const env = { ...process.env, STDNET_PICKLE_BENCH_WORKLOAD: String(i), STDNET_PICKLE_BENCH_PICKLE: file, STDNET_PICKLE_BENCH_JOB: job };
  const r = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url)], { env, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"], timeout: 600_000 });
  if (r.status !== 0) throw new Error(`the pickle bench process (${job} of workload ${i}) failed (${r.status ?? r.signal})`);
  return JSON.parse(r.stdout.trim().split("\n").pop() ?? "") as JsFigures;
}

/** The better of two figures of the same job. */
function better<T extends { loads: number; dumps: number; freshDumps: number; fileLoads: number }>(a: T | undefined, b: T): T {
  return a === undefined ? b : { ...a, loads: Math.max(a.loads, b.loads), dumps: Math.max(a.dumps, b.dumps), freshDumps: Math.max(a.freshDumps, b.freshDumps), fileLoads: Math.max(a.fileLoads, b.fileLoads) };
}

export async function run(): Promise<BenchTable[]> {
  const dir = mkdtempSync(join(tmpdir(), "stdnet-pickle-bench-"));
  const py: (PyFigures | undefined)[] = workloads.map(() => undefined);
  const ours: (JsFigures | undefined)[] = workloads.map(() => undefined);
  try {
    // CPython and stdnet take turns, so that a busy spell of the machine (they come and
    // go over minutes here and halve every figure taken in one) meets both sides alike
    for (let round = 0; round < ROUNDS; round++) {
      const figures = cpython();
      workloads.forEach((_w, i) => {
        const file = join(dir, `workload-${i}.pickle`);
        if (round === 0) {
          writeFileSync(file, Buffer.from(figures[i]!.pickle, "hex"));
          ours[i] = child(i, file, "peers");
        }
        py[i] = better(py[i], figures[i]!);
        const fresh = workloads[i]!.fresh === true ? child(i, file, "freshDumps").freshDumps : 0;
        const fromFile = workloads[i]!.file === true ? child(i, file, "fileLoads").fileLoads : 0;
        ours[i] = better(ours[i], { ...child(i, file, "loads"), dumps: child(i, file, "dumps").dumps, freshDumps: fresh, fileLoads: fromFile });
      });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const tables: BenchTable[] = [];
  workloads.forEach((w, i) => {
    const js = ours[i]!;
    const fig = py[i]!;
    const loadsRows: BenchRow[] = [
      { subject: "stdnet loads", value: js.loads },
      { subject: "CPython 3.11 pickle.loads (C)", value: fig.loads },
    ];
    if (js.pickleparser !== undefined) loadsRows.push({ subject: "pickleparser 0.2", value: js.pickleparser });
    if (js.jpickle !== undefined) loadsRows.push({ subject: "jpickle 0.4", value: js.jpickle });
    loadsRows.push({ subject: `JSON.parse of the equivalent JSON (${js.jsonMb.toFixed(2)} MB)`, value: js.jsonParse });
    loadsRows.push({ subject: `Node v8.deserialize of the same value (${js.v8Mb.toFixed(2)} MB)`, value: js.v8Deserialize });
    tables.push({ workload: `loads: ${w.name} (${js.mb.toFixed(2)} MB pickle)`, unit: "pickles/s", rows: loadsRows });
    tables.push({ workload: `loads: ${w.name}`, unit: "MB/s of pickle", rows: loadsRows.filter((r) => !r.subject.startsWith("JSON") && !r.subject.startsWith("Node")).map((r) => ({ subject: r.subject, value: r.value * js.mb })) });
    if (w.file === true) {
      tables.push({
        workload: `load() from a file with peek (as socket.makefile's): ${w.name}`,
        unit: "pickles/s",
        rows: [
          { subject: "stdnet load", value: js.fileLoads },
          { subject: "CPython 3.11 pickle.load from a BufferedReader (C)", value: fig.fileLoads },
          { subject: "stdnet loads of the same bytes", value: js.loads },
        ],
      });
    }

    const dumpsRows: BenchRow[] = [
      { subject: "stdnet dumps", value: js.dumps },
      { subject: "CPython 3.11 pickle.dumps (C)", value: fig.dumps },
      { subject: "JSON.stringify of the equivalent value", value: js.jsonStringify },
      { subject: "Node v8.serialize of the same value", value: js.v8Serialize },
    ];
    tables.push({ workload: `dumps: ${w.name} (${js.oursMb.toFixed(2)} MB pickle)`, unit: "pickles/s", rows: dumpsRows });
    tables.push({ workload: `dumps: ${w.name}`, unit: "MB/s of pickle", rows: dumpsRows.slice(0, 2).map((r) => ({ subject: r.subject, value: r.value * js.mb })) });
    if (w.fresh === true) {
      tables.push({
        workload: `dumps: ${w.name}, the value built afresh for each call (its building not counted)`,
        unit: "pickles/s",
        rows: [
          { subject: "stdnet dumps", value: js.freshDumps },
          { subject: "CPython 3.11 pickle.dumps (C)", value: fig.freshDumps },
        ],
      });
    }
  });
  return Promise.resolve(tables);
}

// child mode: one workload's figures, as JSON on stdout
if (process.env.STDNET_PICKLE_BENCH_WORKLOAD !== undefined) {
  const w = workloads[Number(process.env.STDNET_PICKLE_BENCH_WORKLOAD)]!;
  const pyPickle = readFileSync(process.env.STDNET_PICKLE_BENCH_PICKLE ?? "");
  console.log(JSON.stringify(measure(w, pyPickle, (process.env.STDNET_PICKLE_BENCH_JOB ?? "peers") as Job)));
}
