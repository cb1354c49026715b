/**
 * `ftpcp`: a file copied between two ftp-srv servers, the target connecting
 * to the source's passive port, the bytes never passing through the client.
 */
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FTP, error_perm, ftpcp } from "stdnet/ftplib";
import { ValueError } from "stdnet/socket";
import { startFtpServer, type TestFtpServer } from "../../helpers/ftpserver.js";

let from: TestFtpServer;
let to: TestFtpServer;
const DATA = randomBytes(1024 * 1024 + 3);

beforeAll(async () => {
  from = await startFtpServer();
  to = await startFtpServer();
  writeFileSync(join(from.root, "data.bin"), DATA);
});

afterAll(async () => {
  await from.close();
  await to.close();
});

function open(srv: TestFtpServer): Promise<FTP> {
  return FTP.open(srv.host, srv.user, srv.password, "", { timeout: 10, port: srv.port });
}

describe("ftpcp", () => {
  it("copies a file from one server to another, under the same name or a new one, and both sessions go on", async () => {
    await using source = await open(from);
    await using target = await open(to);
    await ftpcp(source, "data.bin", target);
    expect(readFileSync(join(to.root, "data.bin")).equals(DATA)).toBe(true);
    await ftpcp(source, "data.bin", target, "copy.bin", "I");
    expect(readFileSync(join(to.root, "copy.bin")).equals(DATA)).toBe(true);
    expect(await source.pwd()).toBe("/");
    expect((await target.nlst()).sort()).toEqual(["copy.bin", "data.bin"]);
  });

  it("rejects a missing source file with its server's error and a name with CR or LF before sending it", async () => {
    await using source = await open(from);
    await using target = await open(to);
    await expect(ftpcp(source, "missing.bin", target, "x.bin")).rejects.toBeInstanceOf(error_perm);
    await expect(ftpcp(source, "data.bin", target, "y.bin\r\nDELE data.bin")).rejects.toBeInstanceOf(ValueError);
    expect(existsSync(join(to.root, "y.bin"))).toBe(false);
  });
});
