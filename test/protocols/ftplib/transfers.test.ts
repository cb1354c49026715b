import { randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { FTP, error_perm } from "stdnet/ftplib";
import { UnicodeEncodeError, ValueError, repr } from "stdnet/socket";
import { startFtpServer, type TestFtpServer } from "../../helpers/ftpserver.js";
import { runPython } from "../../helpers/python.js";

let srv: TestFtpServer;
let ftp: FTP;
const BIG = randomBytes(10 * 1024 * 1024);

beforeAll(async () => {
  srv = await startFtpServer();
  ftp = await FTP.open(srv.host, srv.user, srv.password, "", { timeout: 10, port: srv.port });
});

afterAll(async () => {
  ftp.close();
  await srv.close();
});

function captureLog(): { lines: string[]; restore(): void } {
  const lines: string[] = [];
  const spy = vi.spyOn(console, "log").mockImplementation((...args: unknown[]) => {
    lines.push(args.map(String).join(" "));
  });
  return { lines, restore: () => spy.mockRestore() };
}

async function download(name: string, blocksize?: number): Promise<{ data: Buffer; blocks: number[] }> {
  const parts: Buffer[] = [];
  const blocks: number[] = [];
  const resp = await ftp.retrbinary(`RETR ${name}`, (b) => {
    parts.push(Buffer.from(b));
    blocks.push(b.length);
  }, blocksize);
  expect(resp).toMatch(/^226/);
  return { data: Buffer.concat(parts), blocks };
}

describe("binary transfers", () => {
  const sizes: [string, number][] = [
    ["empty", 0],
    ["one byte", 1],
    ["exactly one block", 8192],
    ["one block and a byte", 8193],
    ["10 MiB", BIG.length],
  ];

  for (const [label, size] of sizes) {
    it(`retrbinary() downloads a ${label} file byte for byte`, async () => {
      const content = BIG.subarray(0, size);
      writeFileSync(join(srv.root, `down-${size}.bin`), content);
      const { data, blocks } = await download(`down-${size}.bin`);
      expect(data.equals(content)).toBe(true);
      expect(blocks.every((n) => n > 0 && n <= 8192)).toBe(true);
    });

    it(`storbinary() uploads a ${label} file byte for byte`, async () => {
      const content = BIG.subarray(0, size);
      const sent: number[] = [];
      const resp = await ftp.storbinary(`STOR up-${size}.bin`, content, 8192, (b) => sent.push(b.length));
      expect(resp).toMatch(/^226/);
      expect(readFileSync(join(srv.root, `up-${size}.bin`)).equals(content)).toBe(true);
      expect(sent.reduce((a, b) => a + b, 0)).toBe(size);
      expect(sent.every((n) => n > 0 && n <= 8192)).toBe(true);
    });
  }

  it("retrbinary() hands out blocks of at most blocksize bytes", async () => {
    writeFileSync(join(srv.root, "blocks.bin"), BIG.subarray(0, 100_000));
    const { data, blocks } = await download("blocks.bin", 1000);
    expect(data.equals(BIG.subarray(0, 100_000))).toBe(true);
    expect(Math.max(...blocks)).toBeLessThanOrEqual(1000);
  });

  it("retrbinary() with rest resumes at an offset (REST)", async () => {
    writeFileSync(join(srv.root, "rest.bin"), BIG.subarray(0, 50_000));
    const parts: Buffer[] = [];
    await ftp.retrbinary("RETR rest.bin", (b) => parts.push(Buffer.from(b)), 8192, 12_345);
    expect(Buffer.concat(parts).equals(BIG.subarray(12_345, 50_000))).toBe(true);
  });

  it("retrbinary() waits for a callback's Promise before the next block", async () => {
    writeFileSync(join(srv.root, "slow.bin"), BIG.subarray(0, 40_000));
    let inside = 0;
    let overlap = false;
    const parts: Buffer[] = [];
    await ftp.retrbinary("RETR slow.bin", async (b) => {
      inside++;
      if (inside > 1) overlap = true;
      parts.push(Buffer.from(b));
      await new Promise((r) => setTimeout(r, 2));
      inside--;
    });
    expect(overlap).toBe(false);
    expect(Buffer.concat(parts).equals(BIG.subarray(0, 40_000))).toBe(true);
  });

  it("storbinary() takes a local path, a Readable and an async iterable", async () => {
    const local = join(srv.root, "local-source.bin");
    writeFileSync(local, BIG.subarray(0, 300_000));
    await ftp.storbinary("STOR from-path.bin", local);
    expect(readFileSync(join(srv.root, "from-path.bin")).equals(BIG.subarray(0, 300_000))).toBe(true);

    await ftp.storbinary("STOR from-readable.bin", Readable.from([BIG.subarray(0, 1000), BIG.subarray(1000, 5000)]));
    expect(readFileSync(join(srv.root, "from-readable.bin")).equals(BIG.subarray(0, 5000))).toBe(true);

    async function* chunks(): AsyncGenerator<Uint8Array> {
      yield new Uint8Array(BIG.subarray(0, 10));
      await new Promise((r) => setImmediate(r));
      yield new Uint8Array(BIG.subarray(10, 20_000));
    }
    const sizes: number[] = [];
    await ftp.storbinary("STOR from-iterable.bin", chunks(), 4096, (b) => sizes.push(b.length));
    expect(readFileSync(join(srv.root, "from-iterable.bin")).equals(BIG.subarray(0, 20_000))).toBe(true);
    expect(sizes[0]).toBe(10);
    expect(Math.max(...sizes)).toBe(4096);
  });

  it("storbinary() of a local file many read buffers long uploads it byte for byte, twice in a row", async () => {
    // the file is read into a few buffers, each read into again once the connection has sent it
    const local = join(srv.root, "local-big.bin");
    const content = Buffer.concat([BIG, BIG.subarray(1000), BIG.subarray(7)]);
    writeFileSync(local, content);
    for (const name of ["from-big-path.bin", "from-big-path-again.bin"]) {
      expect(await ftp.storbinary(`STOR ${name}`, local)).toMatch(/^226/);
      expect(readFileSync(join(srv.root, name)).equals(content)).toBe(true);
    }
  });

  it("storbinary() of a missing local file rejects with OSError before sending anything", async () => {
    const err = await ftp.storbinary("STOR never.bin", join(srv.root, "no-such-local-file")).catch((e: unknown) => e);
    expect((err as Error).name).toBe("OSError");
    expect((err as Error).message).toMatch(/^\[Errno 2\] No such file or directory/);
    await expect(ftp.size("never.bin")).rejects.toBeInstanceOf(error_perm);
  });

  it("storbinary() with APPE appends to a file", async () => {
    await ftp.storbinary("STOR appended.bin", BIG.subarray(0, 100));
    await ftp.storbinary("APPE appended.bin", BIG.subarray(100, 300));
    expect(readFileSync(join(srv.root, "appended.bin")).equals(BIG.subarray(0, 300))).toBe(true);
  });
});

describe("text transfers", () => {
  it("retrlines() gives lines without their ends, whatever the ends", async () => {
    writeFileSync(join(srv.root, "mixed.txt"), "one\r\ntwo\nthree\rfour\r\n\r\nlast");
    const lines: string[] = [];
    expect(await ftp.retrlines("RETR mixed.txt", (l) => lines.push(l))).toMatch(/^226/);
    expect(lines).toEqual(["one", "two", "three", "four", "", "last"]);
  });

  it("retrlines() decodes UTF-8 split across packets", async () => {
    const text = "é€😀\n".repeat(20_000);
    writeFileSync(join(srv.root, "utf8.txt"), text);
    const lines: string[] = [];
    await ftp.retrlines("RETR utf8.txt", (l) => lines.push(l));
    expect(lines).toHaveLength(20_000);
    expect(new Set(lines)).toEqual(new Set(["é€😀"]));
  });

  it("retrlines() decodes in the session's encoding and refuses bytes invalid in it", async () => {
    writeFileSync(join(srv.root, "latin1.txt"), Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x0a, 0xff, 0x0a]));
    const latin = await FTP.open(srv.host, srv.user, srv.password, "", { timeout: 10, port: srv.port, encoding: "latin-1" });
    const lines: string[] = [];
    await latin.retrlines("RETR latin1.txt", (l) => lines.push(l));
    expect(lines).toEqual(["café", "ÿ"]);
    latin.close();
    const err = await ftp.retrlines("RETR latin1.txt", () => undefined).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValueError);
    expect((err as Error).name).toBe("UnicodeDecodeError");
    // CPython's ftplib, against the same server, says the same
    const theirs = await runPython(
      String.raw`
import ftplib, sys
host, port, user, passwd = sys.argv[1:5]
ftp = ftplib.FTP()
ftp.connect(host, int(port), timeout=10)
ftp.login(user, passwd)
try:
    ftp.retrlines("RETR latin1.txt", lambda line: None)
except UnicodeDecodeError as e:
    print(e)
ftp.close()
`,
      [srv.host, String(srv.port), srv.user, srv.password],
    );
    expect((err as Error).message).toBe(theirs.toString().trim());
    expect(await ftp.pwd()).toBe("/");
  });

  it("str chunks of a source go out in the session's encoding; one it cannot hold is UnicodeEncodeError, not bytes mangled", async () => {
    const latin = await FTP.open(srv.host, srv.user, srv.password, "", { timeout: 10, port: srv.port, encoding: "latin-1" });
    await latin.storlines("STOR latin-str.txt", Readable.from(["caf\u00e9\n", "\u00ff\n"]));
    expect(readFileSync(join(srv.root, "latin-str.txt"))).toEqual(Buffer.from("caf\u00e9\r\n\u00ff\r\n", "latin1"));
    const err = await latin.storbinary("STOR latin-bad.txt", Readable.from(["ok ", "\u65e5\u672c"])).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnicodeEncodeError);
    // CPython's text for encoding that chunk
    const theirs = await runPython(String.raw`
try:
    "\u65e5\u672c".encode("latin-1")
except UnicodeEncodeError as e:
    print(e)
`);
    expect((err as Error).message).toBe(theirs.toString().trim());
    expect(await latin.pwd()).toBe("/");
    await latin.quit();
  });

  it("retrlines() refuses a line longer than maxline, and the session stays usable", async () => {
    writeFileSync(join(srv.root, "long.txt"), "x".repeat(9000) + "\nshort\n");
    const err = await ftp.retrlines("RETR long.txt", () => undefined).catch((e: unknown) => e);
    expect((err as Error).name).toBe("Error");
    expect((err as Error).message).toBe("got more than 8192 bytes");
    expect(await ftp.pwd()).toBe("/");
  });

  /** Runs `body` in python3 on a logged-in ftplib session against the test server; resolves to what it printed. */
  async function python(body: string): Promise<string> {
    const script = `import ftplib, sys\nftp = ftplib.FTP()\nftp.connect(sys.argv[1], int(sys.argv[2]), timeout=10)\nftp.login(sys.argv[3], sys.argv[4])\n${body}\n`;
    return (await runPython(script, [srv.host, String(srv.port), srv.user, srv.password])).toString();
  }

  /** Debug output with the PASV port left out, which differs from run to run. */
  function portless(lines: string[]): string[] {
    return lines.map((l) => l.replace(/\(\d+,\d+,\d+,\d+,\d+,\d+\)/, "(…)"));
  }

  it("retrlines() at debug level 3 prints each line as read just before its callback, then *retr* '', as Python's", async () => {
    writeFileSync(join(srv.root, "retr-debug.txt"), "one\r\ntwo\nthree\rfour\r\n\r\nlast");
    const theirs = await python(String.raw`
ftp.set_debuglevel(3)
ftp.retrlines("RETR retr-debug.txt", lambda line: print("CB", repr(line)))
ftp.set_debuglevel(0)
ftp.close()
`);
    const mine = await FTP.open(srv.host, srv.user, srv.password, "", { timeout: 10, port: srv.port });
    const log = captureLog();
    try {
      mine.set_debuglevel(3);
      await mine.retrlines("RETR retr-debug.txt", (line) => console.log("CB", repr(line)));
      mine.set_debuglevel(0);
    } finally {
      log.restore();
    }
    mine.close();
    const expected = portless(theirs.split("\n").slice(0, -1));
    expect(expected).toContain("*retr* 'last'");
    expect(expected).toContain("*retr* 'three\\n'");
    expect(portless(log.lines)).toEqual(expected);
  });

  it("retrlines() with a line over maxline delivers the lines before it, then raises Error, as Python's", async () => {
    writeFileSync(join(srv.root, "retr-long.txt"), "ab\r\ncd\n" + "c".repeat(200) + "\nnever\n");
    const theirs = JSON.parse(
      await python(String.raw`
import contextlib, io, json
got, out = [], io.StringIO()
ftp.maxline = 100
ftp.set_debuglevel(3)
try:
    with contextlib.redirect_stdout(out):
        ftp.retrlines("RETR retr-long.txt", got.append)
    err = None
except ftplib.Error as e:
    err = [type(e).__name__, str(e)]
ftp.close()
print(json.dumps({"got": got, "err": err, "retr": [l for l in out.getvalue().splitlines() if l.startswith("*retr*")]}))
`),
    ) as { got: string[]; err: string[]; retr: string[] };
    const mine = await FTP.open(srv.host, srv.user, srv.password, "", { timeout: 10, port: srv.port });
    mine.maxline = 100;
    mine.set_debuglevel(3);
    const got: string[] = [];
    const log = captureLog();
    let err: unknown;
    try {
      err = await mine.retrlines("RETR retr-long.txt", (line) => got.push(line)).catch((e: unknown) => e);
    } finally {
      log.restore();
    }
    mine.set_debuglevel(0);
    expect(theirs).toEqual({ got: ["ab", "cd"], err: ["Error", "got more than 100 bytes"], retr: ["*retr* 'ab\\n'", "*retr* 'cd\\n'"] });
    expect({ got, err: [(err as Error).name, (err as Error).message], retr: log.lines.filter((l) => l.startsWith("*retr*")) }).toEqual(theirs);
    expect(await mine.pwd()).toBe("/");
    mine.close();
  });

  it("storlines() sends each line ending in CRLF", async () => {
    const seen: string[] = [];
    await ftp.storlines("STOR lines.txt", Buffer.from("a\nb\r\nc\rd\n\nlast"), (l) => seen.push(l.toString("latin1")));
    expect(readFileSync(join(srv.root, "lines.txt"), "latin1")).toBe("a\r\nb\r\nc\rd\r\n\r\nlast\r\n");
    expect(seen).toEqual(["a\r\n", "b\r\n", "c\rd\r\n", "\r\n", "last\r\n"]);
  });

  it("storlines() and retrlines() carry a large text file both ways", async () => {
    const lines = Array.from({ length: 20_000 }, (_, i) => `line ${i} ${"ü".repeat(i % 50)}`);
    await ftp.storlines("STOR big.txt", Readable.from([Buffer.from(lines.join("\n") + "\n")]));
    const back: string[] = [];
    await ftp.retrlines("RETR big.txt", (l) => back.push(l));
    expect(back).toEqual(lines);
  });
});

