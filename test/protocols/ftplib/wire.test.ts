/**
 * What goes on the wire, compared with python3's ftplib against the same
 * scripted peer, which logs every command line it receives: `close()` says
 * nothing and `quit()` one QUIT; a command with no argument goes as given;
 * each command is encoded with the session's encoding of the moment.
 */
import { createServer, type AddressInfo, type Server, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { B_CRLF, CRLF, FTP, print_line } from "stdnet/ftplib";
import { runPython } from "../../helpers/python.js";
import { rawServer, type RawServer } from "../../helpers/rawserver.js";

/** One control connection as the peer saw it: each command line's bytes (latin-1, without CRLF), what was uploaded, when it closed. */
interface Seen {
  lines: string[];
  uploads: Buffer[];
  closed: Promise<void>;
}

let peer: RawServer;
const seen: Seen[] = [];
const dataServers = new Set<Server>();

/** Accepts one data connection on a fresh port: PASV's answer. */
async function passive(): Promise<{ port: number; upload: Promise<Buffer> }> {
  const server = createServer();
  dataServers.add(server);
  const upload = new Promise<Buffer>((resolve) => {
    server.once("connection", (sock: Socket) => {
      const parts: Buffer[] = [];
      sock.on("data", (d: Buffer) => parts.push(d));
      sock.on("error", () => undefined);
      sock.on("close", () => {
        server.close();
        dataServers.delete(server);
        resolve(Buffer.concat(parts));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { port: (server.address() as AddressInfo).port, upload };
}

beforeAll(async () => {
  peer = await rawServer((sock) => {
    let closedNow: () => void = () => undefined;
    const conn: Seen = { lines: [], uploads: [], closed: new Promise((r) => (closedNow = r)) };
    seen.push(conn);
    sock.on("close", () => closedNow());
    sock.write("220 hi\r\n");
    let rest = Buffer.alloc(0);
    let data: Promise<{ port: number; upload: Promise<Buffer> }> | undefined;
    let chain = Promise.resolve();
    const answer = async (line: string): Promise<void> => {
      if (line === "QUIT") sock.end("221 bye\r\n");
      else if (line === "PASV") {
        data = passive();
        const { port } = await data;
        sock.write(`227 Entering Passive Mode (127,0,0,1,${port >> 8},${port & 255})\r\n`);
      } else if (/^(STOR|STOU|APPE)\b(?! pending)/.test(line) && data !== undefined) {
        sock.write("150 go ahead\r\n");
        conn.uploads.push(await (await data).upload);
        data = undefined;
        sock.write("226 done\r\n");
      } else if (/^(RETR|STOR) pending/.test(line)) sock.write("350 pending\r\n");
      else if (line.startsWith("SITE")) sock.write(Buffer.from("200 caf\u00e9\r\n", "utf8"));
      else sock.write("200 ok\r\n");
    };
    sock.on("data", (d: Buffer) => {
      rest = Buffer.concat([rest, d]);
      let nl: number;
      while ((nl = rest.indexOf("\r\n")) >= 0) {
        const line = rest.subarray(0, nl).toString("latin1");
        rest = rest.subarray(nl + 2);
        conn.lines.push(line);
        chain = chain.then(() => answer(line));
      }
    });
  });
});

afterAll(async () => {
  for (const s of dataServers) s.close();
  await peer.close();
});

/** Waits (at most 5 s) until the peer has seen connection `i` close, and returns it. */
async function closedConnection(i: number): Promise<Seen> {
  const deadline = Date.now() + 5000;
  while (seen[i] === undefined && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  const conn = seen[i]!;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([conn.closed, new Promise((r) => (timer = setTimeout(r, 5000)))]);
  clearTimeout(timer);
  return conn;
}

/** Runs a Python ftplib session against the peer; resolves to what it printed. */
async function python(body: string): Promise<string> {
  const script = `import ftplib, io, sys\nftp = ftplib.FTP(timeout=5)\nftp.connect("127.0.0.1", int(sys.argv[1]))\n${body}\n`;
  return (await runPython(script, [String(peer.port)])).toString();
}

async function session(): Promise<FTP> {
  const ftp = new FTP("", "", "", "", { timeout: 5 });
  await ftp.connect("127.0.0.1", peer.port);
  return ftp;
}

describe("on the wire", () => {
  it("close() sends nothing and quit() exactly one QUIT, as Python's", async () => {
    const first = seen.length;
    await python('ftp.sendcmd("NOOP")\nftp.quit()');
    await python('ftp.sendcmd("NOOP")\nftp.close()');
    const a = await session();
    await a.sendcmd("NOOP");
    expect(await a.quit()).toBe("221 bye");
    const b = await session();
    await b.sendcmd("NOOP");
    b.close();
    const [pyQuit, pyClose, ourQuit, ourClose] = await Promise.all([0, 1, 2, 3].map((k) => closedConnection(first + k)));
    expect(pyQuit!.lines).toEqual(["NOOP", "QUIT"]);
    expect(pyClose!.lines).toEqual(["NOOP"]);
    expect(ourQuit!.lines).toEqual(pyQuit!.lines);
    expect(ourClose!.lines).toEqual(pyClose!.lines);
  });

  it("await using sends one QUIT", async () => {
    const first = seen.length;
    {
      await using ftp = await session();
      await ftp.sendcmd("NOOP");
    }
    expect((await closedConnection(first)).lines).toEqual(["NOOP", "QUIT"]);
  });

  it("storbinary('STOU') sends the command as given, without a trailing space", async () => {
    const first = seen.length;
    const theirs = await python('print(ftp.storbinary("STOU", io.BytesIO(b"abc")))\nftp.close()');
    const ftp = await session();
    expect(await ftp.storbinary("STOU", Buffer.from("abc"))).toBe(theirs.trim());
    ftp.close();
    const [py, ours] = await Promise.all([closedConnection(first), closedConnection(first + 1)]);
    expect(py.lines).toEqual(["TYPE I", "PASV", "STOU"]);
    expect(ours.lines).toEqual(py.lines);
    expect(ours.uploads).toEqual(py.uploads);
    expect(ours.uploads).toEqual([Buffer.from("abc")]);
  });

  it("sendport() and sendeprt() send PORT and EPRT as Python's, EPRT's family the control connection's", async () => {
    const first = seen.length;
    const theirs = await python('print(ftp.sendport("10.1.2.3", 40001))\nprint(ftp.sendeprt("::1", 513))\nftp.close()');
    const ftp = await session();
    expect([await ftp.sendport("10.1.2.3", 40001), await ftp.sendeprt("::1", 513), ""].join("\n")).toBe(theirs);
    ftp.close();
    const [py, ours] = await Promise.all([closedConnection(first), closedConnection(first + 1)]);
    expect(py.lines).toEqual(["PORT 10,1,2,3,156,65", "EPRT |1|::1|513|"]);
    expect(ours.lines).toEqual(py.lines);
  });

  it("storlines() with a line over maxline sends the lines before it, then raises Error, as Python's", async () => {
    const first = seen.length;
    const source = "ab\ncd\r\n" + "c".repeat(200) + "\nnever sent\n";
    const theirs = JSON.parse(
      await python(String.raw`
import json
ftp.maxline = 100
sent = []
try:
    ftp.storlines("STOR sl.txt", io.BytesIO(${JSON.stringify(source)}.encode()), lambda b: sent.append(b.decode("latin-1")))
    err = None
except ftplib.Error as e:
    err = [type(e).__name__, str(e)]
ftp.close()
print(json.dumps({"sent": sent, "err": err}))
`),
    ) as { sent: string[]; err: string[] };
    const ftp = await session();
    ftp.maxline = 100;
    const sent: string[] = [];
    const err = await ftp.storlines("STOR sl.txt", Buffer.from(source), (b) => sent.push(b.toString("latin1"))).catch((e: unknown) => e);
    // the session is in step: the server's reply to the upload was read
    expect(await ftp.sendcmd("NOOP")).toBe("200 ok");
    ftp.close();
    const [py, ours] = await Promise.all([closedConnection(first), closedConnection(first + 1)]);
    expect(theirs).toEqual({ sent: ["ab\r\n", "cd\r\n"], err: ["Error", "got more than 100 bytes"] });
    expect({ sent, err: [(err as Error).name, (err as Error).message] }).toEqual(theirs);
    expect(py.uploads).toEqual([Buffer.from("ab\r\ncd\r\n")]);
    expect(ours.uploads).toEqual(py.uploads);
  });

  it("a 3xx reply to a transfer command is error_reply and nothing more is sent, as Python's", async () => {
    const first = seen.length;
    const theirs = await python(String.raw`
for call in (lambda: ftp.retrbinary("RETR pending", print), lambda: ftp.storbinary("STOR pending", io.BytesIO(b"x"))):
    try:
        call()
    except ftplib.error_reply as e:
        print(e)
print(ftp.sendcmd("NOOP"))
ftp.close()
`);
    const ftp = await session();
    const mine: string[] = [];
    for (const call of [() => ftp.retrbinary("RETR pending", () => undefined), () => ftp.storbinary("STOR pending", Buffer.from("x"))]) {
      const err = await call().catch((e: unknown) => e);
      mine.push(`${(err as Error).name}: ${(err as Error).message}`);
    }
    mine.push(await ftp.sendcmd("NOOP"));
    ftp.close();
    const [py, ours] = await Promise.all([closedConnection(first), closedConnection(first + 1)]);
    expect(theirs.trim().split("\n")).toEqual(["350 pending", "350 pending", "200 ok"]);
    expect(mine).toEqual(["error_reply: 350 pending", "error_reply: 350 pending", "200 ok"]);
    expect(py.lines).toEqual(["TYPE I", "PASV", "RETR pending", "TYPE I", "PASV", "STOR pending", "NOOP"]);
    expect(ours.lines).toEqual(py.lines);
  });

  it("a command goes out in the encoding set after connecting; replies keep the one of connect time", async () => {
    const first = seen.length;
    const theirs = await python('ftp.encoding = "latin-1"\nprint(ascii(ftp.sendcmd("SITE \\u00e9")))\nftp.close()');
    const ftp = await session();
    ftp.encoding = "latin-1";
    const reply = await ftp.sendcmd("SITE \u00e9");
    ftp.close();
    const [py, ours] = await Promise.all([closedConnection(first), closedConnection(first + 1)]);
    // Python read the UTF-8 reply with the control file made at connect time (UTF-8)
    expect(theirs.trim()).toBe("'200 caf\\xe9'");
    expect(reply).toBe("200 caf\u00e9");
    expect(py.lines).toEqual(["SITE \u00e9"]);
    expect(ours.lines).toEqual(py.lines);
  });

  it("sanitize(), print_line, CRLF and B_CRLF are Python's", async () => {
    const samples = ["PASS secret", "pass x\r\n", "PASS ", "USER me", "PASS\tnot", "naïve 'q' \"d\"", "PASS é\n"];
    const theirs = JSON.parse(
      (
        await runPython(
          String.raw`
import ftplib, json, sys
ftp = ftplib.FTP()
print(json.dumps([[ftp.sanitize(s) for s in json.loads(sys.argv[1])], ftplib.CRLF, list(ftplib.B_CRLF)]))
`,
          [JSON.stringify(samples)],
        )
      ).toString(),
    ) as [string[], string, number[]];
    const ftp = new FTP();
    expect([samples.map((x) => ftp.sanitize(x)), CRLF, [...B_CRLF]]).toEqual(theirs);
    const printed: unknown[][] = [];
    const spy = vi.spyOn(console, "log").mockImplementation((...args: unknown[]) => void printed.push(args));
    try {
      print_line("a line");
    } finally {
      spy.mockRestore();
    }
    expect(printed).toEqual([["a line"]]);
  });
});

