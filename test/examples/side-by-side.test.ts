/**
 * Runs every side-by-side example — ours and the Python originals — against
 * real local servers (node:http, smtp-server, ftp-srv) and checks that the
 * TypeScript and the Python versions print the same lines, that the hand-made
 * and high-level halves of each agree, and that the servers saw what the
 * examples claim to have done.
 */
import { spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { commandFor, runScript } from "../helpers/processes.js";
import { startHttpServer, startRawServer, type TestServer } from "../helpers/httpserver.js";
import { startSmtpServer, type SmtpTestServer } from "../helpers/smtpserver.js";
import { startFtpServer, type TestFtpServer } from "../helpers/ftpserver.js";

const DIR = "examples/side-by-side";
// A safety net for a loaded machine: the file uses 19-27 s of CPU in all (its 16
// processes run in parallel), so a quiet 2-core box runs it in well under 40 s.
const TIMEOUT_MS = 120_000;

let http: TestServer;
let smtp: SmtpTestServer;
let ftp: TestFtpServer;
const file = randomBytes(300_000);

beforeAll(async () => {
  [http, smtp, ftp] = await Promise.all([startHttpServer(), startSmtpServer(), startFtpServer()]);
  writeFileSync(join(ftp.root, "data.bin"), file);
});

afterAll(async () => {
  await Promise.all([http.close(), smtp.close(), ftp.close()]);
});

/** Runs the TypeScript example and its Python original with the same arguments, side by side. */
async function both(name: string, args: readonly string[]): Promise<{ ours: string; python: string }> {
  const [ours, python] = await Promise.all([runScript(`${DIR}/${name}.ts`, args, {}, TIMEOUT_MS), runScript(`${DIR}/${name}.py`, args, {}, TIMEOUT_MS)]);
  return { ours, python };
}

/** A script started in the background: resolves once its output matches `ready`. */
interface Started {
  /** What it printed when it was ready. */
  banner: string;
  /** Everything it printed, once it ended; rejects on a non-zero exit. */
  output: Promise<string>;
  /** Asks it to stop (SIGINT, as Ctrl-C). */
  interrupt(): void;
}

function startScript(script: string, args: readonly string[], env: NodeJS.ProcessEnv, ready: RegExp): Promise<Started> {
  const [cmd, pre] = commandFor(script);
  const child = spawn(cmd, [...pre, ...args], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  const timer = setTimeout(() => child.kill("SIGKILL"), TIMEOUT_MS);
  const output = new Promise<string>((resolve, reject) => {
    child.on("close", (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`${script} exited with ${code}: ${err}`));
    });
  });
  return new Promise((resolve, reject) => {
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      if (ready.test(out)) resolve({ banner: out, output, interrupt: () => child.kill("SIGINT") });
    });
    output.then(() => reject(new Error(`${script} ended before it was ready: ${out}`)), reject);
  });
}

/** Sends with one script to a receiver run by another; resolves to both outputs. */
async function exchange(sender: string, receiver: string): Promise<{ sent: string; received: string }> {
  const r = await startScript(`${DIR}/${receiver}`, ["127.0.0.1", "0"], {}, /^Receiver listening on port \d+\n/);
  const port = /port (\d+)/.exec(r.banner)![1]!;
  const sent = await runScript(`${DIR}/${sender}`, ["127.0.0.1", port], {}, TIMEOUT_MS);
  return { sent, received: await r.output };
}

/** Drops what differs between runs: the receiver's port and the sender's. */
const stable = (out: string): string => out.replace(/port \d+/, "port N").replace(/\('127\.0\.0\.1', \d+\)/, "('127.0.0.1', N)");

