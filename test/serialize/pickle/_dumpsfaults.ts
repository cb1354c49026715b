/**
 * A process for heap.test.ts: pickles the bench's 10,000 records (a 0.64 MB
 * pickle) DUMPS times, as a program sending the same kind of value again and
 * again, and prints the page faults (minor, from /proc/self/stat) each
 * `dumps` took, as JSON.
 */
import { dumps, float } from "stdnet/pickle";
import { minorFaults } from "../../helpers/processes.js";

const records = Array.from({ length: 10_000 }, (_, i) => ({ id: i, name: `user${i}`, score: float(i * 0.5), tags: ["a", "bb"], blob: new Uint8Array(16) }));
const faults: number[] = [];
let bytes = 0;
for (let i = 0; i < Number(process.env.DUMPS ?? 300); i++) {
  const before = minorFaults();
  bytes += dumps(records).length;
  faults.push(minorFaults() - before);
}
console.log(JSON.stringify({ faults, bytes }));
