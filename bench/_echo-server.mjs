/**
 * An echo server of bench/socket.bench.ts, in a process of its own, in plain
 * node on the built package (not under tsx, whose heap made these servers'
 * figures swing: see the socket section of BENCHMARKS.md): `stdnet`
 * (serveEcho, no prefix, recv of 64 KiB) or `raw` (node:net, each chunk
 * written back, paused while node's buffer is full). Prints its port, then
 * serves until killed.
 */
import console from "node:console";
import net from "node:net";
import process from "node:process";
import { serveEcho } from "stdnet/socket";

if (process.argv[2] === "stdnet") {
  const server = await serveEcho({ host: "127.0.0.1", port: 0, prefix: "", bufsize: 65536 });
  console.log(server.address[1]);
} else {
  const server = net.createServer((sock) => {
    sock.on("data", (d) => {
      if (!sock.write(d)) {
        sock.pause();
        sock.once("drain", () => sock.resume());
      }
    });
    sock.on("error", () => undefined);
  });
  server.listen(0, "127.0.0.1", () => console.log(server.address().port));
}
