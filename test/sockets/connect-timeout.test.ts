import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { socket, create_connection, TimeoutError, OSError } from "stdnet/socket";
import { startPython, type PythonServer } from "../helpers/python.js";

// A listener whose accept queue is full (backlog 0, one connection never
// accepted): the kernel drops further SYNs, so a connect waits — the only
// way to make a connect time out on loopback.
let server: PythonServer;
beforeAll(async () => {
  server = await startPython(`
import socket, time
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(0)
filler = socket.create_connection(s.getsockname())
print(s.getsockname()[1], flush=True)
time.sleep(120)`);
});
afterAll(() => server.stop());

describe("connect timeouts", () => {
  it("connect rejects with TimeoutError after the socket's timeout, and the socket can be closed", async () => {
    const s = new socket();
    s.settimeout(0.3);
    const t0 = Date.now();
    const err = await s.connect(["127.0.0.1", Number(server.firstLine)]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TimeoutError);
    expect(err).toBeInstanceOf(OSError);
    expect((err as Error).message).toBe("timed out");
    expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
    s.close();
  });

  it("create_connection passes its timeout to the connect", async () => {
    await expect(create_connection(["127.0.0.1", Number(server.firstLine)], 0.2)).rejects.toBeInstanceOf(TimeoutError);
  });
});
