/**
 * `npm start`: a tour of stdnet. It starts its own servers on loopback —
 * echo, FTP (ftp-srv), SMTP (smtp-server), HTTP (node:http) — walks up the
 * stack from raw sockets to the protocol modules, prints what each step did
 * and how long it took, and stops everything. `--help` lists the steps;
 * naming steps (`npm start -- ftp http`) runs only those.
 */
import { createHash, randomBytes } from "node:crypto";
import { performance } from "node:perf_hooks";
import {
  serveEcho,
  create_connection,
  socket,
  gethostbyname,
  getaddrinfo,
  getservbyname,
  htons,
  htonl,
  inet_aton,
  inet_ntop,
  repr,
  AF_INET,
  AF_INET6,
  SOCK_STREAM,
  MSG_WAITALL,
  type AddressV4,
} from "stdnet/socket";
import { pack, unpack, calcsize } from "stdnet/struct";
import { dumps, load, dump, tuple } from "stdnet/pickle";
import { FTP } from "stdnet/ftplib";
import { SMTP } from "stdnet/smtplib";
import { EmailMessage } from "stdnet/email";
import { urlopen } from "stdnet/urllib/request";
import { HTTPConnection } from "stdnet/http/client";
import { startFtp, startHttp, startSmtp } from "./_tour-servers.js";

interface Step {
  name: string;
  what: string;
  run: (say: (line: string) => void) => Promise<void>;
}

const sha = (b: Uint8Array): string => createHash("sha256").update(b).digest("hex").slice(0, 16);

function progressBar(done: number, total: number): string {
  const width = 30;
  const filled = Math.round((done / total) * width);
  return `[${"#".repeat(filled)}${" ".repeat(width - filled)}] ${((done / total) * 100).toFixed(0).padStart(3)}%`;
}

/** Draws a progress bar in place on a terminal; elsewhere, prints nothing until the end. */
function progress(label: string, total: number): (n: number) => void {
  let done = 0;
  let lastDrawn = -1;
  return (n) => {
    done += n;
    if (!process.stdout.isTTY) return;
    const pct = Math.floor((done / total) * 100);
    if (pct === lastDrawn) return;
    lastDrawn = pct;
    process.stdout.write(`\r    ${label} ${progressBar(done, total)}`);
    if (done >= total) process.stdout.write("\n");
  };
}

