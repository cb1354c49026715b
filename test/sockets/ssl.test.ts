import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { socket, create_connection, type AddressV4, OSError } from "stdnet/socket";
import {
  SSLContext,
  SSLSocket,
  PROTOCOL_TLS_CLIENT,
  PROTOCOL_TLS_SERVER,
  CERT_NONE,
  SSLCertVerificationError,
  create_default_context,
} from "stdnet/ssl";
import { ValueError } from "stdnet/socket";
import { makeTestCert, type TestCert } from "../helpers/certs.js";
import { runPython, startPython } from "../helpers/python.js";

let cert: TestCert;
beforeAll(() => {
  cert = makeTestCert();
});
afterAll(() => cert.cleanup());

async function tlsServer(): Promise<SSLSocket> {
  const ctx = new SSLContext(PROTOCOL_TLS_SERVER);
  ctx.load_cert_chain(cert.certfile, cert.keyfile);
  const raw = new socket();
  await raw.bind(["127.0.0.1", 0]);
  await raw.listen();
  return ctx.wrap_socket(raw, { server_side: true });
}

describe("ssl", () => {
  it("wraps both ends: handshake, version, peer certificate, data both ways", async () => {
    const server = await tlsServer();
    const addr = server.getsockname() as AddressV4;
    const accepting = server.accept();
    const ctx = create_default_context(undefined, { cafile: cert.certfile });
    const client = await ctx.wrap_socket(await create_connection(addr, 5), { server_hostname: "localhost" });
    const [conn] = await accepting;
    expect(client.version()).toMatch(/^TLSv1\.[23]$/);
    expect(client.getpeercert()?.subject).toEqual([[["commonName", "localhost"]]]);
    expect(client.getpeercert()?.subjectAltName).toContainEqual(["DNS", "localhost"]);
    await client.sendall(Buffer.from("over tls"));
    expect((await conn.recv(100)).toString()).toBe("over tls");
    await conn.sendall(Buffer.from("back"));
    expect((await client.recv(100)).toString()).toBe("back");
    client.close();
    expect((await conn.recv(100)).length).toBe(0);
    conn.close();
    server.close();
  });

  it("refuses a self-signed certificate by default with SSLCertVerificationError", async () => {
    const server = await tlsServer();
    const accepting = server.accept().catch((e: unknown) => e);
    const ctx = create_default_context();
    const err = await ctx
      .wrap_socket(await create_connection(server.getsockname() as AddressV4, 5), { server_hostname: "localhost" })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SSLCertVerificationError);
    expect(err).toBeInstanceOf(OSError);
    expect((err as SSLCertVerificationError).verify_code).toBe(18);
    expect((err as Error).message).toBe("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: self-signed certificate");
    await accepting;
    server.close();
  });

  it("refuses a certificate for another host name", async () => {
    const server = await tlsServer();
    const accepting = server.accept().catch((e: unknown) => e);
    const ctx = create_default_context(undefined, { cafile: cert.certfile });
    const err = await ctx
      .wrap_socket(await create_connection(server.getsockname() as AddressV4, 5), { server_hostname: "example.org" })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SSLCertVerificationError);
    expect((err as Error).message).toContain("Hostname mismatch, certificate is not valid for 'example.org'.");
    await accepting;
    server.close();
  });

  it("accepts anything when the context says CERT_NONE", async () => {
    const server = await tlsServer();
    const accepting = server.accept();
    const ctx = new SSLContext(PROTOCOL_TLS_CLIENT);
    ctx.check_hostname = false;
    ctx.verify_mode = CERT_NONE;
    const client = await ctx.wrap_socket(await create_connection(server.getsockname() as AddressV4, 5));
    const [conn] = await accepting;
    expect(client.getpeercert()).toEqual({});
    client.close();
    conn.close();
    server.close();
  });

  it("a Python TLS client talks to our TLS server, and our client to a Python TLS server", async () => {
    const server = await tlsServer();
    const [, port] = server.getsockname() as AddressV4;
    const serving = (async () => {
      const [conn] = await server.accept();
      const data = await conn.recv(100);
      await conn.sendall(Buffer.concat([Buffer.from("Echo=>"), data]));
      conn.close();
    })();
    const out = await runPython(
      `import socket, ssl, sys
ctx = ssl.create_default_context(cafile=sys.argv[1])
with socket.create_connection(("127.0.0.1", int(sys.argv[2]))) as raw:
    with ctx.wrap_socket(raw, server_hostname="localhost") as s:
        s.sendall(b"from python")
        print(s.recv(100))`,
      [cert.certfile, String(port)],
    );
    await serving;
    expect(out.toString().trim()).toBe("b'Echo=>from python'");
    server.close();
  });

  it("resumes a session on a later connection, as a Python TLS server sees it", async () => {
    // the server answers each connection with whether it resumed the session
    const py = await startPython(
      `import socket, ssl, sys
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(sys.argv[1], sys.argv[2])
with socket.create_server(("127.0.0.1", 0)) as srv:
    print(srv.getsockname()[1])
    for _ in range(2):
        raw, _ = srv.accept()
        with ctx.wrap_socket(raw, server_side=True) as conn:
            conn.sendall(b"1" if conn.session_reused else b"0")
            conn.recv(1)`,
      [cert.certfile, cert.keyfile],
    );
    try {
      const ctx = create_default_context(undefined, { cafile: cert.certfile });
      const addr: AddressV4 = ["127.0.0.1", Number(py.firstLine)];
      const first = await ctx.wrap_socket(await create_connection(addr, 5), { server_hostname: "localhost" });
      expect((await first.recv(1)).toString()).toBe("0");
      expect(first.session_reused).toBe(false);
      const session = first.session;
      expect(session).not.toBeNull();
      first.close();
      const second = await ctx.wrap_socket(await create_connection(addr, 5), { server_hostname: "localhost", session });
      expect((await second.recv(1)).toString()).toBe("1");
      expect(second.session_reused).toBe(true);
      second.close();
    } finally {
      await py.stop();
    }
  });

  it("refuses a session on the server side, as Python", async () => {
    const server = await tlsServer();
    const accepting = server.accept();
    const ctx = create_default_context(undefined, { cafile: cert.certfile });
    const client = await ctx.wrap_socket(await create_connection(server.getsockname() as AddressV4, 5), { server_hostname: "localhost" });
    const [conn] = await accepting;
    await conn.sendall(Buffer.from("x"));
    await client.recv(1);
    const message = (
      await runPython(`import socket, ssl
try:
    ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER).wrap_socket(socket.socket(), server_side=True, session=1)
except ValueError as e:
    print(e)`)
    ).toString().trim();
    const serverCtx = new SSLContext(PROTOCOL_TLS_SERVER);
    await expect(serverCtx.wrap_socket(new socket(), { server_side: true, session: client.session })).rejects.toThrow(new ValueError(message));
    client.close();
    conn.close();
    server.close();
  });
});
