import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LMTP, SMTP, SMTPDataError, SMTPRecipientsRefused, SMTPSenderRefused, UnicodeEncodeError } from "stdnet/smtplib";
import { OSError, ValueError } from "stdnet/socket";
import { startSmtpServer, type SmtpTestServer } from "../../helpers/smtpserver.js";

describe("sendmail()", () => {
  let srv: SmtpTestServer;
  let plain: SmtpTestServer;
  beforeAll(async () => {
    srv = await startSmtpServer({ refuse: ["nobody@example.org", "ghost@example.org"], refuseSender: ["spam@example.org"], size: 4096 });
    plain = await startSmtpServer({ hidePIPELINING: true, refuse: ["nobody@example.org"] });
  });
  afterAll(async () => {
    await srv.close();
    await plain.close();
  });

  it("delivers the message byte for byte, dot-stuffed lines restored", async () => {
    const msg = Buffer.from("Subject: dots\r\n\r\n.leading dot\r\n..two dots\r\n.\r\nmiddle . dot\r\n\u00ff\u0000binary\r\n", "latin1");
    await using s = new SMTP(srv.host, srv.port);
    const refused = await s.sendmail("from@example.org", ["to@example.org"], msg);
    expect(refused).toEqual({});
    const got = srv.received.at(-1);
    expect(got?.from).toBe("from@example.org");
    expect(got?.to).toEqual(["to@example.org"]);
    expect(got?.raw.equals(msg)).toBe(true);
    expect(got?.mailArgs.SIZE).toBe(String(msg.length));
  });

  it("encodes a str message as Python: lone CR and LF become CRLF, ASCII only", async () => {
    await using s = new SMTP(srv.host, srv.port);
    await s.sendmail("a@example.org", "b@example.org", "Subject: x\n\nline1\rline2\nline3");
    expect(srv.received.at(-1)?.raw.toString("latin1")).toBe("Subject: x\r\n\r\nline1\r\nline2\r\nline3\r\n");
    await expect(s.sendmail("a@example.org", "b@example.org", "caf\u00e9")).rejects.toThrow(UnicodeEncodeError);
    await expect(s.sendmail("a@example.org", "b@example.org", "caf\u00e9")).rejects.toThrow(
      "'ascii' codec can't encode character '\\xe9' in position 3: ordinal not in range(128)",
    );
  });

  it("resolves to the refused recipients when only some are refused", async () => {
    await using s = new SMTP(srv.host, srv.port);
    const refused = await s.sendmail("a@example.org", ["ok1@example.org", "nobody@example.org", "Ok Two <ok2@example.org>"], "Subject: p\r\n\r\nx\r\n");
    expect(Object.keys(refused)).toEqual(["nobody@example.org"]);
    expect(refused["nobody@example.org"]?.[0]).toBe(550);
    expect(refused["nobody@example.org"]?.[1].toString()).toContain("nobody@example.org");
    expect(srv.received.at(-1)?.to).toEqual(["ok1@example.org", "ok2@example.org"]);
  });

  it("rejects with SMTPRecipientsRefused when every recipient is refused, and the session goes on", async () => {
    const before = srv.received.length;
    await using s = new SMTP(srv.host, srv.port);
    const err = await s.sendmail("a@example.org", ["nobody@example.org", "ghost@example.org"], "x").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SMTPRecipientsRefused);
    const recipients = (err as SMTPRecipientsRefused).recipients;
    expect(Object.keys(recipients).sort()).toEqual(["ghost@example.org", "nobody@example.org"]);
    expect(srv.received.length).toBe(before);
    expect((await s.noop())[0]).toBe(250);
    await s.sendmail("a@example.org", "ok@example.org", "after\r\n");
    expect(srv.received.at(-1)?.raw.toString()).toBe("after\r\n");
  });

  it("rejects with SMTPSenderRefused carrying code, reply and sender", async () => {
    await using s = new SMTP(srv.host, srv.port);
    const err = await s.sendmail("spam@example.org", ["ok@example.org"], "x").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SMTPSenderRefused);
    expect((err as SMTPSenderRefused).smtp_code).toBe(553);
    expect((err as SMTPSenderRefused).sender).toBe("spam@example.org");
    expect((await s.noop())[0]).toBe(250);
  });

  it("a message over the server's SIZE is refused at MAIL FROM (SMTPSenderRefused 552), as Python", async () => {
    await using s = new SMTP(srv.host, srv.port);
    const err = await s.sendmail("a@example.org", ["b@example.org"], Buffer.alloc(5000, 0x61)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SMTPSenderRefused);
    expect((err as SMTPSenderRefused).smtp_code).toBe(552);
  });

  it("a message over SIZE that the client did not declare is refused after the data (SMTPDataError 552)", async () => {
    await using s = new SMTP(srv.host, srv.port);
    await s.ehlo();
    delete s.esmtp_features.size; // as if the server had not announced SIZE
    const err = await s.sendmail("a@example.org", ["b@example.org"], Buffer.alloc(6000, 0x61)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SMTPDataError);
    expect((err as SMTPDataError).smtp_code).toBe(552);
    expect((await s.noop())[0]).toBe(250);
  });

  it("works step by step when the server does not announce PIPELINING", async () => {
    await using s = new SMTP(plain.host, plain.port);
    await s.ehlo();
    expect(s.has_extn("pipelining")).toBe(false);
    const refused = await s.sendmail("a@example.org", ["b@example.org", "nobody@example.org"], "Subject: s\r\n\r\n.x\r\n");
    expect(Object.keys(refused)).toEqual(["nobody@example.org"]);
    expect(plain.received.at(-1)?.raw.toString()).toBe("Subject: s\r\n\r\n.x\r\n");
    await expect(s.sendmail("a@example.org", ["nobody@example.org"], "x")).rejects.toThrow(SMTPRecipientsRefused);
  });

  it("passes mail_options and rcpt_options through", async () => {
    await using s = new SMTP(srv.host, srv.port);
    await s.sendmail("a@example.org", ["b@example.org"], "x\r\n", ["BODY=8BITMIME"]);
    expect(srv.received.at(-1)?.mailArgs.BODY).toBe("8BITMIME");
  });

  it("refuses CR or LF in an address or option before sending anything", async () => {
    const before = srv.received.length;
    await using s = new SMTP(srv.host, srv.port);
    const bad: [string, string[], string[]][] = [
      ["a@example.org\r\nRCPT TO:<evil@example.org>", [], []],
      ["a@example.org", [], ["NOTIFY=NEVER\r\nDATA"]],
    ];
    await expect(s.sendmail(bad[0]![0], ["b@example.org"], "x")).rejects.toThrow(ValueError);
    await expect(s.sendmail("a@example.org", ["b@example.org\nRSET"], "x")).rejects.toThrow(
      "command and arguments contain prohibited newline characters",
    );
    await expect(s.sendmail("a@example.org", ["b@example.org"], "x", ["SIZE=1\r\nRSET"])).rejects.toThrow(ValueError);
    await expect(s.sendmail("a@example.org", ["b@example.org"], "x", [], bad[1]![2])).rejects.toThrow(ValueError);
    await expect(s.docmd("NOOP\r\nQUIT")).rejects.toThrow(ValueError);
    expect(srv.received.length).toBe(before);
    expect((await s.noop())[0]).toBe(250);
  });
});

