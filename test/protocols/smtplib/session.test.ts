import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConnectionRefusedError, gaierror } from "stdnet/socket";
import { SMTP, SMTPConnectError, SMTPException, SMTPServerDisconnected } from "stdnet/smtplib";
import { startSmtpServer, type SmtpTestServer } from "../../helpers/smtpserver.js";
import { rawServer } from "../../helpers/rawserver.js";

/** Captures what the code under test writes to stderr (Python's debug output goes there). */
async function captureStderr(fn: () => Promise<void>): Promise<string> {
  const chunks: string[] = [];
  const original = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((chunk: string | Uint8Array) => {
    chunks.push(typeof chunk === "string" ? chunk : Buffer.from(chunk).toString());
    return true;
  });
  try {
    await fn();
  } finally {
    process.stderr.write = original;
  }
  return chunks.join("");
}

describe("SMTP session", () => {
  let srv: SmtpTestServer;
  beforeAll(async () => {
    srv = await startSmtpServer({ auth: { user: "alice", pass: "s3cret-pa55" } });
  });
  afterAll(async () => {
    await srv.close();
  });

  it("connect() resolves to the greeting; a 'host:port' string works", async () => {
    const s = new SMTP();
    const [code, msg] = await s.connect(`127.0.0.1:${srv.port}`);
    expect(code).toBe(220);
    expect(msg.toString()).toContain("test.smtp.local");
    const [qcode] = await s.quit();
    expect(qcode).toBe(221);
  });

  it("ehlo() fills esmtp_features; helo, noop, rset, verify, help and docmd give the replies", async () => {
    await using s = await SMTP.open(srv.host, srv.port, "client.example.org");
    const [code, resp] = await s.ehlo();
    expect(code).toBe(250);
    expect(s.ehlo_resp?.equals(resp)).toBe(true);
    expect(s.does_esmtp).toBe(true);
    expect(s.has_extn("PIPELINING")).toBe(true);
    expect(s.esmtp_features.auth?.split(" ").filter(Boolean)).toEqual(["PLAIN", "LOGIN"]);
    const heloOut = await captureStderr(async () => {
      s.set_debuglevel(1);
      expect((await s.helo())[0]).toBe(250);
      s.set_debuglevel(0);
    });
    expect(heloOut).toContain("send: 'helo client.example.org\\r\\n'");
    expect(s.helo_resp?.toString()).toContain("test.smtp.local");
    expect((await s.noop())[0]).toBe(250);
    expect((await s.rset())[0]).toBe(250);
    expect((await s.verify("Alice <alice@example.org>"))[0]).toBe(252);
    expect((await s.help()).length).toBeGreaterThan(0);
    expect((await s.docmd("NOOP"))[0]).toBe(250);
    expect((await s.docmd("BOGUS"))[0]).toBe(500);
  });

  it("quit() closes: the next call rejects with SMTPServerDisconnected", async () => {
    const s = await SMTP.open(srv.host, srv.port);
    await s.quit();
    await expect(s.noop()).rejects.toThrow(SMTPServerDisconnected);
    await expect(s.noop()).rejects.toThrow("please run connect() first");
    s.close();
    s.close();
  });

  it("an unconnected SMTP rejects with 'please run connect() first'", async () => {
    await expect(new SMTP().noop()).rejects.toThrow(new SMTPServerDisconnected("please run connect() first"));
  });

  it("await using sends QUIT and closes, as Python's __exit__", async () => {
    const out = await captureStderr(async () => {
      await using s = new SMTP(srv.host, srv.port);
      s.set_debuglevel(1);
      await s.noop();
    });
    expect(out).toContain("send: 'QUIT\\r\\n'");
    expect(out).toMatch(/reply: retcode \(221\)/);
  });

  it("a second call while one runs rejects with a clear error, the first one is unharmed", async () => {
    await using s = await SMTP.open(srv.host, srv.port);
    const first = s.noop();
    const second = s.noop();
    await expect(second).rejects.toThrow(SMTPException);
    await expect(second).rejects.toThrow(/Cannot run noop\(\) while noop\(\) is still running/);
    expect((await first)[0]).toBe(250);
  });

  it("debug output shows the traffic but never the password", async () => {
    const password = "s3cret-pa55";
    const out = await captureStderr(async () => {
      await using s = new SMTP(srv.host, srv.port);
      s.set_debuglevel(2);
      await s.login("alice", password);
      await s.sendmail("alice@example.org", "bob@example.org", "Subject: d\r\n\r\nx\r\n");
    });
    expect(out).toContain("send: 'ehlo");
    expect(out).toContain("AUTH PLAIN");
    expect(out).toContain("retcode (235)");
    expect(out).not.toContain(password);
    for (const secret of [`\0alice\0${password}`, password]) {
      expect(out).not.toContain(Buffer.from(secret).toString("base64"));
    }
  });
});

