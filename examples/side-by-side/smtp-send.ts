/**
 * One e-mail sent twice: by hand over stdnet/socket — the SMTP dialogue
 * typed out (EHLO, MAIL FROM, RCPT TO, DATA, the message with its dots
 * doubled, a lone dot, QUIT) — and through smtplib, once with `sendmail`
 * (what most programs call) and once step by step (`mail`, `rcpt`, `data`),
 * which shows the reply the server accepted the message with. smtp-send.py
 * beside this file is the Python original; both print the same lines.
 *
 * Run: npx tsx --conditions=source examples/side-by-side/smtp-send.ts [host [port [from [to …]]]]
 *      (defaults: localhost 1025 me@example.org you@example.org; SMTP_HOST, SMTP_PORT also work)
 */
import { create_connection, gethostname, repr } from "stdnet/socket";
import { SMTP } from "stdnet/smtplib";

const argv = process.argv.slice(2);
const host = argv[0] ?? process.env.SMTP_HOST ?? "localhost";
const port = Number(argv[1] ?? process.env.SMTP_PORT ?? 1025);
const fromaddr = argv[2] ?? "me@example.org";
const toaddrs = argv.length > 3 ? argv.slice(3) : ["you@example.org"];

const msg = [
  `From: ${fromaddr}`,
  `To: ${toaddrs.join(", ")}`,
  "Subject: side by side",
  "",
  "Hello from the side-by-side example.",
  ".A line that starts with a dot goes out with two.",
  "",
].join("\r\n");

// 1. By hand: each command is a line; each reply is a 3-digit code and text, "250-" lines continuing it.
async function byHand(): Promise<string> {
  const sock = await create_connection([host, port], 10);
  const f = sock.makefile("rb");
  const reply = async (expected: number): Promise<string> => {
    let text = "";
    for (;;) {
      const line = (await f.readline()).toString("latin1").trimEnd();
      if (line === "") throw new Error("the server closed the connection");
      text += (text === "" ? "" : "\n") + line.slice(4);
      if (line[3] !== "-") {
        const code = Number(line.slice(0, 3));
        if (code !== expected) throw new Error(`expected ${expected}, got ${line}`);
        return `${code} ${text}`;
      }
    }
  };
  const command = async (line: string, expected: number): Promise<string> => {
    await sock.sendall(Buffer.from(line + "\r\n", "latin1"));
    return reply(expected);
  };
  await reply(220); // the greeting
  await command(`EHLO ${gethostname()}`, 250);
  await command(`MAIL FROM:<${fromaddr}>`, 250);
  for (const to of toaddrs) await command(`RCPT TO:<${to}>`, 250);
  await command("DATA", 354);
  const stuffed = msg.replace(/^\./gm, ".."); // a line starting with "." gets another one
  const accepted = await command(stuffed + ".", 250); // the message ends with a line holding one "."
  await command("QUIT", 221);
  await f.close();
  sock.close();
  return accepted;
}

// 2. smtplib: sendmail returns the recipients the server refused (none, here).
async function withSendmail(): Promise<string> {
  await using s = new SMTP(host, port, null, { timeout: 10 });
  const refused = await s.sendmail(fromaddr, toaddrs, msg);
  return "refused {" + Object.entries(refused).map(([to, why]) => `${repr(to)}: ${repr(why)}`).join(", ") + "}";
}

// 3. smtplib step by step: the same commands as by hand, each returning (code, reply).
async function stepByStep(): Promise<string> {
  await using s = new SMTP(host, port, null, { timeout: 10 });
  await s.ehlo();
  await s.mail(fromaddr);
  for (const to of toaddrs) await s.rcpt(to);
  const [code, text] = await s.data(msg);
  return `${code} ${text.toString()}`;
}

const hand = await byHand();
const sendmail = await withSendmail();
const steps = await stepByStep();
console.log("by hand (socket):       ", hand);
console.log("smtplib sendmail:       ", sendmail);
console.log("smtplib mail/rcpt/data: ", steps);
console.log("agree:", repr(hand === steps && sendmail === "refused {}"));
