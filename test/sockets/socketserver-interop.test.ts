/**
 * stdnet/socketserver beside CPython's socketserver: the same services
 * written with each, the same python3 client against both, the same replies
 * and handle_error's report laid out as CPython lays it out; and the echo
 * examples (TS and Python) against each other's clients.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { ValueError, type AddressV4 } from "stdnet/socket";
import { DatagramRequestHandler, StreamRequestHandler, ThreadingTCPServer, ThreadingUDPServer } from "stdnet/socketserver";
import { runPython, startPython, type PythonServer } from "../helpers/python.js";
import { freePort, runScript, startScript, type RunningScript } from "../helpers/processes.js";

/** CPython's side: a line service, a datagram service and a server that refuses every client. */
const PY_SERVERS = String.raw`
import json, socketserver, sys, threading

class Lines(socketserver.StreamRequestHandler):
    def handle(self):
        for line in self.rfile:
            if line == b'boom\n':
                raise ValueError('boom')
            self.wfile.write(line.upper())

class Datagrams(socketserver.DatagramRequestHandler):
    def handle(self):
        data = self.rfile.read()
        if data != b'silent':
            self.wfile.write(data.upper())

class Refusing(socketserver.ThreadingTCPServer):
    def verify_request(self, request, client_address):
        return False

servers = [socketserver.ThreadingTCPServer(('127.0.0.1', 0), Lines),
           socketserver.ThreadingUDPServer(('127.0.0.1', 0), Datagrams),
           Refusing(('127.0.0.1', 0), Lines)]
for s in servers:
    threading.Thread(target=s.serve_forever, args=(0.05,), daemon=True).start()
print(json.dumps([s.server_address[1] for s in servers]), flush=True)
threading.Event().wait()
`;

/** The client: the same conversations against whichever servers are on the ports given. */
const PY_CLIENT = String.raw`
import json, socket, sys
tcp, udp, ref = map(int, sys.argv[1:4])
out = {}

def read_all(c):
    data = b''
    while True:
        chunk = c.recv(1024)
        if not chunk:
            return data
        data += chunk

c = socket.create_connection(('127.0.0.1', tcp), timeout=5)
c.sendall(b'hello\nworld\nno newline at the end')
c.shutdown(socket.SHUT_WR)
out['lines'] = read_all(c).decode('latin-1')
c.close()

c = socket.create_connection(('127.0.0.1', tcp), timeout=5)
c.sendall(b'first\n')
first = c.recv(1024)
c.sendall(b'boom\n')
out['boom'] = [first.decode(), read_all(c).decode()]
c.close()

u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.settimeout(5)
out['udp'] = []
for msg in [b'ping', b'', b'silent', b'x' * 100, 'héllo'.encode()]:
    u.sendto(msg, ('127.0.0.1', udp))
    data, addr = u.recvfrom(65535)
    out['udp'].append([data.decode(), addr[1] == udp])
u.close()

c = socket.create_connection(('127.0.0.1', ref), timeout=5)
out['refused'] = read_all(c).decode()
c.close()
print(json.dumps(out, sort_keys=True))
`;

/** Python's `bytes.upper()`: ASCII letters only. */
function asciiUpper(data: Buffer): Buffer {
  return Buffer.from(data.toString("latin1").replace(/[a-z]+/g, (w) => w.toUpperCase()), "latin1");
}

class Lines extends StreamRequestHandler {
  override async handle(): Promise<void> {
    for await (const line of this.rfile) {
      if (line.toString() === "boom\n") throw new ValueError("boom");
      await this.wfile.write(asciiUpper(line));
    }
  }
}

class Datagrams extends DatagramRequestHandler {
  override async handle(): Promise<void> {
    const data = await this.rfile.read();
    if (data.toString() !== "silent") await this.wfile.write(asciiUpper(data));
  }
}

/** The first lines and the last lines of handle_error's report, client ports masked. */
function reportShape(text: string): string[] {
  const lines = text.replace(/\('127\.0\.0\.1', \d+\)/g, "('127.0.0.1', PORT)").split("\n");
  return [...lines.slice(0, 3), ...lines.slice(-3)];
}

