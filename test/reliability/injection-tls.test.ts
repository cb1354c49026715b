/**
 * Injection, TLS verification and secrets. CR, LF and NUL in every place a
 * user string reaches the wire (FTP commands and paths, SMTP addresses and
 * options, headers set through EmailMessage, the HTTP method, URL, header
 * names and values, urlopen URLs) are refused before sending: the client
 * talks to a raw TCP server that records every byte it receives, and nothing
 * of the injected text arrives. TLS is verified by default for ssl
 * (wrap_socket), FTP_TLS, SMTP STARTTLS, SMTP_SSL, HTTPSConnection and
 * urlopen: a self-signed and a wrong-host certificate are refused, and
 * accepted only when the user's context says so. Passwords and AUTH lines
 * never appear in debug output or error messages.
 */
import * as net from "node:net";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { FTP, FTP_TLS } from "stdnet/ftplib";
import { SMTP, SMTP_SSL } from "stdnet/smtplib";
import { EmailMessage } from "stdnet/email";
import { HTTPConnection, HTTPSConnection } from "stdnet/http/client";
import { Request, urlopen } from "stdnet/urllib/request";
import { create_connection } from "stdnet/socket";
import { CERT_NONE, create_default_context, type SSLContext } from "stdnet/ssl";
import { makeTestCert, type TestCert } from "../helpers/certs.js";
import { startFtpServer, type TestFtpServer } from "../helpers/ftpserver.js";
import { startSmtpServer, type SmtpTestServer } from "../helpers/smtpserver.js";
import { startHttpServer, type TestServer } from "../helpers/httpserver.js";
import { recordFigures } from "./_record.js";

const TIMEOUT = 2;
const MARK = "INJECTED";

/** A line-protocol peer that records every byte and answers each line with `reply(line)`. */
interface Recorder {
  port: number;
  received: () => string;
  close(): Promise<void>;
}

