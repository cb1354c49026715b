import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { FTP, error_perm, error_reply, all_errors, Error as FtpError } from "stdnet/ftplib";
import { ConnectionRefusedError, EOFError, LookupError, OSError, UnicodeEncodeError, ValueError } from "stdnet/socket";
import { SSLError } from "stdnet/ssl";
import { startFtpServer, type TestFtpServer } from "../../helpers/ftpserver.js";
import { pythonJson, runPython } from "../../helpers/python.js";

let srv: TestFtpServer;

beforeAll(async () => {
  srv = await startFtpServer();
  writeFileSync(join(srv.root, "hello.txt"), "hello\n");
  mkdirSync(join(srv.root, "pub"));
  writeFileSync(join(srv.root, "pub", "inner.bin"), Buffer.alloc(1234, 7));
});

afterAll(async () => {
  await srv.close();
});

async function session(): Promise<FTP> {
  return FTP.open(srv.host, srv.user, srv.password, "", { timeout: 5, port: srv.port });
}

function captureLog(): { lines: string[]; restore(): void } {
  const lines: string[] = [];
  const spy = vi.spyOn(console, "log").mockImplementation((...args: unknown[]) => {
    lines.push(args.map(String).join(" "));
  });
  return { lines, restore: () => spy.mockRestore() };
}

describe("connecting and logging in", () => {
  it("connect() resolves to the welcome reply and getwelcome() returns it", async () => {
    const ftp = new FTP();
    const welcome = await ftp.connect(srv.host, srv.port, 5);
    expect(welcome).toMatch(/^220-stdnet test server\n220 /);
    expect(ftp.getwelcome()).toBe(welcome);
    expect(ftp.host).toBe(srv.host);
    expect(ftp.port).toBe(srv.port);
    ftp.close();
  });

  it("login() with no arguments logs in anonymously", async () => {
    const ftp = new FTP();
    await ftp.connect(srv.host, srv.port, 5);
    expect(await ftp.login()).toMatch(/^230/);
    expect(await ftp.pwd()).toBe("/");
    await ftp.quit();
  });

  it("the constructor connects and logs in, and methods wait for it", async () => {
    class LocalFTP extends FTP {
      override port = srv.port;
    }
    const ftp = new LocalFTP(srv.host, srv.user, srv.password, "", { timeout: 5 });
    expect(await ftp.pwd()).toBe("/");
    expect(ftp.getwelcome()).toMatch(/^220/);
    await ftp.quit();
  });

  it("a wrong password rejects with error_perm carrying the 530 line", async () => {
    const ftp = new FTP();
    await ftp.connect(srv.host, srv.port, 5);
    const err = await ftp.login(srv.user, "wrong").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(error_perm);
    expect((err as Error).message).toMatch(/^530 /);
    expect((err as Error).name).toBe("error_perm");
    ftp.close();
  });

  it("await using a session whose constructor's login failed: the block's call gets error_perm, disposal adds nothing", async () => {
    class LocalFTP extends FTP {
      override port = srv.port;
    }
    const attempt = async (touch: boolean): Promise<unknown> => {
      try {
        await using ftp = new LocalFTP(srv.host, srv.user, "wrong", "", { timeout: 5 });
        if (touch) await ftp.pwd();
        return "no error";
      } catch (e) {
        return e;
      }
    };
    // not a SuppressedError of the same failure thrown twice
    const inBlock = await attempt(true);
    expect(inBlock).toBeInstanceOf(error_perm);
    expect((inBlock as Error).message).toMatch(/^530 /);
    // a failure no call in the block met is thrown at disposal, not lost
    expect(await attempt(false)).toBeInstanceOf(error_perm);
  });

  it("a server that is not listening gives ConnectionRefusedError", async () => {
    const port = srv.port;
    await srv.close();
    try {
      const ftp = new FTP();
      const err = await ftp.connect("127.0.0.1", port, 5).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConnectionRefusedError);
      expect((err as OSError).errno).toBe(111);
      class ClosedPortFTP extends FTP {
        override port = port;
      }
      const viaOpen = await ClosedPortFTP.open("127.0.0.1", "", "", "", { timeout: 5 }).catch((e: unknown) => e);
      expect(viaOpen).toBeInstanceOf(ConnectionRefusedError);
      const viaConstructor = new ClosedPortFTP("127.0.0.1", "anonymous");
      expect(await viaConstructor.pwd().catch((e: unknown) => e)).toBeInstanceOf(ConnectionRefusedError);
    } finally {
      srv = await startFtpServer();
      writeFileSync(join(srv.root, "hello.txt"), "hello\n");
      mkdirSync(join(srv.root, "pub"));
      writeFileSync(join(srv.root, "pub", "inner.bin"), Buffer.alloc(1234, 7));
    }
  });

  it("connect() binds to source_address", async () => {
    const ftp = new FTP("", "", "", "", { source_address: ["127.0.0.1", 0] });
    await ftp.connect(srv.host, srv.port, 5);
    await ftp.login();
    expect(await ftp.nlst()).toContain("hello.txt");
    await ftp.quit();
  });

  it("connect() refuses a timeout of 0 as Python does", async () => {
    const ftp = new FTP();
    await expect(ftp.connect(srv.host, srv.port, 0)).rejects.toThrow("Non-blocking socket (timeout=0) is not supported");
  });

  it("commands on a session never connected reject with OSError", async () => {
    const ftp = new FTP();
    await expect(ftp.pwd()).rejects.toBeInstanceOf(OSError);
  });
});