const steps: Step[] = [
  {
    name: "byteorder",
    what: "byte order and address conversions (socket.htons, inet_aton, …)",
    run: (say) => {
      say(`htons(80) = ${htons(80)}, htonl(1) = ${htonl(1)}`);
      say(`inet_aton("127.1") = ${repr(inet_aton("127.1"))}   (glibc's forms, as Python)`);
      say(`inet_ntop(AF_INET6, ::ffff:10.0.0.1) = ${repr(inet_ntop(AF_INET6, Buffer.from("00000000000000000000ffff0a000001", "hex")))}`);
      return Promise.resolve();
    },
  },
  {
    name: "lookup",
    what: "name lookup through the system resolver and /etc/services",
    run: async (say) => {
      say(`gethostbyname("localhost") = ${repr(await gethostbyname("localhost"))}`);
      const [first] = await getaddrinfo("localhost", "http", AF_INET, SOCK_STREAM);
      say(`getaddrinfo("localhost", "http", AF_INET, SOCK_STREAM)[0] = ${repr([first![0], first![1], first![2], first![3], first![4]])}`);
      say(`getservbyname("smtp") = ${getservbyname("smtp")}`);
    },
  },
  {
    name: "echo",
    what: "the classic echo server and client, over stdnet/socket",
    run: async (say) => {
      await using server = await serveEcho({ host: "127.0.0.1", port: 0, onConnection: (a) => say(`Server connected by ${repr(a)}`) });
      await using client = await create_connection(server.address as AddressV4, 5);
      for (const message of ["Hello network world", "from stdnet"]) {
        await client.sendall(Buffer.from(message));
        say(`Client received: ${repr(await client.recv(1024))}`);
      }
    },
  },
  {
    name: "records",
    what: "struct records and pickled objects over a socket (length-prefixed frames, makefile)",
    run: async (say) => {
      const listener = new socket();
      await listener.bind(["127.0.0.1", 0]);
      await listener.listen();
      const fmt = "!IHd8s";
      const serving = (async () => {
        const [conn] = await listener.accept();
        // One fixed-size struct record, then pickles through a file object.
        const record = unpack(fmt, await conn.recv(calcsize(fmt), MSG_WAITALL));
        const f = conn.makefile("rwb");
        const obj = (await load(f)) as Record<string, unknown>;
        await dump({ got_record: record[0], echoed: obj }, f, 4);
        await f.flush();
        await f.close();
        conn.close();
      })();
      const c = await create_connection(listener.getsockname() as AddressV4, 5);
      const rec = pack(fmt, 7, 443, 2.5, Buffer.from("stdnet"));
      say(`struct.pack(${repr(fmt)}, 7, 443, 2.5, b'stdnet') = ${repr(rec)}`);
      await c.sendall(rec);
      const obj = { user: "ada", scores: [1, 2.5, 2n ** 70n], pos: tuple(1, 2), tags: new Set(["x"]) };
      say(`pickle.dumps(obj, 4) is ${dumps(obj, 4).length} bytes`);
      const f = c.makefile("rwb");
      await dump(obj, f, 4);
      await f.flush();
      const reply = (await load(f)) as { got_record: number; echoed: typeof obj };
      say(`server replied: got_record=${reply.got_record}, scores back = [${reply.echoed.scores.map(String).join(", ")}]`);
      await f.close();
      c.close();
      await serving;
      listener.close();
    },
  },
  {
    name: "ftp",
    what: "FTP: upload and download 4 MiB with ftplib (over basic-ftp), against ftp-srv",
    run: async (say) => {
      const server = await startFtp();
      try {
        const data = randomBytes(4 * 1024 * 1024);
        await using ftp = new FTP();
        say(`connect: ${await ftp.connect("127.0.0.1", server.port, 10)}`);
        say(`login:   ${await ftp.login("tour", "tour")}`);
        const up = progress("STOR", data.length);
        let t = performance.now();
        say(`storbinary: ${await ftp.storbinary("STOR tour.bin", data, 64 * 1024, (b) => up(b.length))}`);
        const upMs = performance.now() - t;
        say(`size("tour.bin") = ${await ftp.size("tour.bin")}; nlst() = ${repr(await ftp.nlst())}`);
        const chunks: Buffer[] = [];
        const down = progress("RETR", data.length);
        t = performance.now();
        await ftp.retrbinary("RETR tour.bin", (b) => {
          chunks.push(Buffer.from(b));
          down(b.length);
        }, 64 * 1024);
        const back = Buffer.concat(chunks);
        say(`retrbinary: ${back.length} bytes, sha256 ${sha(back)} ${sha(back) === sha(data) ? "= what was sent" : "≠ what was sent!"}`);
        say(`up ${((data.length / 1e6) / (upMs / 1000)).toFixed(0)} MB/s, down ${((data.length / 1e6) / ((performance.now() - t) / 1000)).toFixed(0)} MB/s`);
        say(`quit: ${await ftp.quit()}`);
      } finally {
        await server.close();
      }
    },
  },
  {
    name: "smtp",
    what: "SMTP: an EmailMessage with an attachment through smtplib (over nodemailer), against smtp-server",
    run: async (say) => {
      const server = await startSmtp();
      try {
        const msg = new EmailMessage();
        msg.set("From", "tour@example.org");
        msg.set("To", "you@example.org");
        msg.set("Subject", "stdnet tour");
        msg.set_content("Hello from stdnet.\n");
        const attachment = randomBytes(2048);
        msg.add_attachment(attachment, "application", "octet-stream", { filename: "data.bin" });
        await using s = new SMTP("127.0.0.1", server.port, null, { timeout: 10 });
        const [code, banner] = await s.ehlo();
        say(`ehlo: ${code} ${String(banner).split("\n")[0]}`);
        const refused = await s.send_message(msg);
        say(`send_message: refused ${repr(Object.keys(refused).length)} recipients`);
        const got = server.received[0]!;
        say(`server received from ${got.from} to ${got.to.join(", ")}: ${got.raw.length} bytes`);
        for (const line of got.raw.toString("latin1").split("\r\n").filter((l) => /^(Subject|Content-Type|Content-Disposition):/i.test(l))) say(`  ${line}`);
      } finally {
        await server.close();
      }
    },
  },
  {
    name: "http",
    what: "HTTP: urlopen (redirect followed) and http.client (over undici), against node:http",
    run: async (say) => {
      const server = await startHttp();
      try {
        const base = `http://127.0.0.1:${server.port}`;
        const r = await urlopen(`${base}/old`, null, { timeout: 10 });
        const body = await r.read();
        say(`urlopen(${repr(`${base}/old`)}) → ${r.status} ${r.geturl()} ${r.headers.get("Content-Type")}, ${body.length} bytes`);
        const conn = new HTTPConnection("127.0.0.1", server.port, { timeout: 10 });
        for (const path of ["/data.json", "/missing"]) {
          await conn.request("GET", path);
          const resp = await conn.getresponse();
          say(`http.client GET ${path} → ${resp.status} ${resp.reason}: ${(await resp.read()).toString()}`);
        }
        conn.close();
      } finally {
        await server.close();
      }
    },
  },
];

const args = process.argv.slice(2);
if (args.includes("--help") || args.includes("-h")) {
  console.log("npm start [-- step …]: a tour of stdnet, on loopback servers it starts and stops itself.\n\nSteps:");
  for (const s of steps) console.log(`  ${s.name.padEnd(10)} ${s.what}`);
  process.exit(0);
}
const unknown = args.filter((a) => !steps.some((s) => s.name === a));
if (unknown.length > 0) {
  console.error(`Unknown step: ${unknown.join(", ")} (see --help)`);
  process.exit(2);
}
const chosen = args.length === 0 ? steps : steps.filter((s) => args.includes(s.name));

console.log("stdnet — Python's internet stack on Node.js\n");
const tourStart = performance.now();
for (const step of chosen) {
  console.log(`▸ ${step.what}`);
  const start = performance.now();
  await step.run((line) => console.log(`    ${line}`));
  console.log(`    (${(performance.now() - start).toFixed(0)} ms)\n`);
}
console.log(`Done: ${chosen.length} steps in ${((performance.now() - tourStart) / 1000).toFixed(1)} s; every server stopped.`);
