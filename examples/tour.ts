/**
 * `npm start`: a short tour of stdnet. It starts its own servers on
 * loopback, walks up the stack and prints what each step did, then stops
 * everything. `--help` lists the steps; naming steps runs only those.
 */
import { performance } from "node:perf_hooks";
import {
  serveEcho,
  create_connection,
  gethostbyname,
  getaddrinfo,
  htons,
  inet_aton,
  repr,
  AF_INET,
  SOCK_STREAM,
  type AddressV4,
} from "stdnet/socket";

interface Step {
  name: string;
  what: string;
  run: () => Promise<string[]>;
}

const steps: Step[] = [
  {
    name: "byteorder",
    what: "byte order and address conversions, as Python's socket module",
    run: () =>
      Promise.resolve([
        `htons(80) = ${htons(80)}`,
        `inet_aton("127.1") = ${repr(inet_aton("127.1"))}`,
      ]),
  },
  {
    name: "lookup",
    what: "name lookup through the system resolver",
    run: async () => [
      `gethostbyname("localhost") = ${repr(await gethostbyname("localhost"))}`,
      `getaddrinfo("localhost", 80, AF_INET, SOCK_STREAM)[0] = ${repr((await getaddrinfo("localhost", 80, AF_INET, SOCK_STREAM))[0]!.slice(0, 3))} …`,
    ],
  },
  {
    name: "echo",
    what: "the classic echo server and client over stdnet/socket",
    run: async () => {
      const lines: string[] = [];
      await using server = await serveEcho({ host: "127.0.0.1", port: 0, onConnection: (a) => lines.push(`Server connected by ${repr(a)}`) });
      await using client = await create_connection(server.address as AddressV4, 5);
      for (const message of ["Hello network world", "from stdnet"]) {
        await client.sendall(Buffer.from(message));
        lines.push(`Client received: ${repr(await client.recv(1024))}`);
      }
      return lines;
    },
  },
];

const args = process.argv.slice(2);
if (args.includes("--help") || args.includes("-h")) {
  console.log("npm start [-- step …]: a tour of stdnet on loopback servers it starts itself.\n\nSteps:");
  for (const s of steps) console.log(`  ${s.name.padEnd(10)} ${s.what}`);
  process.exit(0);
}
const chosen = args.length === 0 ? steps : steps.filter((s) => args.includes(s.name));
const unknown = args.filter((a) => !steps.some((s) => s.name === a));
if (unknown.length > 0) {
  console.error(`Unknown step: ${unknown.join(", ")} (see --help)`);
  process.exit(2);
}

console.log("stdnet — Python's internet stack on Node.js\n");
for (const step of chosen) {
  const start = performance.now();
  const lines = await step.run();
  console.log(`▸ ${step.what} (${(performance.now() - start).toFixed(1)} ms)`);
  for (const line of lines) console.log(`    ${line}`);
}