describe("stdnet/socketserver and CPython's socketserver serve the same replies", () => {
  let python: PythonServer;
  let pythonStderr = "";
  beforeAll(async () => {
    python = await startPython(PY_SERVERS);
    python.child.stderr?.on("data", (d: Buffer) => (pythonStderr += d.toString()));
  });
  afterAll(async () => {
    await python.stop();
  });

  it("a python3 client gets the same replies from both (lines, handler errors, datagrams, refusals)", async () => {
    const pyPorts = JSON.parse(python.firstLine) as number[];
    const expected = (await runPython(PY_CLIENT, pyPorts.map(String))).toString();

    class Refusing extends ThreadingTCPServer {
      override verify_request(): boolean {
        return false;
      }
    }
    await using tcp = await ThreadingTCPServer.create(["127.0.0.1", 0], Lines);
    await using udp = await ThreadingUDPServer.create(["127.0.0.1", 0], Datagrams);
    await using ref = await Refusing.create(["127.0.0.1", 0], Lines);
    const servers = [tcp, udp, ref];
    const serving = servers.map((s) => s.serve_forever(0.05));
    const written: string[] = [];
    const spy = vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => {
      written.push(chunk.toString());
      return true;
    });
    let ours: string;
    try {
      ours = (await runPython(PY_CLIENT, servers.map((s) => String((s.server_address as AddressV4)[1])))).toString();
    } finally {
      spy.mockRestore();
      await Promise.all(servers.map((s) => s.shutdown()));
      await Promise.all(serving);
    }
    expect(JSON.parse(ours)).toEqual(JSON.parse(expected));

    // The handler's ValueError was reported as CPython reported its own.
    const rule = "-".repeat(40) + "\n";
    for (let i = 0; i < 100 && !pythonStderr.endsWith(rule); i++) await new Promise((r) => setTimeout(r, 20));
    expect(pythonStderr).toContain("ValueError: boom");
    expect(reportShape(written.join(""))).toEqual(reportShape(pythonStderr));
  });
});

describe("examples/echo-socketserver (TS and Python)", () => {
  let tsServer: RunningScript;
  let pyServer: RunningScript;
  let tsPort = 0;
  let pyPort = 0;
  beforeAll(async () => {
    [tsPort, pyPort] = await Promise.all([freePort(), freePort()]);
    [tsServer, pyServer] = await Promise.all([
      startScript("examples/echo-socketserver.ts", tsPort, { ECHO_PORT: String(tsPort) }),
      startScript("examples/echo-socketserver.py", pyPort, { ECHO_PORT: String(pyPort) }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([tsServer.stop(), pyServer.stop()]);
  });

  it("the Python echo client gets the same replies from both, and our client from Python's server", async () => {
    const args = ["127.0.0.1", "Hello network world", "second line", "ünïcode"];
    const [oracle, pyToTs, tsToPy] = await Promise.all([
      runScript("examples/echo-client.py", args, { ECHO_PORT: String(pyPort) }),
      runScript("examples/echo-client.py", args, { ECHO_PORT: String(tsPort) }),
      runScript("examples/echo-client.ts", args, { ECHO_PORT: String(pyPort) }),
    ]);
    expect(oracle).toContain("Client received: b'Echo=>Hello network world'");
    expect(pyToTs).toBe(oracle);
    expect(tsToPy).toBe(oracle);
  });

  it("both servers print the same lines", () => {
    const norm = (out: string, port: number): string[] =>
      out
        .replaceAll(String(port), "PORT")
        .replace(/\('127\.0\.0\.1', \d+\)/g, "('127.0.0.1', N)")
        .split("\n")
        .filter((l) => l !== "");
    const ts = norm(tsServer.output(), tsPort);
    const py = norm(pyServer.output(), pyPort);
    expect(ts[0]).toBe("Serving on port PORT");
    expect(ts.slice(0, 2)).toEqual(py.slice(0, 2));
    expect(new Set(ts)).toEqual(new Set(py));
  });
});