describe("commands", () => {
  it("pwd() cwd() mkd() rmd() walk and change the remote tree", async () => {
    const ftp = await session();
    expect(await ftp.mkd("made")).toMatch(/\/made$/); // ftp-srv reports its own path
    expect(existsSync(join(srv.root, "made"))).toBe(true);
    expect(await ftp.cwd("made")).toMatch(/^250/);
    expect(await ftp.pwd()).toBe("/made");
    expect(await ftp.cwd("..")).toMatch(/^2/);
    expect(await ftp.pwd()).toBe("/");
    expect(await ftp.cwd("")).toMatch(/^250/);
    expect(await ftp.rmd("made")).toMatch(/^250/);
    expect(existsSync(join(srv.root, "made"))).toBe(false);
    await ftp.quit();
  });

  it("cwd() into a missing directory rejects with error_perm", async () => {
    const ftp = await session();
    await expect(ftp.cwd("no-such-dir")).rejects.toBeInstanceOf(error_perm);
    expect(await ftp.pwd()).toBe("/");
    await ftp.quit();
  });

  it("rename() and delete() change files; a missing file gives error_perm with the 550 line", async () => {
    const ftp = await session();
    writeFileSync(join(srv.root, "old.txt"), "x");
    expect(await ftp.rename("old.txt", "new.txt")).toMatch(/^250/);
    expect(readFileSync(join(srv.root, "new.txt"), "utf8")).toBe("x");
    expect(await ftp.delete("new.txt")).toMatch(/^250/);
    expect(existsSync(join(srv.root, "new.txt"))).toBe(false);
    const err = await ftp.delete("new.txt").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(error_perm);
    expect((err as Error).message).toMatch(/^550 /);
    const err2 = await ftp.size("missing.bin").catch((e: unknown) => e);
    expect(err2).toBeInstanceOf(error_perm);
    expect((err2 as Error).message).toMatch(/^550 /);
    await ftp.quit();
  });

  it("size() returns the size of a file", async () => {
    const ftp = await session();
    expect(await ftp.size("pub/inner.bin")).toBe(1234);
    await ftp.quit();
  });

  it("nlst() dir() and mlsd() list a directory", async () => {
    const ftp = await session();
    expect((await ftp.nlst()).sort()).toEqual(["hello.txt", "pub"]);
    expect(await ftp.nlst("pub")).toEqual(["inner.bin"]);
    const rows: string[] = [];
    await ftp.dir("pub", (line) => rows.push(line));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatch(/^-.* 1234 .*inner\.bin$/);
    const entries: [string, Record<string, string>][] = [];
    for await (const entry of ftp.mlsd("pub", ["type", "size"])) entries.push(entry);
    expect(entries).toEqual([["inner.bin", { type: "file", size: "1234" }]]);
    const all: string[] = [];
    for await (const [name, facts] of ftp.mlsd()) all.push(`${name}:${facts.type}`);
    expect(all.sort()).toEqual(["hello.txt:file", "pub:dir"]);
    await ftp.quit();
  });

  it("dir() with no callback prints the listing, as Python's", async () => {
    const ftp = await session();
    const log = captureLog();
    try {
      await ftp.dir();
    } finally {
      log.restore();
    }
    expect(log.lines.some((l) => l.endsWith(" hello.txt"))).toBe(true);
    await ftp.quit();
  });

  it("sendcmd() returns any 1-3xx reply and voidcmd() insists on 2xx", async () => {
    const ftp = await session();
    expect(await ftp.sendcmd("NOOP")).toMatch(/^200/);
    expect(await ftp.sendcmd("REST 5")).toMatch(/^350/);
    await expect(ftp.voidcmd("REST 0")).rejects.toBeInstanceOf(error_reply);
    const err = await ftp.sendcmd("XYZZY").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(error_perm);
    expect((err as Error).message).toBe("502 Command not allowed: XYZZY");
    await ftp.quit();
  });

  it("acct() sends ACCT and passes the server's refusal on as error_perm", async () => {
    const ftp = await session();
    ftp.debug(1);
    const log = captureLog();
    let err: unknown;
    try {
      err = await ftp.acct("billing").catch((e: unknown) => e);
    } finally {
      log.restore();
    }
    expect(err).toBeInstanceOf(error_perm);
    expect(log.lines[0]).toBe("*cmd* 'ACCT billing'");
    ftp.set_debuglevel(0);
    await ftp.quit();
  });

  it("quit() says goodbye and closes; later calls reject with OSError", async () => {
    const ftp = await session();
    expect(await ftp.quit()).toMatch(/^221/);
    await expect(ftp.pwd()).rejects.toBeInstanceOf(OSError);
    ftp.close();
    ftp.close();
  });

  it("await using quits at the end of the block", async () => {
    const log = captureLog();
    let kept: FTP | undefined;
    try {
      await using ftp = await session();
      kept = ftp;
      ftp.set_debuglevel(1);
      expect(await ftp.pwd()).toBe("/");
    } finally {
      log.restore();
    }
    expect(log.lines.slice(-2)).toEqual(["*cmd* 'QUIT'", "*resp* '221 Client called QUIT'"]);
    await expect(kept.pwd()).rejects.toBeInstanceOf(OSError);
  });

  it("await using swallows the EOFError of a session the server already dropped", async () => {
    const ftp = await session();
    srv.dropControl();
    await new Promise((r) => setTimeout(r, 100));
    await expect(ftp[Symbol.asyncDispose]()).resolves.toBeUndefined();
  });

  it("a command after the server closed the connection rejects with EOFError", async () => {
    const ftp = await session();
    srv.dropControl();
    await new Promise((r) => setTimeout(r, 100));
    const err = await ftp.pwd().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EOFError);
    expect(all_errors.some((cls) => err instanceof cls)).toBe(true);
    ftp.close();
  });
});

