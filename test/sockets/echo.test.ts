import { describe, expect, it } from "vitest";
import { serveEcho, create_connection, socket, SHUT_WR, MSG_WAITALL, type AddressV4 } from "stdnet/socket";

describe("serveEcho", () => {
  it("serves 200 concurrent clients × 100 messages, every byte echoed back in order", async () => {
    await using server = await serveEcho({ host: "127.0.0.1", port: 0, prefix: "Echo=>" });
    const address = server.address as AddressV4;
    const clients = 200;
    const messages = 100;
    const results = await Promise.all(
      Array.from({ length: clients }, async (_, id) => {
        const s = await create_connection(address, 20);
        try {
          for (let m = 0; m < messages; m++) {
            const text = `client ${id} message ${m} ${"x".repeat((id * 7 + m) % 50)}`;
            await s.sendall(Buffer.from(text));
            const want = `Echo=>${text}`;
            const got = await s.recv(want.length, MSG_WAITALL);
            if (got.toString() !== want) return `client ${id} message ${m}: got ${JSON.stringify(got.toString())}`;
          }
          return "ok";
        } finally {
          s.close();
        }
      }),
    );
    expect(results.filter((r) => r !== "ok")).toEqual([]);
    expect(server.connections).toBe(clients);
  });

  it("a client that resets mid-stream does not disturb the others", async () => {
    await using server = await serveEcho({ host: "127.0.0.1", port: 0, prefix: "" });
    const address = server.address as AddressV4;
    const good = await create_connection(address, 5);
    const bad = await create_connection(address, 5);
    await bad.sendall(Buffer.alloc(100_000, 1));
    bad._detachConnection().abort();
    for (let i = 0; i < 10; i++) {
      await good.sendall(Buffer.from(`still ${i}`));
      expect((await good.recv(7, MSG_WAITALL)).toString()).toBe(`still ${i}`);
    }
    good.close();
  });

  it("stops cleanly: open connections see the end, the port is released", async () => {
    const server = await serveEcho({ host: "127.0.0.1", port: 0 });
    const address = server.address as AddressV4;
    const c = await create_connection(address, 5);
    await c.sendall(Buffer.from("x"));
    expect((await c.recv(100)).toString()).toBe("Echo=>x");
    await server.close();
    expect((await c.recv(100)).length).toBe(0);
    c.close();
    const again = new socket();
    await again.bind(address);
    await again.listen();
    again.close();
  });

  it("echoes a half-closed client's last bytes before ending", async () => {
    await using server = await serveEcho({ host: "127.0.0.1", port: 0, prefix: "" });
    const c = await create_connection(server.address as AddressV4, 5);
    await c.sendall(Buffer.from("bye"));
    c.shutdown(SHUT_WR);
    expect((await c.recv(3, MSG_WAITALL)).toString()).toBe("bye");
    expect((await c.recv(1)).length).toBe(0);
    c.close();
  });
});
