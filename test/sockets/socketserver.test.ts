import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import {
  AF_INET6,
  AF_UNIX,
  SOCK_DGRAM,
  SOCK_STREAM,
  ConnectionRefusedError,
  OSError,
  TimeoutError,
  create_connection,
  socket,
  type Address,
  type AddressV4,
  type AddressV6,
} from "stdnet/socket";
import {
  BaseRequestHandler,
  BytesIO,
  DatagramRequestHandler,
  StreamRequestHandler,
  TCPServer,
  ThreadingTCPServer,
  ThreadingUDPServer,
  UDPServer,
  UnixDatagramServer,
  UnixStreamServer,
  ThreadingUnixDatagramServer,
  ThreadingMixIn,
} from "stdnet/socketserver";

const LOCAL: AddressV4 = ["127.0.0.1", 0];

/** Echoes every chunk until the client closes. */
class EchoHandler extends BaseRequestHandler<socket> {
  override async handle(): Promise<void> {
    for (let data = await this.request.recv(1024); data.length > 0; data = await this.request.recv(1024)) {
      await this.request.sendall(data);
    }
  }
}

/** Reads lines with rfile, writes each back upper-cased with wfile. */
class UpperLineHandler extends StreamRequestHandler {
  override timeout = 5;
  override async handle(): Promise<void> {
    for await (const line of this.rfile) await this.wfile.write(Buffer.from(line.toString("latin1").toUpperCase(), "latin1"));
  }
}

/** Answers the first line at once, then waits for a second line before it ends. */
class TwoLineHandler extends StreamRequestHandler {
  override async handle(): Promise<void> {
    await this.wfile.write(await this.rfile.readline());
    await this.wfile.write(await this.rfile.readline());
  }
}

/** Connects a client with a timeout, as every wait in these tests has one. */
async function client(server: { server_address: Address }, timeout = 5): Promise<socket> {
  return create_connection(server.server_address as AddressV4, timeout);
}

async function recvLine(s: socket): Promise<string> {
  let out = "";
  while (!out.endsWith("\n")) {
    const data = await s.recv(1);
    if (data.length === 0) break;
    out += data.toString("latin1");
  }
  return out;
}

