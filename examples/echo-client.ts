/**
 * Client side: send data to the server and print its reply to each message
 * — the classic Python echo client (echo-client.py beside this file), line
 * for line, with stdnet/socket. It prints exactly what the Python one prints.
 *
 * Run: npx tsx --conditions=source examples/echo-client.ts [host [message …]]   (ECHO_PORT overrides 50007)
 */
import { socket, AF_INET, SOCK_STREAM, repr } from "stdnet/socket";

let serverHost = "localhost"; // server name
const serverPort = Number(process.env.ECHO_PORT ?? 50007); // non-reserved port used by the server

let message: Uint8Array[] = [Buffer.from("Hello network world")]; // default text to send to server
const argv = process.argv.slice(2);
if (argv.length > 0) {
  serverHost = argv[0]!; // server from cmd line arg 1
  if (argv.length > 1) message = argv.slice(1).map((x) => Buffer.from(x)); // text from cmd line args 2..n
}

const sockobj = new socket(AF_INET, SOCK_STREAM); // make a TCP/IP socket object
await sockobj.connect([serverHost, serverPort]); // connect to server machine + port

for (const line of message) {
  await sockobj.send(line); // send line to server over socket
  const data = await sockobj.recv(1024); // receive line from server: up to 1k
  console.log("Client received:", repr(data)); // bytes are quoted, as Python prints them
}

sockobj.close(); // close socket to send eof to server
