/**
 * Objects over sockets: a stdnet program and python3 (examples/
 * pickle-over-socket.py) exchange pickles over TCP on 127.0.0.1 in both
 * directions, through socket.makefile files (several pickles in flight on
 * one file: load must read exactly one each time) and as length-prefixed
 * frames (struct.pack('>I', len) + pickle bytes).
 */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dump, dumps, load, loads, tuple, bytearray } from "stdnet/pickle";
import { socket } from "stdnet/socket";
import { pack, unpack } from "stdnet/struct";
import { runPython } from "../helpers/python.js";

const peerScript = readFileSync(new URL("../../examples/pickle-over-socket.py", import.meta.url), "utf8");

interface Reply {
  from: string;
  got: { protocol: number; value: unknown };
  type: string;
  sum?: unknown;
}

async function recvExactly(conn: socket, n: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let got = 0;
  while (got < n) {
    const chunk = await conn.recv(n - got);
    if (chunk.length === 0) throw new Error("peer closed");
    parts.push(chunk);
    got += chunk.length;
  }
  return Buffer.concat(parts);
}

const messages = [0, 1, 2, 3, 4, 5].flatMap((protocol) => [
  { protocol, value: `héllo 日本 ${protocol}` },
  { protocol, value: [1, 2, 3, 2n ** 70n, protocol] },
  { protocol, value: { nested: tuple(1, "two", new Uint8Array([3])), f: 2.5, big: new Uint8Array(100_000).fill(protocol) } },
  { protocol, value: new Map<unknown, unknown>([[1, new bytearray([1, 2])], [tuple(1, 2), null]]) },
]);
const pyType = (v: unknown): string => (typeof v === "string" ? "str" : Array.isArray(v) ? "list" : v instanceof Map ? "dict" : "dict");

describe("pickles over TCP with python3", () => {
  let server: socket;
  let conn: socket;
  let python: Promise<Buffer>;

  beforeAll(async () => {
    server = new socket();
    await server.bind(["127.0.0.1", 0]);
    await server.listen(1);
    const [, port] = server.getsockname() as [string, number];
    python = runPython(peerScript, [String(port)], undefined, 25_000);
    server.settimeout(20);
    [conn] = await server.accept();
    conn.settimeout(20);
  });

  afterAll(() => {
    conn.close();
    server.close();
  });

  it("dump/load on socket.makefile('rwb'): python3 loads each pickle and its reply loads back, several in flight", async () => {
    const f = conn.makefile("rwb");
    // send a batch of pickles before reading any reply: each load must take exactly one
    for (const batch of [messages.slice(0, 12), messages.slice(12)]) {
      for (const msg of batch) await dump(msg, f, msg.protocol);
      await f.flush();
      for (const msg of batch) {
        const reply = (await load(f)) as Reply;
        expect(reply.from).toBe("python");
        expect(reply.type).toBe(pyType(msg.value));
        expect(Buffer.from(dumps(reply.got, 4)).equals(Buffer.from(dumps({ protocol: msg.protocol, value: msg.value }, 4)))).toBe(true);
        if (Array.isArray(msg.value)) expect(reply.sum).toBe(2n ** 70n + 6n + BigInt(msg.protocol));
      }
    }
    await dump(null, f);
    await f.flush();
  });

  it("length-prefixed frames (struct '>I' + pickle): both directions at every protocol", async () => {
    for (const msg of messages) {
      const data = dumps(msg, msg.protocol);
      await conn.sendall(Buffer.concat([pack(">I", data.length), data]));
      const [n] = unpack(">I", await recvExactly(conn, 4)) as [number];
      const reply = loads(await recvExactly(conn, n)) as Reply;
      expect(reply.type).toBe(pyType(msg.value));
      expect(Buffer.from(dumps(reply.got, 4)).equals(Buffer.from(dumps({ protocol: msg.protocol, value: msg.value }, 4)))).toBe(true);
    }
    const end = dumps(null);
    await conn.sendall(Buffer.concat([pack(">I", end.length), end]));
    expect((await python).toString().trim()).toBe("python: done");
  });
});