describe("TCPServer", () => {
  it("create() binds port 0, records the real port, and serve_forever echoes", async () => {
    await using server = await TCPServer.create(LOCAL, EchoHandler);
    const [host, port] = server.server_address as AddressV4;
    expect(host).toBe("127.0.0.1");
    expect(port).toBeGreaterThan(0);
    const serving = server.serve_forever(0.05);
    const c = await client(server);
    await c.sendall(Buffer.from("hello socketserver"));
    expect((await c.recv(100)).toString()).toBe("hello socketserver");
    c.close();
    await server.shutdown();
    await serving;
  });

  it("handles one connection at a time, in order", async () => {
    await using server = await TCPServer.create(LOCAL, TwoLineHandler);
    const serving = server.serve_forever(0.05);
    const a = await client(server);
    await a.sendall(Buffer.from("a1\n"));
    expect(await recvLine(a)).toBe("a1\n");
    const b = await client(server, 0.3);
    await b.sendall(Buffer.from("b1\n"));
    // a's handler still runs, so b waits unserved…
    await expect(b.recv(10)).rejects.toBeInstanceOf(TimeoutError);
    await a.sendall(Buffer.from("a2\n"));
    expect(await recvLine(a)).toBe("a2\n");
    // …until it ends.
    b.settimeout(5);
    expect(await recvLine(b)).toBe("b1\n");
    a.close();
    b.close();
    await server.shutdown();
    await serving;
  });

  it("serves IPv6 when address_family is AF_INET6, and handlers see their server's own fields", async () => {
    class V6Server extends TCPServer {
      override address_family = AF_INET6;
      greeting = "hello v6 ";
    }
    class Greeter extends BaseRequestHandler<socket, V6Server> {
      override async handle(): Promise<void> {
        await this.request.sendall(Buffer.from(this.server.greeting + (this.client_address as AddressV6)[0]));
      }
    }
    await using server = await V6Server.create(["::1", 0], Greeter);
    const address = server.server_address as AddressV6;
    expect(address[0]).toBe("::1");
    expect(address).toHaveLength(4);
    const handled = server.handle_request();
    const c = await create_connection(["::1", address[1]], 5);
    expect((await c.recv(100)).toString()).toBe("hello v6 ::1");
    c.close();
    await handled;
  });

  it("refuses a second create() on a port in use with EADDRINUSE, and closes what it made", async () => {
    await using first = await TCPServer.create(LOCAL, EchoHandler);
    const err: unknown = await TCPServer.create(first.server_address, EchoHandler).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OSError);
    expect((err as OSError).errno).toBe(98);
  });

  it("a server made with new must be bound and activated before it serves", async () => {
    const server = new TCPServer(LOCAL, EchoHandler);
    await expect(server.serve_forever()).rejects.toThrow(/not listening.*TCPServer\.create/);
    server.allow_reuse_address = true;
    await server.server_bind();
    await server.server_activate();
    expect((server.server_address as AddressV4)[1]).toBeGreaterThan(0);
    const serving = server.serve_forever(0.05);
    const c = await client(server);
    await c.sendall(Buffer.from("x"));
    expect((await c.recv(1)).toString()).toBe("x");
    c.close();
    await server.shutdown();
    await serving;
    await server.server_close();
  });

  it("shutdown() from another task ends serve_forever at once, whatever the poll interval", async () => {
    await using server = await TCPServer.create(LOCAL, EchoHandler);
    const serving = server.serve_forever(30);
    await new Promise((r) => setTimeout(r, 20));
    const t0 = performance.now();
    await server.shutdown();
    await serving;
    expect(performance.now() - t0).toBeLessThan(500);
    // The server may serve again after a shutdown.
    const again = server.serve_forever(30);
    const c = await client(server);
    await c.sendall(Buffer.from("again"));
    expect((await c.recv(10)).toString()).toBe("again");
    c.close();
    await server.shutdown();
    await again;
  });

  it("a connection that came while no loop ran is served by the next one", async () => {
    await using server = await TCPServer.create(LOCAL, EchoHandler);
    const first = server.serve_forever(30);
    await server.shutdown();
    await first;
    const c = await client(server);
    await c.sendall(Buffer.from("queued"));
    await new Promise((r) => setTimeout(r, 20));
    const second = server.serve_forever(30);
    expect((await c.recv(10)).toString()).toBe("queued");
    c.close();
    await server.shutdown();
    await second;
  });

  it("serve_forever refuses to run twice at once", async () => {
    await using server = await TCPServer.create(LOCAL, EchoHandler);
    const serving = server.serve_forever(30);
    await expect(server.serve_forever()).rejects.toMatchObject({ name: "RuntimeError" });
    await server.shutdown();
    await serving;
  });

  it("server_close() ends a running serve_forever", async () => {
    const server = await TCPServer.create(LOCAL, EchoHandler);
    const serving = server.serve_forever(30);
    await server.server_close();
    await serving;
  });

  it("await using closes the server: its port refuses connections afterwards", async () => {
    let address: Address;
    {
      await using server = await TCPServer.create(LOCAL, EchoHandler);
      address = server.server_address;
      void server.serve_forever(0.05);
    }
    await expect(create_connection(address as AddressV4, 2)).rejects.toBeInstanceOf(ConnectionRefusedError);
  });

  it("service_actions() runs every poll interval", async () => {
    class Ticking extends TCPServer {
      ticks = 0;
      override service_actions(): Promise<void> {
        this.ticks++;
        return Promise.resolve();
      }
    }
    await using server = await Ticking.create(LOCAL, EchoHandler);
    const serving = server.serve_forever(0.01);
    await new Promise((r) => setTimeout(r, 120));
    await server.shutdown();
    await serving;
    expect(server.ticks).toBeGreaterThanOrEqual(3);
  });
});

