/**
 * The server of bench/smtp.bench.ts, in a process of its own: smtp-server in
 * plain node, as its users run it, reading and dropping each message. Not
 * under tsx: with the server there, the clients' figures drew together
 * (stdnet ÷ nodemailer 0.93-1.22x against 0.87-0.98x with the server in
 * plain node, the same code). Prints its port once it listens; serves until
 * killed.
 */
import process from "node:process";
import { SMTPServer } from "smtp-server";

const server = new SMTPServer({
  logger: false,
  authOptional: true,
  disabledCommands: ["AUTH", "STARTTLS"],
  disableReverseLookup: true,
  onData(stream, _session, callback) {
    stream.on("data", () => undefined);
    stream.on("end", () => callback(null, "queued"));
  },
});
server.listen(0, "127.0.0.1", () => process.stdout.write(`${server.server.address().port}\n`));
