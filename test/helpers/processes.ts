/**
 * Running the examples as a user would: TypeScript files under node with
 * tsx (the package imported by its own name through the "source"
 * condition), Python files under python3; servers waited for on their port.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import * as net from "node:net";

/** This process's minor page faults so far (Linux, from /proc/self/stat). */
export function minorFaults(): number {
  return Number(readFileSync("/proc/self/stat", "utf8").split(") ")[1]!.split(" ")[7]);
}

/** The command line that runs a script of ours or of Python's. */
export function commandFor(file: string): [string, string[]] {
  return file.endsWith(".py") ? ["python3", ["-u", file]] : [process.execPath, ["--import", "tsx", "--conditions=source", file]];
}

/** Runs a script to its end; resolves to its stdout. Rejects on a non-zero exit or after `timeoutMs`. */
export function runScript(file: string, args: readonly string[] = [], env: NodeJS.ProcessEnv = {}, timeoutMs = 30_000): Promise<string> {
  const [cmd, pre] = commandFor(file);
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, [...pre, ...args], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${file} did not finish within ${timeoutMs} ms; stderr: ${err}`));
    }, timeoutMs);
    child.on("close", (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`${file} exited with ${code}: ${err}`));
    });
  });
}

/** Kills a child process (SIGKILL) and resolves once it has exited. */
export function killAndWait(child: ChildProcess): Promise<void> {
  return new Promise((done) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      done();
      return;
    }
    child.once("exit", () => done());
    child.kill("SIGKILL");
  });
}

/** A script started as a server, with what it printed so far. */
export interface RunningScript {
  child: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

/** Starts a server script and waits until `port` on 127.0.0.1 accepts connections. */
export async function startScript(file: string, port: number, env: NodeJS.ProcessEnv = {}, timeoutMs = 20_000): Promise<RunningScript> {
  const [cmd, pre] = commandFor(file);
  const child = spawn(cmd, pre, { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout?.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (err += d.toString()));
  const stop = (): Promise<void> => killAndWait(child);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${file} exited with ${child.exitCode}: ${err}`);
    if (await canConnect(port)) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`${file} did not listen on ${port} within ${timeoutMs} ms: ${err}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { child, output: () => out, stop };
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, "127.0.0.1");
    s.once("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
  });
}

/** A port that is free now (bound to port 0, then released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
