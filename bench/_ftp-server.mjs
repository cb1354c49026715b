/**
 * The server of bench/ftp.bench.ts, in a process of its own: ftp-srv in
 * plain node, as its users run it, serving a fresh temporary directory to
 * one user in passive mode on loopback.
 *
 * Not the tests' helper (test/helpers/ftpserver.ts): that is TypeScript, and
 * under tsx's loader the server's garbage collection took more than a core
 * (0.24-0.26 s of CPU for a 0.23 s RETR, against 0.17-0.19 s for 0.18-0.21 s
 * in plain node). The helper's extras (MLSD, FTPS, dropping connections)
 * have no part in RETR and STOR.
 *
 * `node bench/_ftp-server.mjs` prints one JSON line (host, port, root, user,
 * password) once it listens, and stops when its stdin ends.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import console from "node:console";
import process from "node:process";
import { setTimeout } from "node:timers";
import { FtpSrv } from "ftp-srv";

const root = mkdtempSync(join(tmpdir(), "stdnet-ftp-bench-root-"));
const user = "alice";
const password = "s3cret pass";
const pasvMin = 20_000 + Math.floor(Math.random() * 40_000);
const quiet = () => undefined;
const log = { trace: quiet, debug: quiet, info: quiet, warn: quiet, error: quiet, fatal: quiet, child: () => log };

const server = new FtpSrv({ url: "ftp://127.0.0.1:0", pasv_url: "127.0.0.1", pasv_min: pasvMin, pasv_max: pasvMin + 400, log });
server.on("login", ({ username, password: given }, resolve, reject) => {
  if (username === user && given === password) resolve({ root });
  else reject(new Error("Authentication failed"));
});
await server.listen();
console.log(JSON.stringify({ host: "127.0.0.1", port: server.server.address().port, root, user, password }));

process.stdin.resume();
process.stdin.on("end", () => {
  const stopped = Promise.race([server.close(), new Promise((resolve) => setTimeout(resolve, 3000))]);
  void stopped.then(() => {
    rmSync(root, { recursive: true, force: true });
    process.exit(0);
  });
});
