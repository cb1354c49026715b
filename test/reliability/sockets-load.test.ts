/**
 * The echo server under load: many concurrent clients each sending messages
 * of random sizes, every byte echoed back in order; memory bounded; a reader
 * that never reads cannot make the server buffer without bound; the server
 * still serves afterwards. Sized for the normal test run by default;
 * `npm run soak` (or STDNET_LOAD_CLIENTS / STDNET_LOAD_MESSAGES /
 * STDNET_LOAD_MAX_BYTES) runs the full 1,000 × 1,000 × 64 KiB.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { create_connection, serveEcho, TimeoutError, MSG_WAITALL, type EchoServer, type AddressV4 } from "stdnet/socket";
import { recordFigures } from "./_record.js";
import { echoLoad } from "./_echoload.js";

const CLIENTS = Number(process.env.STDNET_LOAD_CLIENTS ?? 1000);
const MESSAGES = Number(process.env.STDNET_LOAD_MESSAGES ?? 10);
const MAX_BYTES = Number(process.env.STDNET_LOAD_MAX_BYTES ?? 16 * 1024);

let server: EchoServer;
beforeAll(async () => {
  server = await serveEcho({ host: "127.0.0.1", port: 0, prefix: "", bufsize: 65536, backlog: 1024 });
});
afterAll(async () => {
  await server.close();
});

describe("echo server under load", () => {
  const figures: (string | number)[][] = [];

  it(`serves ${CLIENTS} concurrent clients × ${MESSAGES} messages of up to ${MAX_BYTES} bytes, nothing lost or reordered`, async () => {
    global.gc?.();
    const heapBefore = process.memoryUsage().heapUsed;
    const { failures, bytes, seconds } = await echoLoad(server.address as AddressV4, CLIENTS, MESSAGES, MAX_BYTES);
    global.gc?.();
    const heapGrowthMB = (process.memoryUsage().heapUsed - heapBefore) / 1e6;
    expect(failures).toEqual([]);
    expect(bytes).toBeGreaterThan(0);
    figures.push(["connections", CLIENTS], ["messages echoed", CLIENTS * MESSAGES], ["bytes echoed (each way)", bytes], ["lost or reordered", 0], ["seconds", seconds.toFixed(1)], ["heap growth after, MB", heapGrowthMB.toFixed(1)]);
    // Memory is bounded: nothing of the run is kept.
    expect(heapGrowthMB).toBeLessThan(64);
  });

  it("a client that never reads cannot make the server buffer without bound", async () => {
    const s = await create_connection(server.address as AddressV4, 2);
    const block = Buffer.alloc(256 * 1024, 7);
    const rssBefore = process.memoryUsage().rss;
    let sent = 0;
    const err = await (async () => {
      for (;;) {
        await s.sendall(block);
        sent += block.length;
        if (sent > 512 * 1024 * 1024) return null;
      }
    })().catch((e: unknown) => e);
    const rssGrowthMB = (process.memoryUsage().rss - rssBefore) / 1e6;
    s.close();
    // The server stopped reading once its replies backed up: our sendall waited, then timed out.
    expect(err).toBeInstanceOf(TimeoutError);
    expect(sent).toBeLessThan(64 * 1024 * 1024);
    expect(rssGrowthMB).toBeLessThan(128);
    figures.push(["slow reader: bytes accepted before back-pressure", sent], ["slow reader: RSS growth, MB", rssGrowthMB.toFixed(1)]);
  });

  it("still serves afterwards", async () => {
    const s = await create_connection(server.address as AddressV4, 5);
    await s.sendall(Buffer.from("after"));
    expect((await s.recv(5, MSG_WAITALL)).toString()).toBe("after");
    s.close();
    recordFigures("sockets-load", [{ title: "Echo server (src/sockets/echo.ts) under load", columns: ["measure", "value"], rows: figures }]);
  });
});
