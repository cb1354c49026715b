/**
 * HTTPConnection against a real node:http server: Python's request headers,
 * bodies, keep-alive, the state machine, and HTTPResponse's read family.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { runPython } from "../../helpers/python.js";
import { CannotSendRequest, HTTPConnection, HTTPMessage, ResponseNotReady, CannotSendHeader } from "stdnet/http/client";
import { startHttpServer, type EchoedRequest, type TestServer } from "../../helpers/httpserver.js";

let server: TestServer;
beforeAll(async () => {
  server = await startHttpServer();
});
afterAll(async () => {
  await server.close();
});

function conn(): HTTPConnection {
  return new HTTPConnection("127.0.0.1", server.port, { timeout: 5 });
}

function header(seen: EchoedRequest, name: string): string | undefined {
  return seen.headers.find(([k]) => k.toLowerCase() === name.toLowerCase())?.[1];
}

async function echo(c: HTTPConnection): Promise<EchoedRequest[]> {
  const r = await c.getresponse();
  return [JSON.parse((await r.read()).toString()) as EchoedRequest];
}

describe("HTTPConnection.request()", () => {
  it("request() sends Python's automatic headers in Python's order and spelling", async () => {
    const c = conn();
    await c.request("GET", "/echo", null, { "X-One": "1" });
    const [seen] = await echo(c);
    expect(seen!.method).toBe("GET");
    const names = seen!.headers.map(([k]) => k);
    expect(names).toContain("Accept-Encoding");
    expect(seen!.headers).toContainEqual(["Accept-Encoding", "identity"]);
    expect(seen!.headers).toContainEqual(["X-One", "1"]);
    expect(seen!.headers.find(([k]) => k.toLowerCase() === "host")![1]).toBe(`127.0.0.1:${server.port}`);
    expect(names.map((n) => n.toLowerCase())).not.toContain("content-length");
    c.close();
  });

  it("request() adds Content-Length for bytes, text and an empty POST, as Python", async () => {
    const c = conn();
    await c.request("POST", "/echo", Buffer.from("abc"));
    let [seen] = await echo(c);
    expect(header(seen!, "Content-Length")).toBe("3");
    expect(seen!.body).toBe("abc");
    await c.request("POST", "/echo", "caf\u00e9");
    [seen] = await echo(c);
    expect(header(seen!, "Content-Length")).toBe("4");
    await c.request("POST", "/echo");
    [seen] = await echo(c);
    expect(header(seen!, "Content-Length")).toBe("0");
    c.close();
  });

  it("request() with a non-latin-1 text body throws before sending", async () => {
    const c = conn();
    await expect(c.request("POST", "/echo", "\u20ac")).rejects.toThrow(/not valid Latin-1/);
    c.close();
  });

  it("request() sends an iterable body chunked", async () => {
    const c = conn();
    function* parts(): Generator<Uint8Array> {
      yield Buffer.from("ab");
      yield Buffer.from("cd");
    }
    await c.request("PUT", "/echo", parts());
    const [seen] = await echo(c);
    expect(seen!.body).toBe("abcd");
    expect(seen!.headers.find(([k]) => k.toLowerCase() === "transfer-encoding")?.[1]).toBe("chunked");
    c.close();
  });

  it("keeps one connection alive across many requests", async () => {
    const before = server.connections;
    const c = conn();
    for (let i = 0; i < 20; i++) {
      await c.request("GET", "/hello");
      const r = await c.getresponse();
      expect((await r.read()).toString()).toBe("hello world");
      expect(r.closed).toBe(true);
    }
    expect(server.connections - before).toBe(1);
    c.close();
  });

  it("putrequest/putheader/endheaders/send send a request piece by piece", async () => {
    const c = conn();
    c.putrequest("PUT", "/echo");
    c.putheader("Content-Length", 10);
    c.putheader("X-Multi", "a", "b");
    await c.endheaders();
    await c.send(Buffer.from("01234"));
    await c.send("56789");
    const [seen] = await echo(c);
    expect(seen!.body).toBe("0123456789");
    expect(seen!.headers.find(([k]) => k === "X-Multi")?.[1]).toMatch(/^a\s+b$/);
    c.close();
  });

  it("talks to a server on IPv6 loopback given '[::1]:port'", async () => {
    const v6 = await startHttpServer(undefined, "::1");
    try {
      const c = new HTTPConnection(`[::1]:${v6.port}`, undefined, { timeout: 5 });
      await c.request("GET", "/echo");
      const [seen] = await echo(c);
      expect(header(seen!, "Host")).toBe(`[::1]:${v6.port}`);
      c.close();
    } finally {
      await v6.close();
    }
  });

  it("host:port and [v6]:port in the host argument are split as Python does", () => {
    expect([new HTTPConnection("example.org:8080").host, new HTTPConnection("example.org:8080").port]).toEqual(["example.org", 8080]);
    const v6 = new HTTPConnection("[::1]:8081");
    expect([v6.host, v6.port]).toEqual(["::1", 8081]);
    expect(new HTTPConnection("[::1]").port).toBe(80);
    expect(new HTTPConnection("h:").port).toBe(80);
    expect(() => new HTTPConnection("h:x")).toThrow("nonnumeric port: 'x'");
  });
});

describe("set_debuglevel()", () => {
  it("prints send:, reply: and header: lines as Python's http.client does", async () => {
    const script = `import sys, http.client\nc = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]))\nc.set_debuglevel(1)\nc.request("GET", "/hello", headers={"X-Debug": "1"})\nr = c.getresponse()\nr.read()`;
    const pyLines = (await runPython(script, [String(server.port)])).toString().trimEnd().split("\n");
    const lines: string[] = [];
    const spy = vi.spyOn(console, "log").mockImplementation((...args: unknown[]) => {
      lines.push(args.map(String).join(" "));
    });
    try {
      const c = conn();
      c.set_debuglevel(1);
      await c.request("GET", "/hello", null, { "X-Debug": "1" });
      await (await c.getresponse()).read();
      c.close();
    } finally {
      spy.mockRestore();
    }
    const timeless = (l: string): string => l.replace(/^header: Date: .*$/, "header: Date: <now>");
    expect(lines.map(timeless)).toEqual(pyLines.map(timeless));
  });
});

describe("HTTPConnection's state machine", () => {
  it("request() twice without getresponse() throws CannotSendRequest('Request-sent')", async () => {
    const c = conn();
    await c.request("GET", "/hello");
    const e = await c.request("GET", "/hello").catch((x: unknown) => x);
    expect(e).toBeInstanceOf(CannotSendRequest);
    expect((e as Error).message).toBe("Request-sent");
    c.close();
  });

  it("getresponse() with nothing sent throws ResponseNotReady('Idle')", async () => {
    const c = conn();
    const e = await c.getresponse().catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ResponseNotReady);
    expect((e as Error).message).toBe("Idle");
  });

  it("a second getresponse() while the first response is unread throws ResponseNotReady", async () => {
    const c = conn();
    await c.request("GET", "/hello");
    const r1 = await c.getresponse();
    await c.request("GET", "/hello");
    await expect(c.getresponse()).rejects.toBeInstanceOf(ResponseNotReady);
    expect((await r1.read()).toString()).toBe("hello world");
    const r2 = await c.getresponse();
    expect((await r2.read()).toString()).toBe("hello world");
    c.close();
  });

  it("putheader() before putrequest() throws CannotSendHeader", () => {
    expect(() => conn().putheader("X", "1")).toThrow(CannotSendHeader);
  });
});

describe("HTTPResponse", () => {
  it("exposes status, reason, version, headers and msg like Python", async () => {
    const c = conn();
    await c.request("GET", "/multi-header");
    const r = await c.getresponse();
    expect([r.status, r.reason, r.version]).toEqual([200, "OK", 11]);
    expect(r.headers).toBeInstanceOf(HTTPMessage);
    expect(r.msg).toBe(r.headers);
    expect(r.headers.get_all("set-cookie")).toEqual(["a=1", "b=2"]);
    expect(r.getheader("SET-COOKIE")).toBe("a=1, b=2");
    expect(r.getheader("x-missing", "dflt")).toBe("dflt");
    expect(r.getheaders().filter(([k]) => k === "Set-Cookie")).toEqual([["Set-Cookie", "a=1"], ["Set-Cookie", "b=2"]]);
    await r.read();
    c.close();
  });

  it("read(amt), read1(), readinto() and readline() consume a Content-Length body", async () => {
    const c = conn();
    await c.request("GET", "/bytes?n=3000");
    const r = await c.getresponse();
    const a = await r.read(1000);
    expect(a.length).toBe(1000);
    expect(r.length).toBe(2000);
    const buf = new Uint8Array(500);
    expect(await r.readinto(buf)).toBe(500);
    expect(buf[0]).toBe(1000 & 0xff);
    const b = await r.read1(100000);
    expect(b.length).toBeGreaterThan(0);
    expect(b.length).toBeLessThanOrEqual(1500);
    const rest = await r.read();
    expect(1500 + b.length + rest.length).toBe(3000);
    expect(r.closed).toBe(true);
    expect((await r.read()).length).toBe(0);
    c.close();
  });

  it("reads a chunked body by lines and by async iteration", async () => {
    const c = conn();
    await c.request("GET", "/chunked");
    const r = await c.getresponse();
    expect(r.chunked).toBe(true);
    expect((await r.readline()).toString()).toBe("first line\n");
    const lines: string[] = [];
    for await (const line of r) lines.push(line.toString());
    expect(lines).toEqual(["second line\n", "third line\n"]);
    c.close();
  });

  it("reads a body with no length until the server closes, and will_close is set", async () => {
    const c = conn();
    await c.request("GET", "/nolength");
    const r = await c.getresponse();
    expect(r.will_close).toBe(true);
    expect((await r.read()).toString()).toBe("until the connection closes");
    await c.request("GET", "/hello");
    expect((await (await c.getresponse()).read()).toString()).toBe("hello world");
    c.close();
  });

  it("HEAD gets headers and an empty body", async () => {
    const c = conn();
    await c.request("HEAD", "/head");
    const r = await c.getresponse();
    expect(r.getheader("Content-Length")).toBe("1234");
    expect((await r.read()).length).toBe(0);
    await c.request("GET", "/hello");
    expect((await (await c.getresponse()).read()).toString()).toBe("hello world");
    c.close();
  });

  it("reads a 1 MiB+ body through back-pressure", async () => {
    const c = conn();
    const n = 3 * 1024 * 1024 + 7;
    await c.request("GET", `/bytes?n=${n}`);
    const r = await c.getresponse();
    const body = await r.read();
    expect(body.length).toBe(n);
    expect(body[n - 1]).toBe((n - 1) & 0xff);
    c.close();
  });
});
