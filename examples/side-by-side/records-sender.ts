/**
 * Sends records to a receiver over TCP, each in two parts: a fixed struct
 * record `!IHd8s` (sequence number, kind, value, name — 22 bytes, network
 * byte order), then a pickle framed by its length as `>I`. The receiver may
 * be Python (records-receiver.py) or ours (records-receiver.ts): the bytes
 * are the ones Python's struct and pickle write, so records-sender.py sends
 * the very same bytes — both print the same digest.
 *
 * Run: npx tsx --conditions=source examples/side-by-side/records-sender.ts [host [port]]
 *      (defaults: localhost 50008; RECORDS_PORT also works)
 */
import { createHash } from "node:crypto";
import { create_connection } from "stdnet/socket";
import { pack } from "stdnet/struct";
import { dumps, tuple } from "stdnet/pickle";

const argv = process.argv.slice(2);
const host = argv[0] ?? process.env.RECORDS_HOST ?? "localhost";
const port = Number(argv[1] ?? process.env.RECORDS_PORT ?? 50008);

const utf8 = (s: string): Uint8Array => Buffer.from(s, "utf-8");
const records: [number, number, number, Uint8Array, unknown][] = [
  [1, 7, 3.25, utf8("alpha"), { id: 1, name: "alpha", pos: tuple(1.5, -2.25), tags: ["a", "b"], ok: true }],
  [2, 8, 2.0, utf8("beta"), { id: 2, name: "beta", blob: Buffer.from([0, 1, 255]), big: 2n ** 70n, none: null }],
  [3, 9, -0.5, utf8("gamma"), ["a list", tuple("a", "tuple"), { nested: { dict: 3.75 } }, "héllo wörld ✓"]],
];

const sock = await create_connection([host, port], 10);
const digest = createHash("sha256");
let sent = 0;
for (const [seq, kind, value, name, payload] of records) {
  const blob = dumps(payload); // pickle protocol 4, Python 3.11's default
  const frame = Buffer.concat([pack("!IHd8s", seq, kind, value, name), pack(">I", blob.length), blob]);
  await sock.sendall(frame);
  digest.update(frame);
  sent += frame.length;
}
sock.close(); // the receiver sees the end of the stream
console.log(`Sent ${records.length} records, ${sent} bytes, sha256 ${digest.digest("hex").slice(0, 16)}`);
