import { randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { TLSSocket, createSecureContext } from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FTP_TLS, error_perm } from "stdnet/ftplib";
import { SSLCertVerificationError, create_default_context, type SSLContext } from "stdnet/ssl";
import { ValueError } from "stdnet/socket";
import { makeTestCert, type TestCert } from "../../helpers/certs.js";
import { runPython } from "../../helpers/python.js";
import { eachLine, rawServer } from "../../helpers/rawserver.js";
import { startFtpServer, type TestFtpServer } from "../../helpers/ftpserver.js";

let cert: TestCert;
let srv: TestFtpServer;
const DATA = randomBytes(300_000);

beforeAll(async () => {
  cert = makeTestCert();
  srv = await startFtpServer({ tls: { cert: cert.cert, key: cert.key } });
  writeFileSync(join(srv.root, "secret.bin"), DATA);
  writeFileSync(join(srv.root, "notes.txt"), "one\ntwo\n");
});

afterAll(async () => {
  await srv.close();
  cert.cleanup();
});

function trusting(): SSLContext {
  const ctx = create_default_context();
  ctx.load_verify_locations(cert.certfile);
  return ctx;
}

describe("FTP_TLS", () => {
  it("refuses the server's self-signed certificate with the default context", async () => {
    const err = await FTP_TLS.open(srv.host, srv.user, srv.password, "", { timeout: 5, port: srv.port }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SSLCertVerificationError);
    expect((err as Error).message).toMatch(/certificate verify failed: self-signed certificate/);
  });

  it("logs in over TLS and transfers over protected data connections with the certificate trusted", async () => {
    const ftps = await FTP_TLS.open(srv.host, srv.user, srv.password, "", { timeout: 5, port: srv.port, context: trusting() });
    expect(await ftps.prot_p()).toMatch(/^200/);
    const parts: Buffer[] = [];
    expect(await ftps.retrbinary("RETR secret.bin", (b) => parts.push(b))).toMatch(/^226/);
    expect(Buffer.concat(parts).equals(DATA)).toBe(true);
    expect(await ftps.storbinary("STOR up.bin", DATA.subarray(0, 100_000))).toMatch(/^226/);
    expect(readFileSync(join(srv.root, "up.bin")).equals(DATA.subarray(0, 100_000))).toBe(true);
    const lines: string[] = [];
    await ftps.retrlines("RETR notes.txt", (l) => lines.push(l));
    expect(lines).toEqual(["one", "two"]);
    expect((await ftps.nlst()).sort()).toEqual(["notes.txt", "secret.bin", "up.bin"]);
    expect(await ftps.quit()).toMatch(/^221/);
  });

  it("transfers over protected data connections in active mode, the server connecting to the client", async () => {
    await using ftps = await FTP_TLS.open(srv.host, srv.user, srv.password, "", { timeout: 5, port: srv.port, context: trusting() });
    await ftps.prot_p();
    ftps.set_pasv(false);
    const parts: Buffer[] = [];
    expect(await ftps.retrbinary("RETR secret.bin", (b) => parts.push(b))).toMatch(/^226/);
    expect(Buffer.concat(parts).equals(DATA)).toBe(true);
    expect(await ftps.storbinary("STOR active-up.bin", DATA)).toMatch(/^226/);
    expect(readFileSync(join(srv.root, "active-up.bin")).equals(DATA)).toBe(true);
  });

  it("storbinary() of a local file many read buffers long over a protected data connection arrives byte for byte", async () => {
    const ftps = await FTP_TLS.open(srv.host, srv.user, srv.password, "", { timeout: 10, port: srv.port, context: trusting() });
    await ftps.prot_p();
    const content = randomBytes(12 * 1024 * 1024 + 5);
    const local = join(srv.root, "local-big.bin");
    writeFileSync(local, content);
    expect(await ftps.storbinary("STOR big-up.bin", local)).toMatch(/^226/);
    expect(readFileSync(join(srv.root, "big-up.bin")).equals(content)).toBe(true);
    await ftps.quit();
  });

  it("auth() secures an anonymous session; a second auth() is a ValueError", async () => {
    const ftps = new FTP_TLS("", "", "", "", { context: trusting() });
    await ftps.connect(srv.host, srv.port, 5);
    expect(await ftps.auth()).toMatch(/^234/);
    await expect(ftps.auth()).rejects.toBeInstanceOf(ValueError);
    expect(await ftps.login()).toMatch(/^230/);
    await ftps.prot_p();
    expect(await ftps.size("secret.bin")).toBe(DATA.length);
    await ftps.quit();
  });

  it("prot_c() and ccc() pass the server's refusal on as error_perm", async () => {
    const ftps = await FTP_TLS.open(srv.host, srv.user, srv.password, "", { timeout: 5, port: srv.port, context: trusting() });
    await ftps.prot_p();
    const protc = await ftps.prot_c().catch((e: unknown) => e);
    expect(protc).toBeInstanceOf(error_perm);
    expect((protc as Error).message).toMatch(/^536/);
    const ccc = await ftps.ccc().catch((e: unknown) => e);
    expect(ccc).toBeInstanceOf(error_perm);
    expect(await ftps.pwd()).toBe("/");
    await ftps.quit();
  });

  it("ccc() on a clear session is a ValueError", async () => {
    const ftps = new FTP_TLS("", "", "", "", { context: trusting() });
    await ftps.connect(srv.host, srv.port, 5);
    await ftps.login("anonymous", "", "", false);
    await expect(ftps.ccc()).rejects.toBeInstanceOf(ValueError);
    await ftps.quit();
  });
});

