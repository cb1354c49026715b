/**
 * One node client of bench/ftp.bench.ts, in a process of its own: plain
 * node running the built package, as its users run it (and as python3 runs
 * ftplib), not under tsx. tsx's loader and esbuild fill the heap, and each
 * 64 MiB a download reads from its socket (fresh memory outside V8's heap)
 * makes V8 mark the whole heap again: under tsx stdnet's RETR took twice the
 * CPU and ran 0.8x as fast.
 *
 * `node bench/_ftp-client.mjs stdnet|basic-ftp|socket|socket-reused`, with the server in
 * STDNET_FTP_BENCH_SERVER (JSON: host, port, user, password), the local file
 * to upload in STDNET_FTP_BENCH_LOCAL and the download's size in
 * STDNET_FTP_BENCH_SIZE: logs in, prints "ready", then for each "down" or
 * "up" read from stdin prints the seconds that transfer took.
 *
 * Each client does what its users write by default: stdnet's `retrbinary`
 * with a callback that counts the bytes (blocksize 8192) and `storbinary`
 * from the local file; basic-ftp's `downloadTo` into a Writable that counts
 * and `uploadFrom` the local file's path.
 *
 * `socket` and `socket-reused` are no FTP client but references: node's own
 * net.Socket on a control connection spoken by hand, the data connection
 * read with a 'data' listener that counts (`socket`: what any node client
 * that hands out its blocks pays at least, a fresh buffer per read) or into
 * one buffer reused for every read (`socket-reused`, which keeps no block: a
 * floor for node's event loop); uploads pipe the local file's read stream in.
 */
import { Buffer } from "node:buffer";
import console from "node:console";
import { once } from "node:events";
import { createReadStream } from "node:fs";
import net from "node:net";
import { performance } from "node:perf_hooks";
import process from "node:process";
import { createInterface } from "node:readline";
import { Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { Client } from "basic-ftp";
import { FTP } from "stdnet/ftplib";

const info = JSON.parse(process.env.STDNET_FTP_BENCH_SERVER ?? "{}");
const local = process.env.STDNET_FTP_BENCH_LOCAL ?? "";
const size = Number(process.env.STDNET_FTP_BENCH_SIZE);

/** Seconds `fn` takes. */
async function seconds(fn) {
  const start = performance.now();
  await fn();
  return (performance.now() - start) / 1000;
}

/** stdnet's FTP, logged in: `time(direction)` and `close()`. */
async function stdnetSubject() {
  const ftp = await FTP.open(info.host, info.user, info.password, "", { port: info.port });
  return {
    time: (direction) =>
      seconds(async () => {
        if (direction === "up") {
          await ftp.storbinary("STOR up-stdnet.bin", local);
          return;
        }
        let n = 0;
        await ftp.retrbinary("RETR big.bin", (b) => {
          n += b.length;
        });
        if (n !== size) throw new Error(`stdnet downloaded ${n} bytes`);
      }),
    close: () => ftp.quit(),
  };
}

/** basic-ftp's Client, logged in: `time(direction)` and `close()`. */
async function basicFtpSubject() {
  const client = new Client(0);
  await client.access({ host: info.host, port: info.port, user: info.user, password: info.password });
  return {
    time: (direction) =>
      seconds(async () => {
        if (direction === "up") {
          await client.uploadFrom(local, "up-basic.bin");
          return;
        }
        let n = 0;
        const sink = new Writable({
          write(chunk, _encoding, done) {
            n += chunk.length;
            done();
          },
        });
        await client.downloadTo(sink, "big.bin");
        if (n !== size) throw new Error(`basic-ftp downloaded ${n} bytes`);
      }),
    close: () => {
      client.close();
      return Promise.resolve();
    },
  };
}

/**
 * FTP spoken by hand over `socket`: `command(line)` sends a line and
 * resolves to the final line of the reply, `reply()` to the next reply's;
 * a reply of 4xx or 5xx rejects.
 */
function controlConnection(socket) {
  let text = "";
  const waiting = [];
  const settle = () => {
    for (let end = text.indexOf("\r\n"); end >= 0 && waiting.length > 0; end = text.indexOf("\r\n")) {
      const line = text.slice(0, end);
      text = text.slice(end + 2);
      if (!/^\d{3} /.test(line)) continue;
      const { resolve, reject } = waiting.shift();
      if (line[0] === "4" || line[0] === "5") reject(new Error(line));
      else resolve(line);
    }
  };
  socket.setEncoding("latin1");
  socket.on("data", (chunk) => {
    text += chunk;
    settle();
  });
  const reply = () =>
    new Promise((resolve, reject) => {
      waiting.push({ resolve, reject });
      settle();
    });
  return {
    reply,
    command(line) {
      socket.write(line + "\r\n");
      return reply();
    },
  };
}

/** The one buffer `socket-reused` reads every download into. */
const READ_BUFFER = Buffer.allocUnsafe(64 * 1024);

/** node's net.Socket with FTP by hand, logged in: `time(direction)` and `close()` (see the module comment). */
async function socketSubject(reused) {
  const control = net.connect(info.port, info.host);
  await once(control, "connect");
  const ftp = controlConnection(control);
  await ftp.reply();
  await ftp.command(`USER ${info.user}`);
  await ftp.command(`PASS ${info.password}`);
  /** Opens a passive data connection, reading into READ_BUFFER when `reused`, counting into `counter.n`. */
  const openData = async (counter) => {
    const [, h1, h2, h3, h4, p1, p2] = /(\d+),(\d+),(\d+),(\d+),(\d+),(\d+)/.exec(await ftp.command("PASV"));
    const options = { host: `${h1}.${h2}.${h3}.${h4}`, port: Number(p1) * 256 + Number(p2) };
    if (reused) options.onread = { buffer: READ_BUFFER, callback: (n) => void (counter.n += n) };
    const data = net.connect(options);
    await once(data, "connect");
    return data;
  };
  return {
    time: (direction) =>
      seconds(async () => {
        await ftp.command("TYPE I");
        const counter = { n: 0 };
        const data = await openData(counter);
        if (direction === "up") {
          await ftp.command("STOR up-socket.bin");
          await pipeline(createReadStream(local), data);
        } else {
          const ended = once(data, "end");
          if (!reused) data.on("data", (b) => void (counter.n += b.length));
          data.resume();
          await ftp.command("RETR big.bin");
          await ended;
          data.destroy();
          if (counter.n !== size) throw new Error(`the socket downloaded ${counter.n} bytes`);
        }
        await ftp.reply();
      }),
    close: async () => {
      await ftp.command("QUIT");
      control.end();
    },
  };
}

const kinds = { stdnet: stdnetSubject, "basic-ftp": basicFtpSubject, socket: () => socketSubject(false), "socket-reused": () => socketSubject(true) };
const subject = await kinds[process.argv[2]]();
console.log("ready");
for await (const line of createInterface({ input: process.stdin })) {
  if (line !== "down" && line !== "up") break;
  console.log(await subject.time(line));
}
await subject.close();
