/**
 * urlopen for file:, data: and ftp: URLs, and python3's http.server as an
 * interop peer: for each, our response (headers, body, errors) equals what
 * python3's urllib.request reads from the same URL.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { URLError } from "stdnet/urllib/error";
import { urlopen, urlretrieve } from "stdnet/urllib/request";
import { startFtpServer, type TestFtpServer } from "../../helpers/ftpserver.js";
import { runPython, startPython, type PythonServer } from "../../helpers/python.js";

let dir: string;
let ftp: TestFtpServer;
let pyServer: PythonServer;
let pyOrigin: string;

const FILES: Record<string, Buffer> = {
  "a.txt": Buffer.from("plain text\nsecond line\n"),
  "page.html": Buffer.from("<html><body>h\u00e9llo</body></html>"),
  "data.json": Buffer.from('{"k": [1, 2, 3]}'),
  "blob.bin": Buffer.from(Array.from({ length: 70000 }, (_, i) => (i * 7) & 0xff)),
  "no extension": Buffer.from("x"),
  "sp ace%.txt": Buffer.from("quoted name"),
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "stdnet-urllib-"));
  for (const [name, data] of Object.entries(FILES)) writeFileSync(join(dir, name), data);
  ftp = await startFtpServer();
  for (const [name, data] of Object.entries(FILES)) writeFileSync(join(ftp.root, name), data);
  pyServer = await startPython(
    `import sys, functools, http.server\nH = functools.partial(http.server.SimpleHTTPRequestHandler, directory=sys.argv[1])\nH.func.log_message = lambda *a: None\ns = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)\nprint(s.server_address[1], flush=True)\ns.serve_forever()`,
    [dir],
  );
  pyOrigin = `http://127.0.0.1:${pyServer.firstLine.trim()}`;
});
afterAll(async () => {
  await pyServer.stop();
  await ftp.close();
  rmSync(dir, { recursive: true, force: true });
});

type Outcome = { ok: [number | null, [string, string][], number[], string | null] } | { err: string };

async function ours(url: string): Promise<Outcome> {
  try {
    const r = await urlopen(url);
    const body = await r.read();
    r.close();
    return { ok: [r.status, r.headers.items(), [...body], r.geturl()] };
  } catch (e) {
    return { err: `${(e as Error).name}: ${(e as Error).message}` };
  }
}

const PY_FETCH = String.raw`
import json, sys
from urllib.request import urlopen
from urllib.error import URLError
out = []
for url in json.loads(sys.argv[1]):
    try:
        r = urlopen(url)
        body = r.read()
        out.append({"ok": [r.status, list(r.headers.items()), list(body), r.geturl()]})
    except URLError as e:
        out.append({"err": "%s: %s" % (type(e).__name__, e)})
print(json.dumps(out))
`;

async function python(urls: string[]): Promise<Outcome[]> {
  return JSON.parse((await runPython(PY_FETCH, [JSON.stringify(urls)])).toString()) as Outcome[];
}

/** Drops the headers whose value is the moment of the request. */
function timeless(o: Outcome): Outcome {
  if ("err" in o) return o;
  return { ok: [o.ok[0], o.ok[1].filter(([k]) => !["date", "last-modified"].includes(k.toLowerCase())), o.ok[2], o.ok[3]] };
}

describe("urlopen() for file:, data: and ftp: URLs, and against python3's http.server", () => {
  it("reads file:, data:, ftp: and http.server URLs exactly as python3's urlopen does", async () => {
    const names = Object.keys(FILES).map((n) => encodeURIComponent(n).replace(/%2F/g, "/"));
    const urls = [
      ...names.map((n) => `file://${dir}/${n}`),
      `file://localhost${dir}/a.txt`,
      `file://${dir}/missing.txt`,
      `file://${dir}`,
      "data:,Hello%2C%20World!",
      "data:text/plain;base64,SGVsbG8sIFdvcmxkIQ==",
      "data:text/html;charset=utf-8,%3Ch1%3Ehi%3C%2Fh1%3E",
      "data:;base64,AAEC/w==",
      ...names.map((n) => `ftp://${ftp.user}:${ftp.password}@127.0.0.1:${ftp.port}/${n}`),
      `ftp://${ftp.user}:${ftp.password}@127.0.0.1:${ftp.port}/missing.bin`,
      ...names.map((n) => `${pyOrigin}/${n}`),
      `${pyOrigin}/`,
      `${pyOrigin}/missing`,
    ];
    const expected = await python(urls);
    const got: Outcome[] = [];
    for (const u of urls) got.push(await ours(u));
    expect(got.length).toBe(expected.length);
    urls.forEach((u, i) => {
      const g = timeless(got[i]!);
      const x = timeless(expected[i]!);
      // the body compared apart, so a failure names the URL and shows headers readably
      const body = (o: Outcome): number[] => ("ok" in o ? o.ok[2] : []);
      const head = (o: Outcome): unknown => ("ok" in o ? [o.ok[0], o.ok[1], o.ok[3]] : o.err);
      expect([u, head(g)]).toEqual([u, head(x)]);
      expect(Buffer.from(body(g)).equals(Buffer.from(body(x)))).toBe(true);
    });
  });

  it("a file: URL reports its Last-modified as Python formats it", async () => {
    const r = await urlopen(`file://${dir}/a.txt`);
    expect(r.headers.get("Last-modified")).toMatch(/^[A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d GMT$/);
    expect(r.status).toBeNull();
    r.close();
  });

  it("a file: URL on another host is refused", async () => {
    await expect(urlopen("file://example.invalid/etc/hostname")).rejects.toBeInstanceOf(URLError);
  });

  it("urlretrieve() of a file: URL without a filename returns the local path", async () => {
    const [path, headers] = await urlretrieve(`file://${dir}/a.txt`);
    expect(path).toBe(join(dir, "a.txt"));
    expect(headers.get("Content-length")).toBe(String(FILES["a.txt"]!.length));
  });
});
