/**
 * Shared machinery of the protocol fault runs: each point of a dialogue gets
 * its own fault proxy, the points of one fault run side by side, and each run
 * reports how the client ended ("ok" or a Python error's name), how a second
 * call on the same client object ended, and how long it all took.
 */
import { createHook } from "node:async_hooks";
import { FaultProxy, type Fault, type FaultKind } from "../helpers/faultproxy.js";

/** A place in a client's dialogue where a fault fires. */
export interface FaultPoint {
  /** What the bytes at `at` are, e.g. "greeting", "mid-body". */
  name: string;
  direction: "up" | "down";
  at: number;
}

/** How one client run ended. */
export interface RunEnd {
  /** "ok" (right data) or the Python error's name. */
  outcome: string;
  /** The same client's next call, made with the proxy faithful again: "ok" or the error's name. */
  then: string;
}

export interface FaultRun extends RunEnd {
  point: string;
  direction: "up" | "down";
  at: number;
  kind: FaultKind;
  fired: boolean;
  ms: number;
}

/** The name a Python error is recorded under: URLError shows its reason. */
export function errorName(e: Error): string {
  const reason = (e as { reason?: unknown }).reason;
  if (e.name === "URLError" && reason instanceof Error) return `URLError(${reason.name})`;
  return e.name;
}

/**
 * Runs `attempt` once through a proxy at each point with fault `kind`,
 * `concurrency` at a time (all at once by default); `attempt` gets the proxy's port and must make the proxy faithful
 * (`proxy.fault = NO_FAULT`) before its second call.
 */
export async function runPoints(
  targetPort: number,
  kind: FaultKind,
  points: readonly FaultPoint[],
  attempt: (port: number, proxy: FaultProxy) => Promise<RunEnd>,
  delayMs = 100,
  concurrency = points.length,
): Promise<FaultRun[]> {
  const out: FaultRun[] = [];
  for (let i = 0; i < points.length; i += concurrency) {
    out.push(...(await runBatch(targetPort, kind, points.slice(i, i + concurrency), attempt, delayMs)));
  }
  return out;
}

function runBatch(
  targetPort: number,
  kind: FaultKind,
  points: readonly FaultPoint[],
  attempt: (port: number, proxy: FaultProxy) => Promise<RunEnd>,
  delayMs: number,
): Promise<FaultRun[]> {
  return Promise.all(
    points.map(async (p) => {
      const fault: Fault = { kind, direction: p.direction, at: p.at, delayMs };
      const proxy = await FaultProxy.start(targetPort, fault);
      const t0 = Date.now();
      try {
        const end = await attempt(proxy.port, proxy);
        return { ...end, point: p.name, direction: p.direction, at: p.at, kind, fired: proxy.fired, ms: Date.now() - t0 };
      } finally {
        await proxy.close();
      }
    }),
  );
}

/** A faithful proxy's fault. */
export const NO_FAULT: Fault = { kind: "none", direction: "up", at: 0 };

/** Counts of the handles of ours that may be left open: sockets and timers. */
export function openHandles(): { sockets: number; timers: number } {
  const r = process.getActiveResourcesInfo();
  return { sockets: r.filter((x) => x === "TCPSocketWrap").length, timers: r.filter((x) => x === "Timeout").length };
}

/** How many sockets and timers are open beyond `baseline` (never below 0: fewer than at the start is fine). */
export function openBeyond(baseline: { sockets: number; timers: number }): { sockets: number; timers: number } {
  const now = openHandles();
  return { sockets: Math.max(0, now.sockets - baseline.sockets), timers: Math.max(0, now.timers - baseline.timers) };
}

/** Waits (up to `ms`) until no socket or timer is open beyond `baseline`; returns what is still open beyond it. */
export async function leftOpen(baseline: { sockets: number; timers: number }, ms = 1000): Promise<{ sockets: number; timers: number }> {
  await settle(() => {
    const beyond = openBeyond(baseline);
    return beyond.sockets === 0 && beyond.timers === 0;
  }, ms);
  return openBeyond(baseline);
}

/** Waits until `check()` holds or `ms` pass; returns whether it held. */
export async function settle(check: () => boolean, ms = 1000): Promise<boolean> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) return false;
    await new Promise((r) => setTimeout(r, 10));
  }
  return true;
}

/** The table rows of a set of runs. */
export function rowsOf(client: string, runs: readonly FaultRun[]): (string | number)[][] {
  return runs.map((r) => [client, r.kind, r.direction, `${r.point} (${r.at})`, r.outcome, r.then, r.ms]);
}

export const FAULT_COLUMNS = ["client", "fault", "direction", "point (byte)", "outcome", "next call", "ms"];

/**
 * Follows every timer made from now on and tells which are still alive,
 * with where they were made: a leak check that can leave a server's own
 * timers out (`live((stack) => !stack.includes("node_modules/ftp-srv"))`).
 */
export function trackTimers(): { live(filter?: (stack: string) => boolean): string[]; stop(): void } {
  const alive = new Map<number, string>();
  const hook = createHook({
    init(id, type) {
      if (type === "Timeout") alive.set(id, new Error().stack?.split("\n").slice(4, 10).join("\n") ?? "");
    },
    destroy(id) {
      alive.delete(id);
    },
  }).enable();
  return {
    live: (filter = () => true) => [...alive.values()].filter(filter),
    stop: () => {
      hook.disable();
    },
  };
}
