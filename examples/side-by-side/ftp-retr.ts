/**
 * One file downloaded twice from an FTP server: by hand over stdnet/socket —
 * USER, PASS, TYPE I, PASV on the control connection, then a second socket to
 * the address PASV gave for the data while RETR's 150 and 226 replies come
 * on the first — and through ftplib's `retrbinary`. Each way prints the
 * file's size and SHA-256, so a reader sees they agree. ftp-retr.py beside
 * this file is the Python original; both print the same lines.
 *
 * Run: npx tsx --conditions=source examples/side-by-side/ftp-retr.ts [host [port [user [password [file]]]]]
 *      (defaults: localhost 21 anonymous anonymous@ data.bin;
 *       FTP_HOST, FTP_PORT, FTP_USER, FTP_PASSWORD, FTP_FILE also work)
 */
import { createHash } from "node:crypto";
import { create_connection, repr } from "stdnet/socket";
import { FTP } from "stdnet/ftplib";

const argv = process.argv.slice(2);
const host = argv[0] ?? process.env.FTP_HOST ?? "localhost";
const port = Number(argv[1] ?? process.env.FTP_PORT ?? 21);
const user = argv[2] ?? process.env.FTP_USER ?? "anonymous";
const password = argv[3] ?? process.env.FTP_PASSWORD ?? "anonymous@";
const filename = argv[4] ?? process.env.FTP_FILE ?? "data.bin";

function summary(way: string, size: number, digest: string, reply: string): string {
  return `${(way + ":").padEnd(19)} ${size} bytes, sha256 ${digest.slice(0, 16)}, ${repr(reply)}`;
}

// 1. By hand: commands are lines; a reply is "ddd text", or "ddd-" lines up to one starting "ddd ".
async function byHand(): Promise<string> {
  const control = await create_connection([host, port], 10);
  const f = control.makefile("rb");
  const readline = async (): Promise<string> => {
    const line = (await f.readline()).toString("latin1");
    if (line === "") throw new Error("the server closed the connection");
    return line.replace(/\r?\n$/, "");
  };
  const reply = async (): Promise<string> => {
    let text = await readline();
    if (text[3] === "-") {
      const code = text.slice(0, 3);
      for (;;) {
        const line = await readline();
        text += "\n" + line;
        if (line.startsWith(code) && line[3] !== "-") break;
      }
    }
    if (text[0] === "4" || text[0] === "5") throw new Error(`the server said ${text}`);
    return text;
  };
  const command = async (line: string): Promise<string> => {
    await control.sendall(Buffer.from(line + "\r\n", "latin1"));
    return reply();
  };
  await reply(); // 220 welcome
  if ((await command(`USER ${user}`)).startsWith("3")) await command(`PASS ${password}`); // 331, then 230
  await command("TYPE I"); // binary: the bytes as they are
  const pasv = await command("PASV"); // 227 Entering Passive Mode (127,0,0,1,195,80)
  const [h1, h2, h3, h4, p1, p2] = /(\d+),(\d+),(\d+),(\d+),(\d+),(\d+)/.exec(pasv)!.slice(1).map(Number);
  // ftplib itself connects to the control connection's host instead (trust_server_pasv_ipv4_address).
  const data = await create_connection([`${h1}.${h2}.${h3}.${h4}`, p1! * 256 + p2!], 10);
  await command(`RETR ${filename}`); // 150: the file comes on the data connection
  const hash = createHash("sha256");
  let size = 0;
  for (;;) {
    const block = await data.recv(65536);
    if (block.length === 0) break; // the server closes the data connection at the end of the file
    hash.update(block);
    size += block.length;
  }
  data.close();
  const done = await reply(); // 226 on the control connection
  await command("QUIT"); // 221
  await f.close();
  control.close();
  return summary("by hand (socket)", size, hash.digest("hex"), done);
}

// 2. ftplib: the same session; retrbinary does PASV, the data connection and the replies.
async function withFtplib(): Promise<string> {
  const ftp = new FTP();
  await ftp.connect(host, port, 10);
  await ftp.login(user, password);
  const hash = createHash("sha256");
  let size = 0;
  const done = await ftp.retrbinary(`RETR ${filename}`, (block) => {
    hash.update(block);
    size += block.length;
  });
  await ftp.quit();
  return summary("ftplib.retrbinary", size, hash.digest("hex"), done);
}

const results = [await byHand(), await withFtplib()];
for (const line of results) console.log(line);
console.log("agree:", repr(results[0]!.slice(20) === results[1]!.slice(20)));
