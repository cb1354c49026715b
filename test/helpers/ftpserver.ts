/**
 * A real FTP server for tests: ftp-srv on 127.0.0.1, port 0, serving a fresh
 * temporary directory, with anonymous and user/password logins, passive mode
 * (loopback address, a port range of its own) and, given a certificate,
 * explicit FTPS (AUTH TLS). ftp-srv has no MLSD; this helper registers one
 * (RFC 3659 facts, `OPTS MLST` to choose them) in the running server.
 * Hooks let a test drop the control or data connection mid-transfer.
 */
import { mkdtempSync, rmSync, type Stats } from "node:fs";
import { createRequire } from "node:module";
import type { AddressInfo, Server, Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FtpSrv } from "ftp-srv";

export interface FtpServerOptions {
  /** A certificate and key for AUTH TLS (explicit FTPS). */
  tls?: { cert: Buffer | string; key: Buffer | string };
  /** Seconds of idleness after which the server drops a client (0: never). */
  timeout?: number;
}

export interface TestFtpServer {
  host: string;
  port: number;
  /** The directory served as "/". */
  root: string;
  user: string;
  password: string;
  /** Destroys every client's control connection. */
  dropControl(): void;
  /** Destroys every client's open data connection. */
  dropData(): void;
  /** How many clients are connected. */
  clientCount(): number;
  close(): Promise<void>;
}

interface SrvConnection {
  commandSocket: Socket;
  connector: { dataSocket: Socket | null; socket: Socket | null; waitForConnection(): PromiseLike<Socket>; end(): void };
  fs: { get(path: string): Promise<Stats & { name: string }>; list(path: string): Promise<(Stats & { name: string })[]> };
  reply(options: number | object, ...letters: (string | object)[]): Promise<unknown>;
  mlstFacts?: string[];
}

interface SrvCommand {
  directive: string;
  arg: string | null;
}

type Handler = (this: SrvConnection, args: { command: SrvCommand }) => unknown;

interface Registry {
  [directive: string]: { directive: string; handler: Handler; flags?: object } | undefined;
}

const ALL_FACTS = ["type", "size", "modify", "perm", "unix.mode"];

function mlsdLine(stat: Stats & { name: string }, facts: readonly string[]): string {
  const values: Record<string, string> = {
    type: stat.isDirectory() ? "dir" : "file",
    size: String(stat.size),
    modify: stat.mtime.toISOString().replace(/[-:T]/g, "").slice(0, 14),
    perm: stat.isDirectory() ? "elcmpf" : "adfrw",
    "unix.mode": "0" + (stat.mode & 0o777).toString(8),
  };
  return facts.map((f) => `${f}=${values[f] ?? ""};`).join("") + " " + stat.name;
}

let registered = false;

/** Adds MLSD and `OPTS MLST` to ftp-srv's command registry (once per process). */
function registerMlsd(): void {
  if (registered) return;
  registered = true;
  const require = createRequire(import.meta.url);
  const registry = require("ftp-srv/src/commands/registry") as Registry;
  registry.MLSD = {
    directive: "MLSD",
    async handler({ command }) {
      const path = command.arg ?? ".";
      try {
        await this.connector.waitForConnection();
        this.commandSocket.pause();
        const stat = await this.fs.get(path);
        if (!stat.isDirectory()) {
          await this.reply(501, "Not a directory");
          return;
        }
        const files = await this.fs.list(path);
        const facts = this.mlstFacts ?? ALL_FACTS;
        const socket = this.connector.socket;
        await this.reply(150);
        if (files.length > 0) await this.reply({}, ...files.map((f) => ({ raw: true, message: mlsdLine(f, facts), socket })));
        else await this.reply({ socket, useEmptyMessage: true });
        await this.reply(226);
      } catch (e) {
        await this.reply(550, (e as Error).message);
      } finally {
        this.connector.end();
        this.commandSocket.resume();
      }
    },
  };
  const opts = registry.OPTS!;
  registry.OPTS = {
    ...opts,
    handler(args) {
      const arg = args.command.arg ?? "";
      if (/^MLST(\s|$)/i.test(arg)) {
        const wanted = arg.slice(4).trim().split(";").map((f) => f.toLowerCase()).filter((f) => ALL_FACTS.includes(f));
        this.mlstFacts = wanted;
        return this.reply(200, `MLST OPTS ${wanted.map((f) => f + ";").join("")}`);
      }
      return opts.handler.call(this, args);
    },
  };
}

const silentLog = {
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  fatal: () => undefined,
  child(): unknown {
    return silentLog;
  },
};

/** Starts ftp-srv on 127.0.0.1:0 over a new temporary directory. */
export async function startFtpServer(options: FtpServerOptions = {}): Promise<TestFtpServer> {
  registerMlsd();
  const root = mkdtempSync(join(tmpdir(), "stdnet-ftp-"));
  const user = "alice";
  const password = "s3cret pass";
  const pasvMin = 20_000 + Math.floor(Math.random() * 40_000);
  const signals = ["SIGTERM", "SIGINT", "SIGQUIT"] as const;
  const before = new Map(signals.map((s) => [s, new Set(process.listeners(s))]));
  const srv = new FtpSrv({
    url: "ftp://127.0.0.1:0",
    pasv_url: "127.0.0.1",
    pasv_min: pasvMin,
    pasv_max: pasvMin + 400,
    anonymous: true,
    greeting: ["stdnet test server"],
    tls: options.tls === undefined ? false : { cert: options.tls.cert, key: options.tls.key },
    timeout: (options.timeout ?? 0) * 1000,
    log: silentLog,
  });
  // ftp-srv adds process signal handlers per server and never removes them.
  for (const s of signals) for (const l of process.listeners(s)) if (!before.get(s)!.has(l)) process.removeListener(s, l);
  srv.on("login", ({ username, password: given }, resolve, reject) => {
    if (username === "anonymous" || (username === user && given === password)) resolve({ root });
    else reject(new Error("Authentication failed"));
  });
  await srv.listen();
  const inner = (srv as unknown as { server: Server }).server;
  const port = (inner.address() as AddressInfo).port;
  const connections = (): SrvConnection[] => Object.values((srv as unknown as { connections: Record<string, SrvConnection> }).connections);
  return {
    host: "127.0.0.1",
    port,
    root,
    user,
    password,
    dropControl() {
      for (const c of connections()) c.commandSocket.destroy();
    },
    dropData() {
      for (const c of connections()) c.connector.dataSocket?.destroy();
    },
    clientCount: () => connections().length,
    async close() {
      await Promise.race([srv.close(), new Promise((r) => setTimeout(r, 3000))]);
      rmSync(root, { recursive: true, force: true });
    },
  };
}
