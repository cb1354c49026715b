/**
 * One echo client of bench/socket.bench.ts, in a process of its own: plain
 * node running the built package, as its users run it, not under tsx (whose
 * heap makes each 64 MiB read from a socket cost a mark of the whole heap;
 * see _ftp-client.mjs).
 *
 * `node bench/_echo-client.mjs raw|stdnet` prints "ready", then for each
 * line read from stdin prints one figure:
 * - `rtt PORT MS`: sequential round trips of 100-byte messages a second,
 *   timed for MS milliseconds after MS/2 of warm-up;
 * - `bulk PORT BYTES`: MB/s of BYTES streamed to the echo server on PORT
 *   (127.0.0.1) and read back.
 *
 * `raw` is node:net as its users write it (a 'data' listener, `write` with
 * back-pressure); `stdnet` is stdnet/socket as a Python program writes it
 * (`sendall`, then `recv`; one task sends while another receives).
 */
import { Buffer } from "node:buffer";
import console from "node:console";
import net from "node:net";
import { performance } from "node:perf_hooks";
import process from "node:process";
import { createInterface } from "node:readline";
import { create_connection, MSG_WAITALL, SHUT_WR } from "stdnet/socket";

const MESSAGE = Buffer.alloc(100, 0x61);
const BLOCK = Buffer.alloc(64 * 1024, 0x62);

/** Round trips a second of `once`, timed for `ms` after `ms / 2` of warm-up. */
async function roundTrips(once, ms) {
  const warm = performance.now() + ms / 2;
  while (performance.now() < warm) await once();
  let n = 0;
  const start = performance.now();
  while (performance.now() - start < ms) {
    await once();
    n++;
  }
  return (n * 1000) / (performance.now() - start);
}

function rawConnect(port) {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, "127.0.0.1", () => resolve(s));
    s.once("error", reject);
  });
}

/** node:net: round trips a second, and MB/s of `bytes` echoed. */
const raw = {
  async rtt(port, ms) {
    const s = await rawConnect(port);
    let pending = null;
    let got = 0;
    s.on("data", (d) => {
      got += d.length;
      if (got >= MESSAGE.length && pending !== null) {
        got -= MESSAGE.length;
        const p = pending;
        pending = null;
        p();
      }
    });
    const once = () =>
      new Promise((resolve) => {
        pending = resolve;
        s.write(MESSAGE);
      });
    const rate = await roundTrips(once, ms);
    s.destroy();
    return rate;
  },
  async bulk(port, bytes) {
    const s = await rawConnect(port);
    const start = performance.now();
    const received = new Promise((resolve) => {
      let got = 0;
      s.on("data", (d) => {
        got += d.length;
        if (got >= bytes) resolve();
      });
    });
    for (let sent = 0; sent < bytes; sent += BLOCK.length) {
      if (!s.write(BLOCK)) await new Promise((r) => s.once("drain", r));
    }
    await received;
    const seconds = (performance.now() - start) / 1000;
    s.destroy();
    return bytes / 1e6 / seconds;
  },
};

/** stdnet/socket: the same, written as a Python program would. */
const stdnet = {
  async rtt(port, ms) {
    const s = await create_connection(["127.0.0.1", port]);
    const rate = await roundTrips(async () => {
      await s.sendall(MESSAGE);
      await s.recv(MESSAGE.length, MSG_WAITALL);
    }, ms);
    s.close();
    return rate;
  },
  async bulk(port, bytes) {
    const s = await create_connection(["127.0.0.1", port]);
    const start = performance.now();
    const receiving = (async () => {
      let got = 0;
      while (got < bytes) {
        const d = await s.recv(256 * 1024);
        if (d.length === 0) break;
        got += d.length;
      }
      if (got !== bytes) throw new Error(`stdnet read back ${got} bytes of ${bytes}`);
    })();
    for (let sent = 0; sent < bytes; sent += BLOCK.length) await s.sendall(BLOCK);
    s.shutdown(SHUT_WR);
    await receiving;
    const seconds = (performance.now() - start) / 1000;
    s.close();
    return bytes / 1e6 / seconds;
  },
};

const client = process.argv[2] === "stdnet" ? stdnet : raw;
console.log("ready");
for await (const line of createInterface({ input: process.stdin })) {
  const [what, port, size] = line.split(" ");
  if (what !== "rtt" && what !== "bulk") break;
  console.log(await client[what](Number(port), Number(size)));
}