describe("handle_request", () => {
  it("serves exactly one request", async () => {
    await using server = await TCPServer.create(LOCAL, EchoHandler);
    const c = await client(server);
    const handled = server.handle_request();
    await c.sendall(Buffer.from("one"));
    expect((await c.recv(10)).toString()).toBe("one");
    c.close();
    await handled;
  });

  it("calls handle_timeout() when no request comes within timeout", async () => {
    class Timing extends TCPServer {
      timeouts = 0;
      override handle_timeout(): Promise<void> {
        this.timeouts++;
        return Promise.resolve();
      }
    }
    await using server = await Timing.create(LOCAL, EchoHandler);
    server.timeout = 0.05;
    const t0 = performance.now();
    await server.handle_request();
    expect(server.timeouts).toBe(1);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(45);
    // The socket's own timeout counts too, the smaller one winning.
    server.timeout = 10;
    server.socket.settimeout(0.05);
    await server.handle_request();
    expect(server.timeouts).toBe(2);
    // A connection that then comes is still served: the waits lost nothing.
    server.socket.settimeout(null);
    const c = await client(server);
    const handled = server.handle_request();
    await c.sendall(Buffer.from("late"));
    expect((await c.recv(10)).toString()).toBe("late");
    c.close();
    await handled;
    expect(server.timeouts).toBe(2);
  });
});

describe("verify_request and handle_error", () => {
  it("a refused client is closed unanswered, the next one is served", async () => {
    class Picky extends TCPServer {
      seen = 0;
      override verify_request(): boolean {
        return ++this.seen % 2 === 0;
      }
    }
    await using server = await Picky.create(LOCAL, EchoHandler);
    const serving = server.serve_forever(0.05);
    const refused = await client(server);
    await refused.sendall(Buffer.from("hi")).catch(() => undefined);
    expect((await refused.recv(10).catch(() => Buffer.alloc(0))).length).toBe(0);
    refused.close();
    const welcome = await client(server);
    await welcome.sendall(Buffer.from("hi"));
    expect((await welcome.recv(10)).toString()).toBe("hi");
    welcome.close();
    await server.shutdown();
    await serving;
  });

  it("a handler that throws is reported to handle_error with the exception, and the server serves on", async () => {
    class Failing extends BaseRequestHandler<socket> {
      override async handle(): Promise<void> {
        const data = await this.request.recv(100);
        if (data.toString() === "boom") throw new Error("handler failed");
        await this.request.sendall(data);
      }
    }
    const reports: { address: Address; error: unknown }[] = [];
    class Reporting extends TCPServer {
      override handle_error(_request: socket, client_address: Address, error?: unknown): Promise<void> {
        reports.push({ address: client_address, error });
        return Promise.resolve();
      }
    }
    for (const Server of [Reporting, class extends ThreadingTCPServer {
      override handle_error(_request: socket, client_address: Address, error?: unknown): Promise<void> {
        reports.push({ address: client_address, error });
        return Promise.resolve();
      }
    }]) {
      reports.length = 0;
      await using server = await Server.create(LOCAL, Failing);
      const serving = server.serve_forever(0.05);
      const bad = await client(server);
      const badAddress = bad.getsockname();
      await bad.sendall(Buffer.from("boom"));
      expect((await bad.recv(10)).length).toBe(0); // closed by shutdown_request
      const good = await client(server);
      await good.sendall(Buffer.from("fine"));
      expect((await good.recv(10)).toString()).toBe("fine");
      bad.close();
      good.close();
      await server.shutdown();
      await serving;
      expect(reports).toHaveLength(1);
      expect((reports[0]!.error as Error).message).toBe("handler failed");
      expect(reports[0]!.address).toEqual(badAddress);
    }
  });

  it("the default handle_error writes Python's report to stderr", async () => {
    class Failing extends BaseRequestHandler<socket> {
      override handle(): Promise<void> {
        return Promise.reject(new OSError(22, undefined, { cause: new Error("inner") }));
      }
    }
    const written: string[] = [];
    const spy = vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => {
      written.push(chunk.toString());
      return true;
    });
    try {
      await using server = await TCPServer.create(LOCAL, Failing);
      const c = await client(server);
      const handled = server.handle_request();
      await handled;
      const port = (c.getsockname() as AddressV4)[1];
      c.close();
      const text = written.join("");
      const lines = text.split("\n");
      expect(lines[0]).toBe("-".repeat(40));
      expect(lines[1]).toBe(`Exception occurred during processing of request from ('127.0.0.1', ${port})`);
      expect(lines[2]).toBe("Traceback (most recent call last):");
      expect(text).toContain("Error: inner\n\nThe above exception was the direct cause of the following exception:\n\nTraceback");
      expect(text.endsWith("OSError: [Errno 22] Invalid argument\n" + "-".repeat(40) + "\n")).toBe(true);
      expect(text).toMatch(/\n {2}File ".+", line \d+, in /);
    } finally {
      spy.mockRestore();
    }
  });
});

