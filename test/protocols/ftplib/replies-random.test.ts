/**
 * Replies made at random, read by stdnet's FTP and by python3's ftplib from
 * the same scripted peers, must give the same results, debug output and
 * `lastresp`: reply codes good and bad, multi-line replies with lines of
 * other codes inside, blank lines, CR, LF and CRLF line ends, UTF-8 text,
 * replies cut at any byte (inside a character too), two replies to one
 * command, `maxline`, the server closing, and a reply that never ends (a
 * last line ended by a lone CR, which Python's readline holds until the next
 * byte) meeting the timeout. The suite runs a fixed set; `npm run fuzz:ftplib`
 * runs new ones (`STDNET_FTP_REPLY_CASES`, `STDNET_FTP_REPLY_SEED`).
 */
import { isDeepStrictEqual } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ourOutcome, pythonOutcomes, scriptedPeer, type ClientRun, type Outcome } from "../../helpers/ftpscript.js";
import type { RawServer } from "../../helpers/rawserver.js";
import { seedFrom, seededRandom } from "../../helpers/seeded.js";

const CASES = Number(process.env.STDNET_FTP_REPLY_CASES ?? 40);
/** A fixed seed in the suite; "random" (what the fuzz script passes) takes a new one, shown in the test's name. */
const SEED = seedFrom(process.env.STDNET_FTP_REPLY_SEED, 20261206);
/** Each side's timeout (s): a scenario left waiting for a reply ends in TimeoutError on both. */
const TIMEOUT = 0.5;

/** What the peer sends for a command: pieces sent 20 ms apart; `null` closes the connection. */
type Say = (Buffer | null)[];

interface Scenario extends ClientRun {
  greeting: Say;
  replies: Record<string, Say>;
}

function scenarios(count: number, seed: number): Scenario[] {
  const random = seededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const chance = (p: number): boolean => random() < p;
  const CODES = ["110", "120", "150", "200", "211", "220", "226", "250", "257", "331", "350", "421", "450", "500", "502", "530", "550", "099", "600", "abc", "2", "20", ""];
  const TEXTS = ["ok", "", "   ", "héllo wörld", "a\u{1F600}b", "x".repeat(30), "tab\there", "ends with space "];
  const END = (): string => (chance(0.7) ? "\r\n" : pick(["\n", "\r"]));
  const code = (): string => (chance(0.7) ? pick(CODES.slice(3, 16)) : pick(CODES));

  function reply(): string {
    const c = code();
    if (!chance(0.35)) return `${c}${pick([" ", " ", " ", "", "x"])}${pick(TEXTS)}${END()}`;
    // a multi-line reply: what comes between its first line and the line that ends it
    let text = `${c}-${pick(TEXTS)}${END()}`;
    const inner = Math.floor(random() * 4);
    for (let i = 0; i < inner; i++) text += pick(["", " more", `${code()} inner`, `${c}-again`, `${c}x not the end`, pick(TEXTS)]) + END();
    return `${text}${c} ${pick(TEXTS)}${END()}`;
  }

  function say(): Say {
    let text = reply();
    if (chance(0.15)) text += reply();
    if (chance(0.08)) text = pick(["garbage line", "", "  200 indented", "2000 four digits"]) + END() + text;
    const bytes = Buffer.from(text, "utf8");
    const pieces: Say = [];
    // cut at any byte, inside a UTF-8 character too
    if (chance(0.25) && bytes.length > 1) {
      const at = 1 + Math.floor(random() * (bytes.length - 1));
      pieces.push(bytes.subarray(0, at), bytes.subarray(at));
    } else pieces.push(bytes);
    if (chance(0.1)) pieces.push(null);
    return pieces;
  }

  return Array.from({ length: count }, () => {
    const n = 2 + Math.floor(random() * 5);
    const replies: Record<string, Say> = {};
    for (let i = 0; i < n; i++) replies[`C${i}`] = say();
    let commands = Array.from({ length: n + 1 }, (_, i) => (i < n && chance(0.85) ? `C${i}` : "NOOP"));
    const greeting = chance(0.85) ? [Buffer.from("220 hi\r\n")] : say();
    // after the server closes, one more command (whose reply meets the end): whether a
    // second send fails (EPIPE, the peer's RST to the first) or its read meets the end
    // first is a race, in Python as here
    const closes = (s: Say | undefined): boolean => s?.at(-1) === null;
    const last = commands.findIndex((c) => closes(replies[c]));
    if (closes(greeting)) commands = ["NOOP"];
    else if (last >= 0) commands = [...commands.slice(0, last + 1), "NOOP"];
    return {
      greeting,
      replies,
      commands,
      maxline: chance(0.75) ? null : pick([6, 12, 40]),
      debug: pick([0, 1, 2, 2, -1]),
      timeout: TIMEOUT,
    };
  });
}

const peers: RawServer[] = [];
afterAll(async () => {
  await Promise.all(peers.map((p) => p.close()));
});

/** A scenario as text, to make it again by hand. */
function show(sc: Scenario): string {
  const say = (s: Say): string[] => s.map((p) => (p === null ? "<close>" : JSON.stringify(p.toString("latin1"))));
  return JSON.stringify({ ...sc, greeting: say(sc.greeting), replies: Object.fromEntries(Object.entries(sc.replies).map(([k, v]) => [k, say(v)])) }, null, 1);
}

describe(`random replies (${CASES} scenarios, seed ${SEED}) are read as python3's ftplib reads them`, () => {
  const all = scenarios(CASES, SEED);
  const ports: number[] = [];
  let theirs: Outcome[] = [];

  beforeAll(async () => {
    for (const sc of all) ports.push((await scriptedPeer(sc, peers, 20)).port);
    theirs = await pythonOutcomes(
      all.map((sc, i) => ({ ...sc, port: ports[i]! })),
      240_000,
    );
  }, 250_000);

  it("every scenario gives the same results, debug output and lastresp", async () => {
    const failures: string[] = [];
    for (const [i, sc] of all.entries()) {
      const { slowest: _, ...mine } = await ourOutcome(ports[i]!, sc);
      if (!isDeepStrictEqual(mine, theirs[i])) {
        failures.push(`scenario ${i}: ${show(sc)}\nstdnet: ${JSON.stringify(mine, null, 1)}\npython3: ${JSON.stringify(theirs[i], null, 1)}`);
        if (failures.length >= 3) break;
      }
    }
    expect(failures.join("\n\n")).toBe("");
  }, 250_000);

  it("the scenarios reach what they are made for", () => {
    const kinds = new Set(theirs.flatMap((t) => t.results.map((r) => r[0])));
    for (const kind of ["ok", "error_temp", "error_perm", "error_proto"]) expect(kinds).toContain(kind);
    // with a maxline, lines too long; with a close, the end of the stream; with a lone CR last, the timeout
    if (CASES >= 40) for (const kind of ["Error", "EOFError", "TimeoutError"]) expect(kinds).toContain(kind);
  });
});
