/**
 * One node client of bench/ftp.bench.ts, in a process of its own: plain
 * node running the built package, as its users run it (and as python3 runs
 * ftplib), not under tsx. tsx's loader and esbuild fill the heap, and each
 * 64 MiB a download reads from its socket (fresh memory outside V8's heap)
 * makes V8 mark the whole heap again: under tsx stdnet's RETR took twice the
 * CPU and ran 0.8x as fast.
 *
 * `node bench/_ftp-client.mjs stdnet|basic-ftp`, with the server in
 * STDNET_FTP_BENCH_SERVER (JSON: host, port, user, password), the local file
 * to upload in STDNET_FTP_BENCH_LOCAL and the download's size in
 * STDNET_FTP_BENCH_SIZE: logs in, prints "ready", then for each "down" or
 * "up" read from stdin prints the seconds that transfer took.
 *
 * Each client does what its users write by default: stdnet's `retrbinary`
 * with a callback that counts the bytes (blocksize 8192) and `storbinary`
 * from the local file; basic-ftp's `downloadTo` into a Writable that counts
 * and `uploadFrom` the local file's path.
 */
import console from "node:console";
import { performance } from "node:perf_hooks";
import process from "node:process";
import { createInterface } from "node:readline";
import { Writable } from "node:stream";
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

const subject = process.argv[2] === "stdnet" ? await stdnetSubject() : await basicFtpSubject();
console.log("ready");
for await (const line of createInterface({ input: process.stdin })) {
  if (line !== "down" && line !== "up") break;
  console.log(await subject.time(line));
}
await subject.close();