describe("ThreadingTCPServer", () => {
  it("serves concurrent clients concurrently, as does ThreadingMixIn(TCPServer)", async () => {
    class Mixed extends ThreadingMixIn(TCPServer) {}
    for (const Server of [ThreadingTCPServer, Mixed]) await servesConcurrently(Server);
  });

  async function servesConcurrently(Server: typeof ThreadingTCPServer): Promise<void> {
    await using server = await Server.create(LOCAL, TwoLineHandler);
    const serving = server.serve_forever(0.05);
    const a = await client(server);
    await a.sendall(Buffer.from("a1\n"));
    expect(await recvLine(a)).toBe("a1\n");
    const b = await client(server, 2);
    await b.sendall(Buffer.from("b1\n"));
    // b is answered while a's handler still waits for its second line.
    expect(await recvLine(b)).toBe("b1\n");
    await b.sendall(Buffer.from("b2\n"));
    expect(await recvLine(b)).toBe("b2\n");
    await a.sendall(Buffer.from("a2\n"));
    expect(await recvLine(a)).toBe("a2\n");
    a.close();
    b.close();
    await server.shutdown();
    await serving;
  }

  it("echoes 50 concurrent clients, each its own conversation", async () => {
    class Roomy extends ThreadingTCPServer {
      // Python's default of 5 drops SYNs from 50 clients connecting at once.
      override request_queue_size = 128;
    }
    await using server = await Roomy.create(LOCAL, UpperLineHandler);
    const serving = server.serve_forever(0.05);
    const results = await Promise.all(
      Array.from({ length: 50 }, async (_, i) => {
        const c = await client(server);
        try {
          const got: string[] = [];
          for (let m = 0; m < 5; m++) {
            await c.sendall(Buffer.from(`client ${i} line ${m}\n`));
            got.push(await recvLine(c));
          }
          return got.join("");
        } finally {
          c.close();
        }
      }),
    );
    results.forEach((r, i) => expect(r).toBe(Array.from({ length: 5 }, (_, m) => `CLIENT ${i} LINE ${m}\n`).join("")));
    await server.shutdown();
    await serving;
  });

  it("server_close() waits for the handlers still running, unless daemon_threads", async () => {
    let finished = 0;
    class Slow extends BaseRequestHandler<socket> {
      override async handle(): Promise<void> {
        await this.request.recv(10);
        await new Promise((r) => setTimeout(r, 100));
        finished++;
      }
    }
    const server = await ThreadingTCPServer.create(LOCAL, Slow);
    const serving = server.serve_forever(0.05);
    const c = await client(server);
    await c.sendall(Buffer.from("go"));
    await new Promise((r) => setTimeout(r, 20));
    await server.server_close();
    expect(finished).toBe(1);
    await serving;
    c.close();

    const daemon = await ThreadingTCPServer.create(LOCAL, Slow);
    daemon.daemon_threads = true;
    const serving2 = daemon.serve_forever(0.05);
    const d = await client(daemon);
    await d.sendall(Buffer.from("go"));
    await new Promise((r) => setTimeout(r, 20));
    await daemon.server_close();
    expect(finished).toBe(1);
    await serving2;
    await new Promise((r) => setTimeout(r, 150));
    expect(finished).toBe(2);
    d.close();
  });
});

describe("StreamRequestHandler", () => {
  it("reads lines with rfile and answers with wfile, buffered or not", async () => {
    class Buffered extends UpperLineHandler {
      override wbufsize = 8192;
      override disable_nagle_algorithm = true;
    }
    for (const Handler of [UpperLineHandler, Buffered]) {
      await using server = await TCPServer.create(LOCAL, Handler);
      const handled = server.handle_request();
      const c = await client(server);
      await c.sendall(Buffer.from("first line\nsecond\nno newline at end"));
      c.shutdown(1);
      const chunks: Buffer[] = [];
      for (let d = await c.recv(1024); d.length > 0; d = await c.recv(1024)) chunks.push(d);
      expect(Buffer.concat(chunks).toString()).toBe("FIRST LINE\nSECOND\nNO NEWLINE AT END");
      c.close();
      await handled;
    }
  });

  it("applies the handler's timeout to the connection", async () => {
    const seen: unknown[] = [];
    class Impatient extends StreamRequestHandler {
      override timeout = 0.05;
      override async handle(): Promise<void> {
        seen.push(this.connection.gettimeout());
        await this.rfile.readline();
      }
    }
    await using server = await TCPServer.create(LOCAL, Impatient);
    const errors: unknown[] = [];
    server.handle_error = (_r, _a, e) => {
      errors.push(e);
      return Promise.resolve();
    };
    const c = await client(server);
    await server.handle_request();
    expect(seen).toEqual([0.05]);
    expect(errors[0]).toBeInstanceOf(TimeoutError);
    c.close();
  });
});

