/**
 * The replies around a transfer, read as Python's `ntransfercmd` and
 * `voidresp` read them, compared with python3's ftplib against the same
 * scripted peer: a 2xx before the 1xx is passed over, any 1xx starts the
 * data, a second 1xx or a second 2xx before the data is `error_reply`, and
 * a refused REST closes the data connection it was opened for.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ourTransfer, portless, pythonTransfers, transferPeer, type Step, type TransferCall, type TransferOutcome } from "../../helpers/ftpscript.js";
import type { RawServer } from "../../helpers/rawserver.js";

const PAYLOAD = "0123456789".repeat(50);

/** The peer's answers by command line; anything else gets "200 default". */
const SCRIPT: Record<string, readonly Step[]> = {
  "RETR early": ["200 early\r\n", "150 go\r\n", "DATA", "226 done\r\n"],
  "RETR two2xx": ["200 a\r\n", "200 b\r\n"],
  "RETR 2xx3xx": ["200 a\r\n", "350 b\r\n"],
  "RETR 2xx5xx": ["200 a\r\n", "550 gone\r\n"],
  "RETR 110": ["110 marker\r\n", "DATA", "226 done\r\n"],
  "RETR 125": ["125 open\r\n", "DATA", "226 done\r\n"],
  "RETR two1xx": ["150 go\r\n", "DATA", "150 again\r\n", "226 late\r\n"],
  LIST: ["200 early\r\n", "125 listing\r\n", "DATA", "226 listed\r\n"],
  "STOR early": ["200 early\r\n", "150 go\r\n", "DRAIN", "226 stored\r\n"],
  "REST 5": ["502 no restarts\r\n"],
};

const peers: RawServer[] = [];
let peer: RawServer;

beforeAll(async () => {
  peer = await transferPeer(SCRIPT, PAYLOAD, peers);
});

afterAll(async () => {
  await Promise.all(peers.map((p) => p.close()));
});

/** The calls of every scenario, in Python's terms. */
const CALLS: readonly TransferCall[] = (
  [
    ["retrbinary", "RETR early", null],
    ["retrbinary", "RETR two2xx", null],
    ["retrbinary", "RETR 2xx3xx", null],
    ["retrbinary", "RETR 2xx5xx", null],
    ["retrbinary", "RETR 110", null],
    ["retrbinary", "RETR 125", null],
    ["retrbinary", "RETR two1xx", null],
    ["retrlines", "LIST", null],
    ["storbinary", "STOR early", null],
    ["retrbinary", "RETR early", 5],
    // REST written as Python's "REST %s": an int's digits past 2 ** 53 and past 1e21, a float's repr
    ["retrbinary", "RETR early", 2 ** 60],
    ["retrbinary", "RETR early", 1e21],
    ["retrbinary", "RETR early", 1e-7],
  ] as const
).map(([method, cmd, rest]) => ({ method, cmd, rest }));

describe("the replies around a transfer", () => {
  let theirs: TransferOutcome[];
  beforeAll(async () => {
    theirs = await pythonTransfers(peer.port, PAYLOAD, CALLS);
  });

  for (const [i, call] of CALLS.entries()) {
    it(`${call.method}(${JSON.stringify(call.cmd)}${call.rest === null ? "" : `, rest=${call.rest}`}) as Python's: result, debug output, the next reply`, async () => {
      const mine = await ourTransfer(peer.port, PAYLOAD, call);
      expect(mine.result).toEqual(theirs[i]!.result);
      expect(portless(mine.log)).toEqual(portless(theirs[i]!.log));
    });
  }

  it("a bigint rest is written as the int it is, as Python's", async () => {
    const i = CALLS.findIndex((c) => c.rest === 1e21);
    const mine = await ourTransfer(peer.port, PAYLOAD, { method: "retrbinary", cmd: "RETR early", rest: 10n ** 21n });
    expect(mine.log).toContain("*cmd* 'REST 1000000000000000000000'");
    expect(mine.log.filter((l) => l.includes("REST"))).toEqual(theirs[i]!.log.filter((l) => l.includes("REST")));
  });

  it("the scenarios show what they are named for", () => {
    const byCmd = new Map(CALLS.map((c, i) => [`${c.cmd}${c.rest ?? ""}`, theirs[i]!.result]));
    // the early 200 is passed over: the transfer's reply is the last one, and the next command gets its own
    expect(byCmd.get("RETR early")).toEqual(["ok", "226 done", PAYLOAD, "200 data closed"]);
    expect(byCmd.get("RETR two2xx")?.slice(0, 2)).toEqual(["error_reply", "200 b"]);
    expect(byCmd.get("RETR 110")?.slice(0, 3)).toEqual(["ok", "226 done", PAYLOAD]);
    expect(byCmd.get("RETR two1xx")?.slice(0, 2)).toEqual(["error_reply", "150 again"]);
    expect(byCmd.get("STOR early")?.slice(0, 2)).toEqual(["ok", "226 stored"]);
    expect(byCmd.get("RETR early5")).toEqual(["error_perm", "502 no restarts", "200 data closed"]);
  });
});
