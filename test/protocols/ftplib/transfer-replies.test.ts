/**
 * The replies around a transfer, read as Python's `ntransfercmd` and
 * `voidresp` read them, compared with python3's ftplib against the same
 * scripted peer: a 2xx before the 1xx is passed over, any 1xx starts the
 * data, a second 1xx or a second 2xx before the data is `error_reply`, and
 * a refused REST closes the data connection it was opened for.
 */
import type { Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { FTP, all_errors } from "stdnet/ftplib";
import { runPython } from "../../helpers/python.js";
import { eachLine, rawServer, type RawServer } from "../../helpers/rawserver.js";

const PAYLOAD = "0123456789".repeat(50);

/** A step of the peer's answer: a control line, the payload sent and the data connection ended, or the upload read to its end. */
type Step = string;

/** The peer's answers by command line; anything else gets "200 default". */
const SCRIPT: Record<string, readonly Step[]> = {
  "RETR early": ["200 early\r\n", "150 go\r\n", "DATA", "226 done\r\n"],
  "RETR two2xx": ["200 a\r\n", "200 b\r\n"],
  "RETR 2xx3xx": ["200 a\r\n", "350 b\r\n"],
  "RETR 2xx5xx": ["200 a\r\n", "550 gone\r\n"],
  "RETR 110": ["110 marker\r\n", "DATA", "226 done\r\n"],
  "RETR 125": ["125 open\r\n", "DATA", "226 done\r\n"],
  "RETR two1xx": ["150 go\r\n", "DATA", "150 again\r\n", "226 late\r\n"],
  "LIST": ["200 early\r\n", "125 listing\r\n", "DATA", "226 listed\r\n"],
  "STOR early": ["200 early\r\n", "150 go\r\n", "DRAIN", "226 stored\r\n"],
  "REST 5": ["502 no restarts\r\n"],
};

interface Connection {
  /** Resolves to the data connection PASV last offered, once the client connects. */
  data?: Promise<Socket>;
  /** Whether the last data connection has been closed by the client. */
  dataClosed: boolean;
  uploads: string[];
}

let peer: RawServer;
const dataPeers: RawServer[] = [];

async function run(sock: Socket, conn: Connection, line: string): Promise<void> {
  if (line === "PASV") {
    let accepted: (s: Socket) => void = () => undefined;
    conn.data = new Promise<Socket>((r) => (accepted = r));
    conn.dataClosed = false;
    const dataPeer = await rawServer((d) => {
      d.on("close", () => (conn.dataClosed = true));
      accepted(d);
    });
    dataPeers.push(dataPeer);
    sock.write(`227 Entering Passive Mode (127,0,0,1,${dataPeer.port >> 8},${dataPeer.port & 255})\r\n`);
    return;
  }
  if (line === "NOOP") {
    // how a refused REST left the data connection: given half a second to close
    for (let i = 0; i < 50 && conn.data !== undefined && !conn.dataClosed; i++) await new Promise((r) => setTimeout(r, 10));
    sock.write(conn.data === undefined ? "200 no data connection\r\n" : conn.dataClosed ? "200 data closed\r\n" : "200 data open\r\n");
    return;
  }
  if (line === "QUIT") {
    sock.end("221 bye\r\n");
    return;
  }
  for (const step of SCRIPT[line] ?? ["200 default\r\n"]) {
    if (step === "DATA") {
      const d = await conn.data!;
      await new Promise<void>((r) => d.end(PAYLOAD, r));
      // the payload's end reaches the client before the next reply
      await new Promise((r) => setTimeout(r, 50));
    } else if (step === "DRAIN") {
      const d = await conn.data!;
      const parts: Buffer[] = [];
      d.on("data", (b: Buffer) => parts.push(b));
      await new Promise((r) => d.once("end", r));
      conn.uploads.push(Buffer.concat(parts).toString("latin1"));
    } else sock.write(step);
  }
}

beforeAll(async () => {
  peer = await rawServer((sock) => {
    const conn: Connection = { dataClosed: false, uploads: [] };
    sock.write("220 scripted\r\n");
    eachLine(sock, (line) => run(sock, conn, line));
  });
});

afterAll(async () => {
  await Promise.all([peer, ...dataPeers].map((p) => p.close()));
});

/** What one call gave: `["ok", reply, data]` or `[exception name, text]`, then the next NOOP's reply. */
type Outcome = readonly string[];

/** The calls of every scenario, in Python's terms (`retrbinary`, `retrlines`, `storbinary`). */
const CALLS: readonly (readonly [method: "retrbinary" | "retrlines" | "storbinary", cmd: string, rest: number | null])[] = [
  ["retrbinary", "RETR early", null],
  ["retrbinary", "RETR two2xx", null],
  ["retrbinary", "RETR 2xx3xx", null],
  ["retrbinary", "RETR 2xx5xx", null],
  ["retrbinary", "RETR 110", null],
  ["retrbinary", "RETR 125", null],
  ["retrbinary", "RETR two1xx", null],
  ["retrlines", "LIST", null],
  ["storbinary", "STOR early", null],
  ["retrbinary", "RETR early", 5],
  // REST written as Python's "REST %s": an int's digits past 2 ** 53 and past 1e21, a float's repr
  ["retrbinary", "RETR early", 2 ** 60],
  ["retrbinary", "RETR early", 1e21],
  ["retrbinary", "RETR early", 1e-7],
];

const PYTHON = String.raw`
import contextlib, ftplib, io, json, sys
# JS numbers are doubles: read as floats (JSON's shortest digits of 2 ** 60 are not its value as an int)
calls = json.loads(sys.stdin.read(), parse_int=float)
out = []
for method, cmd, rest in calls:
    # stdnet's value mapping: an integral JS number is a Python int
    if isinstance(rest, float) and rest.is_integer():
        rest = int(rest)
    ftp = ftplib.FTP(timeout=5)
    ftp.connect("127.0.0.1", int(sys.argv[1]))
    got = []
    log = io.StringIO()
    ftp.set_debuglevel(1)
    with contextlib.redirect_stdout(log):
        try:
            if method == "retrbinary":
                r = ftp.retrbinary(cmd, lambda b: got.append(b.decode("latin-1")), 8192, rest)
            elif method == "retrlines":
                r = ftp.retrlines(cmd, got.append)
            else:
                r = ftp.storbinary(cmd, io.BytesIO(sys.argv[2].encode()))
            result = ["ok", r, "".join(got)]
        except ftplib.all_errors as e:
            result = [type(e).__name__, str(e)]
        ftp.set_debuglevel(0)
        result.append(ftp.sendcmd("NOOP"))
    ftp.close()
    out.append({"result": result, "log": log.getvalue().splitlines()})
print(json.dumps(out))
`;

async function ours(method: string, cmd: string, rest: number | bigint | null): Promise<{ result: Outcome; log: string[] }> {
  const ftp = new FTP("", "", "", "", { timeout: 5 });
  await ftp.connect("127.0.0.1", peer.port);
  const got: string[] = [];
  const log: string[] = [];
  const spy = vi.spyOn(console, "log").mockImplementation((...args: unknown[]) => {
    log.push(args.map(String).join(" "));
  });
  const result: string[] = [];
  try {
    ftp.set_debuglevel(1);
    try {
      let r: string;
      if (method === "retrbinary") r = await ftp.retrbinary(cmd, (b) => got.push(b.toString("latin1")), 8192, rest);
      else if (method === "retrlines") r = await ftp.retrlines(cmd, (l) => got.push(l));
      else r = await ftp.storbinary(cmd, Buffer.from(PAYLOAD));
      result.push("ok", r, got.join(""));
    } catch (e) {
      if (!(e instanceof Error) || !all_errors.some((cls) => e instanceof cls)) throw e;
      result.push(e.name, e.message);
    }
    ftp.set_debuglevel(0);
    result.push(await ftp.sendcmd("NOOP"));
  } finally {
    spy.mockRestore();
    ftp.close();
  }
  return { result, log };
}

describe("the replies around a transfer", () => {
  let theirs: { result: Outcome; log: string[] }[];
  beforeAll(async () => {
    const out = await runPython(PYTHON, [String(peer.port), PAYLOAD], JSON.stringify(CALLS));
    theirs = JSON.parse(out.toString()) as typeof theirs;
  });

  for (const [i, [method, cmd, rest]] of CALLS.entries()) {
    it(`${method}(${JSON.stringify(cmd)}${rest === null ? "" : `, rest=${rest}`}) as Python's: result, debug output, the next reply`, async () => {
      const mine = await ours(method, cmd, rest);
      expect(mine.result).toEqual(theirs[i]!.result);
      // the data port differs from run to run
      const ports = (log: string[]): string[] => log.map((l) => l.replace(/\(127,0,0,1,\d+,\d+\)/, "(port)"));
      expect(ports(mine.log)).toEqual(ports(theirs[i]!.log));
    });
  }

  it("a bigint rest is written as the int it is, as Python's", async () => {
    const i = CALLS.findIndex(([, , rest]) => rest === 1e21);
    const mine = await ours("retrbinary", "RETR early", 10n ** 21n);
    expect(mine.log).toContain("*cmd* 'REST 1000000000000000000000'");
    expect(mine.log.filter((l) => l.includes("REST"))).toEqual(theirs[i]!.log.filter((l) => l.includes("REST")));
  });

  it("the scenarios show what they are named for", () => {
    const byCmd = new Map(CALLS.map(([, cmd, rest], i) => [`${cmd}${rest ?? ""}`, theirs[i]!.result]));
    // the early 200 is passed over: the transfer's reply is the last one, and the next command gets its own
    expect(byCmd.get("RETR early")).toEqual(["ok", "226 done", PAYLOAD, "200 data closed"]);
    expect(byCmd.get("RETR two2xx")?.slice(0, 2)).toEqual(["error_reply", "200 b"]);
    expect(byCmd.get("RETR 110")?.slice(0, 3)).toEqual(["ok", "226 done", PAYLOAD]);
    expect(byCmd.get("RETR two1xx")?.slice(0, 2)).toEqual(["error_reply", "150 again"]);
    expect(byCmd.get("STOR early")?.slice(0, 2)).toEqual(["ok", "226 stored"]);
    expect(byCmd.get("RETR early5")).toEqual(["error_perm", "502 no restarts", "200 data closed"]);
  });
});
