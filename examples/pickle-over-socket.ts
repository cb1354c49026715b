/**
 * Objects over a socket, as the classic book chapter does it: a stdnet
 * program and a Python program (pickle-over-socket.py beside this file)
 * exchange pickled objects over TCP, both directions — first with
 * `socket.makefile` files (`pickle.dump` / `pickle.load`), then with
 * length-prefixed frames (`struct.pack('>I', len)` + pickle bytes).
 *
 * Run: npx tsx --conditions=source examples/pickle-over-socket.ts
 */
import { spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { dump, dumps, load, loads, tuple } from "stdnet/pickle";
import { socket } from "stdnet/socket";
import { pack, unpack } from "stdnet/struct";

const here = dirname(fileURLToPath(import.meta.url));

/** Reads exactly n bytes from a connected socket (recv may return fewer). */
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

const server = new socket();
await server.bind(["127.0.0.1", 0]);
await server.listen(1);
const [, port] = server.getsockname() as [string, number];
const python = spawn("python3", [join(here, "pickle-over-socket.py"), String(port)], { stdio: ["ignore", "inherit", "inherit"] });
const [conn] = await server.accept();

// 1. files
const f = conn.makefile("rwb");
const messages = [
  { protocol: 0, value: "héllo from node" },
  { protocol: 2, value: [1, 2, 3, 2n ** 70n] },
  { protocol: 4, value: { nested: tuple(1, "two", new Uint8Array([3])) } },
  { protocol: 5, value: new Set(["a", "b"]) },
];
for (const msg of messages) {
  await dump(msg, f, msg.protocol);
  await f.flush();
  console.log("node got:", await load(f));
}
await dump(null, f);
await f.flush();

// 2. length-prefixed frames
for (const msg of messages) {
  const data = dumps(msg, msg.protocol);
  await conn.sendall(Buffer.concat([pack(">I", data.length), data]));
  const [n] = unpack(">I", await recvExactly(conn, 4)) as [number];
  console.log("node got (frame):", loads(await recvExactly(conn, n)));
}
const end = dumps(null);
await conn.sendall(Buffer.concat([pack(">I", end.length), end]));

await new Promise((resolve) => python.once("exit", resolve));
await f.close();
conn.close();
server.close();
