import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EmailMessage } from "stdnet/email";
import { SMTP, SMTPNotSupportedError } from "stdnet/smtplib";
import { ValueError } from "stdnet/socket";
import { startSmtpServer, type SmtpTestServer } from "../../helpers/smtpserver.js";

function message(): EmailMessage {
  const m = new EmailMessage();
  m.set("From", "Ann <ann@example.org>");
  m.set("To", "bob@example.org");
  m.set("Bcc", "secret@example.org");
  m.set("Subject", "hello");
  m.set_content("body\n");
  return m;
}

describe("send_message()", () => {
  let srv: SmtpTestServer;
  beforeAll(async () => {
    srv = await startSmtpServer();
  });
  afterAll(async () => {
    await srv.close();
  });

  it("from_addr and to_addrs given override the headers; Bcc is still not transmitted", async () => {
    await using s = new SMTP(srv.host, srv.port);
    await s.send_message(message(), "bounce@example.org", ["only@example.org"]);
    const got = srv.received.at(-1);
    expect(got?.from).toBe("bounce@example.org");
    expect(got?.to).toEqual(["only@example.org"]);
    expect(got?.raw.toString()).not.toMatch(/^Bcc:/im);
    expect(got?.raw.toString()).toContain("To: bob@example.org\r\n");
  });

  it("prefers Sender over From for the envelope sender", async () => {
    await using s = new SMTP(srv.host, srv.port);
    const m = message();
    m.set("Sender", "list-owner@example.org");
    await s.send_message(m);
    expect(srv.received.at(-1)?.from).toBe("list-owner@example.org");
  });

  it("refuses a message with more than one Resent- block", async () => {
    await using s = new SMTP(srv.host, srv.port);
    const m = message();
    m.set("Resent-Date", "Mon, 20 Nov 2023 10:00:00 +0000");
    m.set("Resent-Date", "Tue, 21 Nov 2023 10:00:00 +0000");
    await expect(s.send_message(m)).rejects.toThrow(new ValueError("message has more than one 'Resent-' header block"));
  });

  it("international addresses go out with SMTPUTF8 when the server offers it", async () => {
    await using s = new SMTP(srv.host, srv.port);
    const m = message();
    m.replace_header("To", "jörg@exämple.org");
    await s.send_message(m);
    const got = srv.received.at(-1);
    expect(got?.to).toEqual(["jörg@exämple.org", "secret@example.org"]);
    expect(got?.mailArgs.SMTPUTF8).toBeDefined();
    expect(got?.mailArgs.BODY).toBe("8BITMIME");
  });

  it("international addresses without SMTPUTF8 reject with SMTPNotSupportedError before sending", async () => {
    const before = srv.received.length;
    await using s = new SMTP(srv.host, srv.port);
    await s.ehlo();
    delete s.esmtp_features.smtputf8; // as if the server had not announced it
    const m = message();
    m.replace_header("To", "jörg@exämple.org");
    await expect(s.send_message(m)).rejects.toThrow(SMTPNotSupportedError);
    expect(srv.received.length).toBe(before);
  });
});
