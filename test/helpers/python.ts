/**
 * python3 as the oracle and the peer: run a script to completion and take
 * its output, or start it as a server and read the port it prints.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { killAndWait } from "./processes.js";

/** Runs `python3 -c script` with `input` on stdin; resolves to stdout as bytes. Rejects on a non-zero exit. */
export function runPython(script: string, args: readonly string[] = [], input?: Uint8Array | string, timeoutMs = 60_000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn("python3", ["-c", script, ...args], { stdio: ["pipe", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`python3 did not finish within ${timeoutMs} ms`));
    }, timeoutMs);
    child.stdout.on("data", (d: Buffer) => out.push(d));
    child.stderr.on("data", (d: Buffer) => err.push(d));
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(Buffer.concat(out));
      else reject(new Error(`python3 exited with ${code}: ${Buffer.concat(err).toString()}`));
    });
    child.stdin.on("error", () => undefined);
    child.stdin.end(input);
  });
}

/** Runs python3 synchronously (killed after two minutes) and parses its stdout as JSON (the caller names the shape it expects). */
// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters
export function pythonJson<T>(script: string, input?: string): T {
  const r = spawnSync("python3", ["-c", script], { input, maxBuffer: 1 << 30, encoding: "utf8", timeout: 120_000, killSignal: "SIGKILL" });
  if (r.error !== undefined) throw new Error(`python3 did not finish: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`python3 failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

/** A python3 process started as a server; `firstLine` is the first line it printed (e.g. its port). */
export interface PythonServer {
  child: ChildProcess;
  firstLine: string;
  /** Kills the process and waits for it to exit. */
  stop(): Promise<void>;
}

/** Starts `python3 -u -c script`, waits for its first line of stdout. */
export function startPython(script: string, args: readonly string[] = [], env: NodeJS.ProcessEnv = {}, timeoutMs = 20_000): Promise<PythonServer> {
  return new Promise((resolve, reject) => {
    const child = spawn("python3", ["-u", "-c", script, ...args], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...env } });
    const stderr: Buffer[] = [];
    child.stderr.on("data", (d: Buffer) => stderr.push(d));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error("python3 server did not start in time"));
    }, timeoutMs);
    const lines = createInterface({ input: child.stdout });
    const stop = (): Promise<void> => killAndWait(child);
    lines.once("line", (firstLine) => {
      clearTimeout(timer);
      resolve({ child, firstLine, stop });
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`python3 server exited with ${code}: ${Buffer.concat(stderr).toString()}`));
    });
  });
}
