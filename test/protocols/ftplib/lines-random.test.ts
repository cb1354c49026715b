/**
 * Text made at random, carried by `retrlines` and `storlines` through a real
 * server (ftp-srv) by stdnet's FTP and by python3's ftplib, must give the
 * same lines, the same files on the server, the same results and the same
 * errors: CR, LF and CRLF line ends, blank lines, a lone CR or no line end
 * at the end, UTF-8 text (and, for `storlines`, bytes that are not UTF-8),
 * and lines longer than `maxline`, with the debug output of each (level 3
 * shows every line `retrlines` reads). Each file goes through a session of its
 * own, since after an error Python's session is out of step by design
 * (stdnet waits for the closing reply). The suite runs a fixed set;
 * `STDNET_FTP_LINES_CASES` and `STDNET_FTP_LINES_SEED` ("random" for a new
 * one) size and vary it.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { FTP, all_errors } from "stdnet/ftplib";
import { startFtpServer, type TestFtpServer } from "../../helpers/ftpserver.js";
import { portless } from "../../helpers/ftpscript.js";
import { runPython } from "../../helpers/python.js";
import { seedFrom, seededRandom } from "../../helpers/seeded.js";

const CASES = Number(process.env.STDNET_FTP_LINES_CASES ?? 24);
const SEED = seedFrom(process.env.STDNET_FTP_LINES_SEED, 61206);

interface Case {
  /** The file's bytes (what RETR sends, and what storlines reads). */
  data: Buffer;
  /** ftplib's maxline, or null for its default. */
  maxline: number | null;
  /** Whether the bytes are not all UTF-8 (storlines only: retrlines decodes strictly). */
  binary: boolean;
  /** The debug level of the transfer (3 shows each line retrlines reads). */
  debug: number;
}

function cases(count: number, seed: number): Case[] {
  const random = seededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const WORDS = ["a", "bc", "ünï", "€", "\u{1F600}", " ", "\t", "x".repeat(40), "end "];
  return Array.from({ length: count }, (_, i) => {
    const parts: string[] = [];
    // a few files long enough to come in several reads of the data connection
    const lines = i % 8 === 7 ? 3000 : Math.floor(random() * 12);
    for (let l = 0; l < lines; l++) {
      const words = Math.floor(random() * 4);
      for (let w = 0; w < words; w++) parts.push(pick(WORDS));
      parts.push(pick(["\r\n", "\r\n", "\n", "\r"]));
    }
    const last = random();
    if (last < 0.2) parts.push("no end");
    else if (last < 0.3) parts.push("lone cr\r");
    let data = Buffer.from(parts.join(""), "utf8");
    const binary = random() < 0.15;
    if (binary) data = Buffer.concat([data, Buffer.from([0xff, 0x0a, 0xc3, 0x0d, 0x0a])]);
    return { data, maxline: random() < 0.7 ? null : pick([4, 12, 50]), binary, debug: pick([0, 1, 2, 3, 3]) };
  });
}

/** What one transfer gave: its lines (or the lines sent), its result or the error's class and text, and its debug output. */
interface Transfer {
  lines: string[];
  result: string[];
  log: string[];
}

const PYTHON = String.raw`
import contextlib, ftplib, io, json, sys
host, port, user, passwd, local = sys.argv[1:6]
out = []
for i, maxline, binary, debug in json.loads(sys.stdin.read()):
    got = {}
    for kind in ["retr", "stor"]:
        if kind == "retr" and binary:
            continue
        ftp = ftplib.FTP()
        ftp.connect(host, int(port), timeout=10)
        ftp.login(user, passwd)
        if maxline is not None:
            ftp.maxline = maxline
        lines = []
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            ftp.set_debuglevel(debug)
            try:
                if kind == "retr":
                    result = ["ok", ftp.retrlines("RETR case%d.txt" % i, lines.append)]
                else:
                    with open("%s/case%d.txt" % (local, i), "rb") as f:
                        result = ["ok", ftp.storlines("STOR up%d.txt" % i, f, lambda b: lines.append(b.decode("latin-1")))]
            except ftplib.all_errors as e:
                result = [type(e).__name__, str(e)]
            ftp.set_debuglevel(0)
        ftp.close()
        got[kind] = {"lines": lines, "result": result, "log": buf.getvalue().splitlines()}
    out.append(got)
print(json.dumps(out))
`;

