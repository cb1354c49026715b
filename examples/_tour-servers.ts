/**
 * The servers the tour starts on loopback, each on a free port and each
 * stopped at the end: an FTP server (ftp-srv) over a temporary directory, an
 * SMTP server (smtp-server) that keeps what it receives, and a node:http
 * server with a few routes.
 */
import { mkdtempSync, rmSync } from "node:fs";
import * as http from "node:http";
import type { AddressInfo, Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FtpSrv } from "ftp-srv";
import { SMTPServer } from "smtp-server";

const quiet = {
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  fatal: () => undefined,
  child(): unknown {
    return quiet;
  },
};

export interface TourFtp {
  port: number;
  root: string;
  close(): Promise<void>;
}

/** ftp-srv with user "tour", password "tour", over a fresh temporary directory. */
export async function startFtp(): Promise<TourFtp> {
  const root = mkdtempSync(join(tmpdir(), "stdnet-tour-ftp-"));
  const pasvMin = 30_000 + Math.floor(Math.random() * 20_000);
  const signals = ["SIGTERM", "SIGINT", "SIGQUIT"] as const;
  const before = new Map(signals.map((s) => [s, new Set(process.listeners(s))]));
  const srv = new FtpSrv({ url: "ftp://127.0.0.1:0", pasv_url: "127.0.0.1", pasv_min: pasvMin, pasv_max: pasvMin + 200, greeting: ["stdnet tour"], log: quiet });
  // ftp-srv installs process signal handlers it never removes.
  for (const s of signals) for (const l of process.listeners(s)) if (!before.get(s)!.has(l)) process.removeListener(s, l);
  srv.on("login", ({ username, password }, resolve, reject) => {
    if (username === "tour" && password === "tour") resolve({ root });
    else reject(new Error("Authentication failed"));
  });
  await srv.listen();
  const port = ((srv as unknown as { server: Server }).server.address() as AddressInfo).port;
  return {
    port,
    root,
    async close() {
      await Promise.race([srv.close(), new Promise((r) => setTimeout(r, 2000))]);
      rmSync(root, { recursive: true, force: true });
    },
  };
}

export interface TourSmtp {
  port: number;
  received: { from: string; to: string[]; raw: Buffer }[];
  close(): Promise<void>;
}

/** smtp-server without auth or TLS, keeping every message it accepts. */
export function startSmtp(): Promise<TourSmtp> {
  const received: TourSmtp["received"] = [];
  const server = new SMTPServer({
    logger: false,
    authOptional: true,
    disabledCommands: ["AUTH", "STARTTLS"],
    disableReverseLookup: true,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        const from = session.envelope.mailFrom;
        received.push({ from: from === false ? "" : from.address, to: session.envelope.rcptTo.map((r) => r.address), raw: Buffer.concat(chunks) });
        callback(null, "queued by the tour");
      });
    },
  });
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      const port = (server.server.address() as AddressInfo).port;
      resolve({ port, received, close: () => new Promise((done) => server.close(() => done())) });
    });
  });
}

export interface TourHttp {
  port: number;
  close(): Promise<void>;
}

/** node:http with `/` (a small page), `/data.json`, and `/old` (a 301 to `/`). */
export function startHttp(): Promise<TourHttp> {
  const server = http.createServer((req, res) => {
    if (req.url === "/old") {
      res.writeHead(301, { Location: "/" });
      res.end();
    } else if (req.url === "/data.json") {
      res.writeHead(200, { "Content-Type": "application/json" });
      res.end(JSON.stringify({ module: "http.client", ok: true }));
    } else if (req.url === "/") {
      res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" });
      res.end("<html><title>stdnet tour</title><body>Hello from node:http</body></html>");
    } else {
      res.writeHead(404, { "Content-Type": "text/plain" });
      res.end("not here");
    }
  });
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as AddressInfo).port;
      resolve({
        port,
        close: () =>
          new Promise((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}
