/**
 * urlopen over http: and https: against a real node:http server, with
 * python3's urllib.request as the oracle on the same server: the same request
 * headers, the same redirect decisions, the same errors.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFileSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import { createServer as createNetServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConnectionRefusedError, TimeoutError } from "stdnet/socket";
import { CERT_NONE, SSLCertVerificationError, create_default_context } from "stdnet/ssl";
import { ContentTooShortError, HTTPError, URLError } from "stdnet/urllib/error";
import { Request, getproxies, proxy_bypass_environment, urlcleanup, urlopen, urlretrieve, type UrlResponse } from "stdnet/urllib/request";
import { makeTestCert, type TestCert } from "../../helpers/certs.js";
import { startConnectProxy, startHttpServer, startRawServer, startTricklingServer, type EchoedRequest, type TestServer } from "../../helpers/httpserver.js";
import { runPython } from "../../helpers/python.js";

const REDIRECT_CASES: [number, string][] = [];
for (const code of [300, 301, 302, 303, 304, 307, 308]) for (const m of ["GET", "POST", "HEAD", "PUT"]) REDIRECT_CASES.push([code, m]);
const PROXY_ENV = { http_proxy: "http://p:3128", HTTPS_PROXY: "http://s:1", no_proxy: "localhost,.internal, example.org" };
const BYPASS_HOSTS = ["localhost", "a.internal", "internal", "example.org:80", "www.example.org", "other.org", "LOCALHOST:8080"];

// Everything python3 must compute, in one process (its start-up is slow on this box).
const ORACLE = String.raw`
import json, os, sys
from urllib.request import *
from urllib.request import proxy_bypass_environment
from urllib.error import *
O = sys.argv[1]
res = {}
res["headers"] = [json.loads(urlopen(O + "/echo").read()), json.loads(urlopen(O + "/echo", b"a=1&b=2").read()),
       json.loads(urlopen(Request(O + "/echo?q", b"x", {"content-TYPE": "text/x", "X-custom": "v"}, method="PUT")).read())]
r = Request("http://h/p?q#f", None, {"content-type": "a", "X-FOO-bar": "b", "user-AGENT": "c"})
r2 = Request("http://h/p", b"d")
r2.add_unredirected_header("x-one", "1")
res["request"] = [sorted(r.header_items()), r.get_method(), r2.get_method(), r.full_url, r.selector, r.host, r.fragment,
  r.has_header("Content-type"), r.has_header("content-type"), r.get_header("X-foo-bar"), sorted(r2.header_items()), r.origin_req_host]
out = []
for code, m in json.loads(sys.argv[2]):
    data = b"body" if m in ("POST", "PUT") else None
    try:
        r = urlopen(Request(O + "/redirect/%d?to=/echo%%3Fafter" % code, data, {"Content-Type": "text/x", "X-Keep": "k"}, method=m))
        body = r.read()
        e = json.loads(body) if body else {}
        out.append(["ok", r.status, r.url.replace(O, ""), e.get("method"), e.get("body"), sorted(k.lower() for k, v in e.get("headers", []))])
    except HTTPError as e:
        out.append(["HTTPError", e.code, str(e)])
res["redirects"] = out
out = []
for path in ("/loop", "/self-loop"):
    try:
        urlopen(O + path)
    except HTTPError as e:
        out.append([e.code, str(e), e.url.replace(O, "")])
res["loops"] = out
calls = []
fn, h = urlretrieve(O + "/bytes?n=20000", None, lambda *a: calls.append(a))
os.unlink(fn)
res["hook"] = calls
for k in list(os.environ):
    if k.lower().endswith("_proxy"): del os.environ[k]
os.environ.update(json.loads(sys.argv[3]))
res["proxies"] = [getproxies(), [proxy_bypass_environment(h) for h in json.loads(sys.argv[4])]]
print(json.dumps(res))
`;

interface Oracle {
  headers: EchoedRequest[];
  request: unknown[];
  redirects: unknown[];
  loops: unknown[];
  hook: unknown[];
  proxies: unknown[];
}

let server: TestServer;
let tlsServer: TestServer;
let cert: TestCert;
let oracle: Oracle;
beforeAll(async () => {
  cert = makeTestCert();
  server = await startHttpServer();
  tlsServer = await startHttpServer({ cert: cert.cert, key: cert.key });
  const out = await runPython(ORACLE, [server.origin, JSON.stringify(REDIRECT_CASES), JSON.stringify(PROXY_ENV), JSON.stringify(BYPASS_HOSTS)]);
  oracle = JSON.parse(out.toString()) as Oracle;
});
afterAll(async () => {
  await server.close();
  await tlsServer.close();
  cert.cleanup();
});

async function echoed(r: UrlResponse): Promise<EchoedRequest> {
  return JSON.parse((await r.read()).toString()) as EchoedRequest;
}

/** Header pairs as a receiver compares them: names lower-cased, sorted. */
function normalized(headers: [string, string][]): string[] {
  return headers.map(([k, v]) => `${k.toLowerCase()}: ${v}`).sort();
}

