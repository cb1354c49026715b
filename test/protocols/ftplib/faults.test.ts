import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import type { Socket } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FTP, all_errors, error_perm } from "stdnet/ftplib";
import { TimeoutError, UnicodeDecodeError, ValueError } from "stdnet/socket";
import { startFtpServer, type TestFtpServer } from "../../helpers/ftpserver.js";
import { runPython } from "../../helpers/python.js";
import { eachLine, rawServer, type RawServer } from "../../helpers/rawserver.js";

const TIMEOUT = 1;
const BIG = randomBytes(8 * 1024 * 1024);
let srv: TestFtpServer;

beforeAll(async () => {
  srv = await startFtpServer();
  writeFileSync(join(srv.root, "big.bin"), BIG);
});

afterAll(async () => {
  await srv.close();
});

function isFtpFailure(e: unknown): boolean {
  return all_errors.some((cls) => e instanceof cls);
}

async function session(): Promise<FTP> {
  return FTP.open(srv.host, srv.user, srv.password, "", { timeout: TIMEOUT, port: srv.port });
}

/** A TCP peer that greets (or not) and then never answers: a server that hangs. */
function silentServer(greet: boolean): Promise<RawServer> {
  return rawServer((s) => {
    if (greet) s.write("220 hello\r\n");
  });
}

