/**
 * Where a download goes: the Writable that `retrbinary`/`retrlines` hand the
 * engine, which calls the user's callback with each piece in order, waits
 * for a Promise it returns (back-pressure), and stops the transfer when it throws.
 * @module
 */
import { Writable } from "node:stream";
import type { TransferControl } from "./_ftpengine.js";
import { keepFreedHeap } from "../sockets/_heap.js";

/**
 * How much the sink holds before the socket is paused: one socket read
 * (64 KiB). Measured with bench/ftp.bench.ts, a 1 MiB buffer cost five to
 * ten times the system CPU time per download (more fresh memory in flight,
 * page faults) for no gain in throughput.
 */
const SINK_HIGH_WATER = 64 * 1024;

/** Whether a callback returned something to wait for. */
export function isPromiseLike(x: unknown): x is PromiseLike<unknown> {
  return typeof x === "object" && x !== null && typeof (x as { then?: unknown }).then === "function";
}

/**
 * Calls `callback` with each item in order, waiting for any Promise it
 * returns; synchronous (returns `undefined`) when it never does.
 *
 * @example
 * ```ts
 * deliver(["a", "b"], (line) => console.log(line)); // undefined
 * ```
 */
export function deliver<T>(items: readonly T[], callback: (item: T) => unknown): Promise<void> | undefined {
  for (let i = 0; i < items.length; i++) {
    const r = callback(items[i]!);
    if (isPromiseLike(r)) {
      return (async () => {
        await r;
        for (let j = i + 1; j < items.length; j++) await callback(items[j]!);
      })();
    }
  }
  return undefined;
}

/**
 * The Writable a download is piped into: `onChunk` per chunk, `onEnd` at the
 * end; a failure is recorded in `control` and stops the transfer.
 *
 * @example
 * ```ts
 * const out = sink(control, (chunk) => deliver([chunk], callback), () => undefined);
 * ```
 */
export function sink(
  control: TransferControl,
  onChunk: (chunk: Buffer) => Promise<void> | undefined,
  onEnd: () => Promise<void> | undefined,
): Writable {
  keepFreedHeap();
  const fail = (e: unknown, done: (e?: Error | null) => void): void => {
    control.failure ??= { error: e };
    control.abort?.();
    done(e instanceof Error ? e : new Error(String(e)));
  };
  const run = (step: () => Promise<void> | undefined, done: (e?: Error | null) => void): void => {
    try {
      const p = step();
      if (p === undefined) done();
      else p.then(() => done(), (e: unknown) => fail(e, done));
    } catch (e) {
      fail(e, done);
    }
  };
  const w = new Writable({
    highWaterMark: SINK_HIGH_WATER,
    write(chunk: Buffer, _encoding, done) {
      run(() => onChunk(chunk), done);
    },
    final(done) {
      run(onEnd, done);
    },
  });
  w.on("error", () => undefined);
  return w;
}