describe("urlopen() over http", () => {
  it("resolves to a response with status, getcode(), geturl(), info(), headers, url and read()", async () => {
    const r = await urlopen(`${server.origin}/hello#frag`);
    expect([r.status, r.getcode(), r.geturl(), r.url]).toEqual([200, 200, `${server.origin}/hello#frag`, `${server.origin}/hello#frag`]);
    expect(r.info()).toBe(r.headers);
    expect(r.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    expect((await r.read()).toString()).toBe("hello world");
  });

  it("sends the same request headers as Python's urlopen, for GET and for POST data (a GET asks to keep its connection)", async () => {
    const py = oracle.headers;
    const ours = [
      await echoed(await urlopen(`${server.origin}/echo`)),
      await echoed(await urlopen(`${server.origin}/echo`, Buffer.from("a=1&b=2"))),
      await echoed(await urlopen(new Request(`${server.origin}/echo?q`, Buffer.from("x"), { "content-TYPE": "text/x", "X-custom": "v" }, { method: "PUT" }))),
    ];
    for (let i = 0; i < py.length; i++) {
      expect([ours[i]!.method, ours[i]!.url, ours[i]!.body]).toEqual([py[i]!.method, py[i]!.url, py[i]!.body]);
      // the one difference on purpose: a bodiless GET may reuse its connection (see urlopen-reuse.test.ts)
      const theirs = normalized(py[i]!.headers).map((h) => (i === 0 && h === "connection: close" ? "connection: keep-alive" : h));
      expect(normalized(ours[i]!.headers)).toEqual(theirs);
    }
    expect(normalized(py[0]!.headers)).toContain("connection: close");
  });

  it("concurrent urlopen calls each get a connection of their own and run side by side; later calls reuse them", async () => {
    const N = 8;
    const held: (() => void)[] = [];
    let connections = 0;
    const srv = createServer((req, res) => {
      // answer nobody until all N requests are in: calls queued behind one another would time out
      held.push(() => res.end(req.headers.connection ?? ""));
      if (held.length === N) for (const answer of held) answer();
    });
    srv.on("connection", () => connections++);
    await new Promise<void>((resolve) => srv.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = srv.address() as AddressInfo;
      const bodies = await Promise.all(Array.from({ length: N }, async () => (await (await urlopen(`http://127.0.0.1:${port}/`, null, { timeout: 5 })).read()).toString()));
      expect(bodies).toEqual(Array<string>(N).fill("keep-alive"));
      expect(connections).toBe(N);
      // and again: the first round's connections, idle now, carry the second
      held.length = 0;
      await Promise.all(Array.from({ length: N }, async () => (await urlopen(`http://127.0.0.1:${port}/`, null, { timeout: 5 })).read()));
      expect(connections).toBe(N);
    } finally {
      srv.closeAllConnections();
      await new Promise((resolve) => srv.close(resolve));
    }
  });

  it("Request stores headers and picks methods exactly as Python's Request", () => {
    const py = oracle.request;
    const r = new Request("http://h/p?q#f", null, { "content-type": "a", "X-FOO-bar": "b", "user-AGENT": "c" });
    const r2 = new Request("http://h/p", Buffer.from("d"));
    r2.add_unredirected_header("x-one", "1");
    expect([
      r.header_items().sort(),
      r.get_method(),
      r2.get_method(),
      r.full_url,
      r.selector,
      r.host,
      r.fragment,
      r.has_header("Content-type"),
      r.has_header("content-type"),
      r.get_header("X-foo-bar"),
      r2.header_items().sort(),
      r.origin_req_host,
    ]).toEqual(py);
  });

  it("follows redirects of each code and method as Python's HTTPRedirectHandler", async () => {
    const cases = REDIRECT_CASES;
    const py = oracle.redirects;
    const ours: unknown[] = [];
    for (const [code, m] of cases) {
      const data = m === "POST" || m === "PUT" ? Buffer.from("body") : null;
      try {
        const r = await urlopen(new Request(`${server.origin}/redirect/${code}?to=/echo%3Fafter`, data, { "Content-Type": "text/x", "X-Keep": "k" }, { method: m }));
        const body = await r.read();
        const e = body.length > 0 ? (JSON.parse(body.toString()) as EchoedRequest) : null;
        ours.push(["ok", r.status, r.url!.replace(server.origin, ""), e?.method ?? null, e?.body ?? null, (e?.headers ?? []).map(([k]) => k.toLowerCase()).sort()]);
      } catch (e) {
        if (!(e instanceof HTTPError)) throw e;
        ours.push(["HTTPError", e.code, e.message]);
      }
    }
    expect(ours).toEqual(py);
  });

  it("a redirect loop ends in HTTPError 30x after Python's limits", async () => {
    const py = oracle.loops;
    const ours: unknown[] = [];
    for (const path of ["/loop", "/self-loop"]) {
      const e = await urlopen(server.origin + path).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(HTTPError);
      const h = e as HTTPError;
      ours.push([h.code, h.message, h.url.replace(server.origin, "")]);
    }
    expect(ours).toEqual(py);
  });

  it("a 4xx/5xx status rejects with HTTPError that reads like a response", async () => {
    for (const code of [400, 403, 404, 418, 500, 503]) {
      const e = (await urlopen(`${server.origin}/status/${code}`).catch((x: unknown) => x)) as HTTPError;
      expect(e).toBeInstanceOf(HTTPError);
      expect(e).toBeInstanceOf(URLError);
      expect([e.code, e.status, e.getcode(), e.headers.get("x-status"), e.info().get("X-Status")]).toEqual([code, code, code, String(code), String(code)]);
      expect(e.message).toBe(`HTTP Error ${code}: ${e.reason}`);
      expect((await e.read()).toString()).toBe(`status ${code}`);
    }
  });

  it("a refused connection rejects with URLError whose reason is the ConnectionRefusedError", async () => {
    const raw = await startRawServer("");
    const port = raw.port;
    await raw.close();
    const e = (await urlopen(`http://127.0.0.1:${port}/`).catch((x: unknown) => x)) as URLError;
    expect(e).toBeInstanceOf(URLError);
    expect(e.message).toBe("<urlopen error [Errno 111] Connection refused>");
    expect(e.reason).toBeInstanceOf(ConnectionRefusedError);
  });

  it("a server that never answers rejects with TimeoutError at the timeout", async () => {
    const t0 = performance.now();
    await expect(urlopen(`${server.origin}/slow?ms=3000`, null, { timeout: 0.3 })).rejects.toBeInstanceOf(TimeoutError);
    expect(performance.now() - t0).toBeLessThan(1500);
  });

  it("a response head that arrives a few bytes at a time is read as Python's urlopen reads it (the timeout is per wait)", async () => {
    const head = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-Pad: 0123456789abcd\r\n\r\nok";
    // 64 bytes, 4 every 150 ms: about 2.4 s in all against a timeout of 1 s (python3 and ours at once)
    const raw = await startTricklingServer(head, 4, 150);
    try {
      const url = `http://127.0.0.1:${raw.port}/`;
      const python = runPython("import sys\nfrom urllib.request import urlopen\nr = urlopen(sys.argv[1], timeout=1)\nprint(r.status, r.read().decode())", [url]);
      const t0 = performance.now();
      const r = await urlopen(url, null, { timeout: 1 });
      expect(`${r.status} ${(await r.read()).toString()}`).toBe((await python).toString().trim());
      expect(performance.now() - t0).toBeGreaterThan(1800);
    } finally {
      await raw.close();
    }
  });

  it("URLs with control characters are refused before sending", async () => {
    const before = server.seen.length;
    await expect(urlopen(`${server.origin}/a b`)).rejects.toThrow(/URL can't contain control characters/);
    await expect(urlopen(`${server.origin}/x\u0000y`)).rejects.toThrow(/control characters/);
    await expect(urlopen(new Request(`${server.origin}/`, null, { "X-Evil": "a\r\nInjected: 1" }))).rejects.toThrow(/Invalid header value/);
    expect(server.seen.length).toBe(before);
  });

  it("an unknown scheme, a missing host and str data are refused as Python does", async () => {
    await expect(urlopen("gopher://h/")).rejects.toThrow("<urlopen error unknown url type: gopher>");
    await expect(urlopen("http:///path")).rejects.toThrow("<urlopen error no host given>");
    expect(() => new Request("no-scheme")).toThrow("unknown url type: 'no-scheme'");
  });
});

describe("urlopen() over https", () => {
  it("a certificate that fails verification rejects with URLError carrying the SSL reason", async () => {
    const e = (await urlopen(`${tlsServer.origin}/hello`).catch((x: unknown) => x)) as URLError;
    expect(e).toBeInstanceOf(URLError);
    expect(e.reason).toBeInstanceOf(SSLCertVerificationError);
    expect(e.message).toMatch(/^<urlopen error \[SSL: CERTIFICATE_VERIFY_FAILED\] certificate verify failed: self-signed certificate/);
  });

  it("a context trusting the certificate, or CERT_NONE, lets the request through", async () => {
    const trusting = create_default_context(undefined, { cafile: cert.certfile });
    const r = await urlopen(`https://localhost:${tlsServer.port}/hello`, null, { context: trusting });
    expect((await r.read()).toString()).toBe("hello world");
    const lax = create_default_context();
    lax.check_hostname = false;
    lax.verify_mode = CERT_NONE;
    expect((await urlopen(`${tlsServer.origin}/hello`, null, { context: lax })).status).toBe(200);
  });
});

describe("proxies", () => {
  it("getproxies() and proxy_bypass_environment() read the environment as Python", () => {
    const saved = { ...process.env };
    try {
      for (const k of Object.keys(process.env)) if (k.toLowerCase().endsWith("_proxy")) Reflect.deleteProperty(process.env, k);
      Object.assign(process.env, PROXY_ENV);
      expect([{ ...getproxies() }, BYPASS_HOSTS.map((h) => proxy_bypass_environment(h))]).toEqual(oracle.proxies);
    } finally {
      for (const k of Object.keys(process.env)) if (!(k in saved)) Reflect.deleteProperty(process.env, k);
      Object.assign(process.env, saved);
    }
  });

  it("an http request goes through http_proxy with the absolute URL, unless no_proxy matches", async () => {
    const saved = { ...process.env };
    try {
      process.env.http_proxy = server.origin;
      process.env.no_proxy = "bypassed.invalid";
      await urlcleanup();
      const r = await urlopen("http://target.invalid:8123/echo?x=1");
      const e = await echoed(r);
      expect(e.url).toBe("http://target.invalid:8123/echo?x=1");
      expect(e.headers.find(([k]) => k.toLowerCase() === "host")?.[1]).toBe("target.invalid:8123");
      await expect(urlopen("http://bypassed.invalid/")).rejects.toBeInstanceOf(URLError);
    } finally {
      for (const k of Object.keys(process.env)) if (!(k in saved)) Reflect.deleteProperty(process.env, k);
      Object.assign(process.env, saved);
      await urlcleanup();
    }
  });

  it("the proxies are read at the first urlopen and again after urlcleanup(), as Python's global opener", async () => {
    const refused = await new Promise<number>((resolve) => {
      const s = createNetServer().listen(0, "127.0.0.1", () => {
        const { port } = s.address() as AddressInfo;
        s.close(() => resolve(port));
      });
    });
    const script = String.raw`
import json, os, sys
from urllib.request import urlopen, urlcleanup
from urllib.error import URLError
for k in list(os.environ):
    if k.lower().endswith("_proxy"): del os.environ[k]
out = []
def attempt():
    try:
        urlopen(sys.argv[1] + "/hello").read()
        out.append("direct")
    except URLError as e:
        out.append("refused" if isinstance(e.reason, ConnectionRefusedError) else repr(e.reason))
attempt()
os.environ["http_proxy"] = "http://127.0.0.1:" + sys.argv[2]
attempt()
urlcleanup()
attempt()
del os.environ["http_proxy"]
attempt()
urlcleanup()
attempt()
print(json.dumps(out))
`;
    const py = JSON.parse((await runPython(script, [server.origin, String(refused)])).toString()) as string[];
    const saved = { ...process.env };
    const ours: string[] = [];
    const attempt = async (): Promise<void> => {
      try {
        await (await urlopen(`${server.origin}/hello`)).read();
        ours.push("direct");
      } catch (e) {
        ours.push(e instanceof URLError && e.reason instanceof ConnectionRefusedError ? "refused" : String(e));
      }
    };
    try {
      for (const k of Object.keys(process.env)) if (k.toLowerCase().endsWith("_proxy")) Reflect.deleteProperty(process.env, k);
      await urlcleanup();
      await attempt();
      process.env.http_proxy = `http://127.0.0.1:${refused}`;
      await attempt();
      await urlcleanup();
      await attempt();
      Reflect.deleteProperty(process.env, "http_proxy");
      await attempt();
      await urlcleanup();
      await attempt();
    } finally {
      for (const k of Object.keys(process.env)) if (!(k in saved)) Reflect.deleteProperty(process.env, k);
      Object.assign(process.env, saved);
      await urlcleanup();
    }
    expect(ours).toEqual(py);
    expect(py).toContain("refused");
  });
});

describe("https through a proxy", () => {
  it("an https request goes through https_proxy in a CONNECT tunnel, credentials only to the proxy", async () => {
    const proxy = await startConnectProxy("Basic dTpw");
    const saved = { ...process.env };
    try {
      process.env.https_proxy = `http://u:p@127.0.0.1:${proxy.port}`;
      await urlcleanup();
      const ctx = create_default_context(undefined, { cafile: cert.certfile });
      const r = await urlopen(`https://localhost:${tlsServer.port}/hello`, null, { context: ctx, timeout: 5 });
      expect((await r.read()).toString()).toBe("hello world");
      expect(proxy.connects).toEqual([`localhost:${tlsServer.port}`]);
      expect(tlsServer.seen.at(-1)!.headers.map(([k]) => k.toLowerCase())).not.toContain("proxy-authorization");
    } finally {
      for (const k of Object.keys(process.env)) if (!(k in saved)) Reflect.deleteProperty(process.env, k);
      Object.assign(process.env, saved);
      await urlcleanup();
      await proxy.close();
    }
  });
});

describe("urlretrieve()", () => {
  it("saves the body and calls reporthook with the same arguments as Python's", async () => {
    const url = `${server.origin}/bytes?n=20000`;
    const py = oracle.hook;
    const calls: number[][] = [];
    const file = join(tmpdir(), `stdnet-retrieve-${process.pid}.bin`);
    try {
      const [name, headers] = await urlretrieve(url, file, (...a) => calls.push(a));
      expect(name).toBe(file);
      expect(headers.get("Content-Length")).toBe("20000");
      const data = readFileSync(file);
      expect(data.length).toBe(20000);
      expect(data[19999]).toBe(19999 & 0xff);
      expect(calls).toEqual(py);
    } finally {
      rmSync(file, { force: true });
    }
  });

  it("a body shorter than its Content-Length rejects with ContentTooShortError", async () => {
    const file = join(tmpdir(), `stdnet-short-${process.pid}.bin`);
    try {
      const e = (await urlretrieve(`${server.origin}/early-close`, file).catch((x: unknown) => x)) as ContentTooShortError;
      expect(e).toBeInstanceOf(ContentTooShortError);
      expect(e.message).toBe("<urlopen error retrieval incomplete: got only 10 out of 100 bytes>");
      expect(e.content[0]).toBe(file);
    } finally {
      rmSync(file, { force: true });
    }
  });
});