/** A TCP peer that sends each reply in pieces, cut inside the code and inside the text. */
function fragmentingServer(): Promise<RawServer> {
  const sendInPieces = async (s: Socket, text: string): Promise<void> => {
    for (const piece of [text.slice(0, 2), text.slice(2, 7), text.slice(7)]) {
      s.write(piece);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  return rawServer((s) => {
    void sendInPieces(s, "220-first line\r\n220 welcome\r\n");
    s.on("data", (d: Buffer) => {
      const cmd = d.toString("latin1").trim();
      if (cmd === "PWD") void sendInPieces(s, '257 "/frag" is the current directory\r\n');
      else if (cmd === "LONG") s.write("500 " + "x".repeat(9000));
      else void sendInPieces(s, "200 ok\r\n");
    });
  });
}

/**
 * A TCP peer whose replies hold bytes outside ASCII: its welcome has UTF-8's
 * 'é' cut across two segments, its PWD reply a latin-1 name (not UTF-8).
 */
function bytesServer(): Promise<RawServer> {
  return rawServer((s) => {
    s.write(Buffer.from("220 caf\xc3", "latin1"));
    setTimeout(() => s.write(Buffer.from("\xa9 ok\r\n", "latin1")), 50);
    s.on("data", (d: Buffer) => {
      const cmd = d.toString("latin1").trim();
      if (cmd === "PWD") s.write(Buffer.from('257 "/\xe9t\xe9"\r\n', "latin1"));
      else if (cmd === "QUIT") s.end("221 bye\r\n");
      else s.write("200 ok\r\n");
    });
  });
}

describe("server faults", () => {
  it("replies are decoded in the session's encoding as Python's ftplib decodes them: a character cut across segments whole, bytes it cannot read UnicodeDecodeError", async () => {
    const peer = await bytesServer();
    try {
      const encodings = ["utf-8", "latin-1", "ascii"];
      // what CPython's ftplib makes of the same server: the welcome and the directory, or the error's text
      const theirs = JSON.parse(
        (
          await runPython(
            String.raw`
import ftplib, json, sys
out = []
for enc in sys.argv[2:]:
    got = []
    ftp = ftplib.FTP(encoding=enc)
    try:
        got.append(ftp.connect("127.0.0.1", int(sys.argv[1]), timeout=5))
        got.append(ftp.pwd())
    except UnicodeDecodeError as e:
        got.append("UnicodeDecodeError: " + str(e))
    ftp.close()
    out.append(got)
print(json.dumps(out))
`,
            [String(peer.port), ...encodings],
          )
        ).toString(),
      ) as string[][];
      for (const [i, encoding] of encodings.entries()) {
        const ftp = new FTP("", "", "", "", { encoding });
        const got: string[] = [];
        try {
          got.push(await ftp.connect("127.0.0.1", peer.port, 5));
          got.push(await ftp.pwd());
        } catch (e) {
          if (!(e instanceof UnicodeDecodeError)) throw e;
          expect(e).toBeInstanceOf(ValueError);
          got.push(`UnicodeDecodeError: ${e.message}`);
        }
        ftp.close();
        expect(got, encoding).toEqual(theirs[i]);
      }
      // each of the three outcomes is met
      expect(theirs.map((t) => t.length)).toEqual([2, 2, 1]);
    } finally {
      await peer.close();
    }
  });


  it("replies that arrive in pieces, cut inside the code or the text, are read whole", async () => {
    const peer = await fragmentingServer();
    try {
      const ftp = new FTP();
      expect(await ftp.connect("127.0.0.1", peer.port, 2)).toBe("220-first line\n220 welcome");
      expect(await ftp.pwd()).toBe("/frag");
      expect(await ftp.sendcmd("NOOP")).toBe("200 ok");
      const err = await ftp.sendcmd("LONG").catch((e: unknown) => e);
      expect((err as Error).message).toBe("got more than 8192 bytes");
      expect(isFtpFailure(err)).toBe(true);
      ftp.close();
    } finally {
      await peer.close();
    }
  });

  it("RETR of a missing file rejects with error_perm carrying the server's 55x line; the session stays usable", async () => {
    const ftp = await session();
    const err = await ftp.retrbinary("RETR missing.bin", () => undefined).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(error_perm);
    expect((err as Error).message).toMatch(/^55\d .*missing\.bin/);
    expect(await ftp.pwd()).toBe("/");
    await ftp.quit();
  });

  it("the server dropping the control connection mid-download gives an error within the timeout", async () => {
    const ftp = await session();
    const started = performance.now();
    let dropped = false;
    const err = await ftp
      .retrbinary("RETR big.bin", () => {
        if (!dropped) {
          dropped = true;
          srv.dropControl();
        }
      })
      .catch((e: unknown) => e);
    expect(isFtpFailure(err)).toBe(true);
    expect(performance.now() - started).toBeLessThan(TIMEOUT * 1000 + 1000);
    ftp.close();
  });

  it("the server dropping the data connection mid-download gives an error within the timeout, never a hang", async () => {
    const ftp = await session();
    const started = performance.now();
    let received = 0;
    let dropped = false;
    const err = await ftp
      .retrbinary("RETR big.bin", (b) => {
        received += b.length;
        if (!dropped) {
          dropped = true;
          srv.dropData();
        }
      })
      .catch((e: unknown) => e);
    expect(isFtpFailure(err)).toBe(true);
    expect(received).toBeLessThan(BIG.length);
    expect(performance.now() - started).toBeLessThan(TIMEOUT * 2000 + 1000);
    // ftp-srv never sends the reply that would end this transfer, so the
    // session cannot be re-synchronised; the next call fails fast instead of hanging
    const next = await ftp.pwd().then(
      (dir) => dir,
      (e: unknown) => e,
    );
    expect(next === "/" || isFtpFailure(next)).toBe(true);
    ftp.close();
  });

  it("the server dropping the data connection mid-upload gives an error within the timeout", async () => {
    const ftp = await session();
    const started = performance.now();
    let dropped = false;
    const err = await ftp
      .storbinary("STOR dropped.bin", BIG, 8192, () => {
        if (!dropped) {
          dropped = true;
          srv.dropData();
        }
      })
      .catch((e: unknown) => e);
    expect(isFtpFailure(err)).toBe(true);
    expect(performance.now() - started).toBeLessThan(TIMEOUT * 2000 + 1000);
    ftp.close();
  });

  it("the server dropping the data connection mid-upload of a local file gives an error, and the file's next upload arrives whole", async () => {
    const ftp = await session();
    const local = join(srv.root, "local-for-drop.bin");
    writeFileSync(local, BIG);
    const started = performance.now();
    const upload = ftp.storbinary("STOR dropped-path.bin", local).catch((e: unknown) => e);
    // drop it once the server has some of the file
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline && !(existsSync(join(srv.root, "dropped-path.bin")) && statSync(join(srv.root, "dropped-path.bin")).size > 0)) {
      await new Promise((r) => setTimeout(r, 1));
    }
    srv.dropData();
    const err = await upload;
    expect(isFtpFailure(err)).toBe(true);
    expect(performance.now() - started).toBeLessThan(TIMEOUT * 2000 + 1000);
    ftp.close();
    const again = await session();
    expect(await again.storbinary("STOR whole-path.bin", local)).toMatch(/^226/);
    expect(readFileSync(join(srv.root, "whole-path.bin")).equals(BIG)).toBe(true);
    again.close();
  });

  it("the server dropping the control connection mid-upload gives an error within the timeout", async () => {
    const ftp = await session();
    const started = performance.now();
    let dropped = false;
    const err = await ftp
      .storbinary("STOR dropped2.bin", BIG, 8192, () => {
        if (!dropped) {
          dropped = true;
          srv.dropControl();
        }
      })
      .catch((e: unknown) => e);
    expect(isFtpFailure(err)).toBe(true);
    expect(performance.now() - started).toBeLessThan(TIMEOUT * 1000 + 1000);
    ftp.close();
  });

  it("a server that never answers a command gives TimeoutError after the timeout", async () => {
    const peer = await silentServer(true);
    try {
      const ftp = new FTP();
      expect(await ftp.connect("127.0.0.1", peer.port, 0.3)).toBe("220 hello");
      const started = performance.now();
      const err = await ftp.pwd().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TimeoutError);
      expect((err as Error).message).toBe("timed out");
      expect(performance.now() - started).toBeLessThan(1500);
      ftp.close();
    } finally {
      await peer.close();
    }
  });

  it("a data connection that stalls is TimeoutError for the transfer alone: the session goes on (basic-ftp would close it)", async () => {
    const head = randomBytes(5000);
    const peer = await rawServer((sock) => {
      sock.write("220 hi\r\n");
      let data: Promise<Socket> | undefined;
      eachLine(sock, async (line) => {
        if (line === "PASV") {
          const dataPeer = await rawServer((d) => {
            // a client that gives up on the data connection is told the transfer failed, as servers do
            d.on("close", () => sock.write("426 transfer aborted\r\n"));
          });
          data = new Promise((r) => dataPeer.server.once("connection", r));
          sock.once("close", () => void dataPeer.close());
          sock.write(`227 Entering Passive Mode (127,0,0,1,${dataPeer.port >> 8},${dataPeer.port & 255})\r\n`);
        } else if (line === "RETR stall") {
          sock.write("150 sending\r\n");
          (await data!).write(head);
        } else sock.write("200 ok\r\n");
      });
    });
    try {
      const ftp = new FTP("", "", "", "", { timeout: 0.3 });
      await ftp.connect("127.0.0.1", peer.port);
      const parts: Buffer[] = [];
      const started = performance.now();
      const err = await ftp.retrbinary("RETR stall", (b) => parts.push(b)).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TimeoutError);
      expect(performance.now() - started).toBeLessThan(3000);
      expect(Buffer.concat(parts).equals(head)).toBe(true);
      expect(await ftp.sendcmd("NOOP")).toBe("200 ok");
      ftp.close();
    } finally {
      await peer.close();
    }
  });

  it("a server that never greets gives TimeoutError from connect()", async () => {
    const peer = await silentServer(false);
    try {
      const ftp = new FTP();
      const err = await ftp.connect("127.0.0.1", peer.port, 0.3).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TimeoutError);
    } finally {
      await peer.close();
    }
  });
});