let srv: TestFtpServer;
let local: string;
const all = cases(CASES, SEED);
let theirs: Record<string, Transfer>[] = [];

/** A transfer with the PASV reply's port left out of its debug output (it differs from session to session). */
const portlessTransfer = (t: Transfer): Transfer => ({ ...t, log: portless(t.log) });
/** What python3's storlines left on the server, by case (ours then stores to the same name). */
const theirFiles = new Map<number, Buffer>();

beforeAll(async () => {
  srv = await startFtpServer();
  local = mkdtempSync(join(tmpdir(), "stdnet-ftp-lines-"));
  for (const [i, c] of all.entries()) {
    writeFileSync(join(srv.root, `case${i}.txt`), c.data);
    writeFileSync(join(local, `case${i}.txt`), c.data);
  }
  const input = JSON.stringify(all.map((c, i) => [i, c.maxline, c.binary, c.debug]));
  theirs = JSON.parse((await runPython(PYTHON, [srv.host, String(srv.port), srv.user, srv.password, local], input, 120_000)).toString()) as Record<string, Transfer>[];
  for (const [i, t] of theirs.entries()) if (t.stor?.result[0] === "ok") theirFiles.set(i, readFileSync(join(srv.root, `up${i}.txt`)));
}, 130_000);

afterAll(async () => {
  await srv.close();
  rmSync(local, { recursive: true, force: true });
});

async function ourLinesTransfer(i: number, c: Case, kind: "retr" | "stor"): Promise<Transfer> {
  const ftp = new FTP();
  await ftp.connect(srv.host, srv.port, 10);
  await ftp.login(srv.user, srv.password);
  if (c.maxline !== null) ftp.maxline = c.maxline;
  const lines: string[] = [];
  const log: string[] = [];
  const spy = vi.spyOn(console, "log").mockImplementation((...args: unknown[]) => {
    log.push(args.map(String).join(" "));
  });
  let result: string[];
  try {
    ftp.set_debuglevel(c.debug);
    const reply =
      kind === "retr"
        ? await ftp.retrlines(`RETR case${i}.txt`, (l) => lines.push(l))
        : await ftp.storlines(`STOR up${i}.txt`, join(local, `case${i}.txt`), (b) => lines.push(Buffer.from(b).toString("latin1")));
    result = ["ok", reply];
  } catch (e) {
    if (!(e instanceof Error) || !all_errors.some((cls) => e instanceof cls)) throw e;
    result = [e.name, e.message];
  } finally {
    ftp.set_debuglevel(0);
    spy.mockRestore();
    ftp.close();
  }
  return { lines, result, log };
}

describe(`random text (${CASES} files, seed ${SEED}) goes through retrlines and storlines as through python3's ftplib`, () => {
  it("retrlines gives the same lines and result", async () => {
    for (const [i, c] of all.entries()) {
      if (c.binary) continue;
      expect({ case: i, ...portlessTransfer(await ourLinesTransfer(i, c, "retr")) }).toEqual({ case: i, ...portlessTransfer(theirs[i]!.retr!) });
    }
  }, 120_000);

  it("storlines sends the same lines, stores the same file and gives the same result", async () => {
    for (const [i, c] of all.entries()) {
      expect({ case: i, ...portlessTransfer(await ourLinesTransfer(i, c, "stor")) }).toEqual({ case: i, ...portlessTransfer(theirs[i]!.stor!) });
      const file = theirFiles.get(i);
      if (file !== undefined) expect({ case: i, file: readFileSync(join(srv.root, `up${i}.txt`)) }).toEqual({ case: i, file });
    }
  }, 120_000);

  it("the cases reach what they are made for", () => {
    const results = theirs.flatMap((t) => Object.values(t).map((x) => x.result[0]));
    expect(results).toContain("ok");
    expect(results).toContain("Error");
    expect(all.some((c) => c.binary)).toBe(true);
    expect(all.some((c) => c.data.at(-1) === 0x0d)).toBe(true);
  });
});
