/**
 * What HTTPConnection does with bad input and misbehaving servers: injection
 * attempts refused before sending, early closes, silence, oversized heads,
 * garbage status lines, refused connections, and TLS verification.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  BadStatusLine,
  HTTPConnection,
  HTTPException,
  HTTPSConnection,
  IncompleteRead,
  InvalidURL,
  LineTooLong,
  RemoteDisconnected,
} from "stdnet/http/client";
import { BadStatusLine as _B } from "stdnet/http/client";
import { ConnectionRefusedError, ConnectionResetError, OSError, TimeoutError, ValueError } from "stdnet/socket";
import { CERT_NONE, SSLCertVerificationError, create_default_context } from "stdnet/ssl";
import { makeTestCert, type TestCert } from "../../helpers/certs.js";
import { startConnectProxy, startHttpServer, startRawServer, startTricklingServer, type TestServer } from "../../helpers/httpserver.js";
import { pythonJson, runPython } from "../../helpers/python.js";

let server: TestServer;
let tlsServer: TestServer;
let cert: TestCert;
beforeAll(async () => {
  cert = makeTestCert();
  server = await startHttpServer();
  tlsServer = await startHttpServer({ cert: cert.cert, key: cert.key });
});
afterAll(async () => {
  await server.close();
  await tlsServer.close();
  cert.cleanup();
});

function conn(timeout = 5): HTTPConnection {
  return new HTTPConnection("127.0.0.1", server.port, { timeout });
}

describe("bad input is refused before anything is sent", () => {
  it.each([
    ["/a b", InvalidURL],
    ["/a\r\nX-Injected: 1", InvalidURL],
    ["/a\x00", InvalidURL],
    ["/a\x7f", InvalidURL],
  ])("request() refuses the URL %j with InvalidURL", async (url, cls) => {
    const c = conn();
    const before = server.seen.length;
    await expect(c.request("GET", url)).rejects.toBeInstanceOf(cls);
    expect(server.seen.length).toBe(before);
    c.close();
  });

  it("request() refuses a method with control characters (ValueError, Python's message)", async () => {
    const c = conn();
    await expect(c.request("GET\r\nX: 1", "/")).rejects.toThrow("method can't contain control characters. 'GET\\r\\nX: 1' (found at least '\\r')");
    await expect(new HTTPConnection("h").request("G\x00T", "/")).rejects.toBeInstanceOf(ValueError);
  });

  it.each([
    [{ "X-A": "v\r\nX-Injected: 1" }],
    [{ "X-A": "v\nX" }],
    [{ "X-A": "v\rX" }],
    [{ "Bad Name": "v" }],
    [{ "Bad:Name": "v" }],
    [{ "": "v" }],
  ])("request() refuses the headers %j with ValueError", async (headers) => {
    const c = conn();
    const before = server.seen.length;
    await expect(c.request("GET", "/hello", null, headers)).rejects.toBeInstanceOf(ValueError);
    expect(server.seen.length).toBe(before);
  });

  it("putrequest() and putheader() refuse what Python's refuses, with its exception and text", () => {
    // [url, header name, header values]: each refused at the first bad part, as CPython's putrequest/putheader
    const cases: [string, string, (string | number)[]][] = [
      ["/caf\u00e9\u00e9", "X", ["1"]],
      ["/\u{1f600}x\u00e9", "X", ["1"]],
      ["/", "X\u20ac", ["1"]],
      ["/", "\u00e9t\u00e9", ["1"]],
      ["/", "X", ["\u20ac1"]],
      ["/", "X", ["ok", "\u20ac\u20ac"]],
      ["/", "X\nY", ["1"]],
      ["/", "Bad Name", ["1"]],
      ["/", "X", ["a\r\nb"]],
      ["/", "X", [5, "a\nb"]],
      ["/", "X", ["caf\u00e9\n"]],
    ];
    const theirs = pythonJson<string[]>(
      String.raw`
import http.client, json, sys
out = []
for url, name, values in json.loads(sys.stdin.read()):
    c = http.client.HTTPConnection("h")
    try:
        c.putrequest("GET", url)
        c.putheader(name, *values)
        out.append("no error")
    except Exception as e:
        out.append(type(e).__name__ + ": " + str(e))
print(json.dumps(out))
`,
      JSON.stringify(cases),
    );
    const ours = cases.map(([url, name, values]) => {
      const c = new HTTPConnection("h");
      try {
        c.putrequest("GET", url);
        c.putheader(name, ...values);
        return "no error";
      } catch (e) {
        expect(e).toBeInstanceOf(ValueError);
        return `${(e as Error).name}: ${(e as Error).message}`;
      }
    });
    expect(ours).toEqual(theirs);
  });

  it("a host with control characters is an InvalidURL at construction", () => {
    expect(() => new HTTPConnection("exa\nmple.org")).toThrow(InvalidURL);
  });
});

describe("server faults", () => {
  it("a server closing mid-body gives IncompleteRead with the partial body and what is missing", async () => {
    const c = conn();
    await c.request("GET", "/early-close");
    const r = await c.getresponse();
    const e = (await r.read().catch((x: unknown) => x)) as IncompleteRead;
    expect(e).toBeInstanceOf(IncompleteRead);
    expect(Buffer.from(e.partial).toString()).toBe("0123456789");
    expect(e.expected).toBe(90);
    expect(e.message).toBe("IncompleteRead(10 bytes read, 90 more expected)");
    c.close();
  });

  it("a chunked body cut short gives IncompleteRead", async () => {
    const c = conn();
    await c.request("GET", "/early-close-chunked");
    const r = await c.getresponse();
    const e = (await r.read().catch((x: unknown) => x)) as IncompleteRead;
    expect(e).toBeInstanceOf(IncompleteRead);
    expect(Buffer.from(e.partial).toString()).toBe("partial");
    c.close();
  });

  it("a server closing without a response gives RemoteDisconnected, a ConnectionResetError and a BadStatusLine", async () => {
    const c = conn();
    await c.request("GET", "/no-response");
    const e = await c.getresponse().catch((x: unknown) => x);
    expect(e).toBeInstanceOf(RemoteDisconnected);
    expect(e).toBeInstanceOf(ConnectionResetError);
    expect(e).toBeInstanceOf(_B);
    expect(e).toBeInstanceOf(HTTPException);
    expect((e as Error).message).toBe("Remote end closed connection without response");
    // The connection recovers for the next request, as Python's auto_open.
    await c.request("GET", "/hello");
    expect((await (await c.getresponse()).read()).toString()).toBe("hello world");
    c.close();
  });

  it("a server that never answers gives TimeoutError('timed out') at the timeout", async () => {
    const c = conn(0.3);
    const t0 = performance.now();
    await c.request("GET", "/slow?ms=3000");
    const e = await c.getresponse().catch((x: unknown) => x);
    const elapsed = performance.now() - t0;
    expect(e).toBeInstanceOf(TimeoutError);
    expect((e as Error).message).toBe("timed out");
    expect(elapsed).toBeGreaterThan(250);
    expect(elapsed).toBeLessThan(1200);
    c.close();
  });

  it("a response head that arrives a few bytes at a time is read as Python reads it: the timeout is per wait, not for the whole head", async () => {
    // 64 bytes, 4 every 150 ms: about 2.4 s in all against a timeout of 1 s (python3 and ours at once)
    const head = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-Pad: 0123456789abcd\r\n\r\nok";
    const raw = await startTricklingServer(head, 4, 150);
    try {
      const python = runPython(
        `import http.client, sys
c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=1)
c.request("GET", "/")
r = c.getresponse()
print(r.status, r.read().decode())`,
        [String(raw.port)],
      );
      const c = new HTTPConnection("127.0.0.1", raw.port, { timeout: 1 });
      const t0 = performance.now();
      await c.request("GET", "/");
      const r = await c.getresponse();
      const ours = `${r.status} ${Buffer.from(await r.read()).toString()}`;
      expect(performance.now() - t0).toBeGreaterThan(1800);
      expect(ours).toBe((await python).toString().trim());
      c.close();
    } finally {
      await raw.close();
    }
  });

  it("over TLS too, a response head that arrives a few bytes at a time is read (the timeout is per wait)", async () => {
    const head = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-Pad: 0123456789abcd\r\n\r\nok";
    const raw = await startTricklingServer(head, 4, 150, Infinity, { cert: cert.cert, key: cert.key });
    try {
      const ctx = create_default_context(undefined, { cafile: cert.certfile });
      const c = new HTTPSConnection("localhost", raw.port, { context: ctx, timeout: 1 });
      const t0 = performance.now();
      await c.request("GET", "/");
      const r = await c.getresponse();
      expect(`${r.status} ${Buffer.from(await r.read()).toString()}`).toBe("200 ok");
      expect(performance.now() - t0).toBeGreaterThan(1800);
      c.close();
    } finally {
      await raw.close();
    }
  });

  it("a response head that stops coming gives TimeoutError, however much of it came", async () => {
    const raw = await startTricklingServer("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", 8, 100, 24);
    try {
      const c = new HTTPConnection("127.0.0.1", raw.port, { timeout: 1 });
      const t0 = performance.now();
      await c.request("GET", "/");
      const e = await c.getresponse().catch((x: unknown) => x);
      const elapsed = performance.now() - t0;
      expect(e).toBeInstanceOf(TimeoutError);
      // the last byte came at ~300 ms: Python gives up a timeout after it, we within one more
      expect(elapsed).toBeGreaterThan(1200);
      expect(elapsed).toBeLessThan(3500);
      c.close();
    } finally {
      await raw.close();
    }
  });

  it("a body that stalls gives TimeoutError on read", async () => {
    const c = conn(0.3);
    await c.request("GET", "/slowbody");
    const r = await c.getresponse();
    expect((await r.read(5)).toString()).toBe("01234");
    await expect(r.read()).rejects.toBeInstanceOf(TimeoutError);
    c.close();
  });

  it("an absurd header gives LineTooLong, and the connection's memory is bounded", async () => {
    const c = conn();
    await c.request("GET", "/huge-header?n=200000");
    const e = await c.getresponse().catch((x: unknown) => x);
    expect(e).toBeInstanceOf(LineTooLong);
    expect((e as Error).message).toBe("got more than 65536 bytes when reading header line");
    c.close();
  });

  it("more than 100 header fields give HTTPException('got more than 100 headers'); 100 are fine", async () => {
    const c = conn();
    await c.request("GET", "/many-headers?n=101");
    const e = await c.getresponse().catch((x: unknown) => x);
    expect(e).toBeInstanceOf(HTTPException);
    expect((e as Error).message).toBe("got more than 100 headers");
    // node adds Date, Connection, Keep-Alive and Content-Length: 96 of ours make 100
    await c.request("GET", "/many-headers?n=96");
    const r = await c.getresponse();
    expect(r.getheaders().length).toBe(100);
    await r.read();
    c.close();
  });

  it("a garbage status line gives BadStatusLine", async () => {
    const raw = await startRawServer("SPAM SPAM SPAM\r\n\r\n");
    try {
      const c = new HTTPConnection("127.0.0.1", raw.port, { timeout: 5 });
      await c.request("GET", "/");
      await expect(c.getresponse()).rejects.toBeInstanceOf(BadStatusLine);
      c.close();
    } finally {
      await raw.close();
    }
  });

  it("a refused connection rejects request() with ConnectionRefusedError [Errno 111]", async () => {
    const raw = await startRawServer("");
    const port = raw.port;
    await raw.close();
    const c = new HTTPConnection("127.0.0.1", port, { timeout: 5 });
    const e = await c.request("GET", "/").catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ConnectionRefusedError);
    expect((e as Error).message).toBe("[Errno 111] Connection refused");
    c.close();
  });
});

describe("HTTPSConnection", () => {
  it("verifies certificates by default: a self-signed server fails with SSLCertVerificationError", async () => {
    const c = new HTTPSConnection("127.0.0.1", tlsServer.port, { timeout: 5 });
    const e = await c.request("GET", "/hello").catch((x: unknown) => x);
    expect(e).toBeInstanceOf(SSLCertVerificationError);
    expect((e as Error).message).toContain("CERTIFICATE_VERIFY_FAILED");
    c.close();
  });

  it("talks to the server with a context that trusts its certificate", async () => {
    const ctx = create_default_context(undefined, { cafile: cert.certfile });
    const c = new HTTPSConnection("localhost", tlsServer.port, { context: ctx, timeout: 5 });
    await c.request("GET", "/hello");
    const r = await c.getresponse();
    expect([r.status, (await r.read()).toString()]).toEqual([200, "hello world"]);
    c.close();
  });

  it("a context with CERT_NONE skips verification", async () => {
    const ctx = create_default_context();
    ctx.check_hostname = false;
    ctx.verify_mode = CERT_NONE;
    const c = new HTTPSConnection("127.0.0.1", tlsServer.port, { context: ctx, timeout: 5 });
    await c.request("GET", "/hello");
    expect((await c.getresponse()).status).toBe(200);
    c.close();
  });
});

describe("set_tunnel()", () => {
  it("reaches an HTTPS server through a CONNECT proxy, TLS checked against the tunnelled host", async () => {
    const proxy = await startConnectProxy("Basic dTpw");
    try {
      const ctx = create_default_context(undefined, { cafile: cert.certfile });
      const c = new HTTPSConnection("127.0.0.1", proxy.port, { context: ctx, timeout: 5 });
      c.set_tunnel("localhost", tlsServer.port, { "Proxy-Authorization": "Basic dTpw" });
      await c.request("GET", "/hello");
      const r = await c.getresponse();
      expect([r.status, (await r.read()).toString()]).toEqual([200, "hello world"]);
      expect(proxy.connects).toEqual([`localhost:${tlsServer.port}`]);
      expect(tlsServer.seen.at(-1)!.headers.find(([k]) => k.toLowerCase() === "host")?.[1]).toBe(`localhost:${tlsServer.port}`);
      c.close();
    } finally {
      await proxy.close();
    }
  });

  it("a proxy refusing the tunnel gives OSError('Tunnel connection failed: 407 …') as Python", async () => {
    const proxy = await startConnectProxy("Basic right");
    try {
      const c = new HTTPConnection("127.0.0.1", proxy.port, { timeout: 5 });
      c.set_tunnel("127.0.0.1", server.port);
      const e = await c.request("GET", "/hello").catch((x: unknown) => x);
      expect(e).toBeInstanceOf(OSError);
      expect((e as Error).message).toBe("Tunnel connection failed: 407 Proxy Authentication Required");
      c.close();
    } finally {
      await proxy.close();
    }
  });
});
