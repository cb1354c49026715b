/**
 * An echo server in its own process for bench/socket.bench.ts: `stdnet`
 * (serveEcho, no prefix) or `raw` (node:net, each chunk written back).
 * Prints its port, then serves until killed.
 */
import * as net from "node:net";
import { serveEcho } from "stdnet/socket";

const kind = process.argv[2];
if (kind === "stdnet") {
  const server = await serveEcho({ host: "127.0.0.1", port: 0, prefix: "", bufsize: 65536 });
  console.log((server.address as readonly [string, number])[1]);
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
  server.listen(0, "127.0.0.1", () => console.log((server.address() as net.AddressInfo).port));
}
