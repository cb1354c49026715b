// A fixed amount of pickle work, for counting instructions (see instructions.sh):
// node bench/instructions.mjs <dist dir> <workload> <calls>
// builds the workload's value with the build in <dist dir>, then makes <calls> calls.
import process from "node:process";

const [, , dist, workload, calls] = process.argv;
const lib = await import(`${dist}/serialize/pickle/index.js`);
const records = () => Array.from({ length: 10_000 }, (_, i) => ({ id: i, name: `user${i}`, score: lib.float(i * 0.5), tags: ["a", "bb"], blob: new Uint8Array(16) }));
const strings = () => Array.from({ length: 200_000 }, (_, i) => (i % 10 ? `s${i}` : `é${i}日`));
const ints = () => Array.from({ length: 1_000_000 }, (_, i) => i);
const dumpsOf = (value, protocol) => () => lib.dumps(value, protocol);
const loadsOf = (data) => () => lib.loads(data);
const workloads = {
  "dumps-records-4": () => dumpsOf(records(), 4),
  "dumps-records-2": () => dumpsOf(records(), 2),
  "dumps-records-fresh": () => () => lib.dumps(records(), 4),
  "dumps-ints": () => dumpsOf(ints(), 4),
  "dumps-strings": () => dumpsOf(strings(), 4),
  "loads-records-4": () => loadsOf(lib.dumps(records(), 4)),
  "loads-records-2": () => loadsOf(lib.dumps(records(), 2)),
  "loads-ints": () => loadsOf(lib.dumps(ints(), 4)),
  "loads-strings": () => loadsOf(lib.dumps(strings(), 4)),
};
const make = workloads[workload];
if (make === undefined) throw new Error(`workload: one of ${Object.keys(workloads).join(", ")}`);
const f = make();
for (let i = 0; i < Number(calls); i++) f();
