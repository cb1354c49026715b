/**
 * Load on the protocol and server layers: 64 concurrent `HTTPConnection`s,
 * each making STDNET_HTTP_LOAD_REQUESTS keep-alive requests of varied sizes
 * against a local node:http server, every body checked byte for byte; and a
 * `socketserver.ThreadingTCPServer` echo (BaseRequestHandler) under
 * STDNET_SS_LOAD_CLIENTS concurrent clients × STDNET_SS_LOAD_MESSAGES
 * messages, every byte back in order. Sized for the normal run; the issue's
 * full figures: STDNET_HTTP_LOAD_REQUESTS=500 (and larger socketserver
 * figures) under `npm run soak`.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HTTPConnection } from "stdnet/http/client";
import { create_connection, MSG_WAITALL, type AddressV4, type socket } from "stdnet/socket";
import { BaseRequestHandler, ThreadingTCPServer } from "stdnet/socketserver";
import { startHttpServer, type TestServer } from "../helpers/httpserver.js";
import { echoLoad, rng } from "./_echoload.js";
import { recordFigures, type FigureTable } from "./_record.js";
import { openHandles, settle } from "./_faultrun.js";

const CONNECTIONS = Number(process.env.STDNET_HTTP_LOAD_CONNECTIONS ?? 64);
const REQUESTS = Number(process.env.STDNET_HTTP_LOAD_REQUESTS ?? 250);
const SS_CLIENTS = Number(process.env.STDNET_SS_LOAD_CLIENTS ?? 300);
const SS_MESSAGES = Number(process.env.STDNET_SS_LOAD_MESSAGES ?? 20);
const SS_MAX_BYTES = Number(process.env.STDNET_SS_LOAD_MAX_BYTES ?? 16 * 1024);

/** What /bytes?n= answers: byte i is i & 0xff. */
function expectedBytes(n: number): Buffer {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = i & 0xff;
  return b;
}

class EchoHandler extends BaseRequestHandler<socket> {
  override async handle(): Promise<void> {
    for (let data = await this.request.recv(65536); data.length > 0; data = await this.request.recv(65536)) {
      await this.request.sendall(data);
    }
  }
}

/** Python's way to raise the listen backlog: a class attribute. */
class EchoServer extends ThreadingTCPServer {
  override request_queue_size = 1024;
}

let server: TestServer;
let baselineSockets: number;
beforeAll(async () => {
  baselineSockets = openHandles().sockets;
  server = await startHttpServer();
});
afterAll(async () => {
  await server.close();
});

const tables: FigureTable[] = [];

describe("load", () => {
  it(`${CONNECTIONS} concurrent HTTPConnections × ${REQUESTS} requests each: every body correct`, async () => {
    const sizes = [0, 1, 100, 1500, 16_384, 70_000];
    const expected = new Map(sizes.map((n) => [n, expectedBytes(n)]));
    const t0 = Date.now();
    let bytes = 0;
    let reconnects = 0;
    const failures = (
      await Promise.all(
        Array.from({ length: CONNECTIONS }, async (_, id) => {
          const random = rng(id + 1);
          const conn = new HTTPConnection("127.0.0.1", server.port, { timeout: 30 });
          try {
            for (let r = 0; r < REQUESTS; r++) {
              const n = sizes[Math.floor(random() * sizes.length)]!;
              await conn.request("GET", `/bytes?n=${n}`);
              const resp = await conn.getresponse();
              const body = await resp.read();
              if (resp.status !== 200 || !body.equals(expected.get(n)!)) return `connection ${id} request ${r}: ${resp.status}, ${body.length} of ${n} bytes`;
              bytes += body.length;
            }
            return null;
          } finally {
            conn.close();
          }
        }),
      )
    ).filter((f) => f !== null);
    const seconds = (Date.now() - t0) / 1000;
    expect(failures).toEqual([]);
    // One TCP connection per HTTPConnection: keep-alive held for every request.
    reconnects = server.connections - CONNECTIONS;
    expect(reconnects).toBe(0);
    const requests = CONNECTIONS * REQUESTS;
    tables.push({
      title: "HTTP load: concurrent HTTPConnections against a local node:http server",
      columns: ["connections", "requests each", "requests", "bodies wrong", "bytes", "TCP connections opened", "seconds", "requests/s"],
      rows: [[CONNECTIONS, REQUESTS, requests, failures.length, bytes, server.connections, seconds, Math.round(requests / seconds)]],
    });
  });

  it(`socketserver ThreadingTCPServer echo: ${SS_CLIENTS} concurrent clients × ${SS_MESSAGES} messages up to ${SS_MAX_BYTES} bytes, every byte in order`, async () => {
    const ss = await EchoServer.create(["127.0.0.1", 0], EchoHandler);
    const serving = ss.serve_forever(0.05);
    try {
      const address = ss.server_address as AddressV4;
      global.gc?.();
      const heapBefore = process.memoryUsage().heapUsed;
      const { failures, bytes, seconds } = await echoLoad(address, SS_CLIENTS, SS_MESSAGES, SS_MAX_BYTES, 1000, 30);
      global.gc?.();
      const heapGrowth = process.memoryUsage().heapUsed - heapBefore;
      expect(failures).toEqual([]);
      // Still serving afterwards.
      const s = await create_connection(address, 5);
      await s.sendall(Buffer.from("still there"));
      expect((await s.recv(11, MSG_WAITALL)).toString()).toBe("still there");
      s.close();
      tables.push({
        title: "socketserver load: ThreadingTCPServer + BaseRequestHandler echo",
        columns: ["clients", "messages each", "max message bytes", "bytes echoed", "bytes lost or reordered", "seconds", "MB/s", "heap growth MB"],
        rows: [[SS_CLIENTS, SS_MESSAGES, SS_MAX_BYTES, bytes, 0, seconds, Math.round(bytes / 1e6 / seconds), Math.round(heapGrowth / 1e5) / 10]],
      });
    } finally {
      await ss.shutdown();
      await serving;
      await ss.server_close();
    }
  });

  it("leaves no socket open", async () => {
    await server.close();
    expect(await settle(() => openHandles().sockets <= baselineSockets, 2000)).toBe(true);
    recordFigures("http-load", tables);
  });
});
