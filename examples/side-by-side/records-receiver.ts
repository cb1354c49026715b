/**
 * Receives the records of records-sender.py or records-sender.ts on one TCP
 * connection: a fixed struct record `!IHd8s`, then a pickle framed by its
 * length as `>I`, until the sender closes. Prints each as Python's repr()
 * would, so its output is records-receiver.py's, line for line.
 *
 * Run: npx tsx --conditions=source examples/side-by-side/records-receiver.ts [host [port]]
 *      (defaults: localhost 50008; RECORDS_PORT also works; port 0 picks a free one)
 */
import { create_server, repr, type Reprable } from "stdnet/socket";
import { Struct } from "stdnet/struct";
import { loads, isTuple } from "stdnet/pickle";

const argv = process.argv.slice(2);
const host = argv[0] ?? process.env.RECORDS_HOST ?? "localhost";
const port = Number(argv[1] ?? process.env.RECORDS_PORT ?? 50008);

const RECORD = new Struct("!IHd8s"); // seq, kind, value, name: 22 bytes
const LENGTH = new Struct(">I"); // the length of the pickle that follows

/**
 * Python's repr() of what a pickle gives: `repr` from stdnet/socket, plus lists and dicts.
 * (A float with a whole value, such as 2.0, loads as a JS number and would print as 2.)
 */
function pyrepr(value: unknown): string {
  if (Array.isArray(value)) {
    const items = value.map(pyrepr);
    if (!isTuple(value)) return `[${items.join(", ")}]`;
    return items.length === 1 ? `(${items[0]},)` : `(${items.join(", ")})`;
  }
  if (value instanceof Map) return `{${[...value].map(([k, v]) => `${pyrepr(k)}: ${pyrepr(v)}`).join(", ")}}`;
  if (typeof value === "object" && value !== null && !(value instanceof Uint8Array)) {
    return `{${Object.entries(value).map(([k, v]) => `${repr(k)}: ${pyrepr(v)}`).join(", ")}}`;
  }
  return repr(value as Reprable);
}

const server = await create_server([host, port]);
console.log("Receiver listening on port", server.getsockname()[1]);
const [conn, address] = await server.accept();
console.log("Connected by", repr(address));
const f = conn.makefile("rb"); // read(n) waits for n bytes, or the end of the stream
let count = 0;
for (;;) {
  const head = await f.read(RECORD.size);
  if (head.length === 0) break;
  const [seq, kind, value, name] = RECORD.unpack(head);
  const [size] = LENGTH.unpack(await f.read(LENGTH.size));
  const payload = loads(await f.read(size as number));
  count++;
  // A tuple as Python prints it; the "d" field is a float, so 2.0 prints as "2.0", not "2".
  console.log("record", `(${repr(seq)}, ${repr(kind)}, ${repr(value, { float: true })}, ${repr(name)})`);
  console.log("payload", pyrepr(payload));
}
await f.close();
conn.close();
server.close();
console.log("End of stream after", count, "records");

