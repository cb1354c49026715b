/**
 * node:http / node:https servers on 127.0.0.1 port 0 for the http.client and
 * urllib tests, with routes for the cases those modules must handle: chunked
 * bodies, redirects of each code and loops, 4xx/5xx, slow responses, a close
 * mid-body, huge headers. Plus a raw TCP server that answers with given bytes.
 */
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { createConnection as createNetConnection, createServer as createNetServer, type Socket } from "node:net";
import type { AddressInfo } from "node:net";
import { createServer as createTlsServer } from "node:tls";

/** One request as the server saw it. */
export interface SeenRequest {
  method: string;
  url: string;
  /** Raw header pairs, as sent. */
  headers: [string, string][];
  body: Buffer;
}

/** What the /echo route answers: the request, its body as latin-1 text. */
export interface EchoedRequest {
  method: string;
  url: string;
  headers: [string, string][];
  body: string;
}

export interface TestServer {
  port: number;
  /** `http://127.0.0.1:<port>` (or https). */
  origin: string;
  /** Every request received, in order. */
  seen: SeenRequest[];
  /** Sockets opened by clients so far. */
  connections: number;
  close(): Promise<void>;
}

function pairs(raw: string[]): [string, string][] {
  const out: [string, string][] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) out.push([raw[i]!, raw[i + 1]!]);
  return out;
}

const REDIRECT_CODES = new Set([301, 302, 303, 307, 308]);

function route(req: IncomingMessage, res: ServerResponse, body: Buffer, seen: SeenRequest): void {
  const url = new URL(req.url ?? "/", "http://x");
  const path = url.pathname;
  const q = url.searchParams;
  if (path === "/hello") {
    res.writeHead(200, { "Content-Type": "text/plain; charset=utf-8", "Content-Length": "11" });
    res.end("hello world");
  } else if (path === "/echo") {
    const text = JSON.stringify({ ...seen, body: body.toString("latin1") });
    res.writeHead(200, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(text) });
    res.end(text);
  } else if (path === "/chunked") {
    res.writeHead(200, { "Content-Type": "text/plain" });
    res.write("first line\n");
    setTimeout(() => {
      res.write("second line\nthird ");
      setTimeout(() => res.end("line\n"), 5);
    }, 5);
  } else if (path === "/nolength") {
    res.writeHead(200, { "Content-Type": "text/plain", Connection: "close" });
    res.socket?.write("");
    res.end("until the connection closes");
  } else if (path.startsWith("/redirect/")) {
    const code = Number(path.slice("/redirect/".length));
    res.writeHead(REDIRECT_CODES.has(code) || code === 300 || code === 304 ? code : 302, { Location: q.get("to") ?? "/echo", "Content-Length": "0" });
    res.end();
  } else if (path === "/loop") {
    const n = Number(q.get("n") ?? "0");
    res.writeHead(302, { Location: `/loop?n=${n + 1}`, "Content-Length": "0" });
    res.end();
  } else if (path === "/self-loop") {
    res.writeHead(301, { Location: "/self-loop", "Content-Length": "0" });
    res.end();
  } else if (path.startsWith("/status/")) {
    const code = Number(path.slice("/status/".length));
    const text = `status ${code}`;
    res.writeHead(code, { "Content-Type": "text/plain", "Content-Length": text.length, "X-Status": String(code) });
    res.end(text);
  } else if (path === "/slow") {
    setTimeout(() => {
      if (!res.destroyed) {
        res.writeHead(200, { "Content-Length": "4" });
        res.end("slow");
      }
    }, Number(q.get("ms") ?? "1000"));
  } else if (path === "/slowbody") {
    res.writeHead(200, { "Content-Length": "10" });
    res.write("01234");
    // the other five bytes never come
  } else if (path === "/early-close") {
    res.writeHead(200, { "Content-Length": "100" });
    res.write("0123456789", () => res.socket?.destroy());
  } else if (path === "/early-close-chunked") {
    res.writeHead(200, { "Content-Type": "text/plain" });
    res.write("partial", () => setTimeout(() => res.socket?.destroy(), 5));
  } else if (path === "/no-response") {
    res.socket?.destroy();
  } else if (path === "/huge-header") {
    res.writeHead(200, { "X-Huge": "x".repeat(Number(q.get("n") ?? "70000")), "Content-Length": "2" });
    res.end("ok");
  } else if (path === "/many-headers") {
    const n = Number(q.get("n") ?? "101");
    for (let i = 0; i < n; i++) res.setHeader(`X-H${i}`, String(i));
    res.writeHead(200, { "Content-Length": "0" });
    res.end();
  } else if (path === "/multi-header") {
    res.setHeader("Set-Cookie", ["a=1", "b=2"]);
    res.writeHead(200, { "Content-Length": "0" });
    res.end();
  } else if (path === "/bytes") {
    const n = Number(q.get("n") ?? "1024");
    const buf = Buffer.alloc(n);
    for (let i = 0; i < n; i++) buf[i] = i & 0xff;
    res.writeHead(200, { "Content-Type": "application/octet-stream", "Content-Length": n });
    res.end(buf);
  } else if (path === "/head") {
    res.writeHead(200, { "Content-Length": "1234" });
    res.end();
  } else {
    res.writeHead(404, { "Content-Type": "text/plain", "Content-Length": "9" });
    res.end("not found");
  }
}