describe("aborting a transfer", () => {
  // each test on a session of its own, so one failure cannot cascade
  async function fresh(): Promise<FTP> {
    return FTP.open(srv.host, srv.user, srv.password, "", { timeout: 10, port: srv.port });
  }

  it("an AbortSignal stops a download, rejects with its reason and leaves the session usable", async () => {
    writeFileSync(join(srv.root, "abort.bin"), BIG);
    const controller = new AbortController();
    let received = 0;
    const ftp = await fresh();
    const err = await ftp
      .retrbinary("RETR abort.bin", (b) => {
        received += b.length;
        if (received > 100_000) controller.abort(new Error("enough"));
      }, 8192, null, { signal: controller.signal })
      .catch((e: unknown) => e);
    expect((err as Error).message).toBe("enough");
    expect(received).toBeLessThan(BIG.length);
    expect(await ftp.pwd()).toBe("/");
    const parts: Buffer[] = [];
    await ftp.retrbinary("RETR abort.bin", (b) => parts.push(b));
    expect(Buffer.concat(parts).equals(BIG)).toBe(true);
    ftp.close();
  });

  it("an AbortSignal stops an upload", async () => {
    const ftp = await fresh();
    const controller = new AbortController();
    async function* endless(): AsyncGenerator<Uint8Array> {
      for (let i = 0; ; i++) {
        if (i === 20) controller.abort();
        yield BIG.subarray(0, 65536);
        await new Promise((r) => setImmediate(r));
      }
    }
    const err = await ftp.storbinary("STOR aborted.bin", endless(), 8192, null, null, { signal: controller.signal }).catch((e: unknown) => e);
    expect((err as Error).name).toBe("AbortError");
    expect(await ftp.pwd()).toBe("/");
    ftp.close();
  });

  it("an already aborted signal sends nothing", async () => {
    const ftp = await fresh();
    ftp.set_debuglevel(1);
    const spy = vi.spyOn(console, "log").mockImplementation(() => undefined);
    const err = await ftp.retrlines("LIST", () => undefined, { signal: AbortSignal.abort() }).catch((e: unknown) => e);
    const printed = spy.mock.calls.length;
    spy.mockRestore();
    expect((err as Error).name).toBe("AbortError");
    expect(printed).toBe(0);
    ftp.set_debuglevel(0);
    expect(await ftp.nlst()).toContain("abort.bin");
    ftp.close();
  });

  it("a callback that throws fails the transfer with its error; the session stays usable", async () => {
    const ftp = await fresh();
    const boom = new Error("callback failed");
    const err = await ftp.retrbinary("RETR abort.bin", () => {
      throw boom;
    }).catch((e: unknown) => e);
    expect(err).toBe(boom);
    expect(await ftp.size("abort.bin")).toBe(BIG.length);
    const up = await ftp.storbinary("STOR cb.bin", BIG.subarray(0, 100_000), 8192, () => {
      throw boom;
    }).catch((e: unknown) => e);
    expect(up).toBe(boom);
    expect(await ftp.pwd()).toBe("/");
    ftp.close();
  });
});
