/**
 * The replies around a transfer made at random, for retrbinary (with and
 * without REST), retrlines and storbinary, read by stdnet's FTP and by
 * python3's ftplib from the same scripted peer: none, one or two 2xx before
 * the start, any 1xx to start (multi-line too), a refusal of any kind
 * instead, no data or the closing reply before the data, a second 1xx after
 * the data, and closing replies good, bad, odd and multi-line. Each
 * call's result, data, debug output and the reply to the NOOP after it (which
 * shows whether the client is in step with the server, and whether it closed
 * the data connection) must be Python's. The suite runs a fixed set;
 * `STDNET_FTP_TRANSFER_CASES` and `STDNET_FTP_TRANSFER_SEED` ("random" for a
 * new one) size and vary it.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ourTransfer, portless, pythonTransfers, transferPeer, type Step, type TransferCall, type TransferOutcome } from "../../helpers/ftpscript.js";
import type { RawServer } from "../../helpers/rawserver.js";
import { seedFrom, seededRandom } from "../../helpers/seeded.js";

const CASES = Number(process.env.STDNET_FTP_TRANSFER_CASES ?? 40);
const SEED = seedFrom(process.env.STDNET_FTP_TRANSFER_SEED, 1206);
const PAYLOAD = "line one\r\nline two\nlast, no end";

interface Scenario {
  call: TransferCall;
  /** The peer's answers by command line (the transfer command, and REST when the call restarts). */
  script: Record<string, Step[]>;
}

function scenarios(count: number, seed: number): Scenario[] {
  const random = seededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const chance = (p: number): boolean => random() < p;
  return Array.from({ length: count }, (_, i) => {
    const kind = pick(["retrbinary", "retrbinary", "retrlines", "storbinary"] as const);
    const cmd = kind === "retrbinary" ? `RETR r${i}` : kind === "retrlines" ? `LIST l${i}` : `STOR s${i}`;
    const script: Record<string, Step[]> = {};
    let rest: number | null = null;
    if (kind === "retrbinary" && chance(0.15)) {
      rest = 100 + i;
      script[`REST ${rest}`] = [chance(0.7) ? "350 restarting\r\n" : pick(["502 no restarts\r\n", "501 bad offset\r\n"])];
    }
    const steps: Step[] = [];
    const early = chance(0.7) ? 0 : chance(0.67) ? 1 : 2;
    for (let e = 0; e < early; e++) steps.push(`${pick(["200", "226", "250"])} early ${e}\r\n`);
    if (early < 2) {
      if (chance(0.75)) {
        const start = pick(["110", "120", "125", "150", "199"]);
        steps.push(chance(0.2) ? `${start}-opening\r\n${start} start\r\n` : `${start} start\r\n`);
        const body = kind === "storbinary" ? "DRAIN" : chance(0.15) ? "EMPTY" : "DATA";
        const code = pick(["226", "226", "250", "426", "451", "550", "350"]);
        const last = chance(0.2) ? `${code}-first line\r\n \r\n${code} done\r\n` : `${code} done\r\n`;
        // the closing reply before the data's end, now and then: Python reads it after the data
        if (body !== "DRAIN" && chance(0.15)) steps.push(last, body);
        else {
          steps.push(body);
          if (chance(0.15)) steps.push("150 again\r\n");
          steps.push(last);
        }
      } else {
        // a refusal (after one early 2xx, another 2xx is one too)
        steps.push(`${pick(early === 1 ? ["200", "350", "421", "450", "500", "550"] : ["350", "421", "450", "500", "550"])} refused\r\n`);
      }
    }
    script[cmd] = steps;
    return { call: { method: kind, cmd, rest }, script };
  });
}

const all = scenarios(CASES, SEED);
const peers: RawServer[] = [];
let peer: RawServer;
let theirs: TransferOutcome[] = [];

beforeAll(async () => {
  peer = await transferPeer(Object.assign({}, ...all.map((sc) => sc.script)) as Record<string, Step[]>, PAYLOAD, peers);
  theirs = await pythonTransfers(
    peer.port,
    PAYLOAD,
    all.map((sc) => sc.call),
    240_000,
  );
}, 250_000);

afterAll(async () => {
  await Promise.all(peers.map((p) => p.close()));
});

describe(`random replies around ${CASES} transfers (seed ${SEED}) are read as python3's ftplib reads them`, () => {
  it("every call gives Python's result, data, debug output and next reply", async () => {
    for (const [i, sc] of all.entries()) {
      const mine = await ourTransfer(peer.port, PAYLOAD, sc.call);
      expect({ case: i, script: sc.script, result: mine.result, log: portless(mine.log) }).toEqual({ case: i, script: sc.script, result: theirs[i]!.result, log: portless(theirs[i]!.log) });
    }
  }, 250_000);

  it("the scenarios reach what they are made for", () => {
    const kinds = new Set(theirs.map((t) => t.result[0]));
    for (const kind of ["ok", "error_reply", "error_temp", "error_perm"]) expect(kinds).toContain(kind);
    expect(all.some((sc) => sc.call.rest !== null)).toBe(true);
  });
});