describe("UDPServer", () => {
  class UpperDatagram extends DatagramRequestHandler {
    override async handle(): Promise<void> {
      const data = await this.rfile.read();
      await this.wfile.write(Buffer.from(data.toString().toUpperCase()));
    }
  }

  it("answers each datagram through rfile and wfile, plain and threading", async () => {
    for (const Server of [UDPServer, ThreadingUDPServer]) {
      await using server = await Server.create(LOCAL, UpperDatagram);
      expect((server.server_address as AddressV4)[1]).toBeGreaterThan(0);
      const serving = server.serve_forever(0.05);
      await using c = new socket(2, SOCK_DGRAM);
      c.settimeout(5);
      for (const text of ["ping", "hello udp", ""]) {
        await c.sendto(Buffer.from(text), server.server_address);
        const [reply, from] = await c.recvfrom(1024);
        expect(reply.toString()).toBe(text.toUpperCase());
        expect(from).toEqual(server.server_address);
      }
      await server.shutdown();
      await serving;
    }
  });

  it("cuts datagrams to max_packet_size", async () => {
    class Echo extends DatagramRequestHandler {
      override async handle(): Promise<void> {
        await this.wfile.write(this.packet);
      }
    }
    await using server = await UDPServer.create(LOCAL, Echo);
    server.max_packet_size = 4;
    await using c = new socket(2, SOCK_DGRAM);
    c.settimeout(5);
    await c.sendto(Buffer.from("0123456789"), server.server_address);
    await server.handle_request();
    expect((await c.recv(100)).toString()).toBe("0123");
  });
});

describe("Unix servers", () => {
  const dir = mkdtempSync(join(tmpdir(), "stdnet-socketserver-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("UnixStreamServer serves on a socket path", async () => {
    const path = join(dir, "echo.sock");
    await using server = await UnixStreamServer.create(path, UpperLineHandler);
    expect(server.server_address).toBe(path);
    const serving = server.serve_forever(0.05);
    await using c = new socket(AF_UNIX, SOCK_STREAM);
    c.settimeout(5);
    await c.connect(path);
    await c.sendall(Buffer.from("over unix\n"));
    expect(await recvLine(c)).toBe("OVER UNIX\n");
    c.close();
    await server.shutdown();
    await serving;
  });

  it("UnixDatagramServer says it is not available on node", async () => {
    await expect(UnixDatagramServer.create(join(dir, "d.sock"), DatagramRequestHandler)).rejects.toThrow(
      /UnixDatagramServer is not available: node has no Unix datagram sockets/,
    );
    expect(() => new ThreadingUnixDatagramServer(join(dir, "d.sock"), DatagramRequestHandler)).toThrow(OSError);
  });
});

describe("BytesIO", () => {
  it("reads lines and bytes, writes at the position, and getvalue() gives all", async () => {
    const f = new BytesIO(Buffer.from("one\ntwo\nthree"));
    expect((await f.readline()).toString()).toBe("one\n");
    expect((await f.read(2)).toString()).toBe("tw");
    expect((await f.readlines()).map(String)).toEqual(["o\n", "three"]);
    expect((await f.read()).length).toBe(0);
    const out = new BytesIO();
    await out.write(Buffer.from("hello"));
    out.seek(1);
    await out.write(Buffer.from("EL"));
    out.seek(10);
    await out.write(Buffer.from("!"));
    expect(out.getvalue()).toEqual(Buffer.from("hELlo\0\0\0\0\0!"));
    await out.close();
    await expect(out.write(Buffer.from("x"))).rejects.toThrow("I/O operation on closed file.");
  });
});
