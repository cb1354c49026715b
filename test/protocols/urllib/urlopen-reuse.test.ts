/**
 * urlopen's kept connections: a bodiless request with an idempotent method
 * over plain http: goes over a connection an earlier call left open (Python
 * opens one per call); everything else still gets a new connection and
 * `Connection: close`, as Python's. A kept connection the server closed
 * under a request gets it sent again on a new one; nothing else is resent,
 * and idle kept connections do not keep the process alive.
 */
import { describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { createServer, type IncomingMessage } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { createServer as createNetServer, type AddressInfo, type Server, type Socket } from "node:net";
import { RemoteDisconnected } from "stdnet/http/client";
import { Request, urlopen } from "stdnet/urllib/request";
import { makeTestCert } from "../../helpers/certs.js";

/** What a node:http server saw of each request: its connection (by number) and its Connection header. */
interface Seen {
  socket: number;
  connection: string | undefined;
  method: string | undefined;
}

async function withServer(test: (origin: string, seen: Seen[]) => Promise<void>): Promise<void> {
  const seen: Seen[] = [];
  const sockets = new Map<object, number>();
  const srv = createServer((req: IncomingMessage, res) => {
    if (!sockets.has(req.socket)) sockets.set(req.socket, sockets.size);
    seen.push({ socket: sockets.get(req.socket)!, connection: req.headers.connection, method: req.method });
    req.resume();
    req.on("end", () => res.end("ok"));
  });
  srv.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => srv.listen(0, "127.0.0.1", resolve));
  try {
    await test(`http://127.0.0.1:${(srv.address() as AddressInfo).port}`, seen);
  } finally {
    srv.closeAllConnections();
    await new Promise((resolve) => srv.close(resolve));
  }
}

/**
 * A server whose connections each answer `served` requests and then close
 * on the next one without answering (a FIN, or a reset): as a server does
 * whose idle timeout ran out while the request was on its way.
 */
async function withDroppingServer(served: number, how: "fin" | "reset", test: (origin: string, counts: { connections: number; requests: number }) => Promise<void>): Promise<void> {
  const counts = { connections: 0, requests: 0 };
  const open = new Set<Socket>();
  const srv: Server = createNetServer((s) => {
    counts.connections++;
    open.add(s);
    s.on("close", () => open.delete(s));
    s.on("error", () => undefined);
    let answered = 0;
    let pending = "";
    s.on("data", (d: Buffer) => {
      pending += d.toString("latin1");
      for (let end = pending.indexOf("\r\n\r\n"); end >= 0; end = pending.indexOf("\r\n\r\n")) {
        pending = pending.slice(end + 4);
        counts.requests++;
        if (answered++ < served) s.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        else if (how === "fin") s.end();
        else s.resetAndDestroy();
      }
    });
  });
  await new Promise<void>((resolve) => srv.listen(0, "127.0.0.1", resolve));
  try {
    await test(`http://127.0.0.1:${(srv.address() as AddressInfo).port}`, counts);
  } finally {
    for (const s of open) s.destroy();
    await new Promise((resolve) => srv.close(resolve));
  }
}

/** Runs `code` (an ES module importing stdnet) in a node process of its own; its exit code ("hung" past 20 s) and stdout. */
async function runChild(code: string, env: NodeJS.ProcessEnv = {}): Promise<[number | null | "hung", string]> {
  const child = spawn(process.execPath, ["--import", "tsx", "--conditions=source", "--input-type=module", "-e", code], { stdio: ["ignore", "pipe", "inherit"], env: { ...process.env, ...env } });
  let out = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  const exited = await new Promise<number | null | "hung">((resolve) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      resolve("hung");
    }, 20_000);
    child.on("exit", (c) => {
      clearTimeout(timer);
      resolve(c);
    });
  });
  return [exited, out];
}

async function body(url: string | Request, data: Uint8Array | null = null): Promise<string> {
  return (await (await urlopen(url, data, { timeout: 5 })).read()).toString();
}

