import { afterEach, describe, expect, it } from "vitest";
import {
  socket,
  AF_INET,
  AF_INET6,
  AF_UNIX,
  SOCK_STREAM,
  SHUT_WR,
  MSG_PEEK,
  MSG_WAITALL,
  ConnectionRefusedError,
  ConnectionResetError,
  OSError,
  BlockingIOError,
  TimeoutError,
  ValueError,
  gaierror,
  create_connection,
  create_server,
  type AddressV4,
} from "stdnet/socket";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const cleanup: (() => void)[] = [];
afterEach(() => {
  for (const f of cleanup.splice(0)) f();
});

async function listening(family = AF_INET, host = "127.0.0.1"): Promise<socket> {
  const s = new socket(family, SOCK_STREAM);
  cleanup.push(() => s.close());
  await s.bind([host, 0]);
  await s.listen(5);
  return s;
}

async function pair(): Promise<[client: socket, server: socket]> {
  const l = await listening();
  const c = await create_connection(l.getsockname() as AddressV4, 5);
  const [conn] = await l.accept();
  cleanup.push(() => c.close(), () => conn.close());
  return [c, conn];
}

describe("socket over TCP", () => {
  it("connect, sendall, recv and accept's address work as in Python", async () => {
    const l = await listening();
    const [, port] = l.getsockname() as AddressV4;
    expect(port).toBeGreaterThan(0);
    const c = new socket(AF_INET, SOCK_STREAM);
    cleanup.push(() => c.close());
    await c.connect(["127.0.0.1", port]);
    const [conn, addr] = await l.accept();
    cleanup.push(() => conn.close());
    expect(addr).toEqual(c.getsockname());
    expect(conn.getpeername()).toEqual(c.getsockname());
    await c.sendall(Buffer.from("Hello network world"));
    expect((await conn.recv(1024)).toString()).toBe("Hello network world");
  });

  it("recv(n) returns at most n bytes and keeps the rest in order", async () => {
    const [c, s] = await pair();
    await c.sendall(Buffer.from("abcdefghij"));
    let got = "";
    while (got.length < 10) {
      const part = await s.recv(3);
      expect(part.length).toBeLessThanOrEqual(3);
      expect(part.length).toBeGreaterThan(0);
      got += part.toString();
    }
    expect(got).toBe("abcdefghij");
  });

  it("recv gives an empty buffer at end of stream, and sending still works after the peer's FIN", async () => {
    const [c, s] = await pair();
    await c.sendall(Buffer.from("last"));
    c.shutdown(SHUT_WR);
    expect((await s.recv(100, MSG_WAITALL)).toString()).toBe("last");
    expect((await s.recv(100)).length).toBe(0);
    await s.sendall(Buffer.from("reply"));
    expect((await c.recv(100)).toString()).toBe("reply");
  });

  it("MSG_PEEK leaves the bytes queued", async () => {
    const [c, s] = await pair();
    await c.sendall(Buffer.from("peekaboo"));
    expect((await s.recv(4, MSG_PEEK | MSG_WAITALL)).toString()).toBe("peek");
    expect((await s.recv(8, MSG_WAITALL)).toString()).toBe("peekaboo");
  });

  it("recv(0) returns empty at once and a negative size is a ValueError", async () => {
    const [, s] = await pair();
    expect((await s.recv(0)).length).toBe(0);
    await expect(s.recv(-1)).rejects.toThrow(ValueError);
    await expect(s.recv(-1)).rejects.toThrow("negative buffersize in recv");
  });

  it("recv_into fills the buffer and returns the count", async () => {
    const [c, s] = await pair();
    await c.sendall(Buffer.from("xyz"));
    const buf = new Uint8Array(10);
    const n = await s.recv_into(buf);
    expect(Buffer.from(buf.subarray(0, n)).toString()).toBe("xyz".slice(0, n));
  });

  it("connecting to a closed port is ConnectionRefusedError, errno 111", async () => {
    const l = await listening();
    const addr = l.getsockname() as AddressV4;
    l.close();
    const c = new socket();
    cleanup.push(() => c.close());
    const err = await c.connect(addr).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectionRefusedError);
    expect(err).toMatchObject({ errno: 111, strerror: "Connection refused", message: "[Errno 111] Connection refused" });
    expect(await new socket().connect_ex(addr)).toBe(111);
  });

  it("using a closed socket is OSError EBADF, never a crash", async () => {
    const [c] = await pair();
    c.close();
    c.close();
    for (const op of [() => c.recv(1), () => c.send(Buffer.from("x")), () => c.sendall(Buffer.from("x"))]) {
      const err = await op().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(OSError);
      expect((err as OSError).errno).toBe(9);
    }
    const l = await listening();
    l.close();
    await expect(l.accept()).rejects.toMatchObject({ errno: 9 });
    expect(() => c.getsockname()).toThrow("[Errno 9] Bad file descriptor");
  });

  it("bind on a port in use raises EADDRINUSE (98) at listen", async () => {
    const l = await listening();
    const s = new socket();
    cleanup.push(() => s.close());
    await s.bind(l.getsockname());
    await expect(s.listen()).rejects.toMatchObject({ errno: 98, strerror: "Address already in use" });
    await expect(create_server(l.getsockname())).rejects.toThrow(/\[Errno 98\] Address already in use \(while attempting to bind on address \('127\.0\.0\.1', \d+\)\)/);
  });

  it("an unknown host name is gaierror -2", async () => {
    const c = new socket();
    cleanup.push(() => c.close());
    const err = await c.connect(["nonexistent.invalid", 80]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(gaierror);
    expect(err).toMatchObject({ errno: -2, message: "[Errno -2] Name or service not known" });
  });

  it("recv and accept time out with TimeoutError('timed out')", async () => {
    const [, s] = await pair();
    s.settimeout(0.05);
    const t0 = Date.now();
    const err = await s.recv(10).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TimeoutError);
    expect((err as Error).message).toBe("timed out");
    expect(Date.now() - t0).toBeGreaterThanOrEqual(40);
    const l = await listening();
    l.settimeout(0.05);
    await expect(l.accept()).rejects.toBeInstanceOf(TimeoutError);
  });

  it("a non-blocking socket raises BlockingIOError (EAGAIN) instead of waiting", async () => {
    const [c, s] = await pair();
    s.setblocking(false);
    expect(s.getblocking()).toBe(false);
    expect(s.gettimeout()).toBe(0);
    await expect(s.recv(10)).rejects.toMatchObject({ name: "BlockingIOError", errno: 11 });
    await c.sendall(Buffer.from("now"));
    await new Promise((r) => setTimeout(r, 50));
    expect((await s.recv(10)).toString()).toBe("now");
    const l = await listening();
    l.setblocking(false);
    await expect(l.accept()).rejects.toBeInstanceOf(BlockingIOError);
  });

  it("settimeout refuses a negative value", () => {
    expect(() => new socket().settimeout(-1)).toThrow("Timeout value out of range");
  });

  it("a peer reset is ConnectionResetError (104) or an empty recv, and the reader is told", async () => {
    const [c, s] = await pair();
    await c.sendall(Buffer.from("x"));
    await s.recv(1);
    // An abortive close (SO_LINGER 0) of the server side resets the client.
    s._detachConnection().abort();
    let outcome: unknown;
    try {
      outcome = await c.recv(10);
    } catch (e) {
      outcome = e;
    }
    if (outcome instanceof Error) expect(outcome).toBeInstanceOf(ConnectionResetError);
    else expect((outcome as Buffer).length).toBe(0);
  });

  it("data sent before accept() is kept, and a flood is paused (back-pressure), not lost", async () => {
    const l = await listening();
    const c = await create_connection(l.getsockname() as AddressV4, 10);
    cleanup.push(() => c.close());
    const total = 8 * 1024 * 1024;
    const block = Buffer.alloc(64 * 1024);
    for (let i = 0; i < block.length; i++) block[i] = i % 251;
    const sending = (async () => {
      for (let sent = 0; sent < total; sent += block.length) await c.sendall(block);
      c.shutdown(SHUT_WR);
    })();
    await new Promise((r) => setTimeout(r, 200));
    const [conn] = await l.accept();
    cleanup.push(() => conn.close());
    let received = 0;
    let ok = true;
    for (;;) {
      const d = await conn.recv(100_000);
      if (d.length === 0) break;
      for (let i = 0; i < d.length; i += 997) if (d[i] !== ((received + i) % (64 * 1024)) % 251) ok = false;
      received += d.length;
    }
    await sending;
    expect(received).toBe(total);
    expect(ok).toBe(true);
  });

  it("a buffer may be reused as soon as sendall resolves, even while earlier bytes are still queued", async () => {
    const [c, s] = await pair();
    const big = Buffer.alloc(4 * 1024 * 1024, 1);
    const first = c.sendall(big); // the peer is not reading yet: most of this stays queued
    await new Promise((r) => setTimeout(r, 20));
    const reused = Buffer.from("original");
    const second = c.sendall(reused);
    // the peer reads from here on: where node's queue was still above its high-water mark,
    // sendall waits for the kernel to take the bytes, which it does only as the peer reads
    const draining = (async () => {
      let got = Buffer.alloc(0);
      while (got.length < big.length + 8) got = Buffer.concat([got, await s.recv(1 << 20)]);
      return got;
    })();
    await second;
    reused.write("MUTATED!");
    await first;
    const got = await draining;
    expect(got.subarray(big.length).toString()).toBe("original");
  });

  it("IPv6 sockets give 4-tuples", async () => {
    const l = await listening(AF_INET6, "::1");
    const addr = l.getsockname();
    expect(addr).toHaveLength(4);
    const c = new socket(AF_INET6);
    cleanup.push(() => c.close());
    await c.connect(["::1", (addr as readonly [string, number])[1]]);
    const [conn, peer] = await l.accept();
    cleanup.push(() => conn.close());
    expect(peer[0]).toBe("::1");
    expect(peer).toEqual(c.getsockname());
  });

  it("AF_UNIX stream sockets use path addresses", async () => {
    const dir = mkdtempSync(join(tmpdir(), "stdnet-unix-"));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const path = join(dir, "sock");
    const l = new socket(AF_UNIX, SOCK_STREAM);
    cleanup.push(() => l.close());
    await l.bind(path);
    await l.listen();
    expect(l.getsockname()).toBe(path);
    const c = new socket(AF_UNIX, SOCK_STREAM);
    cleanup.push(() => c.close());
    await c.connect(path);
    const [conn] = await l.accept();
    cleanup.push(() => conn.close());
    await c.sendall(Buffer.from("unix"));
    expect((await conn.recv(10)).toString()).toBe("unix");
  });

  it("sending on a socket that never connected is Python's error: EPIPE for TCP, EDESTADDRREQ for UDP", async () => {
    const { SOCK_DGRAM, BrokenPipeError } = await import("stdnet/socket");
    const t = new socket();
    await expect(t.send(Buffer.from("x"))).rejects.toBeInstanceOf(BrokenPipeError);
    await expect(t.recv(1)).rejects.toMatchObject({ errno: 107 });
    expect(() => t.getpeername()).toThrow("[Errno 107] Transport endpoint is not connected");
    const u = new socket(AF_INET, SOCK_DGRAM);
    await expect(u.send(Buffer.from("x"))).rejects.toMatchObject({ errno: 89, message: "[Errno 89] Destination address required" });
    t.close();
    u.close();
  });

  it("a wrong address shape is Python's TypeError/OverflowError", async () => {
    const s = new socket();
    expect(() => s.bind("127.0.0.1")).toThrow("AF_INET address must be tuple, not str");
    await expect(s.connect(["127.0.0.1", 70000])).rejects.toThrow("connect(): port must be 0-65535.");
  });
});