async function recorder(greeting: string, reply: (line: string, state: { data: boolean }) => string): Promise<Recorder> {
  let received = "";
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
    s.on("error", () => undefined);
    const state = { data: false };
    let pending = "";
    if (greeting !== "") s.write(greeting);
    s.on("data", (d: Buffer) => {
      received += d.toString("latin1");
      pending += d.toString("latin1");
      for (let nl = pending.indexOf("\n"); nl >= 0; nl = pending.indexOf("\n")) {
        const line = pending.slice(0, nl).replace(/\r$/, "");
        pending = pending.slice(nl + 1);
        const answer = reply(line, state);
        if (answer !== "") s.write(answer);
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    port: (server.address() as net.AddressInfo).port,
    received: () => received,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

const ftpPeer = (): Promise<Recorder> =>
  recorder("220 hi\r\n", (line) => {
    const cmd = line.split(" ")[0]!.toUpperCase();
    if (cmd === "USER") return "331 password\r\n";
    if (cmd === "PASS") return "230 in\r\n";
    if (cmd === "PWD") return '257 "/"\r\n';
    return "250 ok\r\n";
  });

const smtpPeer = (): Promise<Recorder> =>
  recorder("220 hi ESMTP\r\n", (line, state) => {
    if (state.data) {
      if (line === ".") {
        state.data = false;
        return "250 queued\r\n";
      }
      return "";
    }
    const cmd = line.slice(0, 4).toUpperCase();
    if (cmd === "EHLO") return "250-hi\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n";
    if (cmd === "DATA") {
      state.data = true;
      return "354 go\r\n";
    }
    if (cmd === "QUIT") return "221 bye\r\n";
    return "250 ok\r\n";
  });

const httpPeer = (): Promise<Recorder> => recorder("", (line) => (line === "" ? "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n" : ""));

/** The error's name (URLError shows its reason). */
function nameOf(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const reason = (e as { reason?: unknown }).reason;
  return e.name === "URLError" && reason instanceof Error ? `URLError(${reason.name})` : e.name;
}

const injectionRows: (string | number)[][] = [];
const tlsRows: (string | number)[][] = [];
const secretRows: (string | number)[][] = [];

const BAD = [
  ["CRLF", `\r\n${MARK} x`],
  ["LF", `\n${MARK} x`],
  ["CR", `\r${MARK} x`],
  ["NUL", `\0${MARK}`],
] as const;

/**
 * Asserts that nothing of the injected text reached the peer, and that the
 * call was refused (unless `parsed`: the argument is an address that Python
 * also reduces to its address part, dropping the rest, as `verify` does).
 */
async function expectRefused(peer: Recorder, protocol: string, place: string, what: string, attempt: () => Promise<unknown>, parsed = false): Promise<void> {
  let error: unknown = null;
  try {
    await attempt();
  } catch (e) {
    error = e;
  }
  await new Promise((r) => setTimeout(r, 20));
  const arrived = peer.received().includes(MARK);
  injectionRows.push([protocol, place, what, error === null ? (parsed ? "address part only sent (Python's _addr_only)" : "sent!") : nameOf(error), arrived ? "yes" : "no"]);
  expect([protocol, place, what, arrived]).toEqual([protocol, place, what, false]);
  if (!parsed) expect([protocol, place, what, error === null]).toEqual([protocol, place, what, false]);
}

describe("injection: CR, LF and NUL are refused before sending", () => {
  it("FTP: commands, paths, user names and passwords", async () => {
    const peer = await ftpPeer();
    try {
      for (const [what, bad] of BAD) {
        const places: [string, (f: FTP) => Promise<unknown>][] = [
          ["sendcmd", (f) => f.sendcmd(`NOOP${bad}`)],
          ["cwd path", (f) => f.cwd(`dir${bad}`)],
          ["delete path", (f) => f.delete(`file${bad}`)],
          ["mkd path", (f) => f.mkd(`dir${bad}`)],
          ["rename path", (f) => f.rename("a", `b${bad}`)],
          ["retrbinary command", (f) => f.retrbinary(`RETR f${bad}`, () => undefined)],
          ["storbinary command", (f) => f.storbinary(`STOR f${bad}`, Buffer.from("x"))],
          ["nlst argument", (f) => f.nlst(`dir${bad}`)],
        ];
        for (const [place, attempt] of places) {
          const f = new FTP("", "", "", "", { timeout: TIMEOUT });
          await f.connect("127.0.0.1", peer.port);
          await f.login("u", "p");
          await expectRefused(peer, "FTP", place, what, () => attempt(f));
          f.close();
        }
        for (const [place, user, pass] of [
          ["login user", `u${bad}`, "p"],
          ["login password", "u", `p${bad}`],
        ] as const) {
          const f = new FTP("", "", "", "", { timeout: TIMEOUT });
          await f.connect("127.0.0.1", peer.port);
          await expectRefused(peer, "FTP", place, what, () => f.login(user, pass));
          f.close();
        }
      }
    } finally {
      await peer.close();
    }
  });

  it("SMTP: sender, recipients, options, commands and headers set through EmailMessage", async () => {
    const peer = await smtpPeer();
    try {
      for (const [what, bad] of BAD) {
        const places: [string, (s: SMTP) => Promise<unknown>][] = [
          ["sendmail sender", (s) => s.sendmail(`a@example.org${bad}`, ["b@example.org"], "Subject: x\r\n\r\nhi\r\n")],
          ["sendmail recipient", (s) => s.sendmail("a@example.org", [`b@example.org${bad}`], "Subject: x\r\n\r\nhi\r\n")],
          ["mail option", (s) => s.sendmail("a@example.org", ["b@example.org"], "Subject: x\r\n\r\nhi\r\n", [`SIZE=1${bad}`])],
          ["rcpt option", (s) => s.sendmail("a@example.org", ["b@example.org"], "Subject: x\r\n\r\nhi\r\n", [], [`NOTIFY=NEVER${bad}`])],
          ["docmd", (s) => s.docmd(`NOOP${bad}`)],
          ["verify address", (s) => s.verify(`b@example.org${bad}`)],
          ["ehlo name", (s) => s.ehlo(`client${bad}`)],
          [
            "EmailMessage header value",
            async (s) => {
              const m = new EmailMessage();
              m.set("From", "a@example.org");
              m.set("To", "b@example.org");
              m.set("Subject", `hello${bad}`);
              m.set_content("hi");
              return s.send_message(m);
            },
          ],
          [
            "EmailMessage header name",
            async (s) => {
              const m = new EmailMessage();
              m.set("From", "a@example.org");
              m.set("To", "b@example.org");
              m.set(`X-A${bad}`, "v");
              m.set_content("hi");
              return s.send_message(m);
            },
          ],
          [
            "EmailMessage To address",
            async (s) => {
              const m = new EmailMessage();
              m.set("From", "a@example.org");
              m.set("To", `b@example.org${bad}`);
              m.set_content("hi");
              return s.send_message(m);
            },
          ],
        ];
        for (const [place, attempt] of places) {
          const s = new SMTP("127.0.0.1", peer.port, "client.test", { timeout: TIMEOUT });
          await s.ehlo();
          await expectRefused(peer, "SMTP", place, what, () => attempt(s), place === "verify address");
          s.close();
        }
      }
    } finally {
      await peer.close();
    }
  });

  it("HTTP: method, URL, header names and values, urlopen URL and Request headers", async () => {
    const peer = await httpPeer();
    try {
      for (const [what, bad] of BAD) {
        const places: [string, (c: HTTPConnection) => Promise<unknown>][] = [
          ["method", (c) => c.request(`GET${bad}`, "/")],
          ["URL", (c) => c.request("GET", `/a${bad}`)],
          ["header name", (c) => c.request("GET", "/", null, { [`X-A${bad}`]: "v" })],
          ["header value", (c) => c.request("GET", "/", null, { "X-A": `v${bad}` })],
          [
            "putheader value",
            async (c) => {
              c.putrequest("GET", "/");
              c.putheader("X-A", `v${bad}`);
              return c.endheaders();
            },
          ],
          ["urlopen URL", () => urlopen(`http://127.0.0.1:${peer.port}/a${bad}`, null, { timeout: TIMEOUT })],
          ["urlopen Request header", () => urlopen(new Request(`http://127.0.0.1:${peer.port}/`, null, { "X-A": `v${bad}` }), null, { timeout: TIMEOUT })],
        ];
        for (const [place, attempt] of places) {
          const c = new HTTPConnection("127.0.0.1", peer.port, { timeout: TIMEOUT });
          try {
            await expectRefused(peer, "HTTP", place, what, async () => {
              await attempt(c);
              // A refused request must not reach the wire through a later getresponse either.
              return c.getresponse();
            });
          } finally {
            c.close();
          }
        }
      }
    } finally {
      await peer.close();
    }
  });
});

describe("TLS: verified by default", () => {
  let selfSigned: TestCert;
  let wrongHost: TestCert;
  const servers: { close(): Promise<void> }[] = [];
  const ports = new Map<string, number>();

  beforeAll(async () => {
    selfSigned = makeTestCert("localhost");
    wrongHost = makeTestCert("other.example");
    for (const [kind, cert] of [
      ["self-signed", selfSigned],
      ["wrong host", wrongHost],
    ] as const) {
      const https: TestServer = await startHttpServer({ cert: cert.cert, key: cert.key });
      const ftp: TestFtpServer = await startFtpServer({ tls: { cert: cert.cert, key: cert.key } });
      const starttls: SmtpTestServer = await startSmtpServer({ cert });
      const smtps: SmtpTestServer = await startSmtpServer({ cert, secure: true });
      servers.push(https, ftp, starttls, smtps);
      ports.set(`${kind} https`, https.port).set(`${kind} ftp`, ftp.port).set(`${kind} starttls`, starttls.port).set(`${kind} smtps`, smtps.port);
    }
  });
  afterAll(async () => {
    for (const s of servers) await s.close();
    selfSigned.cleanup();
    wrongHost.cleanup();
  });

  const clients: [string, string, (port: number, context: SSLContext | undefined) => Promise<unknown>][] = [
    [
      "ssl wrap_socket",
      "https",
      async (port, context) => {
        const tcp = await create_connection(["127.0.0.1", port], TIMEOUT);
        try {
          const s = await (context ?? create_default_context()).wrap_socket(tcp, { server_hostname: "localhost" });
          s.close();
        } finally {
          tcp.close();
        }
      },
    ],
    [
      "FTP_TLS auth",
      "ftp",
      async (port, context) => {
        const f = new FTP_TLS("", "", "", "", { timeout: TIMEOUT, ...(context === undefined ? {} : { context }) });
        try {
          await f.connect("localhost", port);
          await f.auth();
        } finally {
          f.close();
        }
      },
    ],
    [
      "SMTP starttls",
      "starttls",
      async (port, context) => {
        const s = new SMTP("localhost", port, "client.test", { timeout: TIMEOUT });
        try {
          await s.ehlo();
          await s.starttls(context === undefined ? {} : { context });
        } finally {
          s.close();
        }
      },
    ],
    [
      "SMTP_SSL",
      "smtps",
      async (port, context) => {
        const s = new SMTP_SSL("localhost", port, "client.test", { timeout: TIMEOUT, ...(context === undefined ? {} : { context }) });
        try {
          await s.noop();
        } finally {
          s.close();
        }
      },
    ],
    [
      "HTTPSConnection",
      "https",
      async (port, context) => {
        const c = new HTTPSConnection("localhost", port, { timeout: TIMEOUT, ...(context === undefined ? {} : { context }) });
        try {
          await c.request("GET", "/hello");
          await (await c.getresponse()).read();
        } finally {
          c.close();
        }
      },
    ],
    [
      "urlopen https",
      "https",
      async (port, context) => {
        const r = await urlopen(`https://localhost:${port}/hello`, null, { timeout: TIMEOUT, ...(context === undefined ? {} : { context }) });
        await r.read();
        r.close();
      },
    ],
  ];

  for (const [client, server, run] of clients) {
    it(`${client}: self-signed and wrong-host certificates refused by default, accepted when the context says so`, async () => {
      for (const kind of ["self-signed", "wrong host"] as const) {
        const port = ports.get(`${kind} ${server}`)!;
        const outcome = await run(port, undefined).then(
          () => "accepted!",
          (e: unknown) => nameOf(e),
        );
        tlsRows.push([client, kind, "default context", outcome]);
        expect([client, kind, outcome]).toEqual([client, kind, expect.stringMatching(/SSLCertVerificationError/)]);
      }
      // The user trusts the self-signed certificate: accepted.
      const trusting = create_default_context();
      trusting.load_verify_locations(selfSigned.certfile);
      const trusted = await run(ports.get(`self-signed ${server}`)!, trusting).then(
        () => "ok",
        (e: unknown) => nameOf(e),
      );
      tlsRows.push([client, "self-signed", "context trusting it", trusted]);
      expect([client, trusted]).toEqual([client, "ok"]);
      // Trusted, but for another host name: still refused.
      const trustsOther = create_default_context();
      trustsOther.load_verify_locations(wrongHost.certfile);
      const mismatch = await run(ports.get(`wrong host ${server}`)!, trustsOther).then(
        () => "accepted!",
        (e: unknown) => nameOf(e),
      );
      tlsRows.push([client, "wrong host", "context trusting the cert", mismatch]);
      expect([client, mismatch]).toEqual([client, expect.stringMatching(/SSLCertVerificationError/)]);
      // The user turns verification off: accepted.
      const off = create_default_context();
      off.check_hostname = false;
      off.verify_mode = CERT_NONE;
      const unverified = await run(ports.get(`wrong host ${server}`)!, off).then(
        () => "ok",
        (e: unknown) => nameOf(e),
      );
      tlsRows.push([client, "wrong host", "check_hostname=False, CERT_NONE", unverified]);
      expect([client, unverified]).toEqual([client, "ok"]);
    });
  }
});

/** Runs `body` with every console and std stream write captured; returns all of it. */
async function captured(body: () => Promise<void>): Promise<string> {
  let out = "";
  const grab = (...args: unknown[]): void => {
    out += args.map((a) => (a instanceof Uint8Array ? Buffer.from(a).toString("latin1") : String(a))).join(" ") + "\n";
  };
  const spies = [
    vi.spyOn(console, "log").mockImplementation(grab),
    vi.spyOn(console, "error").mockImplementation(grab),
    vi.spyOn(console, "warn").mockImplementation(grab),
    vi.spyOn(console, "info").mockImplementation(grab),
    vi.spyOn(console, "debug").mockImplementation(grab),
    vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => {
      grab(chunk);
      return true;
    }),
    vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
      grab(chunk);
      return true;
    }),
  ];
  try {
    await body();
  } finally {
    for (const s of spies) s.mockRestore();
  }
  return out;
}

function causeText(e: unknown): string {
  const cause = e instanceof Error ? e.cause : undefined;
  return cause instanceof Error ? cause.message : "";
}

function forms(secret: string, user: string): string[] {
  return [secret, Buffer.from(secret).toString("base64"), Buffer.from(`\0${user}\0${secret}`).toString("base64"), Buffer.from(`${user}\0${user}\0${secret}`).toString("base64")];
}

describe("secrets stay out of debug output and error messages", () => {
  it("smtplib login at debug level 2: neither the password nor the AUTH line's base64 is shown", async () => {
    const pass = "S3cret-Pw!";
    const wrong = "Wr0ng-Pw!";
    const srv = await startSmtpServer({ auth: { user: "alice", pass } });
    try {
      for (const method of ["PLAIN", "LOGIN"]) {
        let message = "";
        const out = await captured(async () => {
          const s = new SMTP("127.0.0.1", srv.port, "client.test", { timeout: TIMEOUT });
          s.set_debuglevel(2);
          await s.ehlo();
          s.esmtp_features.auth = method;
          await s.login("alice", pass);
          s.close();
          const t = new SMTP("127.0.0.1", srv.port, "client.test", { timeout: TIMEOUT });
          t.set_debuglevel(2);
          await t.ehlo();
          t.esmtp_features.auth = method;
          await t.login("alice", wrong).catch((e: unknown) => {
            message = `${nameOf(e)}: ${(e as Error).message} ${causeText(e)}`;
          });
          t.close();
        });
        expect(out).toContain("ehlo");
        expect(message).toMatch(/^SMTPAuthenticationError/);
        for (const f of [...forms(pass, "alice"), ...forms(wrong, "alice")]) {
          expect(out).not.toContain(f);
          expect(message).not.toContain(f);
        }
        secretRows.push(["smtplib", `login (AUTH ${method}) at debuglevel 2, right and wrong password`, `${out.split("\n").length} lines of debug output, error ${message.split(":")[0]!}`, "absent"]);
      }
    } finally {
      await srv.close();
    }
  });

  it("ftplib login at debug level 2: the password is masked in output and absent from errors", async () => {
    const srv = await startFtpServer();
    try {
      let message = "";
      const out = await captured(async () => {
        const f = new FTP("", "", "", "", { timeout: TIMEOUT });
        f.set_debuglevel(2);
        await f.connect("127.0.0.1", srv.port);
        await f.login(srv.user, srv.password);
        await f.quit();
        const g = new FTP("", "", "", "", { timeout: TIMEOUT });
        g.set_debuglevel(2);
        await g.connect("127.0.0.1", srv.port);
        await g.login(srv.user, "Wr0ng-Pw!").catch((e: unknown) => {
          message = `${nameOf(e)}: ${(e as Error).message} ${causeText(e)}`;
        });
        g.close();
      });
      expect(out).toContain("PASS *");
      expect(message).toMatch(/^error_perm/);
      for (const f of [srv.password, "Wr0ng-Pw!"]) {
        expect(out).not.toContain(f);
        expect(message).not.toContain(f);
      }
      secretRows.push(["ftplib", "login at debuglevel 2, right and wrong password", `${out.split("\n").length} lines of debug output, error ${message.split(":")[0]!}`, "absent (PASS ***)"]);
    } finally {
      await srv.close();
    }
  });
});

afterAll(() => {
  recordFigures("injection-tls", [
    { title: "Injection: CR/LF/NUL in user strings, refused before sending (raw peer records every byte)", columns: ["protocol", "place", "character", "refusal", "reached the wire"], rows: injectionRows },
    { title: "TLS verification", columns: ["client", "certificate", "context", "outcome"], rows: tlsRows },
    { title: "Secrets in debug output and error messages", columns: ["module", "case", "captured", "password / AUTH line"], rows: secretRows },
  ]);
});
