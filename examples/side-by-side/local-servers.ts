/**
 * Servers on loopback for trying the side-by-side examples with nothing
 * else installed: HTTP (node:http), SMTP (smtp-server, which accepts any
 * message and prints its envelope) and FTP (ftp-srv, anonymous login, over
 * a temporary directory holding data.bin). It prints the commands to try,
 * and runs until Ctrl-C. (smtp-server and ftp-srv are development
 * dependencies of stdnet: `npm ci` in a clone installs them.)
 *
 * Run: npx tsx --conditions=source examples/side-by-side/local-servers.ts
 *      Ports: HTTP_PORT (8000), SMTP_PORT (1025), FTP_PORT (2121); 0 picks a free one.
 */
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo, Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FtpSrv } from "ftp-srv";
import { SMTPServer } from "smtp-server";

const host = "127.0.0.1";
const data = randomBytes(256 * 1024); // data.bin, served by HTTP and FTP alike

function listening(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
  });
}

// HTTP: "/" (a fixed length), "/chunked" (chunked transfer coding), "/data.bin"; anything else is 404.
const http = createServer((req, res) => {
  if (req.url === "/") {
    res.writeHead(200, { "Content-Type": "text/plain; charset=utf-8", "Content-Length": 12 });
    res.end("hello world\n");
  } else if (req.url === "/chunked") {
    res.writeHead(200, { "Content-Type": "text/plain" });
    res.write("first chunk\n");
    res.end("second chunk\n");
  } else if (req.url === "/data.bin") {
    res.writeHead(200, { "Content-Type": "application/octet-stream", "Content-Length": data.length });
    res.end(data);
  } else {
    res.writeHead(404, { "Content-Type": "text/plain", "Content-Length": 10 });
    res.end("not found\n");
  }
});
const httpPort = await listening(http, Number(process.env.HTTP_PORT ?? 8000));

// SMTP: no TLS, no AUTH; every message is accepted and its envelope printed.
const smtp = new SMTPServer({
  name: "side-by-side.local",
  disabledCommands: ["STARTTLS", "AUTH"],
  authOptional: true,
  disableReverseLookup: true,
  logger: false,
  onData(stream, session, callback) {
    let size = 0;
    stream.on("data", (chunk: Buffer) => (size += chunk.length));
    stream.on("end", () => {
      const from = session.envelope.mailFrom === false ? "" : session.envelope.mailFrom.address;
      console.log(`SMTP: a message from ${from} to ${session.envelope.rcptTo.map((r) => r.address).join(", ")}, ${size} bytes`);
      callback(null, "Message accepted");
    });
  },
});
smtp.on("error", (e) => console.error("SMTP:", e.message));
const smtpPort = await listening((smtp as unknown as { server: Server }).server, Number(process.env.SMTP_PORT ?? 1025));

// FTP: any user name and password, over a temporary directory holding data.bin.
const root = mkdtempSync(join(tmpdir(), "stdnet-side-by-side-"));
writeFileSync(join(root, "data.bin"), data);
const quiet = { trace: () => undefined, debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined, fatal: () => undefined, child: (): unknown => quiet };
const pasvMin = 30_000 + Math.floor(Math.random() * 20_000);
const ftp = new FtpSrv({ url: `ftp://${host}:${process.env.FTP_PORT ?? 2121}`, pasv_url: host, pasv_min: pasvMin, pasv_max: pasvMin + 100, anonymous: true, log: quiet });
ftp.on("login", (_credentials, resolve) => resolve({ root }));
await ftp.listen();
const ftpPort = ((ftp as unknown as { server: Server }).server.address() as AddressInfo).port;

const digest = createHash("sha256").update(data).digest("hex").slice(0, 16);
const run = "npx tsx --conditions=source examples/side-by-side/";
console.log(`HTTP on ${host}:${httpPort}: /, /chunked, /data.bin (${data.length} bytes, sha256 ${digest})`);
console.log(`SMTP on ${host}:${smtpPort}: accepts every message and prints its envelope here`);
console.log(`FTP  on ${host}:${ftpPort}: any user and password, file data.bin (${data.length} bytes, sha256 ${digest})`);
console.log("Try (and the same with python3 examples/side-by-side/<name>.py):");
console.log(`  ${run}http-get.ts ${host} ${httpPort} / /chunked /data.bin /missing`);
console.log(`  ${run}smtp-send.ts ${host} ${smtpPort} me@example.org you@example.org`);
console.log(`  ${run}ftp-retr.ts ${host} ${ftpPort} anonymous anonymous@ data.bin`);
console.log("Ctrl-C stops the servers.");

async function stop(): Promise<void> {
  http.closeAllConnections();
  await Promise.all([
    new Promise((r) => http.close(r)),
    new Promise((r) => smtp.close(() => r(undefined))),
    Promise.race([ftp.close(), new Promise((r) => setTimeout(r, 2000))]),
  ]);
  rmSync(root, { recursive: true, force: true });
  process.exit(0);
}
// ftp-srv adds its own signal handlers; ours replace them so that everything stops cleanly.
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.removeAllListeners(signal);
  process.once(signal, () => void stop());
}