describe("hardening", () => {
  it("a CR or LF in a command or a name is refused before anything is sent", async () => {
    const ftp = await session();
    ftp.set_debuglevel(2);
    const log = captureLog();
    try {
      const attempts: Promise<unknown>[] = [
        ftp.sendcmd("NOOP\r\nDELE hello.txt"),
        ftp.voidcmd("NOOP\nDELE hello.txt"),
        ftp.delete("hello.txt\r\nDELE hello.txt"),
        ftp.rename("a\n", "b"),
        ftp.cwd("x\ry"),
        ftp.mkd("a\nb"),
        ftp.retrbinary("RETR hello.txt\r\nDELE hello.txt", () => undefined),
        ftp.retrlines("LIST\n"),
        ftp.storbinary("STOR x\r\nDELE hello.txt", Buffer.from("x")),
        ftp.storlines("STOR x\nDELE hello.txt", Buffer.from("x")),
        ftp.login("u\r\nDELE hello.txt", "p"),
        ftp.nlst("a\nb"),
      ];
      for (const a of attempts) {
        const err = await a.catch((e: unknown) => e);
        expect(err).toBeInstanceOf(ValueError);
        expect((err as Error).message).toBe("an illegal newline character should not be contained");
      }
    } finally {
      log.restore();
    }
    expect(log.lines).toEqual([]);
    expect(existsSync(join(srv.root, "hello.txt"))).toBe(true);
    ftp.set_debuglevel(0);
    expect(await ftp.pwd()).toBe("/");
    await ftp.quit();
  });

  it("a command the session's encoding cannot hold is UnicodeEncodeError with Python's text, before anything is sent", async () => {
    const latin = await FTP.open(srv.host, srv.user, srv.password, "", { timeout: 5, port: srv.port, encoding: "latin-1" });
    const utf8 = await session();
    // [session, the call, the line Python's ftplib would encode]
    const attempts: [FTP, () => Promise<unknown>, string][] = [
      [latin, () => latin.cwd("\u65e5\u672c"), "CWD \u65e5\u672c"],
      [latin, () => latin.sendcmd("NOOP \u20ac"), "NOOP \u20ac"],
      [latin, () => latin.delete("x\u{1f600}"), "DELE x\u{1f600}"],
      [latin, () => latin.rename("\u65e5", "b"), "RNFR \u65e5"],
      [latin, () => latin.mkd("\u65e5"), "MKD \u65e5"],
      [latin, () => latin.retrbinary("RETR \u65e5.bin", () => undefined), "RETR \u65e5.bin"],
      [latin, () => latin.retrlines("RETR \u65e5.txt", () => undefined), "RETR \u65e5.txt"],
      [latin, () => latin.storbinary("STOR \u65e5", Buffer.from("x")), "STOR \u65e5"],
      [latin, () => latin.storlines("STOR \u65e5", Buffer.from("x\n")), "STOR \u65e5"],
      [latin, () => latin.nlst("\u65e5"), "NLST \u65e5"],
      [utf8, () => utf8.cwd("a\ud800"), "CWD a\ud800"],
    ];
    const theirs = pythonJson<string[]>(
      String.raw`
import json, sys
out = []
for line, enc in json.loads(sys.stdin.read()):
    try:
        (line + "\r\n").encode(enc)
        out.append("encoded")
    except UnicodeEncodeError as e:
        out.append(str(e))
print(json.dumps(out))
`,
      JSON.stringify(attempts.map(([ftp, , line]) => [line, ftp === latin ? "latin-1" : "utf-8"])),
    );
    for (const [i, [, call]] of attempts.entries()) {
      const err = await call().catch((e: unknown) => e);
      expect(err, theirs[i]).toBeInstanceOf(UnicodeEncodeError);
      expect((err as Error).message).toBe(theirs[i]);
    }
    // nothing reached the server: both sessions go on
    expect(await latin.pwd()).toBe("/");
    expect(await utf8.pwd()).toBe("/");
    await latin.quit();
    await utf8.quit();
  });

  it("debug output matches Python's, line for line, and never shows the password", async () => {
    const ftp = new FTP();
    await ftp.connect(srv.host, srv.port, 5);
    ftp.set_debuglevel(2);
    const log = captureLog();
    try {
      await ftp.login(srv.user, srv.password);
      ftp.getwelcome();
      await ftp.sendcmd("NOOP");
    } finally {
      log.restore();
    }
    // python3's ftplib against the same server: *get* shows each line as its text file reads it, ending in '\n'
    const theirs = (
      await runPython(
        String.raw`
import ftplib, sys
host, port, user, passwd = sys.argv[1:5]
ftp = ftplib.FTP()
ftp.connect(host, int(port), timeout=5)
ftp.set_debuglevel(2)
ftp.login(user, passwd)
ftp.getwelcome()
ftp.sendcmd("NOOP")
ftp.close()
`,
        [srv.host, String(srv.port), srv.user, srv.password],
      )
    )
      .toString()
      .split("\n")
      .slice(0, -1);
    expect(log.lines).toEqual(theirs);
    expect(theirs).toContain("*get* '230 User logged in, proceed\\n'");
    expect(log.lines.join("\n")).not.toContain(srv.password);
    ftp.set_debuglevel(0);
    await ftp.quit();
  });

  it("a second call while one is running rejects clearly and leaves the session usable", async () => {
    const ftp = await session();
    const first = ftp.pwd();
    const err = await ftp.nlst().catch((e: unknown) => e);
    expect((err as Error).name).toBe("RuntimeError");
    expect((err as Error).message).toMatch(/Cannot run nlst\(\) while pwd\(\) is still running/);
    expect(await first).toBe("/");
    expect(await ftp.pwd()).toBe("/");
    await ftp.quit();
  });

  it("set_pasv() sets passiveserver, as Python's (active mode: see active.test.ts)", () => {
    const ftp = new FTP();
    expect(ftp.passiveserver).toBe(true);
    ftp.set_pasv(false);
    expect(ftp.passiveserver).toBe(false);
    ftp.set_pasv(true);
    expect(ftp.passiveserver).toBe(true);
  });

  it("the encoding option takes UTF-8, latin-1 and ASCII by CPython's names for them, and refuses the rest with LookupError", () => {
    const names = ["UTF8", "u8", "cp65001", "Latin-1", "L1", "ISO8859.1", "646", "US-ASCII", "latin.1", "utf.8", "koi8-r", "no-such-codec"];
    // the codec CPython's lookup finds by each name, if any
    const found = pythonJson<(string | null)[]>(
      String.raw`
import codecs, json, sys
def lookup(n):
    try:
        return codecs.lookup(n).name
    except LookupError:
        return None
print(json.dumps([lookup(n) for n in json.loads(sys.stdin.read())]))
`,
      JSON.stringify(names),
    );
    const ours = ["utf-8", "iso8859-1", "ascii"];
    names.forEach((name, i) => {
      const codec = found[i]!;
      if (codec !== null && ours.includes(codec)) expect(new FTP("", "", "", "", { encoding: name }).encoding, name).toBe(name);
      // CPython's text, and for a codec CPython has and stdnet has not, the ones stdnet speaks
      else expect(() => new FTP("", "", "", "", { encoding: name }), `${name} (${codec})`).toThrow(new LookupError(`unknown encoding: ${name} (stdnet's FTP speaks 'utf-8', 'latin-1' or 'ascii')`));
    });
    expect(() => new FTP("", "", "", "", { encoding: "utf8\0" })).toThrow(new ValueError("embedded null character"));
  });

  it("error classes carry Python's names and all_errors covers them", () => {
    const e = new error_perm("550 x");
    expect(e).toBeInstanceOf(FtpError);
    expect(e.name).toBe("error_perm");
    expect(new FtpError("x").name).toBe("Error");
    expect(all_errors).toEqual([FtpError, OSError, EOFError, SSLError]);
  });
});
