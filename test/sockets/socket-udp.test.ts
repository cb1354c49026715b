import { afterEach, describe, expect, it } from "vitest";
import { socket, AF_INET, AF_INET6, SOCK_DGRAM, MSG_PEEK, TimeoutError, BlockingIOError, OSError, type AddressV4 } from "stdnet/socket";
import { runPython } from "../helpers/python.js";

const open: socket[] = [];
afterEach(() => {
  for (const s of open.splice(0)) s.close();
});
function udp(family = AF_INET): socket {
  const s = new socket(family, SOCK_DGRAM);
  open.push(s);
  return s;
}

describe("socket over UDP", () => {
  it("sendto and recvfrom carry datagrams with the sender's address", async () => {
    const a = udp();
    await a.bind(["127.0.0.1", 0]);
    const b = udp();
    await b.bind(["127.0.0.1", 0]);
    expect(await b.sendto(Buffer.from("ping"), a.getsockname())).toBe(4);
    const [data, from] = await a.recvfrom(1024);
    expect(data.toString()).toBe("ping");
    expect(from).toEqual(b.getsockname());
  });

  it("a datagram longer than the size asked for is cut to it, and MSG_PEEK leaves it queued", async () => {
    const a = udp();
    await a.bind(["127.0.0.1", 0]);
    const b = udp();
    await b.sendto(Buffer.from("0123456789"), a.getsockname());
    expect((await a.recv(4, MSG_PEEK)).toString()).toBe("0123");
    expect((await a.recv(4)).toString()).toBe("0123");
    a.setblocking(false);
    await expect(a.recv(4)).rejects.toBeInstanceOf(BlockingIOError);
  });

  it("connect sets the default peer for send and recv", async () => {
    const a = udp();
    await a.bind(["127.0.0.1", 0]);
    const b = udp();
    await b.connect(a.getsockname());
    await b.send(Buffer.from("hi"));
    const [data, from] = await a.recvfrom(10);
    expect(data.toString()).toBe("hi");
    await a.sendto(Buffer.from("back"), from!);
    expect((await b.recv(10)).toString()).toBe("back");
    expect(b.getpeername()).toEqual(a.getsockname());
  });

  it("recvfrom times out, and a closed socket is EBADF", async () => {
    const a = udp();
    await a.bind(["127.0.0.1", 0]);
    a.settimeout(0.05);
    await expect(a.recvfrom(10)).rejects.toBeInstanceOf(TimeoutError);
    a.close();
    await expect(a.recvfrom(10)).rejects.toMatchObject({ errno: 9 });
  });

  it("binding a UDP port in use is EADDRINUSE", async () => {
    const a = udp();
    await a.bind(["127.0.0.1", 0]);
    const b = udp();
    const err = await b.bind(a.getsockname()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OSError);
    expect((err as OSError).errno).toBe(98);
  });

  it("IPv6 datagrams work", async () => {
    const a = udp(AF_INET6);
    await a.bind(["::1", 0]);
    const b = udp(AF_INET6);
    await b.sendto(Buffer.from("six"), a.getsockname());
    const [data, from] = await a.recvfrom(10);
    expect(data.toString()).toBe("six");
    expect(from).toHaveLength(4);
  });

  it("a Python UDP peer exchanges datagrams with ours", async () => {
    const a = udp();
    await a.bind(["127.0.0.1", 0]);
    const [, port] = a.getsockname() as AddressV4;
    const python = runPython(
      `import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(10)
s.sendto(b"from python", ("127.0.0.1", int(sys.argv[1])))
data, addr = s.recvfrom(100)
print(data)`,
      [String(port)],
    );
    const [data, from] = await a.recvfrom(100);
    expect(data.toString()).toBe("from python");
    await a.sendto(Buffer.concat([Buffer.from("Echo=>"), data]), from!);
    expect((await python).toString().trim()).toBe("b'Echo=>from python'");
  });
});