describe.concurrent("side-by-side examples, ours beside Python's", () => {
  it("http-get prints what http-get.py prints for a Content-Length body, a chunked body, a 404 and a body that runs until close", { timeout: TIMEOUT_MS }, async () => {
    const paths = ["/bytes?n=100000", "/chunked", "/status/404"];
    // A server that sends neither Content-Length nor chunks: the body runs until it closes.
    const raw = await startRawServer("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the server closes\n");
    const [{ ours, python }, untilClose] = await Promise.all([
      both("http-get", ["127.0.0.1", String(http.port), ...paths]),
      both("http-get", ["127.0.0.1", String(raw.port), "/"]).finally(() => raw.close()),
    ]);
    expect(ours).toBe(python);
    expect(untilClose.ours).toBe(untilClose.python);
    expect(untilClose.ours).toContain("by hand (socket): 200 OK, Content-Type 'text/plain', 24 bytes");
    expect(untilClose.ours).toContain("agree: True\n");
    const digest = createHash("sha256").update(Buffer.from(Array.from({ length: 100_000 }, (_, i) => i & 0xff))).digest("hex");
    const lines = ours.trimEnd().split("\n");
    expect(lines).toHaveLength(15);
    for (let i = 0; i < 3; i++) {
      expect(lines[5 * i]).toBe(`GET ${paths[i]}`);
      expect(lines[5 * i + 1]).toMatch(/^by hand \(socket\): /);
      expect(lines[5 * i + 4]).toBe("agree: True");
    }
    expect(lines[1]).toContain(`200 OK, Content-Type 'application/octet-stream', 100000 bytes, sha256 ${digest.slice(0, 16)}`);
    expect(lines[6]).toContain("200 OK, Content-Type 'text/plain', 34 bytes");
    expect(lines[11]).toContain("404 Not Found, Content-Type 'text/plain', 10 bytes");
    // The hand-made request: HTTP/1.1 with Host and Connection: close, nothing else.
    const byHand = http.seen.filter((r) => r.headers.some(([name]) => name === "Connection") && r.headers.length === 2);
    expect(byHand.map((r) => r.url).sort()).toEqual([...paths, ...paths].sort());
    for (const r of byHand) expect(r.headers).toEqual([["Host", `127.0.0.1:${http.port}`], ["Connection", "close"]]);
  });

  it("smtp-send delivers the same message by hand, by sendmail and step by step, as smtp-send.py does", { timeout: TIMEOUT_MS }, async () => {
    const rcpts = ["you@example.org", "them@example.org"];
    const { ours, python } = await both("smtp-send", ["127.0.0.1", String(smtp.port), "me@example.org", ...rcpts]);
    expect(ours).toBe(python);
    expect(ours).toBe(
      [
        "by hand (socket):        250 Message queued as test",
        "smtplib sendmail:        refused {}",
        "smtplib mail/rcpt/data:  250 Message queued as test",
        "agree: True",
        "",
      ].join("\n"),
    );
    // Six messages, three per script, all the same envelope and bytes; the doubled dot undone by the server.
    expect(smtp.received).toHaveLength(6);
    const first = smtp.received[0]!;
    expect(first.raw.toString()).toContain("\r\n.A line that starts with a dot goes out with two.\r\n");
    expect(first.raw.toString()).toMatch(/^From: me@example.org\r\nTo: you@example.org, them@example.org\r\nSubject: side by side\r\n\r\n/);
    for (const m of smtp.received) {
      expect(m.from).toBe("me@example.org");
      expect(m.to).toEqual(rcpts);
      expect(m.raw.equals(first.raw)).toBe(true);
    }
  });

  it("ftp-retr downloads the same bytes by hand (PASV, a second socket) and by retrbinary, as ftp-retr.py does", { timeout: TIMEOUT_MS }, async () => {
    const { ours, python } = await both("ftp-retr", ["127.0.0.1", String(ftp.port), ftp.user, ftp.password, "data.bin"]);
    expect(ours).toBe(python);
    const digest = createHash("sha256").update(file).digest("hex").slice(0, 16);
    const lines = ours.trimEnd().split("\n");
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(new RegExp(`^by hand \\(socket\\): +300000 bytes, sha256 ${digest}, '226 `));
    expect(lines[1]).toMatch(new RegExp(`^ftplib.retrbinary: +300000 bytes, sha256 ${digest}, '226 `));
    expect(lines[2]).toBe("agree: True");
  });

  it("records go from our sender to Python's receiver and back, and both receivers print the same lines", { timeout: TIMEOUT_MS }, async () => {
    const [toPython, fromPython] = await Promise.all([exchange("records-sender.ts", "records-receiver.py"), exchange("records-sender.py", "records-receiver.ts")]);
    // Our sender writes Python's bytes (same count, size and digest), so Python's receiver
    // printed, for our bytes, what it prints for its own sender's; ours must print the same.
    expect(toPython.sent).toBe(fromPython.sent);
    expect(toPython.sent).toMatch(/^Sent 3 records, \d+ bytes, sha256 [0-9a-f]{16}\n$/);
    expect(stable(fromPython.received)).toBe(stable(toPython.received));
    const lines = stable(toPython.received).trimEnd().split("\n");
    expect(lines).toHaveLength(9);
    expect(lines[0]).toBe("Receiver listening on port N");
    expect(lines[1]).toBe("Connected by ('127.0.0.1', N)");
    expect(lines[4]).toBe("record (2, 8, 2.0, b'beta\\x00\\x00\\x00\\x00')");
    expect(lines[8]).toBe("End of stream after 3 records");
  });

  it("local-servers starts HTTP, SMTP and FTP servers the Python examples work against, and stops on Ctrl-C", { timeout: TIMEOUT_MS }, async () => {
    const servers = await startScript(`${DIR}/local-servers.ts`, [], { HTTP_PORT: "0", SMTP_PORT: "0", FTP_PORT: "0" }, /Ctrl-C stops the servers\.\n/);
    try {
      const port = (name: string): string => new RegExp(`${name} +on 127\\.0\\.0\\.1:(\\d+)`).exec(servers.banner)![1]!;
      const digest = /data\.bin \(262144 bytes, sha256 ([0-9a-f]{16})\)/.exec(servers.banner)![1]!;
      const [httpOut, smtpOut, ftpOut] = await Promise.all([
        runScript(`${DIR}/http-get.py`, ["127.0.0.1", port("HTTP"), "/", "/chunked", "/data.bin", "/missing"], {}, TIMEOUT_MS),
        runScript(`${DIR}/smtp-send.py`, ["127.0.0.1", port("SMTP")], {}, TIMEOUT_MS),
        runScript(`${DIR}/ftp-retr.py`, ["127.0.0.1", port("FTP")], {}, TIMEOUT_MS),
      ]);
      expect(httpOut.match(/^agree: True$/gm)).toHaveLength(4);
      expect(httpOut).toContain(`262144 bytes, sha256 ${digest}`);
      expect(httpOut).toContain("404 Not Found");
      expect(smtpOut).toContain("by hand (socket):        250 Message accepted\n");
      expect(smtpOut).toContain("agree: True\n");
      expect(ftpOut).toContain(`262144 bytes, sha256 ${digest}`);
      expect(ftpOut).toContain("agree: True\n");
    } finally {
      servers.interrupt();
    }
    const printed = await servers.output; // exit code 0 after Ctrl-C
    expect(printed.match(/^SMTP: a message from me@example\.org to you@example\.org, \d+ bytes$/gm)).toHaveLength(3);
  });
});
