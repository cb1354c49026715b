/**
 * Active mode (`set_pasv(false)`): the client listens and announces its
 * address by PORT, the server connects to it. Against ftp-srv, with
 * python3's ftplib in active mode beside it; a server that never connects is
 * a TimeoutError within the timeout, and the session goes on.
 */
import { createHash, randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { FTP } from "stdnet/ftplib";
import { TimeoutError } from "stdnet/socket";
import { startFtpServer, type TestFtpServer } from "../../helpers/ftpserver.js";
import { runPython } from "../../helpers/python.js";
import { eachLine, rawServer } from "../../helpers/rawserver.js";

let srv: TestFtpServer;
const DATA = randomBytes(3 * 1024 * 1024 + 7);

beforeAll(async () => {
  srv = await startFtpServer();
  writeFileSync(join(srv.root, "data.bin"), DATA);
  writeFileSync(join(srv.root, "notes.txt"), "one\r\ntwo\r\n");
});

afterAll(async () => {
  await srv.close();
});

async function activeSession(): Promise<FTP> {
  const ftp = await FTP.open(srv.host, srv.user, srv.password, "", { timeout: 10, port: srv.port });
  ftp.set_pasv(false);
  return ftp;
}

describe("active mode", () => {
  it("retrbinary, storbinary, retrlines and nlst go over a connection the server makes to the client", async () => {
    await using ftp = await activeSession();
    expect(ftp.passiveserver).toBe(false);
    const parts: Buffer[] = [];
    expect(await ftp.retrbinary("RETR data.bin", (b) => parts.push(b))).toMatch(/^226/);
    expect(Buffer.concat(parts).equals(DATA)).toBe(true);
    expect(await ftp.storbinary("STOR up.bin", DATA)).toMatch(/^226/);
    expect(readFileSync(join(srv.root, "up.bin")).equals(DATA)).toBe(true);
    const lines: string[] = [];
    await ftp.retrlines("RETR notes.txt", (l) => lines.push(l));
    expect(lines).toEqual(["one", "two"]);
    expect((await ftp.nlst()).sort()).toEqual(["data.bin", "notes.txt", "up.bin"]);
    const tail: Buffer[] = [];
    await ftp.retrbinary("RETR data.bin", (b) => tail.push(b), 8192, DATA.length - 100);
    expect(Buffer.concat(tail).equals(DATA.subarray(DATA.length - 100))).toBe(true);
  });

  it("sends PORT as Python's ftplib does, and gets the same file", async () => {
    const script = String.raw`
import ftplib, hashlib, json, sys
ftp = ftplib.FTP(timeout=10)
ftp.connect("127.0.0.1", int(sys.argv[1]))
ftp.login(sys.argv[2], sys.argv[3])
ftp.set_pasv(False)
ftp.set_debuglevel(1)
h = hashlib.sha256()
r = ftp.retrbinary("RETR data.bin", h.update)
ftp.quit()
print(json.dumps([r, h.hexdigest()]))
`;
    const out = (await runPython(script, [String(srv.port), srv.user, srv.password])).toString().split("\n");
    const [reply, digest] = JSON.parse(out.at(-2)!) as [string, string];
    const portLine = out.find((l) => l.startsWith("*cmd* 'PORT "))!;
    expect(digest).toBe(createHash("sha256").update(DATA).digest("hex"));
    await using ftp = await activeSession();
    const lines: string[] = [];
    const parts: Buffer[] = [];
    ftp.set_debuglevel(1);
    const spy = vi.spyOn(console, "log").mockImplementation((...args: unknown[]) => {
      lines.push(args.map(String).join(" "));
    });
    try {
      expect(await ftp.retrbinary("RETR data.bin", (b) => parts.push(b))).toBe(reply);
    } finally {
      spy.mockRestore();
    }
    expect(Buffer.concat(parts).equals(DATA)).toBe(true);
    // the same command, but for the port the client listens on
    const shape = (l: string): string => l.replace(/,\d+,\d+'$/, ",p1,p2'");
    expect(lines.map(shape)).toContain(shape(portLine));
    expect(shape(portLine)).toBe("*cmd* 'PORT 127,0,0,1,p1,p2'");
  });

  it("a server that never connects is TimeoutError within the timeout; the next command gets its own reply", async () => {
    const peer = await rawServer((sock) => {
      sock.write("220 hi\r\n");
      eachLine(sock, (line) => {
        if (line.startsWith("PORT ")) sock.write("200 port ok\r\n");
        else if (line === "RETR x") {
          sock.write("150 connecting (not really)\r\n");
          setTimeout(() => sock.write("425 cannot open data connection\r\n"), 600);
        } else sock.write("200 ok\r\n");
      });
    });
    try {
      const ftp = new FTP("", "", "", "", { timeout: 0.4 });
      await ftp.connect("127.0.0.1", peer.port);
      ftp.set_pasv(false);
      const started = performance.now();
      const err = await ftp.retrbinary("RETR x", () => undefined).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TimeoutError);
      expect(performance.now() - started).toBeLessThan(3000);
      expect(await ftp.sendcmd("NOOP")).toBe("200 ok");
      ftp.close();
    } finally {
      await peer.close();
    }
  });
});
