/**
 * A loopback TCP proxy that sits between a client of ours and a real server
 * and, on command, misbehaves at a chosen byte of either direction: delays,
 * fragments into 1-byte writes, truncates, stalls forever, resets (RST) or
 * closes. Every connection through it is counted and torn down by `close()`.
 *
 * Directions: "up" is client → server, "down" is server → client.
 */
import * as net from "node:net";

/** What the proxy does once `at` bytes have gone through `direction`. */
export type FaultKind =
  | "none" // a faithful proxy
  | "delay" // hold the bytes from `at` on for `delayMs`, then go on
  | "fragment" // from `at` on, forward one byte per write
  | "truncate" // forward up to `at`, drop the rest, pass the end of stream
  | "stall" // forward up to `at`, then nothing more in either direction, never close
  | "reset" // at `at`, reset both connections (RST)
  | "close"; // at `at`, close both connections cleanly (FIN)

export interface Fault {
  kind: FaultKind;
  direction: "up" | "down";
  /** The byte offset in `direction` where the fault starts. */
  at: number;
  /** For "delay". @default 200 */
  delayMs?: number;
}

export const FAULT_KINDS: readonly FaultKind[] = ["delay", "fragment", "truncate", "stall", "reset", "close"];

export class FaultProxy {
  readonly server: net.Server;
  readonly port: number;
  fault: Fault;
  /** Connections made through the proxy so far. */
  connections = 0;
  /** Whether the fault fired on some connection. */
  fired = false;
  readonly #open = new Set<net.Socket>();

  private constructor(server: net.Server, fault: Fault) {
    this.server = server;
    this.port = (server.address() as net.AddressInfo).port;
    this.fault = fault;
  }

  /** Starts a proxy to `targetPort` on 127.0.0.1. */
  static start(targetPort: number, fault: Fault = { kind: "none", direction: "up", at: 0 }): Promise<FaultProxy> {
    return new Promise((resolve) => {
      let proxy: FaultProxy;
      const server = net.createServer({ allowHalfOpen: true }, (client) => proxy.#handle(client, targetPort));
      server.listen(0, "127.0.0.1", () => {
        proxy = new FaultProxy(server, fault);
        resolve(proxy);
      });
    });
  }

  #track(sock: net.Socket): void {
    this.#open.add(sock);
    sock.on("close", () => this.#open.delete(sock));
    sock.on("error", () => undefined);
  }

  #handle(client: net.Socket, targetPort: number): void {
    this.connections++;
    const upstream = net.connect({ port: targetPort, host: "127.0.0.1", allowHalfOpen: true });
    this.#track(client);
    this.#track(upstream);
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    const fault = this.fault;
    let stalled = false;
    const killBoth = (kind: "reset" | "close"): void => {
      for (const s of [client, upstream]) {
        if (kind === "reset") s.resetAndDestroy();
        else s.end(() => s.destroy());
      }
    };
    const pipe = (from: net.Socket, to: net.Socket, direction: "up" | "down"): void => {
      let count = 0;
      let queue: Promise<void> = Promise.resolve();
      const active = fault.kind !== "none" && fault.direction === direction;
      let truncated = false;
      let firedHere = false;
      const send = (chunk: Buffer): Promise<void> =>
        new Promise((resolve) => {
          if (to.destroyed || stalled) {
            resolve();
            return;
          }
          if (to.write(chunk)) resolve();
          else to.once("drain", () => resolve());
        });
      from.on("data", (chunk: Buffer) => {
        if (stalled) return;
        const start = count;
        count += chunk.length;
        if (!active || count <= fault.at || truncated) {
          if (!truncated) queue = queue.then(() => send(chunk));
          return;
        }
        // The fault starts inside or at the start of this chunk.
        const split = Math.max(0, fault.at - start);
        const before = chunk.subarray(0, split);
        const after = chunk.subarray(split);
        if (before.length > 0) queue = queue.then(() => send(before));
        const alreadyFired = firedHere;
        firedHere = true;
        this.fired = true;
        switch (fault.kind) {
          case "delay":
            if (!alreadyFired) {
              from.pause();
              queue = queue.then(() => new Promise((r) => setTimeout(r, fault.delayMs ?? 200))).then(() => {
                from.resume();
              });
            }
            queue = queue.then(() => send(after));
            break;
          case "fragment":
            queue = queue.then(async () => {
              for (let i = 0; i < after.length; i++) {
                await send(after.subarray(i, i + 1));
                await new Promise((r) => setImmediate(r));
              }
            });
            break;
          case "truncate":
            truncated = true;
            break;
          case "stall":
            queue = queue.then(() => {
              stalled = true;
            });
            break;
          case "reset":
          case "close": {
            const kind = fault.kind;
            queue = queue.then(() => killBoth(kind));
            break;
          }
          default:
            break;
        }
      });
      from.on("end", () => {
        queue = queue.then(() => {
          if (!stalled) to.end();
        });
      });
      from.on("close", () => {
        queue = queue.then(() => {
          if (!stalled && !to.destroyed) to.end(() => to.destroy());
        });
      });
    };
    upstream.on("connect", () => {
      pipe(client, upstream, "up");
      pipe(upstream, client, "down");
    });
    upstream.on("error", () => client.destroy());
  }

  /** Connections open through the proxy now. */
  get open(): number {
    return this.#open.size;
  }

  /** Stops listening and destroys every connection. */
  close(): Promise<void> {
    for (const s of this.#open) s.destroy();
    this.#open.clear();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/**
 * The handles of this process that keep it alive, for "nothing left open"
 * checks: what `process.getActiveResourcesInfo()` lists, less what vitest
 * and the proxy itself hold.
 */
export function activeHandles(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of process.getActiveResourcesInfo()) counts[r] = (counts[r] ?? 0) + 1;
  return counts;
}
