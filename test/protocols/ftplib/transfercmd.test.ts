/**
 * Python's low-level transfer calls: `makepasv`, `ntransfercmd`/`transfercmd`
 * (the data connection handed to the caller as a `stdnet/socket` socket),
 * `putcmd`, `getresp` and `voidresp`. Against ftp-srv (clear and FTPS, passive
 * and active), with python3's ftplib doing the same steps beside us, and a
 * scripted peer for the 150 reply's size.
 */
import { createHash, randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { FTP, FTP_TLS, error_perm, error_reply } from "stdnet/ftplib";
import { SSLSocket, create_default_context } from "stdnet/ssl";
import { EOFError, OSError, TimeoutError, ValueError, type socket } from "stdnet/socket";
import { makeTestCert, type TestCert } from "../../helpers/certs.js";
import { startFtpServer, type TestFtpServer } from "../../helpers/ftpserver.js";
import { runPython, startPython } from "../../helpers/python.js";
import { eachLine, rawServer } from "../../helpers/rawserver.js";

let srv: TestFtpServer;
let tlsSrv: TestFtpServer;
let cert: TestCert;
const DATA = randomBytes(700_001);

beforeAll(async () => {
  cert = makeTestCert();
  srv = await startFtpServer();
  tlsSrv = await startFtpServer({ tls: { cert: cert.cert, key: cert.key } });
  writeFileSync(join(srv.root, "data.bin"), DATA);
  writeFileSync(join(tlsSrv.root, "data.bin"), DATA);
});

afterAll(async () => {
  await srv.close();
  await tlsSrv.close();
  cert.cleanup();
});

async function readAll(conn: socket): Promise<Buffer> {
  const parts: Buffer[] = [];
  for (let b = await conn.recv(65536); b.length > 0; b = await conn.recv(65536)) parts.push(b);
  return Buffer.concat(parts);
}

async function session(passive = true): Promise<FTP> {
  const ftp = await FTP.open(srv.host, srv.user, srv.password, "", { timeout: 10, port: srv.port });
  ftp.set_pasv(passive);
  return ftp;
}

describe("ntransfercmd and transfercmd", () => {
  it("take the same steps as Python's: the size of the 150 reply, the data, voidresp's reply", async () => {
    const script = String.raw`
import ftplib, hashlib, json, sys
ftp = ftplib.FTP(timeout=10)
ftp.connect("127.0.0.1", int(sys.argv[1]))
ftp.login(sys.argv[2], sys.argv[3])
host, port = ftp.makepasv()
conn, size = ftp.ntransfercmd("RETR data.bin", 1000)
h = hashlib.sha256()
while True:
    b = conn.recv(65536)
    if not b:
        break
    h.update(b)
conn.close()
print(json.dumps([host, isinstance(port, int), size, h.hexdigest(), ftp.voidresp()]))
ftp.quit()
`;
    const [pyHost, pyPortIsInt, pySize, pyDigest, pyEnd] = JSON.parse(
      (await runPython(script, [String(srv.port), srv.user, srv.password])).toString(),
    ) as [string, boolean, number | null, string, string];
    await using ftp = await session();
    const [host, port] = await ftp.makepasv();
    expect([host, Number.isInteger(port)]).toEqual([pyHost, pyPortIsInt]);
    const [conn, size] = await ftp.ntransfercmd("RETR data.bin", 1000);
    const got = await readAll(conn);
    conn.close();
    expect(size).toBe(pySize);
    expect(got.equals(DATA.subarray(1000))).toBe(true);
    expect(createHash("sha256").update(got).digest("hex")).toBe(pyDigest);
    expect(await ftp.voidresp()).toBe(pyEnd);
    expect(await ftp.pwd()).toBe("/");
  });

  it("give a socket to write a STOR to, passive and active", async () => {
    for (const passive of [true, false]) {
      await using ftp = await session(passive);
      const name = `up-${String(passive)}.bin`;
      const conn = await ftp.transfercmd(`STOR ${name}`);
      await conn.sendall(DATA);
      conn.close();
      expect(await ftp.voidresp()).toMatch(/^226/);
      expect(readFileSync(join(srv.root, name)).equals(DATA)).toBe(true);
      const back = await ftp.transfercmd(`RETR ${name}`);
      expect((await readAll(back)).equals(DATA)).toBe(true);
      back.close();
      expect(await ftp.voidresp()).toMatch(/^226/);
    }
  });

  it("reject a refused transfer with error_perm, close the data connection, and leave the session usable", async () => {
    for (const passive of [true, false]) {
      await using ftp = await session(passive);
      const err = await ftp.ntransfercmd("RETR missing.bin").catch((e: unknown) => e);
      expect(err).toBeInstanceOf(error_perm);
      expect((err as Error).message).toMatch(/^55\d .*missing\.bin/);
      expect(await ftp.pwd()).toBe("/");
    }
  });

  it("after a dropped control connection voidresp is EOFError; after a dropped data connection getresp times out", async () => {
    {
      await using ftp = await session();
      const conn = await ftp.transfercmd("RETR data.bin");
      srv.dropControl();
      await readAll(conn).catch(() => undefined);
      conn.close();
      await expect(ftp.voidresp()).rejects.toBeInstanceOf(EOFError);
    }
    {
      await using ftp = await FTP.open(srv.host, srv.user, srv.password, "", { timeout: 1, port: srv.port });
      const conn = await ftp.transfercmd("RETR data.bin");
      srv.dropData();
      const got = await readAll(conn).catch((e: unknown) => e);
      conn.close();
      if (got instanceof Buffer) expect(got.length).toBeLessThan(DATA.length);
      else expect(got).toBeInstanceOf(OSError);
      // ftp-srv sends no reply for a transfer whose data connection it lost: the wait ends with the timeout
      const started = Date.now();
      await expect(ftp.getresp()).rejects.toBeInstanceOf(TimeoutError);
      expect(Date.now() - started).toBeLessThan(3000);
    }
  });

  it("refuse a command with CR or LF before sending anything", async () => {
    await using ftp = await session();
    await expect(ftp.ntransfercmd("RETR a\r\nDELE data.bin")).rejects.toBeInstanceOf(ValueError);
    await expect(ftp.transfercmd("RETR data.bin", "1\nDELE data.bin")).rejects.toBeInstanceOf(ValueError);
    await expect(ftp.putcmd("NOOP\r\nDELE data.bin")).rejects.toBeInstanceOf(ValueError);
    expect(readFileSync(join(srv.root, "data.bin")).equals(DATA)).toBe(true);
    expect(await ftp.voidcmd("NOOP")).toMatch(/^200/);
  });

  it("read the size a 150 reply announces and print what Python's debug output prints, putcmd and getresp too", async () => {
    const dataPeer = await rawServer((d) => d.end("hello"));
    const control = await rawServer((sock) => {
      sock.write("220 hi\r\n");
      eachLine(sock, (line) => {
        if (line === "PASV") sock.write(`227 Entering Passive Mode (127,0,0,1,${dataPeer.port >> 8},${dataPeer.port & 255})\r\n`);
        else if (line === "RETR a") sock.write("150 Opening BINARY mode data connection for a (5 bytes)\r\n226 done\r\n");
        else sock.write("200 ok\r\n");
      });
    });
    try {
      const script = String.raw`
import ftplib, json, sys
ftp = ftplib.FTP(timeout=10)
ftp.connect("127.0.0.1", int(sys.argv[1]))
ftp.set_debuglevel(2)
conn, size = ftp.ntransfercmd("RETR a")
data = conn.recv(100)
conn.close()
end = ftp.voidresp()
ftp.putcmd("NOOP")
noop = ftp.getresp()
print(json.dumps([size, data.decode(), end, noop]))
`;
      const out = (await runPython(script, [String(control.port)])).toString().trimEnd().split("\n");
      const expected = JSON.parse(out.pop()!) as unknown[];
      await using ftp = await FTP.open("127.0.0.1", "", "", "", { port: control.port, timeout: 5 });
      ftp.set_debuglevel(2);
      const lines: string[] = [];
      const spy = vi.spyOn(console, "log").mockImplementation((...args: unknown[]) => {
        lines.push(args.map(String).join(" "));
      });
      let got: unknown[];
      try {
        const [conn, size] = await ftp.ntransfercmd("RETR a");
        const data = (await readAll(conn)).toString();
        conn.close();
        const end = await ftp.voidresp();
        await ftp.putcmd("NOOP");
        got = [size, data, end, await ftp.getresp()];
      } finally {
        spy.mockRestore();
      }
      expect(got).toEqual(expected);
      expect(expected[0]).toBe(5);
      expect(lines).toEqual(out);
    } finally {
      await control.close();
      await dataPeer.close();
    }
  });
});

describe("makeport and abort", () => {
  it("makeport announces a listener the server connects to for the next transfer command", async () => {
    await using ftp = await session();
    await using listener = await ftp.makeport();
    expect(await ftp.sendcmd("RETR data.bin")).toMatch(/^150/);
    const [conn] = await listener.accept();
    expect((await readAll(conn)).equals(DATA)).toBe(true);
    conn.close();
    expect(await ftp.voidresp()).toMatch(/^226/);
  });

  it("abort, putline and getmultiline return and print what Python's do (ABOR takes 426, 225 or 226, else error_proto)", async () => {
    const answers = ["426 Transfer aborted", "500 What?", "225 No transfer to abort", "550 No"];
    const others: Record<string, string> = { "CWD x": "550 no", ODD: "odd reply" };
    // Python sends ABOR's last byte as urgent data, which the peer's stream skips: "ABOR\r" ends a line too
    const control = await rawServer((sock) => {
      let n = 0;
      let rest = "";
      sock.write("220 hi\r\n");
      sock.on("data", (d: Buffer) => {
        rest += d.toString("latin1");
        for (let m = /\r\n?/.exec(rest); m !== null; m = /\r\n?/.exec(rest)) {
          const line = rest.slice(0, m.index).replace(/^\n/, "");
          rest = rest.slice(m.index + m[0].length);
          sock.write(`${line === "ABOR" ? answers[n++ % answers.length] : (others[line] ?? "200 ok")}\r\n`);
        }
      });
    });
    try {
      const script = String.raw`
import ftplib, json, sys
ftp = ftplib.FTP(timeout=10)
ftp.connect("127.0.0.1", int(sys.argv[1]))
ftp.set_debuglevel(2)
out = []
for _ in range(4):
    try:
        out.append(ftp.abort())
    except ftplib.Error as e:
        out.append([type(e).__name__, str(e)])
for line in ["CWD x", "ODD", "NOOP"]:
    ftp.putline(line)
    out.append(ftp.getmultiline())
print(json.dumps(out))
`;
      const printed = (await runPython(script, [String(control.port)])).toString().trimEnd().split("\n");
      const expected = JSON.parse(printed.pop()!) as unknown[];
      await using ftp = await FTP.open("127.0.0.1", "", "", "", { port: control.port, timeout: 5 });
      ftp.set_debuglevel(2);
      const lines: string[] = [];
      const spy = vi.spyOn(console, "log").mockImplementation((...args: unknown[]) => {
        lines.push(args.map(String).join(" "));
      });
      const got: unknown[] = [];
      try {
        for (let i = 0; i < 4; i++) {
          got.push(await ftp.abort().catch((e: unknown) => [(e as Error).constructor.name, (e as Error).message]));
        }
        for (const line of ["CWD x", "ODD", "NOOP"]) {
          await ftp.putline(line);
          got.push(await ftp.getmultiline());
        }
      } finally {
        spy.mockRestore();
      }
      expect(got).toEqual(expected);
      // stdnet shows each reply's *resp* line as it arrives, also those getmultiline reads (Python's does not print them)
      expect(lines.filter((l) => !l.startsWith("*resp*"))).toEqual(printed);
      expect(await ftp.voidcmd("NOOP")).toBe("200 ok");
    } finally {
      await control.close();
    }
  });
});

describe("putcmd, getresp and voidresp", () => {
  it("send a command alone and read its reply later, classified as Python's getresp and voidresp do", async () => {
    await using ftp = await session();
    await ftp.putcmd("NOOP");
    expect(await ftp.getresp()).toMatch(/^200/);
    await ftp.putcmd("CWD nowhere");
    const err = await ftp.getresp().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(error_perm);
    expect((err as Error).message).toMatch(/^550/);
    await ftp.putcmd("REST 10");
    const notDone = await ftp.voidresp().catch((e: unknown) => e);
    expect(notDone).toBeInstanceOf(error_reply);
    expect((notDone as Error).message).toMatch(/^350/);
    await ftp.putcmd("NOOP");
    expect(await ftp.voidresp()).toMatch(/^200/);
  });
});

describe("FTP_TLS transfercmd", () => {
  it("hands out a TLS data connection under prot_p, passive and active", async () => {
    const ctx = create_default_context();
    ctx.load_verify_locations(cert.certfile);
    for (const passive of [true, false]) {
      await using ftps = await FTP_TLS.open(tlsSrv.host, tlsSrv.user, tlsSrv.password, "", { timeout: 10, port: tlsSrv.port, context: ctx });
      ftps.set_pasv(passive);
      await ftps.prot_p();
      const conn = await ftps.transfercmd("RETR data.bin");
      expect(conn).toBeInstanceOf(SSLSocket);
      expect((await readAll(conn)).equals(DATA)).toBe(true);
      conn.close();
      expect(await ftps.voidresp()).toMatch(/^226/);
    }
  });
});

describe("FTP_TLS data connections", () => {
  // A scripted FTPS peer in python3's ssl (ftp-srv gives each data listener its own
  // TLS keys, so no session can resume there): it answers each RETR with whether
  // the data connection resumed a session.
  const PEER = String.raw`
import socket, ssl, sys
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(sys.argv[1], sys.argv[2])
srv = socket.create_server(("127.0.0.1", 0))
data = socket.create_server(("127.0.0.1", 0))
dport = data.getsockname()[1]
print(srv.getsockname()[1])
while True:
    c, _ = srv.accept()
    c.sendall(b"220 hi\r\n")
    f = c.makefile("rb")
    while True:
        line = f.readline().decode().strip()
        if not line:
            break
        verb = line.split(" ")[0].upper()
        if verb == "AUTH":
            c.sendall(b"234 go\r\n")
            c = ctx.wrap_socket(c, server_side=True)
            f = c.makefile("rb")
        elif verb == "PASV":
            c.sendall(b"227 Entering Passive Mode (127,0,0,1,%d,%d)\r\n" % (dport >> 8, dport & 255))
        elif verb == "RETR":
            c.sendall(b"150 here\r\n")
            d, _ = data.accept()
            d = ctx.wrap_socket(d, server_side=True)
            d.sendall(b"resumed" if d.session_reused else b"new")
            d.close()
            c.sendall(b"226 done\r\n")
        elif verb == "QUIT":
            c.sendall(b"221 bye\r\n")
            break
        else:
            c.sendall(b"331 more\r\n" if verb == "USER" else b"230 in\r\n" if verb == "PASS" else b"200 ok\r\n")
    c.close()
`;

  it("resume the control connection's TLS session (servers such as vsftpd require it), in transfercmd and in retrbinary", async () => {
    const peer = await startPython(PEER, [cert.certfile, cert.keyfile]);
    try {
      const port = peer.firstLine;
      const ctx = create_default_context();
      ctx.load_verify_locations(cert.certfile);
      await using ftps = await FTP_TLS.open("127.0.0.1", "u", "p", "", { timeout: 10, port: Number(port), context: ctx });
      await ftps.prot_p();
      const conn = await ftps.transfercmd("RETR x");
      const got = (await readAll(conn)).toString();
      conn.close();
      expect(await ftps.voidresp()).toBe("226 done");
      expect(got).toBe("resumed");
      const parts: Buffer[] = [];
      expect(await ftps.retrbinary("RETR x", (block) => parts.push(block))).toBe("226 done");
      expect(Buffer.concat(parts).toString()).toBe("resumed");
      await ftps.quit();
    } finally {
      await peer.stop();
    }
  });
});

