/**
 * Odd and hostile server replies, read by python3's smtplib and by ours from
 * the same scripted server: the same [code, message] for each.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SMTP } from "stdnet/smtplib";
import { runPython } from "../../helpers/python.js";
import { rawServer, type RawServer } from "../../helpers/rawserver.js";
import { startSmtpServer, type SmtpTestServer } from "../../helpers/smtpserver.js";

const REPLIES = [
  "250 OK",
  "250-first\r\n250-second\r\n250 third",
  "250-a\r\n251 b",
  "abc not a code",
  "25",
  "250",
  "250 \t spaced \t ",
  "250-x\r\nxyz bad continuation",
  "550 caf\u00e9 in UTF-8",
  " 25 leading space",
  "+25 plus sign",
  "2_5 underscore",
  "599-" + "long ".repeat(300) + "\r\n599 end",
];

/** A server that greets, then answers the n-th command with REPLIES[n]. */
function scriptedServer(): Promise<RawServer> {
  return rawServer((sock) => {
    let n = 0;
    let pending = "";
    sock.write("220 scripted\r\n");
    sock.on("data", (d: Buffer) => {
      pending += d.toString("latin1");
      let i: number;
      while ((i = pending.indexOf("\r\n")) >= 0) {
        pending = pending.slice(i + 2);
        const reply = REPLIES[n++];
        if (reply === undefined) sock.end("221 bye\r\n");
        else sock.write(Buffer.from(reply + "\r\n", "utf8"));
      }
    });
  });
}

const PYTHON = String.raw`
import json, smtplib, sys
s = smtplib.SMTP('127.0.0.1', int(sys.argv[1]), local_hostname='x.local')
out = [list(s.docmd('NOOP')) for _ in range(int(sys.argv[2]))]
s.close()
print(json.dumps([[c, m.decode('utf-8')] for c, m in out]))
`;

describe("replies", () => {
  let scripted: { port: number; close(): Promise<void> };
  beforeAll(async () => {
    scripted = await scriptedServer();
  });
  afterAll(async () => {
    await scripted.close();
  });

  it("odd replies read as Python's getreply() reads them", async () => {
    const want = JSON.parse((await runPython(PYTHON, [String(scripted.port), String(REPLIES.length)])).toString()) as [number, string][];
    const s = await SMTP.open("127.0.0.1", scripted.port, "x.local");
    const got: [number, string][] = [];
    for (let i = 0; i < REPLIES.length; i++) {
      const [code, msg] = await s.docmd("NOOP");
      got.push([code, msg.toString("utf8")]);
    }
    s.close();
    expect(got).toEqual(want);
  });
});

describe("sendmail() round trip", () => {
  let srv: SmtpTestServer;
  beforeAll(async () => {
    srv = await startSmtpServer();
  });
  afterAll(async () => {
    await srv.close();
  });

  // Lines of arbitrary bytes (no CR or LF inside), many starting with dots, joined with CRLF.
  const line = fc.array(fc.oneof(fc.constant(0x2e), fc.integer({ min: 0, max: 255 }).filter((b) => b !== 0x0d && b !== 0x0a)), { maxLength: 40 });
  const messageArb = fc.array(line, { minLength: 1, maxLength: 30 }).map((lines) => {
    const parts: number[] = [];
    for (const l of lines) parts.push(...l, 0x0d, 0x0a);
    return Uint8Array.from(parts);
  });

  it("the server receives exactly the bytes given (CRLF lines), dots and all", async () => {
    await using s = await SMTP.open(srv.host, srv.port);
    await fc.assert(
      fc.asyncProperty(messageArb, async (message) => {
        await s.sendmail("a@example.org", ["b@example.org"], message);
        expect(srv.received.at(-1)?.raw.equals(Buffer.from(message))).toBe(true);
      }),
      { numRuns: 60 },
    );
  });
});
