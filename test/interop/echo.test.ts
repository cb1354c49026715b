import { afterAll, describe, expect, it } from "vitest";
import { freePort, runScript, startScript, type RunningScript } from "../helpers/processes.js";

const servers: RunningScript[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
});

async function server(file: string): Promise<{ port: number; running: RunningScript }> {
  const port = await freePort();
  const running = await startScript(file, port, { ECHO_PORT: String(port) });
  servers.push(running);
  return { port, running };
}

const messages = ["Hello", "network", "wörld", "it's \"quoted\"", "tab\there"];

describe("the classic echo pair, against python3", () => {
  it("our client against the Python server prints what the Python client prints", async () => {
    const { port, running } = await server("examples/echo-server.py");
    const env = { ECHO_PORT: String(port) };
    const ours = await runScript("examples/echo-client.ts", ["127.0.0.1", ...messages], env);
    const theirs = await runScript("examples/echo-client.py", ["127.0.0.1", ...messages], env);
    expect(ours).toBe(theirs);
    expect(ours.split("\n")[0]).toBe("Client received: b'Echo=>Hello'");
    const defaults = await runScript("examples/echo-client.ts", ["127.0.0.1"], env);
    expect(defaults).toBe("Client received: b'Echo=>Hello network world'\n");
    expect(running.output()).toMatch(/^Server connected by \('127\.0\.0\.1', \d+\)\n/);
  });

  it("the Python client against our server gets the same replies as from the Python server", async () => {
    const { port, running } = await server("examples/echo-server.ts");
    const env = { ECHO_PORT: String(port) };
    const theirs = await runScript("examples/echo-client.py", ["127.0.0.1", ...messages], env);
    const ours = await runScript("examples/echo-client.ts", ["127.0.0.1", ...messages], env);
    expect(ours).toBe(theirs);
    const python = await server("examples/echo-server.py");
    const reference = await runScript("examples/echo-client.py", ["127.0.0.1", ...messages], { ECHO_PORT: String(python.port) });
    expect(theirs).toBe(reference);
    // One line per client: the readiness probe of startScript, then the two clients.
    const lines = running.output().trim().split("\n");
    expect(lines).toHaveLength(3);
    for (const line of lines) expect(line).toMatch(/^Server connected by \('127\.0\.0\.1', \d+\)$/);
  });
});
