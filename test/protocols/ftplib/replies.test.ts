/**
 * Reading replies as Python's ftplib reads them (getline, getmultiline,
 * getresp), compared with python3's ftplib against the same scripted peers:
 * line ends, multi-line replies, what is not a reply, maxline, the end of the
 * stream, `lastresp`, the debug output of each, and `size()`'s number.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FTP, all_errors } from "stdnet/ftplib";
import { EOFError } from "stdnet/socket";
import { ourOutcome, pythonOutcomes, scriptedPeer, type Outcome, type PeerScript, type Say } from "../../helpers/ftpscript.js";
import { runPython } from "../../helpers/python.js";
import { rawServer, type RawServer } from "../../helpers/rawserver.js";
import { MAX_REPLY_CHARS } from "../../../src/protocols/_ftpreplyreader.js";

interface Scenario extends PeerScript {
  name: string;
  commands: string[];
  maxline?: number;
  debug?: number;
}

const peers: RawServer[] = [];
afterAll(async () => {
  await Promise.all(peers.map((p) => p.close()));
});

const peerFor = (sc: PeerScript): Promise<RawServer> => scriptedPeer(sc, peers);

/** Each scenario's run: a 3 s timeout, which no scenario meets. */
const runOf = (sc: Scenario) => ({ commands: sc.commands, maxline: sc.maxline ?? null, debug: sc.debug ?? 2, timeout: 3 });

const SCENARIOS: Scenario[] = [
  {
    name: "a reply whose first character is not 1-5 is error_proto; a blank line inside a multi-line reply is kept",
    greeting: "220 hi\r\n",
    replies: { ZERO: "099 zero code\r\n", SIX: "600 six\r\n", BLANK: "211-first\r\n\r\n211 end\r\n", XEND: "211-first\r\n211x ends it\r\n" },
    commands: ["ZERO", "SIX", "BLANK", "XEND", "NOOP"],
  },
  {
    name: "a line that is not a reply is error_proto at once, and a blank line is one too",
    greeting: "220 hi\r\n",
    replies: { GARBAGE: "hello there\r\n", EMPTY: "\r\n200 after empty\r\n" },
    commands: ["GARBAGE", "NOOP", "EMPTY", "NOOP"],
  },
  {
    name: "a lone CR and a lone LF end a line; a CR then LF in the next segment is one line end",
    greeting: "220 hi\r\n",
    replies: { BARECR: "200 a\rb\r\n", LF: "200 lf only\n", SPLIT: ["200 first\r", "\n200 second\r\n"], CRONLY: "211-a\r211-b\r211 c\r" },
    commands: ["BARECR", "NOOP", "LF", "SPLIT", "NOOP", "CRONLY", "NOOP"],
  },
  {
    name: "two replies to one command: the second answers the next command, as in Python",
    greeting: "220 hi\r\n",
    replies: { TWO: "200 first\r\n200 second\r\n", TRAIL: "200 trailing   \r\n" },
    commands: ["TWO", "NOOP", "TRAIL"],
  },
  {
    name: "a line over maxline is Error('got more than N bytes'); the rest of it is read next",
    greeting: "220 hi\r\n",
    replies: { MID: "200 " + "y".repeat(200) + "\r\n", EXACT: "200 " + "z".repeat(96) + "\r\n", FITS: "200 " + "w".repeat(95) + "\r\n" },
    commands: ["MID", "NOOP", "NOOP", "EXACT", "FITS"],
    maxline: 100,
  },
  {
    name: "maxline counts characters, not UTF-16 units",
    greeting: "220 hi\r\n",
    replies: { EMOJI: Buffer.from("200 ab\u{1F600}\u{1F600}\u{1F600}\r\n"), OVER: Buffer.from("200 abc\u{1F600}\u{1F600}\u{1F600}\r\n") },
    commands: ["EMOJI", "OVER", "NOOP"],
    maxline: 10,
  },
  {
    name: "a multi-line welcome with a blank line, and a 1xx welcome, are what connect() returns",
    greeting: ["120-wait", " a bit\r\n\r\n120 ready soon\r\n"],
    commands: ["NOOP"],
  },
  {
    name: "a 4xx welcome is error_temp",
    greeting: "421-busy\r\n421 try later\r\n",
    commands: [],
  },
  {
    name: "a last line without its end before the server closes is a reply; then EOFError with no text",
    greeting: "220 hi\r\n",
    replies: { BYE: ["221 bye", null] },
    commands: ["BYE", "NOOP"],
  },
  {
    name: "the server closing inside a multi-line reply is EOFError",
    greeting: "220 hi\r\n",
    replies: { HALF: ["211-a\r\n211-b\r\n", null] },
    commands: ["HALF"],
  },
  {
    name: "the server closing with no reply is EOFError",
    greeting: "220 hi\r\n",
    replies: { EOF: null },
    commands: ["EOF"],
  },
  {
    name: "a negative debug level prints commands and replies, as Python tests `if self.debugging`",
    greeting: "220 hi\r\n",
    commands: ["NOOP"],
    debug: -1,
  },
];

