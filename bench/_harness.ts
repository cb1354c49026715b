/**
 * The benchmark harness: each `bench/<family>.bench.ts` exports `run()`,
 * which measures stdnet and its peers in one process run and returns one or
 * more tables; `bench/run.ts` prints them as Markdown with ratios.
 */

/** One measured figure: higher is better. */
export interface BenchRow {
  /** Who did the work: "stdnet", "CPython 3.11 struct", "raw node:net", … */
  subject: string;
  /** The figure, e.g. 1.2e6. */
  value: number;
}

/** One workload, its unit, and the rows measured for it. */
export interface BenchTable {
  /** The workload, e.g. "pack '<iIqd8s?'". */
  workload: string;
  /** The unit of `value`, e.g. "ops/s", "MB/s". */
  unit: string;
  rows: BenchRow[];
}

/** A benchmark family's entry point. */
export type BenchFamily = () => Promise<BenchTable[]>;

/**
 * Runs `fn` repeatedly for at least `minMs` (after a warm-up of the same
 * length) and returns operations per second, each call counting `opsPerCall`.
 */
export function opsPerSecond(fn: () => unknown, opsPerCall = 1, minMs = 500): number {
  const deadlineWarm = performance.now() + minMs / 2;
  while (performance.now() < deadlineWarm) fn();
  let calls = 0;
  const start = performance.now();
  let now = start;
  do {
    for (let i = 0; i < 16; i++) fn();
    calls += 16;
    now = performance.now();
  } while (now - start < minMs);
  return (calls * opsPerCall * 1000) / (now - start);
}

/** The async form of `opsPerSecond`. */
export async function opsPerSecondAsync(fn: () => Promise<unknown>, opsPerCall = 1, minMs = 500): Promise<number> {
  const deadlineWarm = performance.now() + minMs / 2;
  while (performance.now() < deadlineWarm) await fn();
  let calls = 0;
  const start = performance.now();
  let now = start;
  do {
    await fn();
    calls += 1;
    now = performance.now();
  } while (now - start < minMs);
  return (calls * opsPerCall * 1000) / (now - start);
}

/** Times one run of `fn` and returns seconds. */
export async function seconds(fn: () => unknown): Promise<number> {
  const start = performance.now();
  await fn();
  return (performance.now() - start) / 1000;
}

/** The median of `xs` (the mean of the middle two when their count is even). */
export function median(xs: readonly number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * A child process's environment that tells glibc's malloc to keep freed
 * memory instead of giving the top of its heap back to the kernel. node
 * reads each 64 KiB of a socket into memory malloc'd for it and freed at a
 * GC; by default that memory goes back to the kernel and faults in afresh
 * for the next reads, by chance of the process (see src/sockets/_heap.ts,
 * whose `keepFreedHeap` does the same from inside stdnet). Node processes
 * of peers, servers and references that have no such call of their own run
 * with these.
 */
export const KEEP_HEAP: Readonly<Record<string, string>> = { MALLOC_TRIM_THRESHOLD_: String(256 * 1024 * 1024), MALLOC_TOP_PAD_: String(64 * 1024 * 1024) };