describe("SMTP connection failures", () => {
  it("a refused connection rejects the first call (and SMTP.open) with ConnectionRefusedError", async () => {
    const raw = await rawServer(() => undefined);
    const port = raw.port;
    await raw.close();
    const s = new SMTP("127.0.0.1", port);
    await expect(s.noop()).rejects.toThrow(ConnectionRefusedError);
    await expect(SMTP.open("127.0.0.1", port)).rejects.toThrow(ConnectionRefusedError);
  });

  it("a name that does not resolve rejects with gaierror, as Python's", async () => {
    const err = await SMTP.open("nonexistent.invalid", 25, null, { timeout: 5 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(gaierror);
  });

  it("a greeting other than 220 rejects with SMTPConnectError", async () => {
    const raw = await rawServer((sock) => sock.end("554 No SMTP service here\r\n"));
    try {
      const err = await SMTP.open("127.0.0.1", raw.port).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SMTPConnectError);
      expect((err as SMTPConnectError).smtp_code).toBe(554);
      expect((err as SMTPConnectError).message).toBe("(554, b'No SMTP service here')");
    } finally {
      await raw.close();
    }
  });

  it("a server that never greets times out with SMTPServerDisconnected", async () => {
    const raw = await rawServer(() => undefined);
    try {
      const started = Date.now();
      const err = await SMTP.open("127.0.0.1", raw.port, null, { timeout: 0.3 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SMTPServerDisconnected);
      expect((err as Error).message).toBe("Connection unexpectedly closed: timed out");
      expect(Date.now() - started).toBeLessThan(3000);
    } finally {
      await raw.close();
    }
  });

  it("a server that stops answering mid-session times out, and the connection is closed", async () => {
    const raw = await rawServer((sock) => {
      sock.write("220 hi\r\n");
      sock.on("data", (d: Buffer) => {
        if (d.toString().startsWith("ehlo")) sock.write("250 ok\r\n");
      });
    });
    try {
      await using s = await SMTP.open("127.0.0.1", raw.port, null, { timeout: 0.3 });
      await s.ehlo();
      await expect(s.noop()).rejects.toThrow("Connection unexpectedly closed: timed out");
      await expect(s.noop()).rejects.toThrow("please run connect() first");
    } finally {
      await raw.close();
    }
  });

  it("the server closing mid-DATA rejects with SMTPServerDisconnected within the timeout", async () => {
    const srv = await startSmtpServer({ dropAfterBytes: 20_000 });
    try {
      await using s = await SMTP.open(srv.host, srv.port, null, { timeout: 5 });
      const started = Date.now();
      const err = await s.sendmail("a@example.org", ["b@example.org"], Buffer.alloc(2_000_000, 0x61)).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SMTPServerDisconnected);
      expect(Date.now() - started).toBeLessThan(5000);
      expect(srv.received).toHaveLength(0);
    } finally {
      await srv.close();
    }
  });
});
