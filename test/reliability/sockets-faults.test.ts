/**
 * The socket layer through the fault proxy: a client that sends a pickled
 * object through `makefile("rwb")` to an echo server and reads it back, and
 * one that frames pickles with struct length prefixes. Each fault at each
 * point must end, within the timeout, in the right value or a documented
 * Python error, and leave nothing open.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { create_connection, serveEcho, OSError, EOFError, MSG_WAITALL, type EchoServer, type AddressV4 } from "stdnet/socket";
import { dumps, load, loads, dump, UnpicklingError } from "stdnet/pickle";
import { pack, unpack } from "stdnet/struct";
import { FaultProxy, FAULT_KINDS, type Fault } from "../helpers/faultproxy.js";
import { recordFigures, type FigureTable } from "./_record.js";

const TIMEOUT = 0.4;
const value = { id: 7, name: "user7", tags: ["a", "bb"], blob: new Uint8Array(300).fill(5), score: 3.5 };
const payload = dumps(value, 4);

let echo: EchoServer;
beforeAll(async () => {
  echo = await serveEcho({ host: "127.0.0.1", port: 0, prefix: "", bufsize: 65536 });
});
afterAll(async () => {
  await echo.close();
});

/** "ok", or the name of the Python error the client ended in. */
type Outcome = string;

/** What the client may end in besides the right value. */
function classify(e: unknown): string {
  if (e instanceof OSError || e instanceof EOFError || e instanceof UnpicklingError) return e.name;
  throw e;
}

async function viaMakefile(port: number): Promise<Outcome> {
  const s = await create_connection(["127.0.0.1", port], TIMEOUT);
  const f = s.makefile("rwb");
  try {
    await dump(value, f, 4);
    await f.flush();
    const back = await load(f);
    expect(back).toEqual(value);
    return "ok";
  } catch (e) {
    return classify(e);
  } finally {
    await f.close().catch(() => undefined);
    s.close();
  }
}

async function viaFrames(port: number): Promise<Outcome> {
  const s = await create_connection(["127.0.0.1", port], TIMEOUT);
  try {
    await s.sendall(Buffer.concat([pack(">I", payload.length), payload]));
    const header = await s.recv(4, MSG_WAITALL);
    if (header.length < 4) throw new EOFError("connection closed inside a frame header");
    const [length] = unpack(">I", header) as [number];
    const body = await s.recv(length, MSG_WAITALL);
    if (body.length < length) throw new EOFError("connection closed inside a frame");
    expect(loads(body)).toEqual(value);
    return "ok";
  } catch (e) {
    return classify(e);
  } finally {
    s.close();
  }
}

const points = (total: number): number[] => [0, 1, Math.floor(total / 2), total - 1];

describe("socket layer under faults", () => {
  const rows: (string | number)[][] = [];

  for (const [clientName, client, total] of [
    ["makefile + pickle", viaMakefile, payload.length],
    ["struct frames + pickle", viaFrames, payload.length + 4],
  ] as const) {
    for (const kind of FAULT_KINDS) {
      for (const direction of ["up", "down"] as const) {
        it(`${clientName}: ${kind} ${direction} ends in the value or a Python error, in time, leaving nothing open`, async () => {
          // The points run side by side, each through its own proxy.
          const outcomes = await Promise.all(
            points(total).map(async (at) => {
              const fault: Fault = { kind, direction, at, delayMs: 100 };
              const proxy = await FaultProxy.start((echo.address as AddressV4)[1], fault);
              const t0 = Date.now();
              const outcome = await client(proxy.port);
              const elapsed = Date.now() - t0;
              await proxy.close();
              return { at, outcome, elapsed, fired: proxy.fired };
            }),
          );
          for (const { at, outcome, elapsed, fired } of outcomes) {
            expect(fired).toBe(true);
            expect(elapsed).toBeLessThan(TIMEOUT * 1000 * 4 + 500);
            if (kind === "delay" || kind === "fragment") expect(outcome).toBe("ok");
            else expect(outcome).not.toBe("ok");
            rows.push([clientName, kind, direction, at, outcome, elapsed]);
          }
        });
      }
    }
  }

  it("leaves no socket or timer open and the echo server still serves", async () => {
    await new Promise((r) => setTimeout(r, 50));
    // Only the echo server's listener remains of ours.
    const handles = process.getActiveResourcesInfo().filter((r) => r === "TCPSocketWrap" || r === "TCPServerWrap" || r === "Timeout");
    expect(handles.filter((r) => r === "TCPSocketWrap")).toEqual([]);
    expect(echo.active).toBe(0);
    expect(await viaFrames((echo.address as AddressV4)[1])).toBe("ok");
    const table: FigureTable = {
      title: "Socket layer (makefile + pickle, struct frames + pickle) through the fault proxy",
      columns: ["client", "fault", "direction", "at byte", "outcome", "ms"],
      rows,
    };
    recordFigures("sockets-faults", [table]);
  });
});
