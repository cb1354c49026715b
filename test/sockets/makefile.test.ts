import { afterEach, describe, expect, it } from "vitest";
import { socket, create_connection, SocketFile, SocketTextFile, UnicodeDecodeError, UnicodeEncodeError, ValueError, LookupError, OSError, TimeoutError, type AddressV4 } from "stdnet/socket";
import { pythonJson } from "../helpers/python.js";

const cleanup: (() => void)[] = [];
afterEach(() => {
  for (const f of cleanup.splice(0)) f();
});

async function pair(): Promise<[client: socket, server: socket]> {
  const l = new socket();
  await l.bind(["127.0.0.1", 0]);
  await l.listen();
  const c = await create_connection(l.getsockname() as AddressV4, 5);
  const [conn] = await l.accept();
  l.close();
  cleanup.push(() => c.close(), () => conn.close());
  return [c, conn];
}

/** Sends `chunks` one by one with a pause between, so they arrive as separate packets. */
async function trickle(s: socket, chunks: Uint8Array[]): Promise<void> {
  for (const c of chunks) {
    await s.sendall(c);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe("makefile, binary", () => {
  it("read(n) waits for n bytes, readline splits lines, read() takes the rest", async () => {
    const [c, s] = await pair();
    const f = s.makefile("rb");
    expect(f).toBeInstanceOf(SocketFile);
    const sending = trickle(c, [Buffer.from("he"), Buffer.from("llo\nwor"), Buffer.from("ld\nlast")]).then(() => c.close());
    expect((await f.read(3)).toString()).toBe("hel");
    expect((await f.readline()).toString()).toBe("lo\n");
    expect((await f.readline(2)).toString()).toBe("wo");
    expect((await f.readline()).toString()).toBe("rld\n");
    expect((await f.read()).toString()).toBe("last");
    expect((await f.read()).length).toBe(0);
    await sending;
    await f.close();
  });

  it("write buffers until flush, and async iteration yields lines", async () => {
    const [c, s] = await pair();
    const w = c.makefile("wb");
    await w.write(Buffer.from("one\ntwo\n"));
    await w.write(Buffer.from("three\n"));
    await w.flush();
    await w.close();
    c.close();
    const r = s.makefile("rb");
    const lines: string[] = [];
    for await (const line of r) lines.push(line.toString());
    expect(lines).toEqual(["one\n", "two\n", "three\n"]);
  });

  it("peek() shows the next bytes without taking them, waits for one when none has come, and is empty at the end", async () => {
    const [c, s] = await pair();
    const f = s.makefile("rb");
    const early = f.peek();
    await c.sendall(Buffer.from("abc"));
    expect((await early).toString()).toBe("abc");
    expect((await f.peek(2)).toString()).toBe("ab");
    expect((await f.read(1)).toString()).toBe("a");
    await trickle(c, [Buffer.from("def")]);
    // more than one piece has come: peek gives what it asks for, across them
    expect((await f.peek(4)).toString()).toBe("bcde");
    expect((await f.read(5)).toString()).toBe("bcdef");
    c.close();
    expect((await f.peek()).length).toBe(0);
  });

  it("readinto fills a buffer; readlines reads to the end", async () => {
    const [c, s] = await pair();
    await c.sendall(Buffer.from("abcdefgh\nij\n"));
    c.close();
    const f = s.makefile("rb");
    const buf = new Uint8Array(4);
    expect(await f.readinto(buf)).toBe(4);
    expect(Buffer.from(buf).toString()).toBe("abcd");
    expect((await f.readlines()).map(String)).toEqual(["efgh\n", "ij\n"]);
  });

  it("the socket stays open until the socket and every file are closed", async () => {
    const [c, s] = await pair();
    const f = s.makefile("rwb");
    s.close();
    await f.write(Buffer.from("still here\n"));
    await f.flush();
    const r = c.makefile("rb");
    expect((await r.readline()).toString()).toBe("still here\n");
    await f.close();
    expect((await r.read()).length).toBe(0);
  });

  it("a read that timed out makes the file refuse further reads, as Python", async () => {
    const [, s] = await pair();
    s.settimeout(0.05);
    const f = s.makefile("rb");
    await expect(f.read(1)).rejects.toBeInstanceOf(TimeoutError);
    await expect(f.read(1)).rejects.toThrow("cannot read from timed out object");
  });

  it("mode checks: a read-only file refuses writes, a closed file refuses all", async () => {
    const [, s] = await pair();
    const f = s.makefile("rb");
    await expect(f.write(Buffer.from("x"))).rejects.toBeInstanceOf(OSError);
    await f.close();
    await expect(f.read(1)).rejects.toThrow("I/O operation on closed file.");
    expect(() => s.makefile("rx")).toThrow(ValueError);
  });
});

describe("makefile, text", () => {
  const payload = Buffer.from("first\r\nsecond\rthird\nhé日本€\r\n😀end", "utf8");
  // Split inside the multi-byte characters and between \r and \n.
  const cuts = [7, 13, 19, payload.indexOf(0xe6) + 1, payload.indexOf(0xf0) + 2, payload.length - 4];
  const chunks: Buffer[] = [];
  let prev = 0;
  for (const cut of [...cuts, payload.length]) {
    chunks.push(payload.subarray(prev, cut));
    prev = cut;
  }
  const expected = pythonJson<Record<string, string[]>>(`
import io, json, sys
data = bytes.fromhex("${payload.toString("hex")}")
out = {}
for key, nl in [("universal", None), ("untranslated", ""), ("lf", "\\n"), ("crlf", "\\r\\n")]:
    out[key] = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8", newline=nl).readlines()
print(json.dumps(out))`);

  for (const [key, newline] of [["universal", null], ["untranslated", ""], ["lf", "\n"], ["crlf", "\r\n"]] as const) {
    it(`decodes characters split across packets and splits lines as Python's newline=${JSON.stringify(newline)}`, async () => {
      const [c, s] = await pair();
      const f = s.makefile("r", { encoding: "utf-8", newline });
      expect(f).toBeInstanceOf(SocketTextFile);
      const sending = trickle(c, chunks).then(() => c.close());
      expect(await f.readlines()).toEqual(expected[key]);
      await sending;
    });
  }

  it("writes text encoded, with \\n as the platform's line end", async () => {
    const [c, s] = await pair();
    const w = c.makefile("w", { encoding: "utf-8" });
    expect(await w.write("héllo\n")).toBe(6);
    await w.close();
    c.close();
    expect((await s.makefile("rb").read()).toString("utf8")).toBe("héllo\n");
  });

  it("takes an encoding by any name CPython's codec registry finds it by, and refuses the names it does not", async () => {
    const names = ["UTF8", "u8", "Utf_8", "cp65001", "Latin-1", "L1", "iso8859.1", "ISO_8859-1", "IBM819", "US-ASCII", "646", "ansi_x3.4-1968", "latin.1", "utf.8", "ascii.", "latin1\0"];
    // the codec CPython's text file over a socket reads 'é' (as UTF-8) with, or its error
    const theirs = pythonJson<({ text: string } | { error: string })[]>(
      String.raw`
import json, socket, sys
out = []
for name in json.loads(sys.stdin.read()):
    a, b = socket.socketpair()
    try:
        f = b.makefile("r", encoding=name, errors="replace")
        a.sendall("é".encode()); a.close()
        out.append({"text": f.read()})
    except Exception as e:
        out.append({"error": type(e).__name__ + ": " + str(e)})
    a.close(); b.close()
print(json.dumps(out))
`,
      JSON.stringify(names),
    );
    const [c, s] = await pair();
    await c.sendall(Buffer.from("é"));
    c.close();
    const bytes = await s.makefile("rb").read();
    let known = 0;
    for (const [i, name] of names.entries()) {
      const want = theirs[i]!;
      const [c2, s2] = await pair();
      let f: SocketTextFile;
      try {
        f = s2.makefile("r", { encoding: name, errors: "replace" });
      } catch (e) {
        expect("error" in want, name).toBe(true);
        expect(e, name).toBeInstanceOf(name.includes("\0") ? ValueError : LookupError);
        expect(`${(e as Error).name}: ${(e as Error).message}`, name).toMatch(new RegExp(`^${(want as { error: string }).error.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`));
        continue;
      }
      known++;
      expect(f.encoding).toBe(name);
      await c2.sendall(bytes);
      c2.close();
      expect(await f.read(), name).toBe((want as { text: string }).text);
    }
    expect(known).toBe(12);
  });

  it("writes what the encoding cannot hold as Python's, under each of its error handlers: the same bytes, or UnicodeEncodeError with its text", async () => {
    const texts = ["caf\u00e9", "\u{1f600}x\u20ac\u20ac", "a\ud800b\udc00", "\udcff\udc80\u00e9", "ok"];
    const handlers = ["strict", "replace", "ignore", "backslashreplace", "xmlcharrefreplace", "surrogateescape", "surrogatepass"];
    const cases = texts.flatMap((text) => ["utf-8", "latin-1", "ascii"].flatMap((encoding) => handlers.map((errors) => ({ text, encoding, errors }))));
    // what CPython's text file over a socket sends, or its error
    const theirs = pythonJson<({ hex: string } | { error: string })[]>(
      String.raw`
import json, socket, sys
out = []
for c in json.loads(sys.stdin.read()):
    a, b = socket.socketpair()
    f = a.makefile("w", encoding=c["encoding"], errors=c["errors"])
    try:
        f.write(c["text"]); f.close(); a.close()
        out.append({"hex": b.makefile("rb").read().hex()})
    except UnicodeEncodeError as e:
        out.append({"error": str(e)})
    a.close(); b.close()
print(json.dumps(out))
`,
      JSON.stringify(cases),
    );
    for (const [i, c] of cases.entries()) {
      const [w, r] = await pair();
      const f = w.makefile("w", { encoding: c.encoding, errors: c.errors });
      const want = theirs[i]!;
      if ("error" in want) {
        const err = await Promise.resolve()
          .then(() => f.write(c.text))
          .catch((e: unknown) => e);
        expect(err, JSON.stringify(c)).toBeInstanceOf(UnicodeEncodeError);
        expect((err as Error).message, JSON.stringify(c)).toBe(want.error);
        continue;
      }
      await f.write(c.text);
      await f.close();
      w.close();
      expect((await r.makefile("rb").read()).toString("hex"), JSON.stringify(c)).toBe(want.hex);
    }
  });

  it("bad bytes are UnicodeDecodeError (a ValueError) under errors='strict', U+FFFD under 'replace'", async () => {
    const [c, s] = await pair();
    await c.sendall(Buffer.from([0x61, 0xff, 0x62]));
    c.close();
    const strict = s.makefile("r");
    const err = await strict.read().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnicodeDecodeError);
    expect(err).toBeInstanceOf(ValueError);
    // CPython's text for the same bytes through its own socket file
    const theirs = pythonJson<string>(`
import json, socket
a, b = socket.socketpair()
a.sendall(bytes([0x61, 0xff, 0x62])); a.close()
try:
    b.makefile("r").read()
except UnicodeDecodeError as e:
    print(json.dumps(str(e)))
`);
    expect((err as Error).message).toBe(theirs);
    const [c2, s2] = await pair();
    await c2.sendall(Buffer.from([0x61, 0xff, 0x62]));
    c2.close();
    expect(await s2.makefile("r", { errors: "replace" }).read()).toBe("a\ufffdb");
  });

  it("reads under each of Python's error handlers as its text files do, and 'surrogateescape' gives back the bytes it read", async () => {
    const data = Buffer.from("61ff62c3a9e282ed", "hex");
    const handlers = ["ignore", "backslashreplace", "surrogateescape", "surrogatepass", "xmlcharrefreplace"];
    const theirs = pythonJson<string[]>(
      String.raw`
import json, socket, sys
out = []
for errors in json.loads(sys.stdin.read()):
    a, b = socket.socketpair()
    a.sendall(bytes.fromhex("61ff62c3a9e282ed")); a.close()
    try:
        out.append(b.makefile("r", encoding="utf-8", errors=errors).read())
    except (TypeError, UnicodeDecodeError) as e:
        out.append(type(e).__name__ + ": " + str(e))
    b.close()
print(json.dumps(out))
`,
      JSON.stringify(handlers),
    );
    for (const [i, errors] of handlers.entries()) {
      const [c, s] = await pair();
      await c.sendall(data);
      c.close();
      const got = await s
        .makefile("r", { encoding: "utf-8", errors })
        .read()
        .catch((e: unknown) => `${(e as Error).name}: ${(e as Error).message}`);
      expect(got, errors).toBe(theirs[i]);
    }
    // the text read with 'surrogateescape' written back with it: the bytes that came
    const [c, s] = await pair();
    const f = c.makefile("w", { encoding: "utf-8", errors: "surrogateescape" });
    await f.write(theirs[handlers.indexOf("surrogateescape")]!);
    await f.close();
    c.close();
    expect(await s.makefile("rb").read()).toEqual(data);
  });

  it("an error handler Python does not have is LookupError, when the file is made", async () => {
    const [c] = await pair();
    expect(() => c.makefile("r", { errors: "bogus" })).toThrow(new LookupError("unknown error handler name 'bogus'"));
  });
});
