/**
 * Scripted FTP peers for comparing stdnet's FTP with python3's ftplib: a
 * peer greets and answers each command line from a script, and both
 * clients run the same commands against it (`sendcmd` each), giving their
 * results, debug output and `lastresp`.
 */
import type { Socket } from "node:net";
import { vi } from "vitest";
import { FTP, all_errors } from "stdnet/ftplib";
import { EOFError } from "stdnet/socket";
import { runPython } from "./python.js";
import { eachLine, rawServer, type RawServer } from "./rawserver.js";

/** What a scripted peer says: a string or bytes, or pieces of it sent `gapMs` apart; `null` closes the connection. */
export type Say = string | Buffer | readonly (string | Buffer | null)[] | null;

/** A peer's script: its greeting, and its answers by command line (anything else gets "200 default"). */
export interface PeerScript {
  greeting: Say;
  replies?: Record<string, Say>;
}

/** The commands a client sends, and its settings. */
export interface ClientRun {
  commands: readonly string[];
  maxline: number | null;
  debug: number;
  /** The client's timeout, in seconds. */
  timeout: number;
}

/** What a client got: each call's ["ok", reply] or [error class name, text], its debug output, and lastresp. */
export interface Outcome {
  results: string[][];
  log: string[];
  lastresp: string | null;
}

async function say(sock: Socket, what: Say, gapMs: number): Promise<void> {
  const pieces = what === null || typeof what === "string" || Buffer.isBuffer(what) ? [what] : what;
  for (const [i, piece] of pieces.entries()) {
    if (i > 0) await new Promise((r) => setTimeout(r, gapMs));
    if (sock.destroyed) return;
    if (piece === null) sock.end();
    else sock.write(piece);
  }
}

/** Starts a scripted peer (added to `peers`, which the caller closes). */
export async function scriptedPeer(script: PeerScript, peers: RawServer[], gapMs = 30): Promise<RawServer> {
  const peer = await rawServer((sock) => {
    const greeted = say(sock, script.greeting, gapMs);
    eachLine(sock, async (line) => {
      await greeted;
      await say(sock, script.replies !== undefined && line in script.replies ? script.replies[line]! : "200 default\r\n", gapMs);
    });
  });
  peers.push(peer);
  return peer;
}

/** Python's ftplib through each run: stops at a failed connect, EOFError or a timeout, as `ourOutcome`. */
const PYTHON = String.raw`
import contextlib, ftplib, io, json, sys
out = []
for port, commands, maxline, debug, timeout in json.loads(sys.stdin.read()):
    buf = io.StringIO()
    results = []
    ftp = ftplib.FTP(timeout=timeout)
    ftp.debugging = debug
    if maxline is not None:
        ftp.maxline = maxline
    with contextlib.redirect_stdout(buf):
        for cmd in [None] + commands:
            try:
                results.append(["ok", ftp.connect("127.0.0.1", port) if cmd is None else ftp.sendcmd(cmd)])
            except ftplib.all_errors as e:
                results.append([type(e).__name__, str(e)])
                if cmd is None or isinstance(e, (EOFError, TimeoutError)):
                    break
    ftp.close()
    out.append({"results": results, "log": buf.getvalue().splitlines(), "lastresp": getattr(ftp, "lastresp", None)})
print(json.dumps(out))
`;

/** python3's ftplib through each run, against the peer at its port, in one process. */
export async function pythonOutcomes(runs: readonly (ClientRun & { port: number })[], timeoutMs = 60_000): Promise<Outcome[]> {
  const input = JSON.stringify(runs.map((r) => [r.port, r.commands, r.maxline, r.debug, r.timeout]));
  return JSON.parse((await runPython(PYTHON, [], input, timeoutMs)).toString()) as Outcome[];
}

/** stdnet's FTP through `run` against the peer at `port`; `slowest` is the longest call in milliseconds. */
export async function ourOutcome(port: number, run: ClientRun): Promise<Outcome & { slowest: number }> {
  const ftp = new FTP("", "", "", "", { timeout: run.timeout });
  ftp.debugging = run.debug;
  if (run.maxline !== null) ftp.maxline = run.maxline;
  const results: string[][] = [];
  const lines: string[] = [];
  let slowest = 0;
  const spy = vi.spyOn(console, "log").mockImplementation((...args: unknown[]) => {
    lines.push(args.map(String).join(" "));
  });
  try {
    for (const cmd of [undefined, ...run.commands]) {
      const started = performance.now();
      try {
        results.push(["ok", cmd === undefined ? await ftp.connect("127.0.0.1", port) : await ftp.sendcmd(cmd)]);
      } catch (e) {
        if (!(e instanceof Error) || !all_errors.some((cls) => e instanceof cls)) throw e;
        results.push([e.name, e.message]);
        if (cmd === undefined || e instanceof EOFError || e.name === "TimeoutError") break;
      } finally {
        slowest = Math.max(slowest, performance.now() - started);
      }
    }
  } finally {
    spy.mockRestore();
    ftp.close();
  }
  return { results, log: lines, lastresp: ftp.lastresp ?? null, slowest };
}