describe("LMTP", () => {
  it("sends LHLO and reads one reply per recipient", async () => {
    const srv = await startSmtpServer({ lmtp: true, refuse: ["nobody@example.org"] });
    try {
      await using s = new LMTP(srv.host, srv.port);
      const [code] = await s.ehlo();
      expect(code).toBe(250);
      const refused = await s.sendmail("a@example.org", ["b@example.org", "c@example.org", "nobody@example.org"], "Subject: l\r\n\r\nbody\r\n");
      expect(Object.keys(refused)).toEqual(["nobody@example.org"]);
      expect(srv.received.at(-1)?.to).toEqual(["b@example.org", "c@example.org"]);
      expect((await s.noop())[0]).toBe(250);
    } finally {
      await srv.close();
    }
  });

  it("connects to a Unix socket when the host is a path, as Python's LMTP", async () => {
    const dir = mkdtempSync(join(tmpdir(), "stdnet-lmtp-"));
    const path = join(dir, "lmtp.sock");
    const srv = await startSmtpServer({ lmtp: true, path });
    try {
      await using s = new LMTP(path);
      const [code] = await s.ehlo();
      expect(code).toBe(250);
      expect(await s.sendmail("a@example.org", ["b@example.org"], "Subject: u\r\n\r\n.unix\r\n")).toEqual({});
      expect(srv.received.at(-1)?.raw.toString()).toBe("Subject: u\r\n\r\n.unix\r\n");
      const missing = await new LMTP(join(dir, "missing.sock")).noop().catch((e: unknown) => e);
      expect(missing).toBeInstanceOf(OSError);
      expect((missing as OSError).errno).toBe(2);
    } finally {
      await srv.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