describe("FTP_TLS keyfile and certfile", () => {
  it("present a client certificate to a server that asks for one", async () => {
    const client = makeTestCert("stdnet-client");
    const seen: string[] = [];
    // a peer that upgrades on AUTH TLS, asks for a client certificate and logs in whoever presents one
    const peer = await rawServer((sock) => {
      sock.write("220 hi\r\n");
      eachLine(sock, (line) => {
        if (line !== "AUTH TLS") return void sock.write("500 clear text\r\n");
        sock.write("234 go\r\n");
        sock.removeAllListeners("data");
        const secure = new TLSSocket(sock, { isServer: true, secureContext: createSecureContext({ cert: cert.cert, key: cert.key }), requestCert: true, rejectUnauthorized: false });
        secure.on("error", () => undefined);
        secure.on("secure", () => {
          const presented = secure.getPeerCertificate();
          seen.push(typeof presented.subject?.CN === "string" ? presented.subject.CN : "none");
        });
        eachLine(secure, (l) => secure.write(l.startsWith("USER") ? `230 hello ${seen.at(-1)}\r\n` : "200 ok\r\n"));
      });
    });
    const warned = new Promise<Error>((resolve) => process.once("warning", resolve));
    try {
      const ftps = new FTP_TLS("", "", "", "", { timeout: 5, certfile: client.certfile, keyfile: client.keyfile });
      expect([ftps.certfile, ftps.keyfile]).toEqual([client.certfile, client.keyfile]);
      ftps.context.load_verify_locations(cert.certfile);
      await ftps.connect("127.0.0.1", peer.port);
      expect(await ftps.login("someone", "pw")).toBe("230 hello stdnet-client");
      ftps.close();
      const warning = await warned;
      expect([warning.name, warning.message]).toEqual(["DeprecationWarning", "keyfile and certfile are deprecated, use a custom context instead"]);
    } finally {
      await peer.close();
      client.cleanup();
    }
  });

  it("are refused beside a context, and a keyfile without a certfile, with Python's ValueError texts", async () => {
    const script = String.raw`
import ftplib, json, ssl, warnings
warnings.simplefilter("ignore")
out = []
for kw in ({"keyfile": "k", "context": ssl.create_default_context()}, {"certfile": "c", "context": ssl.create_default_context()}, {"keyfile": "k"}):
    try:
        ftplib.FTP_TLS(**kw)
        out.append("made")
    except ValueError as e:
        out.append(str(e))
print(json.dumps(out))
`;
    const theirs = JSON.parse((await runPython(script)).toString()) as string[];
    const ctx = create_default_context();
    const mine = [{ keyfile: "k", context: ctx }, { certfile: "c", context: ctx }, { keyfile: "k" }].map((kw) => {
      try {
        new FTP_TLS("", "", "", "", kw);
        return "made";
      } catch (e) {
        expect(e).toBeInstanceOf(ValueError);
        return (e as Error).message;
      }
    });
    expect(mine).toEqual(theirs);
    expect(theirs).toEqual(["context and keyfile arguments are mutually exclusive", "context and certfile arguments are mutually exclusive", "certfile must be specified"]);
  });
});
