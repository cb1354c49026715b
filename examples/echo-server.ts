/**
 * Server side: open a TCP/IP socket on a port, listen for a message from a
 * client, and send an echo reply — the classic Python echo server
 * (echo-server.py beside this file), line for line, with stdnet/socket.
 *
 * Run: npx tsx --conditions=source examples/echo-server.ts   (ECHO_PORT overrides 50007)
 */
import { socket, AF_INET, SOCK_STREAM, repr } from "stdnet/socket";

const myHost = ""; // '' = all available interfaces on host
const myPort = Number(process.env.ECHO_PORT ?? 50007); // listen on a non-reserved port number

const sockobj = new socket(AF_INET, SOCK_STREAM); // make a TCP socket object
await sockobj.bind([myHost, myPort]); // bind it to server port number
await sockobj.listen(5); // listen, allow 5 pending connects

for (;;) { // listen until process killed
  const [connection, address] = await sockobj.accept(); // wait for next client connect
  console.log("Server connected by", repr(address)); // connection is a new socket
  for (;;) {
    const data = await connection.recv(1024); // read next line on client socket
    if (data.length === 0) break; // send a reply line to the client
    await connection.send(Buffer.concat([Buffer.from("Echo=>"), data])); // until eof when socket closed
  }
  connection.close();
}
