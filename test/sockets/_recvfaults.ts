/**
 * A client process for heap.test.ts: connects to the server on 127.0.0.1 at
 * STDNET_BULK_PORT RUNS times, each time reading with `recv(65536)` until the
 * server closes, and prints as JSON the page faults (minor, from
 * /proc/self/stat) each connection's reads took, and the bytes read.
 */
import { create_connection } from "stdnet/socket";
import { minorFaults } from "../helpers/processes.js";

const port = Number(process.env.STDNET_BULK_PORT);
const faults: number[] = [];
let bytes = 0;
for (let i = 0; i < Number(process.env.RUNS ?? 5); i++) {
  await using s = await create_connection(["127.0.0.1", port], 30);
  const before = minorFaults();
  for (;;) {
    const data = await s.recv(65536);
    if (data.length === 0) break;
    bytes += data.length;
  }
  faults.push(minorFaults() - before);
}
console.log(JSON.stringify({ faults, bytes }));
