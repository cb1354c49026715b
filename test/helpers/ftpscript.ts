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

/**
 * A step of a scripted transfer: a control line (sent as is), "DATA" (the
 * payload sent on the data connection, which is then ended), "EMPTY" (the
 * data connection ended with nothing sent), or "DRAIN" (the upload read to
 * its end).
 */
export type Step = string;

/** A transfer method and its command, as Python names them; `rest` for retrbinary. */
export interface TransferCall {
  method: "retrbinary" | "retrlines" | "storbinary";
  cmd: string;
  rest: number | null;
}

/**
 * Starts a peer (added to `peers`) that greets, answers PASV with a data
 * listener of its own, answers each command line in `script` with its
 * steps, NOOP with the state of the last data connection ("200 data
 * closed" once the client closed it, waiting up to half a second), and
 * anything else with "200 default".
 */
export async function transferPeer(script: Record<string, readonly Step[]>, payload: string, peers: RawServer[]): Promise<RawServer> {
  const peer = await rawServer((sock) => {
    let data: Promise<Socket> | undefined;
    let dataClosed = false;
    sock.write("220 scripted\r\n");
    eachLine(sock, async (line) => {
      if (line === "PASV") {
        let accepted: (s: Socket) => void = () => undefined;
        data = new Promise<Socket>((r) => (accepted = r));
        dataClosed = false;
        const dataPeer = await rawServer((d) => {
          d.on("close", () => (dataClosed = true));
          accepted(d);
        });
        peers.push(dataPeer);
        sock.write(`227 Entering Passive Mode (127,0,0,1,${dataPeer.port >> 8},${dataPeer.port & 255})\r\n`);
        return;
      }
      if (line === "NOOP") {
        for (let i = 0; i < 50 && data !== undefined && !dataClosed; i++) await new Promise((r) => setTimeout(r, 10));
        sock.write(data === undefined ? "200 no data connection\r\n" : dataClosed ? "200 data closed\r\n" : "200 data open\r\n");
        return;
      }
      if (line === "QUIT") {
        sock.end("221 bye\r\n");
        return;
      }
      for (const step of script[line] ?? ["200 default\r\n"]) {
        if (step === "DATA" || step === "EMPTY") {
          const d = await data!;
          await new Promise<void>((r) => d.end(step === "DATA" ? payload : "", r));
          // the payload's end reaches the client before the next reply
          await new Promise((r) => setTimeout(r, 50));
        } else if (step === "DRAIN") {
          const d = await data!;
          d.resume();
          if (!d.readableEnded) await new Promise((r) => d.once("end", r));
        } else sock.write(step);
      }
    });
  });
  peers.push(peer);
  return peer;
}

/** What a transfer call gave: `["ok", reply, data]` or `[exception name, text]`, then the next NOOP's reply (or "name: text" of its error); and the debug output (level 1). */
export interface TransferOutcome {
  result: string[];
  log: string[];
}

const PYTHON_TRANSFERS = String.raw`
import contextlib, ftplib, io, json, sys
# JS numbers are doubles: read as floats (JSON's shortest digits of 2 ** 60 are not its value as an int)
port, payload, calls = json.loads(sys.stdin.read(), parse_int=float)
out = []
for method, cmd, rest in calls:
    # stdnet's value mapping: an integral JS number is a Python int
    if isinstance(rest, float) and rest.is_integer():
        rest = int(rest)
    ftp = ftplib.FTP(timeout=5)
    ftp.connect("127.0.0.1", int(port))
    got = []
    log = io.StringIO()
    ftp.set_debuglevel(1)
    with contextlib.redirect_stdout(log):
        try:
            if method == "retrbinary":
                r = ftp.retrbinary(cmd, lambda b: got.append(b.decode("latin-1")), 8192, rest)
            elif method == "retrlines":
                r = ftp.retrlines(cmd, got.append)
            else:
                r = ftp.storbinary(cmd, io.BytesIO(payload.encode()))
            result = ["ok", r, "".join(got)]
        except ftplib.all_errors as e:
            result = [type(e).__name__, str(e)]
        ftp.set_debuglevel(0)
        try:
            result.append(ftp.sendcmd("NOOP"))
        except ftplib.all_errors as e:
            result.append("%s: %s" % (type(e).__name__, e))
    ftp.close()
    out.append({"result": result, "log": log.getvalue().splitlines()})
print(json.dumps(out))
`;

/** python3's ftplib through each call, a session each, against the transfer peer at `port`. */
export async function pythonTransfers(port: number, payload: string, calls: readonly TransferCall[], timeoutMs = 60_000): Promise<TransferOutcome[]> {
  const input = JSON.stringify([port, payload, calls.map((c) => [c.method, c.cmd, c.rest])]);
  return JSON.parse((await runPython(PYTHON_TRANSFERS, [], input, timeoutMs)).toString()) as TransferOutcome[];
}

/** stdnet's FTP through one call, as `pythonTransfers` runs it (`rest` may also be a bigint). */
export async function ourTransfer(port: number, payload: string, call: Omit<TransferCall, "rest"> & { rest: number | bigint | null }): Promise<TransferOutcome> {
  const ftp = new FTP("", "", "", "", { timeout: 5 });
  await ftp.connect("127.0.0.1", port);
  const got: string[] = [];
  const log: string[] = [];
  const spy = vi.spyOn(console, "log").mockImplementation((...args: unknown[]) => {
    log.push(args.map(String).join(" "));
  });
  const result: string[] = [];
  try {
    ftp.set_debuglevel(1);
    try {
      let r: string;
      if (call.method === "retrbinary") r = await ftp.retrbinary(call.cmd, (b) => got.push(b.toString("latin1")), 8192, call.rest);
      else if (call.method === "retrlines") r = await ftp.retrlines(call.cmd, (l) => got.push(l));
      else r = await ftp.storbinary(call.cmd, Buffer.from(payload));
      result.push("ok", r, got.join(""));
    } catch (e) {
      if (!(e instanceof Error) || !all_errors.some((cls) => e instanceof cls)) throw e;
      result.push(e.name, e.message);
    }
    ftp.set_debuglevel(0);
    result.push(
      await ftp.sendcmd("NOOP").catch((e: unknown) => {
        if (!(e instanceof Error) || !all_errors.some((cls) => e instanceof cls)) throw e;
        return `${e.name}: ${e.message}`;
      }),
    );
  } finally {
    spy.mockRestore();
    ftp.close();
  }
  return { result, log };
}

/** Debug output with the PASV reply's port left out (it differs from session to session). */
export function portless(log: readonly string[]): string[] {
  return log.map((l) => l.replace(/\(127,0,0,1,\d+,\d+\)/, "(port)"));
}
