import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FTP } from "stdnet/ftplib";
import { startFtpServer, type TestFtpServer } from "../../helpers/ftpserver.js";
import { runPython } from "../../helpers/python.js";

let srv: TestFtpServer;
let local: string;

// Text with every kind of line end, a blank line, non-ASCII, and no final newline.
const TEXT = Buffer.from("alpha\r\nbeta\ngamma\rdelta\r\n\r\nünïcode €\nlast line", "utf8");
const BINARY = randomBytes(100_000);

/** The job, as a Python programmer writes it with ftplib; prints its results as JSON. */
const PYTHON_JOB = String.raw`
import ftplib, json, sys
host, port, user, passwd, workdir, textfile, binfile = sys.argv[1:8]
out = {}
ftp = ftplib.FTP()
out["welcome"] = ftp.connect(host, int(port), timeout=10)
out["login"] = ftp.login(user, passwd)
out["mkd"] = ftp.mkd(workdir).endswith("/" + workdir)
out["cwd"] = ftp.cwd(workdir)
out["pwd"] = ftp.pwd()
sent_lines = []
with open(textfile, "rb") as f:
    out["storlines"] = ftp.storlines("STOR text.txt", f, lambda b: sent_lines.append(b.decode("latin-1")))
out["sent_lines"] = sent_lines
sent_blocks = []
with open(binfile, "rb") as f:
    out["storbinary"] = ftp.storbinary("STOR data.bin", f, 8192, lambda b: sent_blocks.append(len(b)))
out["sent_blocks"] = sent_blocks
with open(binfile, "rb") as f:
    out["appe"] = ftp.storbinary("APPE data.bin", f, 4096)
lines = []
out["retrlines"] = ftp.retrlines("RETR text.txt", lines.append)
out["lines"] = lines
got = []
out["retrbinary"] = ftp.retrbinary("RETR data.bin", got.append)
out["retr_len"] = sum(len(b) for b in got)
out["retr_max_block"] = max(len(b) for b in got)
rest = []
ftp.retrbinary("RETR data.bin", rest.append, 8192, 99_000)
out["rest_len"] = sum(len(b) for b in rest)
out["size"] = ftp.size("data.bin")
out["rename"] = ftp.rename("data.bin", "renamed.bin")
out["nlst"] = sorted(ftp.nlst())
listing = []
ftp.dir(listing.append)
out["dir_names"] = sorted(line.split()[-1] for line in listing)
try:
    ftp.retrbinary("RETR missing.bin", got.append)
except ftplib.error_perm as e:
    out["missing"] = [type(e).__name__, str(e).replace(workdir, "WORKDIR")]
try:
    ftp.delete("missing.bin")
except ftplib.error_perm as e:
    out["delete_missing"] = [type(e).__name__, str(e).replace(workdir, "WORKDIR")]
out["noop"] = ftp.sendcmd("NOOP")
out["delete"] = ftp.delete("renamed.bin")
out["quit"] = ftp.quit()
print(json.dumps(out))
`;

interface JobResult {
  [key: string]: unknown;
}

async function ourJob(workdir: string, textfile: string, binfile: string): Promise<JobResult> {
  const out: JobResult = {};
  const ftp = new FTP();
  out.welcome = await ftp.connect(srv.host, srv.port, 10);
  out.login = await ftp.login(srv.user, srv.password);
  out.mkd = (await ftp.mkd(workdir)).endsWith("/" + workdir);
  out.cwd = await ftp.cwd(workdir);
  out.pwd = await ftp.pwd();
  const sentLines: string[] = [];
  out.storlines = await ftp.storlines("STOR text.txt", textfile, (b) => sentLines.push(b.toString("latin1")));
  out.sent_lines = sentLines;
  const sentBlocks: number[] = [];
  out.storbinary = await ftp.storbinary("STOR data.bin", binfile, 8192, (b) => sentBlocks.push(b.length));
  out.sent_blocks = sentBlocks;
  out.appe = await ftp.storbinary("APPE data.bin", binfile, 4096);
  const lines: string[] = [];
  out.retrlines = await ftp.retrlines("RETR text.txt", (l) => lines.push(l));
  out.lines = lines;
  const got: number[] = [];
  out.retrbinary = await ftp.retrbinary("RETR data.bin", (b) => got.push(b.length));
  out.retr_len = got.reduce((a, b) => a + b, 0);
  out.retr_max_block = Math.max(...got);
  let restLen = 0;
  await ftp.retrbinary("RETR data.bin", (b) => (restLen += b.length), 8192, 99_000);
  out.rest_len = restLen;
  out.size = await ftp.size("data.bin");
  out.rename = await ftp.rename("data.bin", "renamed.bin");
  out.nlst = (await ftp.nlst()).sort();
  const listing: string[] = [];
  await ftp.dir((line) => listing.push(line));
  out.dir_names = listing.map((l) => l.split(/\s+/).at(-1)).sort();
  const failure = (e: unknown): Error => e as Error;
  const noFailure = (): Error => new Error("no error");
  const missing = await ftp.retrbinary("RETR missing.bin", () => undefined).then(noFailure, failure);
  out.missing = [missing.name, missing.message.replaceAll(workdir, "WORKDIR")];
  const deleteMissing = await ftp.delete("missing.bin").then(noFailure, failure);
  out.delete_missing = [deleteMissing.name, deleteMissing.message.replaceAll(workdir, "WORKDIR")];
  out.noop = await ftp.sendcmd("NOOP");
  out.delete = await ftp.delete("renamed.bin");
  out.quit = await ftp.quit();
  return out;
}

beforeAll(async () => {
  srv = await startFtpServer();
  local = mkdtempSync(join(tmpdir(), "stdnet-ftp-local-"));
  writeFileSync(join(local, "text.txt"), TEXT);
  writeFileSync(join(local, "data.bin"), BINARY);
});

afterAll(async () => {
  await srv.close();
  rmSync(local, { recursive: true, force: true });
});

describe("interop with CPython's ftplib", () => {
  it("the same job through python3's ftplib and ours gives the same replies, callbacks and files", async () => {
    const textfile = join(local, "text.txt");
    const binfile = join(local, "data.bin");
    const [pyOut, ours] = await Promise.all([
      runPython(PYTHON_JOB, [srv.host, String(srv.port), srv.user, srv.password, "job-py", textfile, binfile]),
      ourJob("job-ts", textfile, binfile),
    ]);
    const theirs = JSON.parse(pyOut.toString("utf8")) as JobResult;
    const normalise = (r: JobResult): JobResult => JSON.parse(JSON.stringify(r).replaceAll("job-py", "WORKDIR").replaceAll("job-ts", "WORKDIR")) as JobResult;
    expect(normalise(ours)).toEqual(normalise(theirs));
    expect(Object.keys(theirs)).toHaveLength(25);
    expect(theirs.sent_blocks).toHaveLength(Math.ceil(BINARY.length / 8192));
    expect((theirs.missing as string[])[0]).toBe("error_perm");
    expect(theirs.lines).toEqual(["alpha", "beta", "gamma", "delta", "", "ünïcode €", "last line"]);
    // what each stored on the server, byte for byte
    expect(readFileSync(join(srv.root, "job-ts", "text.txt")).equals(readFileSync(join(srv.root, "job-py", "text.txt")))).toBe(true);
  });
});