describe("socket options and defaults", () => {
  it("setdefaulttimeout applies to new sockets, as in Python", async () => {
    const { setdefaulttimeout, getdefaulttimeout } = await import("stdnet/socket");
    expect(getdefaulttimeout()).toBeNull();
    setdefaulttimeout(2.5);
    try {
      expect(new socket().gettimeout()).toBe(2.5);
      expect(() => setdefaulttimeout(-1)).toThrow("Timeout value out of range");
    } finally {
      setdefaulttimeout(null);
    }
    expect(new socket().gettimeout()).toBeNull();
  });

  it("setsockopt/getsockopt keep values and report SO_TYPE", async () => {
    const { SOL_SOCKET, SO_REUSEADDR, SO_TYPE, IPPROTO_TCP, TCP_NODELAY, SOCK_DGRAM } = await import("stdnet/socket");
    const s = new socket();
    s.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1);
    s.setsockopt(IPPROTO_TCP, TCP_NODELAY, true);
    expect(s.getsockopt(SOL_SOCKET, SO_REUSEADDR)).toBe(1);
    expect(s.getsockopt(IPPROTO_TCP, TCP_NODELAY)).toBe(1);
    expect(s.getsockopt(SOL_SOCKET, SO_TYPE)).toBe(SOCK_STREAM);
    const u = new socket(AF_INET, SOCK_DGRAM);
    expect(u.getsockopt(SOL_SOCKET, SO_TYPE)).toBe(SOCK_DGRAM);
    s.close();
    u.close();
  });

  it("create_server with dualstack_ipv6 accepts IPv4 clients on an AF_INET6 socket", async () => {
    const server = await create_server(["::", 0], { family: AF_INET6, dualstack_ipv6: true });
    cleanup.push(() => server.close());
    const port = (server.getsockname() as readonly [string, number])[1];
    const c = await create_connection(["127.0.0.1", port], 5);
    cleanup.push(() => c.close());
    const [conn, addr] = await server.accept();
    cleanup.push(() => conn.close());
    expect(addr[0]).toBe("::ffff:127.0.0.1");
  });
});