describe("replies are read as Python's ftplib reads them", () => {
  const ports: number[] = [];
  let theirs: Outcome[] = [];

  beforeAll(async () => {
    for (const sc of SCENARIOS) ports.push((await peerFor(sc)).port);
    theirs = await pythonOutcomes(SCENARIOS.map((sc, i) => ({ ...runOf(sc), port: ports[i]! })));
  });

  for (const [i, sc] of SCENARIOS.entries()) {
    it(sc.name, async () => {
      const mine = await ourOutcome(ports[i]!, runOf(sc));
      expect({ results: mine.results, log: mine.log, lastresp: mine.lastresp }).toEqual(theirs[i]);
      // nothing waited for the 3 s timeout (Python's ftplib answers each at once too)
      expect(mine.slowest).toBeLessThan(1000);
    });
  }

  it("the scenarios meet what they are named for", () => {
    const kinds = theirs.flatMap((t) => t.results.map((r) => r[0]));
    for (const kind of ["ok", "error_proto", "error_temp", "Error", "EOFError"]) expect(kinds).toContain(kind);
  });

  it("EOFError carries no text, as Python's, and keeps basic-ftp's error as its cause", async () => {
    const peer = await peerFor({ greeting: "220 hi\r\n", replies: { EOF: null } });
    const ftp = new FTP("", "", "", "", { timeout: 3 });
    await ftp.connect("127.0.0.1", peer.port);
    const err = await ftp.sendcmd("EOF").catch((e: unknown) => e);
    ftp.close();
    const theirs = (
      await runPython(
        String.raw`
import ftplib, sys
ftp = ftplib.FTP(timeout=3)
ftp.connect("127.0.0.1", int(sys.argv[1]))
try:
    ftp.sendcmd("EOF")
except EOFError as e:
    print(repr(str(e)))
`,
        [String(peer.port)],
      )
    )
      .toString()
      .trim();
    expect(theirs).toBe("''");
    expect(err).toBeInstanceOf(EOFError);
    expect((err as Error).message).toBe("");
    expect(String((err as Error).cause)).toMatch(/FIN packet/);
  });
});

describe("a reply that never ends", () => {
  it("is refused past MAX_REPLY_CHARS (Python's ftplib has no bound), and the client holds no more than that", async () => {
    // a multi-line reply whose lines keep coming, 16 MiB of them, then its end
    const peer = await rawServer((s) => {
      s.write("220 hi\r\n");
      s.once("data", () => {
        s.write("211-start\r\n");
        const line = " " + "x".repeat(1022) + "\r\n";
        const write = (left: number): void => {
          if (left === 0) {
            s.write("211 end\r\n");
            return;
          }
          if (s.write(line.repeat(64))) setImmediate(() => write(left - 1));
          else s.once("drain", () => write(left - 1));
        };
        write(256);
      });
    });
    try {
      const ftp = new FTP("", "", "", "", { timeout: 10 });
      await ftp.connect("127.0.0.1", peer.port);
      const err = await ftp.sendcmd("STAT").catch((e: unknown) => e);
      expect(err).toBeInstanceOf(Error);
      expect((err as Error).message).toBe(`got more than ${MAX_REPLY_CHARS} characters in one reply`);
      expect(all_errors.some((c) => err instanceof c)).toBe(true);
      ftp.close();
    } finally {
      await peer.close();
    }
  });
});

