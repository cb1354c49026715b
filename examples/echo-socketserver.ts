/**
 * The classic echo service written with socketserver: each client is
 * handled in its own task by EchoHandler, which sends back every chunk it
 * receives prefixed with "Echo=>" until the client closes — the same server
 * as echo-socketserver.py beside this file, line for line, with
 * stdnet/socketserver. echo-client.ts (or echo-client.py) talks to either.
 *
 * Run: npx tsx --conditions=source examples/echo-socketserver.ts   (ECHO_PORT overrides 50007; 0 picks a free port)
 */
import { repr, type AddressV4 } from "stdnet/socket";
import { BaseRequestHandler, ThreadingTCPServer } from "stdnet/socketserver";
import type { socket } from "stdnet/socket";

const myHost = ""; // '' = all available interfaces on host
const myPort = Number(process.env.ECHO_PORT ?? 50007); // listen on a non-reserved port number

class EchoHandler extends BaseRequestHandler<socket> {
  override async handle(): Promise<void> { // called once per client connection
    console.log("Server connected by", repr(this.client_address));
    for (;;) {
      const data = await this.request.recv(1024); // read next chunk on client socket
      if (data.length === 0) break; // until eof when socket closed
      await this.request.sendall(Buffer.concat([Buffer.from("Echo=>"), data])); // send a reply to the client
    }
  }
}

class EchoServer extends ThreadingTCPServer {
  override allow_reuse_address = true; // restart at once on the same port
  override daemon_threads = true; // do not wait for clients at exit
}

await using server = await EchoServer.create([myHost, myPort], EchoHandler);
console.log("Serving on port", (server.server_address as AddressV4)[1]);
await server.serve_forever(); // until the process is killed