describe("urlopen() connection reuse", () => {
  it("sequential GETs share one connection; POST data and a caller's Connection header get a new one with Connection: close", async () => {
    await withServer(async (origin, seen) => {
      expect(await body(`${origin}/a`)).toBe("ok");
      expect(await body(`${origin}/b`)).toBe("ok");
      expect(await body(`${origin}/c`, Buffer.from("x=1"))).toBe("ok");
      expect(await body(new Request(`${origin}/d`, null, { Connection: "keep-alive" }))).toBe("ok");
      expect(await body(new Request(`${origin}/e`, null, {}, { method: "DELETE" }))).toBe("ok");
      expect(await body(new Request(`${origin}/f`, null, {}, { method: "PATCH" }))).toBe("ok");
      expect(seen).toEqual([
        { socket: 0, connection: "keep-alive", method: "GET" },
        { socket: 0, connection: "keep-alive", method: "GET" },
        { socket: 1, connection: "close", method: "POST" },
        // Python replaces a caller's Connection header with close, and so do we
        { socket: 2, connection: "close", method: "GET" },
        { socket: 0, connection: "keep-alive", method: "DELETE" },
        { socket: 3, connection: "close", method: "PATCH" },
      ]);
    });
  });

  for (const how of ["fin", "reset"] as const) {
    it(`a GET on a kept connection the server closes under it (${how}) is sent again on a new connection`, async () => {
      await withDroppingServer(1, how, async (origin, counts) => {
        expect(await body(`${origin}/first`)).toBe("ok");
        expect(await body(`${origin}/second`)).toBe("ok");
        expect(counts).toEqual({ connections: 2, requests: 3 });
      });
    });
  }

  it("a GET that a new connection drops is not sent again: RemoteDisconnected, as Python's", async () => {
    await withDroppingServer(0, "fin", async (origin, counts) => {
      await expect(urlopen(`${origin}/`, null, { timeout: 5 })).rejects.toBeInstanceOf(RemoteDisconnected);
      expect(counts).toEqual({ connections: 1, requests: 1 });
    });
  });

  it("a POST is never sent over a kept connection, so never twice", async () => {
    await withDroppingServer(1, "fin", async (origin, counts) => {
      expect(await body(`${origin}/first`)).toBe("ok");
      // the kept connection would drop it; the POST goes to a new one, which answers
      expect(await body(`${origin}/post`, Buffer.from("x=1"))).toBe("ok");
      expect(counts).toEqual({ connections: 2, requests: 2 });
    });
  });

  it("kept connections are held for the 16 origins used last; an older origin's are closed", async () => {
    const servers = await Promise.all(
      Array.from({ length: 17 }, async () => {
        let open = 0;
        const srv = createServer((_req, res) => res.end("ok"));
        srv.keepAliveTimeout = 60_000;
        srv.on("connection", (s: Socket) => {
          open++;
          s.on("close", () => open--);
        });
        await new Promise<void>((resolve) => srv.listen(0, "127.0.0.1", resolve));
        return { srv, origin: `http://127.0.0.1:${(srv.address() as AddressInfo).port}`, open: () => open };
      }),
    );
    try {
      for (const s of servers) expect(await body(`${s.origin}/`)).toBe("ok");
      const deadline = Date.now() + 5000;
      while (servers[0]!.open() > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(servers.map((s) => s.open())).toEqual([0, ...Array<number>(16).fill(1)]);
    } finally {
      for (const { srv } of servers) {
        srv.closeAllConnections();
        await new Promise((resolve) => srv.close(resolve));
      }
    }
  });

  it("an idle kept connection does not keep the process from exiting", async () => {
    await withServer(async (origin, seen) => {
      const code = `import { urlopen } from "stdnet/urllib/request";\nconst r = await urlopen(${JSON.stringify(origin + "/")});\nprocess.stdout.write((await r.read()).toString());`;
      // the server keeps the connection for 60 s; a process held by it would be "hung"
      expect(await runChild(code)).toEqual([0, "ok"]);
      expect(seen.map((s) => s.connection)).toEqual(["keep-alive"]);
    });
  });

  it("https: under the default context shares connections too; a caller's context gets one per call, as Python", async () => {
    const cert = makeTestCert();
    let connections = 0;
    const srv = createHttpsServer({ cert: cert.cert, key: cert.key }, (req, res) => res.end(req.headers.connection ?? ""));
    srv.keepAliveTimeout = 60_000;
    srv.on("secureConnection", () => connections++);
    await new Promise<void>((resolve) => srv.listen(0, "127.0.0.1", resolve));
    try {
      const url = `https://localhost:${(srv.address() as AddressInfo).port}/`;
      const code = [
        `import { urlopen } from "stdnet/urllib/request";`,
        `import { create_default_context } from "stdnet/ssl";`,
        `const url = ${JSON.stringify(url)};`,
        `const out = [];`,
        `for (let i = 0; i < 2; i++) out.push((await (await urlopen(url)).read()).toString());`,
        `out.push((await (await urlopen(url, null, { context: create_default_context() })).read()).toString());`,
        `process.stdout.write(JSON.stringify(out));`,
      ].join("\n");
      // the default context trusts the test certificate through node's extra CAs
      const [exited, out] = await runChild(code, { NODE_EXTRA_CA_CERTS: cert.certfile });
      expect([exited, JSON.parse(out)]).toEqual([0, ["keep-alive", "keep-alive", "close"]]);
      expect(connections).toBe(2);
    } finally {
      srv.closeAllConnections();
      await new Promise((resolve) => srv.close(resolve));
      cert.cleanup();
    }
  });
});
