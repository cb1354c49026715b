/**
 * Which connection a session speaks over, compared with python3's ftplib on
 * the same scripted peers: a `connect()` that cannot reach its server leaves
 * the session on its old connection; one whose welcome is refused (`421`)
 * keeps the new connection; a timeout Python's socket refuses is refused
 * before anything is sent; after a command timed out, the session's reads
 * are refused as Python's timed-out socket file refuses them.
 */
import { createServer, type AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FTP, all_errors } from "stdnet/ftplib";
import { ValueError } from "stdnet/socket";
import { runPython } from "../../helpers/python.js";
import { eachLine, rawServer, type RawServer } from "../../helpers/rawserver.js";

let good: RawServer;
let busy: RawServer;
let dead: number;

/** A peer that greets with `greeting`, answers NOOP with `noop` and never answers SLOW. */
function peer(greeting: string, noop: string): Promise<RawServer> {
  return rawServer((sock) => {
    sock.write(greeting);
    eachLine(sock, (line) => {
      if (line === "NOOP") sock.write(noop);
      else if (line !== "SLOW") sock.write("200 default\r\n");
    });
  });
}

beforeAll(async () => {
  good = await peer("220 good\r\n", "200 noop from good\r\n");
  busy = await peer("421 busy\r\n", "200 noop from busy\r\n");
  // a port nothing listens on
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  dead = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
});

afterAll(async () => {
  await Promise.all([good.close(), busy.close()]);
});

type Attempt = readonly [string, string | number | null];

const PYTHON = String.raw`
import ftplib, json, sys
good, busy, dead = map(int, sys.argv[1:4])
def attempt(f):
    try:
        return ["ok", f()]
    except (ValueError, *ftplib.all_errors) as e:
        return [type(e).__name__, str(e)]
out = {}
ftp = ftplib.FTP(timeout=5)
ftp.connect("127.0.0.1", good)
out["refused"] = [attempt(lambda: ftp.connect("127.0.0.1", dead)), attempt(lambda: ftp.sendcmd("NOOP"))]
out["busy"] = [attempt(lambda: ftp.connect("127.0.0.1", busy)), attempt(lambda: ftp.sendcmd("NOOP"))]
ftp.close()
ftp = ftplib.FTP()
out["negative"] = [attempt(lambda: ftp.connect("127.0.0.1", good, timeout=-1)), ["timeout", ftp.timeout]]
out["nan"] = [attempt(lambda: ftp.connect("127.0.0.1", good, timeout=float("nan")))]
ftp = ftplib.FTP(timeout=0.3)
ftp.connect("127.0.0.1", good)
out["timeout"] = [attempt(lambda: ftp.sendcmd("SLOW")), attempt(lambda: ftp.sendcmd("NOOP"))]
ftp.close()
print(json.dumps(out))
`;

async function attempt(f: () => Promise<string>): Promise<Attempt> {
  try {
    return ["ok", await f()];
  } catch (e) {
    if (!(e instanceof Error) || !(e instanceof ValueError || all_errors.some((cls) => e instanceof cls))) throw e;
    return [e.name, e.message];
  }
}

describe("the connection a session speaks over", () => {
  let theirs: Record<string, Attempt[]>;
  beforeAll(async () => {
    const out = await runPython(PYTHON, [good.port, busy.port, dead].map(String));
    theirs = JSON.parse(out.toString()) as typeof theirs;
  });

  it("a connect() that does not reach its server leaves the old connection in use; one whose welcome is refused keeps the new one", async () => {
    const ftp = new FTP("", "", "", "", { timeout: 5 });
    try {
      await ftp.connect("127.0.0.1", good.port);
      const refused = [await attempt(() => ftp.connect("127.0.0.1", dead)), await attempt(() => ftp.sendcmd("NOOP"))];
      const welcomeRefused = [await attempt(() => ftp.connect("127.0.0.1", busy.port)), await attempt(() => ftp.sendcmd("NOOP"))];
      expect(refused).toEqual(theirs.refused);
      expect(welcomeRefused).toEqual(theirs.busy);
    } finally {
      ftp.close();
    }
    expect(theirs.refused).toEqual([
      ["ConnectionRefusedError", "[Errno 111] Connection refused"],
      ["ok", "200 noop from good"],
    ]);
    expect(theirs.busy).toEqual([
      ["error_temp", "421 busy"],
      ["ok", "200 noop from busy"],
    ]);
  });

  it("a negative or NaN timeout is ValueError with socket.settimeout's text, kept on the session as Python keeps it", async () => {
    const ftp = new FTP();
    const negative = [await attempt(() => ftp.connect("127.0.0.1", good.port, -1)), ["timeout", ftp.timeout]];
    const nan = [await attempt(() => ftp.connect("127.0.0.1", good.port, Number.NaN))];
    expect(negative).toEqual(theirs.negative);
    expect(nan).toEqual(theirs.nan);
    expect(theirs.negative![0]).toEqual(["ValueError", "Timeout value out of range"]);
  });

  it("after a command timed out, the next is refused as Python's timed-out socket file refuses a read", async () => {
    const ftp = new FTP("", "", "", "", { timeout: 0.3 });
    try {
      await ftp.connect("127.0.0.1", good.port);
      const mine = [await attempt(() => ftp.sendcmd("SLOW")), await attempt(() => ftp.sendcmd("NOOP"))];
      expect(mine).toEqual(theirs.timeout);
    } finally {
      ftp.close();
    }
    expect(theirs.timeout).toEqual([
      ["TimeoutError", "timed out"],
      ["OSError", "cannot read from timed out object"],
    ]);
  });
});
