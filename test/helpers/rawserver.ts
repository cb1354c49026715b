/**
 * A raw TCP peer on loopback, for servers the real ones will not imitate
 * (replies cut in pieces, bytes of another encoding, silence): it runs
 * `onConnection` for each client and, on close, drops every client.
 */
import { createServer, type AddressInfo, type Server, type Socket } from "node:net";

/** A listening raw peer: its port, its server, and `close()`, which drops its clients and stops it. */
export interface RawServer {
  port: number;
  server: Server;
  close(): Promise<void>;
}

/** Starts a raw peer on 127.0.0.1, port 0, that runs `onConnection` for each client (socket errors ignored). */
export async function rawServer(onConnection: (sock: Socket) => void): Promise<RawServer> {
  const sockets = new Set<Socket>();
  const server = createServer((sock) => {
    sockets.add(sock);
    sock.on("close", () => sockets.delete(sock));
    sock.on("error", () => undefined);
    onConnection(sock);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/**
 * Runs `answer` for each CRLF-ended line the client sends (read as latin-1,
 * without its CRLF), one after another: each waits for the one before.
 */
export function eachLine(sock: Socket, answer: (line: string) => unknown): void {
  let rest = "";
  let chain: Promise<unknown> = Promise.resolve();
  sock.on("data", (d: Buffer) => {
    rest += d.toString("latin1");
    let nl: number;
    while ((nl = rest.indexOf("\r\n")) >= 0) {
      const line = rest.slice(0, nl);
      rest = rest.slice(nl + 2);
      chain = chain.then(() => answer(line));
    }
  });
}
