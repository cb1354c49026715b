/**
 * smtp: 2,000 messages of 10 KB sent one after another on one connection to
 * the same local smtp-server — through stdnet's `SMTP.sendmail`, through
 * nodemailer's `SMTPConnection.send` directly, and through CPython's
 * `smtplib.SMTP.sendmail` (python3, timed inside Python so that its start-up
 * is not counted). The server runs in a child process of its own, in plain
 * node (_smtp-server.mjs), the same one for all three, so no client shares
 * its event loop with it. Each client is timed from its first
 * MAIL to its last reply, connection setup excluded; the node clients send
 * 300 untimed messages first; the three take turns, three rounds, the best
 * round of each counts (the box is shared, so the spread is wide).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import SMTPConnection from "nodemailer/lib/smtp-connection";
import { SMTP } from "stdnet/smtplib";
import type { BenchTable } from "./_harness.js";
import { runPython } from "../test/helpers/python.js";

const MESSAGES = 2_000;
const ROUNDS = 3;
/** Messages sent untimed first by each node client, so that both are measured warm (compiled and JIT-ed). */
const WARMUP = 300;
const FROM = "bench@example.org";
const TO = "sink@example.org";

/** A 10 KB message: headers, then 76-character lines, some starting with a dot. */
function message(): Buffer {
  const lines = ["From: bench@example.org", "To: sink@example.org", "Subject: benchmark", ""];
  let size = lines.join("\r\n").length;
  for (let i = 0; size < 10 * 1024 - 80; i++) {
    const line = (i % 10 === 0 ? "." : "x") + String(i).padStart(6, "0").repeat(12).slice(0, 75);
    lines.push(line);
    size += line.length + 2;
  }
  const text = lines.join("\r\n") + "\r\n";
  return Buffer.from(text.padEnd(10 * 1024 - 2, "y") + "\r\n", "latin1");
}

const MESSAGE = message();

const PYTHON = String.raw`
import smtplib, sys, time
port, count = int(sys.argv[1]), int(sys.argv[2])
msg = sys.stdin.buffer.read()
s = smtplib.SMTP('127.0.0.1', port, local_hostname='bench.local')
s.ehlo()
start = time.perf_counter()
for _ in range(count):
    s.sendmail('bench@example.org', ['sink@example.org'], msg)
elapsed = time.perf_counter() - start
s.quit()
print(elapsed)
`;

async function ours(port: number): Promise<number> {
  await using s = await SMTP.open("127.0.0.1", port, "bench.local", { timeout: 30 });
  await s.ehlo();
  for (let i = 0; i < WARMUP; i++) await s.sendmail(FROM, [TO], MESSAGE);
  const start = performance.now();
  for (let i = 0; i < MESSAGES; i++) await s.sendmail(FROM, [TO], MESSAGE);
  return (performance.now() - start) / 1000;
}

async function nodemailer(port: number): Promise<number> {
  const conn = new SMTPConnection({ host: "127.0.0.1", port, name: "bench.local", ignoreTLS: true });
  await new Promise<void>((resolve, reject) => {
    conn.once("error", reject);
    conn.connect(() => {
      conn.off("error", reject);
      resolve();
    });
  });
  const send = (): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      conn.send({ from: FROM, to: [TO], size: MESSAGE.length }, MESSAGE, (err) => {
        if (err) reject(err);
        else resolve();
      });
    });
  for (let i = 0; i < WARMUP; i++) await send();
  const start = performance.now();
  for (let i = 0; i < MESSAGES; i++) await send();
  const elapsed = (performance.now() - start) / 1000;
  conn.quit();
  return elapsed;
}

async function cpython(port: number): Promise<number> {
  const out = await runPython(PYTHON, [String(port), String(MESSAGES)], MESSAGE, 300_000);
  return Number.parseFloat(out.toString());
}

/** Starts bench/_smtp-server.mjs (smtp-server in plain node); resolves with its port. */
function startServer(): Promise<{ port: number; child: ChildProcess }> {
  const child = spawn(process.execPath, [fileURLToPath(new URL("_smtp-server.mjs", import.meta.url))], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error("smtp bench server did not start"));
    }, 30_000);
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).once("line", (line) => {
      clearTimeout(timer);
      resolve({ port: Number(line), child });
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`smtp bench server exited with ${code}`));
    });
  });
}

/** The family's entry point. */
export async function run(): Promise<BenchTable[]> {
  const { port, child } = await startServer();
  try {
    const best = { ours: Infinity, nodemailer: Infinity, cpython: Infinity };
    const subjects = [
      async () => (best.ours = Math.min(best.ours, await ours(port))),
      async () => (best.nodemailer = Math.min(best.nodemailer, await nodemailer(port))),
      async () => (best.cpython = Math.min(best.cpython, await cpython(port))),
    ];
    for (let r = 0; r < ROUNDS; r++) {
      // Each round starts with a different subject, so none always runs first.
      for (let k = 0; k < subjects.length; k++) await subjects[(r + k) % subjects.length]?.();
    }
    return [
      {
        workload: `sendmail: ${MESSAGES.toLocaleString("en-US")} messages of 10 KB on one connection (smtp-server in a child process)`,
        unit: "messages/s",
        rows: [
          { subject: "stdnet SMTP.sendmail", value: MESSAGES / best.ours },
          { subject: "nodemailer SMTPConnection.send", value: MESSAGES / best.nodemailer },
          { subject: "CPython 3.11 smtplib.sendmail", value: MESSAGES / best.cpython },
        ],
      },
    ];
  } finally {
    child.kill("SIGTERM");
  }
}
