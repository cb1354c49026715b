/**
 * One HTTP GET done twice: by hand over stdnet/socket — typing the request
 * and reading the status line, the headers and the body ourselves — and
 * through the high-level modules, http.client and urllib.request. Each way
 * prints the same summary line, so a reader sees they agree. http-get.py
 * beside this file is the Python original, line for line; both print the
 * same lines.
 *
 * Run: npx tsx --conditions=source examples/side-by-side/http-get.ts [host [port [path …]]]
 *      (defaults: localhost 8000 /; HTTP_HOST, HTTP_PORT, HTTP_PATH also work)
 *      e.g. against `python3 -m http.server 8000`
 */
import { createHash } from "node:crypto";
import { create_connection, repr } from "stdnet/socket";
import { HTTPConnection, HTTPResponse } from "stdnet/http/client";
import { urlopen, HTTPError } from "stdnet/urllib/request";

const argv = process.argv.slice(2);
const host = argv[0] ?? process.env.HTTP_HOST ?? "localhost";
const port = Number(argv[1] ?? process.env.HTTP_PORT ?? 8000);
const paths = argv.length > 2 ? argv.slice(2) : [process.env.HTTP_PATH ?? "/"];

function summary(way: string, status: number, reason: string, ctype: string | null, body: Uint8Array): string {
  const digest = createHash("sha256").update(body).digest("hex");
  return `${(way + ":").padEnd(17)} ${status} ${reason}, Content-Type ${repr(ctype)}, ${body.length} bytes, sha256 ${digest.slice(0, 16)}`;
}

// 1. By hand: an HTTP/1.1 request is a few lines of text ending with an empty line.
async function byHand(path: string): Promise<string> {
  const sock = await create_connection([host, port], 10);
  const request = `GET ${path} HTTP/1.1\r\nHost: ${host}:${port}\r\nConnection: close\r\n\r\n`;
  await sock.sendall(Buffer.from(request, "latin1"));
  const f = sock.makefile("rb"); // a file over the socket: readline() and read(n)
  const statusLine = (await f.readline()).toString("latin1").trimEnd(); // "HTTP/1.1 200 OK"
  const [, status = "0", ...words] = statusLine.split(" ");
  const reason = words.join(" ");
  const headers = new Map<string, string>();
  for (;;) {
    const line = (await f.readline()).toString("latin1");
    if (line === "\r\n" || line === "\n" || line === "") break; // an empty line ends the headers
    const colon = line.indexOf(":");
    headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  let body: Buffer;
  if (headers.get("transfer-encoding")?.toLowerCase() === "chunked") {
    const chunks: Buffer[] = []; // each chunk: its size in hex, CRLF, the bytes, CRLF; size 0 ends
    for (;;) {
      const size = parseInt((await f.readline()).toString("latin1").split(";")[0]!, 16);
      if (size === 0) break;
      chunks.push(await f.read(size));
      await f.readline();
    }
    body = Buffer.concat(chunks);
  } else if (headers.has("content-length")) {
    body = await f.read(Number(headers.get("content-length")));
  } else {
    body = await f.read(); // no length given: the body runs until the server closes
  }
  await f.close();
  sock.close();
  return summary("by hand (socket)", Number(status), reason, headers.get("content-type") ?? null, body);
}

// 2. http.client: the same request, the protocol done for us.
async function withHttpClient(path: string): Promise<string> {
  const conn = new HTTPConnection(host, port, { timeout: 10 });
  await conn.request("GET", path);
  const resp = await conn.getresponse();
  const body = await resp.read();
  conn.close();
  return summary("http.client", resp.status, resp.reason, resp.getheader("Content-Type"), body);
}

// 3. urllib.request: one call with a URL; an HTTP error status is raised, and is also a response.
async function withUrlopen(path: string): Promise<string> {
  try {
    const resp = await urlopen(`http://${host}:${port}${path}`, null, { timeout: 10 });
    // For an http: URL the response is http.client's HTTPResponse (typed as any URL's response).
    if (!(resp instanceof HTTPResponse)) throw new Error("an http: URL gives an HTTPResponse");
    return summary("urllib.request", resp.status, resp.reason, resp.headers.get("Content-Type"), await resp.read());
  } catch (e) {
    if (!(e instanceof HTTPError)) throw e;
    return summary("urllib.request", e.status, e.reason, e.headers.get("Content-Type"), await e.read());
  }
}

for (const path of paths) {
  console.log("GET", path);
  const results = [await byHand(path), await withHttpClient(path), await withUrlopen(path)];
  for (const line of results) console.log(line);
  const same = results.map((r) => r.slice(18));
  console.log("agree:", repr(same.every((r) => r === same[0])));
}