/** Starts the test server (TLS with `tls` given) on 127.0.0.1, or on `host` (e.g. "::1"). */
export function startHttpServer(tls?: { cert: Buffer; key: Buffer }, host = "127.0.0.1"): Promise<TestServer> {
  const seen: SeenRequest[] = [];
  const sockets = new Set<Socket>();
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const entry: SeenRequest = { method: req.method ?? "", url: req.url ?? "", headers: pairs(req.rawHeaders), body: Buffer.concat(chunks) };
      seen.push(entry);
      route(req, res, entry.body, entry);
    });
  };
  const server: Server = tls === undefined ? createHttpServer(handler) : createHttpsServer({ cert: tls.cert, key: tls.key }, handler);
  server.keepAliveTimeout = 30_000;
  const state: TestServer = {
    port: 0,
    origin: "",
    seen,
    connections: 0,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
  server.on("connection", (s: Socket) => {
    state.connections++;
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  server.on("secureConnection", (s: Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, host, () => {
      state.port = (server.address() as AddressInfo).port;
      state.origin = `${tls === undefined ? "http" : "https"}://${host.includes(":") ? `[${host}]` : host}:${state.port}`;
      resolve(state);
    });
  });
}

/** An HTTP proxy that only tunnels (CONNECT); with `auth`, it wants that Proxy-Authorization value. */
export function startConnectProxy(auth?: string): Promise<{ port: number; connects: string[]; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const connects: string[] = [];
  const server = createHttpServer((_req, res) => {
    res.writeHead(405, { "Content-Length": "0" });
    res.end();
  });
  server.on("connect", (req: IncomingMessage, client: Socket, head: Buffer) => {
    sockets.add(client);
    client.on("close", () => sockets.delete(client));
    client.on("error", () => undefined);
    connects.push(req.url ?? "");
    if (auth !== undefined && req.headers["proxy-authorization"] !== auth) {
      client.end("HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n");
      return;
    }
    const url = new URL(`http://${req.url ?? ""}`);
    const upstream = createNetConnection(Number(url.port), url.hostname === "localhost" ? "127.0.0.1" : url.hostname.replace(/^\[|\]$/g, ""), () => {
      client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on("close", () => sockets.delete(upstream));
    upstream.on("error", () => client.destroy());
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      resolve({
        port: (server.address() as AddressInfo).port,
        connects,
        close: () =>
          new Promise<void>((done) => {
            for (const s of sockets) s.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}

/**
 * A TCP (or, given a certificate, TLS) server that calls `answer` with each
 * connection once its first bytes arrive; `close` ends every connection and timer.
 */
function rawServer(answer: (s: Socket, timers: Set<NodeJS.Timeout>) => void, tls?: { cert: Buffer | string; key: Buffer | string }): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const onConnection = (s: Socket): void => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
    s.on("error", () => undefined);
    s.once("data", () => answer(s, timers));
  };
  const server = tls === undefined ? createNetServer(onConnection) : createTlsServer(tls, onConnection);
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      resolve({
        port: (server.address() as AddressInfo).port,
        close: () =>
          new Promise<void>((done) => {
            for (const t of timers) clearInterval(t);
            for (const s of sockets) s.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}

/** A TCP server that answers every connection's first bytes with `reply` (then closes unless `keepOpen`). */
export function startRawServer(reply: Buffer | string, keepOpen = false): Promise<{ port: number; close(): Promise<void> }> {
  return rawServer((s) => {
    if (keepOpen) s.write(reply);
    else s.end(reply);
  });
}

/**
 * A raw server that answers each connection's first bytes with `reply` cut
 * into `piece`-byte writes `gapMs` apart, then closes; with `stallAfter`, it
 * sends that many bytes of the reply and then nothing more; with `tls`, over TLS.
 */
export function startTricklingServer(reply: string, piece: number, gapMs: number, stallAfter = Infinity, tls?: { cert: Buffer | string; key: Buffer | string }): Promise<{ port: number; close(): Promise<void> }> {
  return rawServer((s, timers) => {
    let at = 0;
    const timer = setInterval(() => {
      const end = Math.min(at + piece, reply.length, stallAfter);
      if (at < end) s.write(reply.slice(at, end), "latin1");
      at = end;
      if (at >= reply.length) {
        clearInterval(timer);
        timers.delete(timer);
        s.end();
      }
    }, gapMs);
    timers.add(timer);
  }, tls);
}