describe("size()", () => {
  const VALUES = [
    "1234",
    "12345678901234567890",
    "9007199254740993",
    "-9007199254740993",
    "9007199254740991",
    "1_000",
    "1__000",
    "_1",
    "1_",
    "+5",
    "-0",
    "007",
    " \u3000 42 \x1c",
    "\u0663\u0664",
    "\uff15\uff10",
    "\u{1D7D0}\u{1D7D7}",
    "1e3",
    "0x10",
    "1.0",
    "- 5",
    "+_1",
    "12 34",
    "",
    "\ufeff1",
    "x".repeat(300),
    "1".repeat(4300),
    "1".repeat(4301),
    "1_".repeat(2200) + "1",
    "1".repeat(5000) + "x",
    "1".repeat(5000) + "__",
  ];

  it("reads the number as Python's int() does: exact beyond 2**53, int()'s ValueError texts", async () => {
    const replies: Record<string, Say> = {};
    VALUES.forEach((v, i) => {
      replies[`SIZE f${i}`] = Buffer.from(`213 ${v}\r\n`);
    });
    replies["SIZE other"] = "550 no such file\r\n";
    replies["SIZE dir"] = "250 not a size\r\n";
    const names = [...VALUES.map((_, i) => `f${i}`), "other", "dir"];
    const peer = await peerFor({ greeting: "220 hi\r\n", replies });
    const theirs = JSON.parse(
      (
        await runPython(
          String.raw`
import ftplib, json, sys
ftp = ftplib.FTP(timeout=3)
ftp.connect("127.0.0.1", int(sys.argv[1]))
out = []
for name in json.loads(sys.stdin.read()):
    try:
        v = ftp.size(name)
        out.append(["None"] if v is None else ["int", str(v)])
    except (ValueError, ftplib.Error) as e:
        out.append([type(e).__name__, str(e)])
ftp.close()
print(json.dumps(out))
`,
          [String(peer.port)],
          JSON.stringify(names),
        )
      ).toString(),
    ) as string[][];
    const ftp = new FTP("", "", "", "", { timeout: 3 });
    await ftp.connect("127.0.0.1", peer.port);
    const mine: string[][] = [];
    for (const name of names) {
      try {
        const v = await ftp.size(name);
        if (v === null) mine.push(["None"]);
        else {
          // a number when it is safe, a bigint beyond, as stdnet maps Python's ints
          expect(typeof v, String(v)).toBe(Number.isSafeInteger(Number(v)) && BigInt(Number(v)) === BigInt(v) ? "number" : "bigint");
          mine.push(["int", String(v)]);
        }
      } catch (e) {
        mine.push([(e as Error).name, (e as Error).message]);
      }
    }
    ftp.close();
    expect(mine).toEqual(theirs);
    expect(theirs.filter((t) => t[0] === "int").length).toBeGreaterThan(8);
    expect(theirs.filter((t) => t[0] === "ValueError").length).toBeGreaterThan(8);
  });
});

describe("all_errors", () => {
  it("holds ssl.SSLError as Python's with ssl does", async () => {
    const theirs = (await runPython("import ftplib; print(' '.join(c.__name__ for c in ftplib.all_errors))")).toString().trim();
    expect(all_errors.map((cls) => cls.prototype.name).join(" ")).toBe(theirs);
  });
});
