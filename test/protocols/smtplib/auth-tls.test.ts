import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { create_default_context, CERT_NONE, SSLCertVerificationError } from "stdnet/ssl";
import { SMTP, SMTP_SSL, SMTPAuthenticationError, SMTPNotSupportedError } from "stdnet/smtplib";
import { makeTestCert, type TestCert } from "../../helpers/certs.js";
import { startSmtpServer, type SmtpTestServer } from "../../helpers/smtpserver.js";

const auth = { user: "alice", pass: "correct horse" };

describe("login()", () => {
  let srv: SmtpTestServer;
  let noauth: SmtpTestServer;
  beforeAll(async () => {
    srv = await startSmtpServer({ auth });
    noauth = await startSmtpServer();
  });
  afterAll(async () => {
    await srv.close();
    await noauth.close();
  });

  it("logs in with the right credentials (235) and the server sees the user", async () => {
    await using s = new SMTP(srv.host, srv.port);
    const [code] = await s.login(auth.user, auth.pass);
    expect(code).toBe(235);
    await s.sendmail("alice@example.org", "bob@example.org", "x\r\n");
    expect(srv.received.at(-1)?.user).toBe("alice");
  });

  it("wrong credentials reject with SMTPAuthenticationError 535 and the session goes on", async () => {
    await using s = new SMTP(srv.host, srv.port);
    const err = await s.login(auth.user, "wrong").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SMTPAuthenticationError);
    expect((err as SMTPAuthenticationError).smtp_code).toBe(535);
    expect((await s.noop())[0]).toBe(250);
  });

  it("uses LOGIN when the server offers only LOGIN", async () => {
    const loginOnly = await startSmtpServer({ auth, authMethods: ["LOGIN"] });
    try {
      await using s = new SMTP(loginOnly.host, loginOnly.port);
      await s.ehlo();
      expect(s.esmtp_features.auth?.trim()).toBe("LOGIN");
      expect((await s.login(auth.user, auth.pass))[0]).toBe(235);
      await expect(new SMTP(loginOnly.host, loginOnly.port).login(auth.user, "nope")).rejects.toThrow(SMTPAuthenticationError);
    } finally {
      await loginOnly.close();
    }
  });

  it("a server without AUTH rejects with SMTPNotSupportedError", async () => {
    await using s = new SMTP(noauth.host, noauth.port);
    await expect(s.login("a", "b")).rejects.toThrow(new SMTPNotSupportedError("SMTP AUTH extension not supported by server."));
  });
});

describe("TLS", () => {
  let cert: TestCert;
  let starttls: SmtpTestServer;
  let implicit: SmtpTestServer;
  let plain: SmtpTestServer;
  beforeAll(async () => {
    cert = makeTestCert();
    starttls = await startSmtpServer({ cert, auth });
    implicit = await startSmtpServer({ cert, secure: true, auth });
    plain = await startSmtpServer();
  });
  afterAll(async () => {
    await starttls.close();
    await implicit.close();
    await plain.close();
    cert.cleanup();
  });

  it("starttls() upgrades; EHLO state is forgotten; login and sendmail go over TLS", async () => {
    const context = create_default_context(undefined, { cafile: cert.certfile });
    await using s = new SMTP("localhost", starttls.port);
    await s.ehlo();
    expect(s.has_extn("starttls")).toBe(true);
    const [code] = await s.starttls({ context });
    expect(code).toBe(220);
    expect(s.ehlo_resp).toBeNull();
    expect(s.esmtp_features).toEqual({});
    await s.ehlo();
    expect(s.has_extn("starttls")).toBe(false);
    await s.login(auth.user, auth.pass);
    await s.sendmail("alice@example.org", "bob@example.org", "Subject: tls\r\n\r\nsecret\r\n");
    const got = starttls.received.at(-1);
    expect(got?.secure).toBe(true);
    expect(got?.raw.toString()).toBe("Subject: tls\r\n\r\nsecret\r\n");
  });

  it("starttls() long after connecting gets the whole timeout for its handshake", async () => {
    const context = create_default_context(undefined, { cafile: cert.certfile });
    await using s = await SMTP.open("localhost", starttls.port, null, { timeout: 0.3 });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect((await s.starttls({ context }))[0]).toBe(220);
    expect((await s.ehlo())[0]).toBe(250);
  });

  it("starttls() verifies the certificate by default: a self-signed one fails with SSLCertVerificationError", async () => {
    const s = new SMTP("localhost", starttls.port);
    await expect(s.starttls()).rejects.toThrow(SSLCertVerificationError);
    await expect(s.noop()).rejects.toThrow("please run connect() first");
  });

  it("starttls() on a server without it rejects with SMTPNotSupportedError", async () => {
    await using s = new SMTP(plain.host, plain.port);
    await expect(s.starttls()).rejects.toThrow(new SMTPNotSupportedError("STARTTLS extension not supported by server."));
    expect((await s.noop())[0]).toBe(250);
  });

  it("SMTP_SSL speaks TLS from the first byte", async () => {
    const context = create_default_context(undefined, { cafile: cert.certfile });
    await using s = new SMTP_SSL("localhost", implicit.port, null, { context });
    await s.login(auth.user, auth.pass);
    await s.sendmail("alice@example.org", ["bob@example.org"], "Subject: ssl\r\n\r\n.dot\r\n");
    expect(implicit.received.at(-1)?.raw.toString()).toBe("Subject: ssl\r\n\r\n.dot\r\n");
    expect(implicit.received.at(-1)?.secure).toBe(true);
  });

  it("SMTP_SSL rejects a certificate that fails verification, and follows a context that does not verify", async () => {
    await expect(SMTP_SSL.open("localhost", implicit.port)).rejects.toThrow(SSLCertVerificationError);
    const lax = create_default_context();
    lax.check_hostname = false;
    lax.verify_mode = CERT_NONE;
    await using s = new SMTP_SSL("127.0.0.1", implicit.port, null, { context: lax });
    expect((await s.noop())[0]).toBe(250);
  });
});
