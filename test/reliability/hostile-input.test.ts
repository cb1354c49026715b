/**
 * Hostile input for every parser: struct formats and buffers, pickles
 * (mutated valid ones and random bytes), urllib.parse on random and mutated
 * URLs, and the HTTP, FTP and SMTP clients against raw TCP servers that
 * answer with mutated or hostile replies. For each parser: how many inputs
 * were tried, and that every one ended in a result or a documented Python
 * error (no JS TypeError/RangeError, no hang), within a per-input time bound,
 * (250 ms: the first calls carry JIT and GC pauses; long inputs are timed
 * separately for linear growth), with no prototype pollution and no allocation driven by a length the input
 * does not hold. Sized by STDNET_HOSTILE_RUNS (a multiplier, default 1).
 */
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { calcsize, error as StructError, unpack, unpack_from } from "stdnet/struct";
import { dumps, loads, PickleError, tuple } from "stdnet/pickle";
import { parse_qs, parse_qsl, quote, unquote, urljoin, urlparse, urlsplit } from "stdnet/urllib/parse";
import { HTTPConnection, HTTPException } from "stdnet/http/client";
import { FTP, all_errors } from "stdnet/ftplib";
import { SMTP, SMTPException } from "stdnet/smtplib";
import { OSError, UnicodeDecodeError } from "stdnet/socket";
import { recordFigures } from "./_record.js";
import { rawServer } from "../helpers/rawserver.js";
import { openHandles, settle } from "./_faultrun.js";

const SCALE = Number(process.env.STDNET_HOSTILE_RUNS ?? 1);
const PY_ERRORS = new Set([
  "ValueError",
  "TypeError",
  "OverflowError",
  "EOFError",
  "UnicodeDecodeError",
  "UnicodeEncodeError",
  "UnicodeError",
  "KeyError",
  "IndexError",
  "MemoryError",
  "RecursionError",
  "AttributeError",
]);
const NATIVE = new Set<unknown>([Error, TypeError, RangeError, SyntaxError, ReferenceError, EvalError, URIError]);

/** Whether `e` is a Python error of ours (not a JS engine error leaking through). */
function isPythonError(e: unknown, ...families: (abstract new (...a: never[]) => Error)[]): boolean {
  if (!(e instanceof Error) || NATIVE.has(e.constructor)) return false;
  return families.some((f) => e instanceof f) || PY_ERRORS.has(e.name);
}

const protoBefore = Object.getOwnPropertyNames(Object.prototype).sort();
const counts: (string | number)[][] = [];

/** Runs `parse` on each input; counts results and Python errors; fails on anything else or a slow input. */
function fuzz<T>(name: string, inputs: readonly T[], parse: (x: T) => unknown, families: (abstract new (...a: never[]) => Error)[], boundMs: number): void {
  let results = 0;
  let errors = 0;
  let slowest = 0;
  for (const input of inputs) {
    const t0 = performance.now();
    try {
      parse(input);
      results++;
    } catch (e) {
      if (!isPythonError(e, ...families)) throw new Error(`${name}: input ${JSON.stringify(String(input)).slice(0, 200)} raised ${String(e)}`, { cause: e });
      errors++;
    }
    slowest = Math.max(slowest, performance.now() - t0);
  }
  expect(slowest, `${name}: slowest input`).toBeLessThan(boundMs);
  counts.push([name, inputs.length, results, errors, 0, Math.round(slowest * 100) / 100]);
}

const bytesArb = (max: number): fc.Arbitrary<Uint8Array> => fc.uint8Array({ maxLength: max });

/** Mutations of a valid input: flip, insert, delete, duplicate or truncate. */
function mutants(valid: Uint8Array, n: number, seed: number): Buffer[] {
  const edit = fc.tuple(fc.nat(), fc.nat(255), fc.integer({ min: 0, max: 4 }), fc.integer({ min: 1, max: 64 }));
  return fc.sample(fc.array(edit, { minLength: 1, maxLength: 4 }), { numRuns: n, seed }).map((edits) => {
    let b = Buffer.from(valid);
    for (const [pos, byte, kind, len] of edits) {
      const at = b.length === 0 ? 0 : pos % b.length;
      if (kind === 0 && b.length > 0) b[at] = byte;
      else if (kind === 1) b = Buffer.concat([b.subarray(0, at), Buffer.from([byte]), b.subarray(at)]);
      else if (kind === 2) b = Buffer.concat([b.subarray(0, at), b.subarray(at + len)]);
      else if (kind === 3) b = Buffer.concat([b.subarray(0, at), b.subarray(at, at + len), b.subarray(at)]);
      else b = b.subarray(0, at);
    }
    return b;
  });
}

describe("hostile input: pure parsers", () => {
  it("struct: random formats and buffers end in values or struct.error", () => {
    const fmt = fc.string({ unit: fc.constantFrom(...Array.from("<>!=@0123456789xcbB?hHiIlLqQnNefdspP \t")), maxLength: 12 });
    const cases = fc.sample(fc.tuple(fmt, bytesArb(64)), { numRuns: 3000 * SCALE, seed: 1 });
    fuzz("struct unpack/unpack_from/calcsize", cases, ([f, b]) => {
      calcsize(f);
      unpack_from(f, b, 0);
      return unpack(f, b);
    }, [StructError], 250);
    // A repeat count bigger than the buffer is refused, not allocated.
    const t0 = performance.now();
    expect(() => unpack("999999999999s", Buffer.alloc(8))).toThrow(StructError);
    expect(performance.now() - t0).toBeLessThan(50);
  });

  it("pickle: mutated valid pickles and random bytes end in values or Python errors", () => {
    const samples = [
      dumps({ a: 1, b: [1, 2, 3], c: "text", d: new Uint8Array([1, 2]), e: tuple(1, "x"), f: new Set([1]), g: 2n ** 70n, h: 3.5 }, 4),
      dumps([null, true, false, "é", [[[]]], { k: { k: {} } }], 2),
      dumps({ big: "x".repeat(300), n: -123456789 }, 0),
      dumps(new Map<unknown, unknown>([[1, "one"], [tuple(2), "two"]]), 5),
    ];
    const inputs = [
      ...samples.flatMap((s, i) => mutants(s, 1500 * SCALE, 10 + i)),
      ...fc.sample(bytesArb(80), { numRuns: 3000 * SCALE, seed: 2 }),
      ...fc.sample(bytesArb(40), { numRuns: 1000 * SCALE, seed: 3 }).map((b) => Buffer.concat([Buffer.from([0x80, 0x04]), b, Buffer.from([0x2e])])),
    ];
    fuzz("pickle loads", inputs, (b) => loads(b), [PickleError], 250);
  });

  it("pickle: a length claiming gigabytes in a few bytes is refused fast, without allocating it", () => {
    const le = (n: bigint, size: number): Buffer => {
      const b = Buffer.alloc(size);
      if (size === 8) b.writeBigUInt64LE(n);
      else b.writeUInt32LE(Number(n));
      return b;
    };
    const hostile: [string, Buffer][] = [
      ["BINUNICODE8 2 GiB", Buffer.concat([Buffer.from([0x80, 0x04, 0x8d]), le(2n ** 31n, 8), Buffer.from("abc.")])],
      ["BINBYTES8 8 EiB", Buffer.concat([Buffer.from([0x80, 0x04, 0x8e]), le(2n ** 63n, 8), Buffer.from("abc.")])],
      ["BYTEARRAY8 1 TiB", Buffer.concat([Buffer.from([0x80, 0x05, 0x96]), le(2n ** 40n, 8), Buffer.from("abc.")])],
      ["BINUNICODE 4 GiB", Buffer.concat([Buffer.from([0x80, 0x03, 0x58]), le(0xffffffffn, 4), Buffer.from("abc.")])],
      ["BINBYTES 4 GiB", Buffer.concat([Buffer.from([0x80, 0x03, 0x42]), le(0xffffffffn, 4), Buffer.from("abc.")])],
      ["LONG4 4 GiB", Buffer.concat([Buffer.from([0x80, 0x02, 0x8b]), le(0xffffffffn, 4), Buffer.from("abc.")])],
      ["FRAME 2 GiB", Buffer.concat([Buffer.from([0x80, 0x04, 0x95]), le(2n ** 31n, 8), Buffer.from("N.")])],
    ];
    global.gc?.();
    const heap0 = process.memoryUsage().heapUsed;
    const rss0 = process.memoryUsage().rss;
    for (const [name, b] of hostile) {
      const t0 = performance.now();
      let caught: unknown;
      try {
        loads(b);
      } catch (e) {
        caught = e;
      }
      const ms = performance.now() - t0;
      expect([name, isPythonError(caught, PickleError)]).toEqual([name, true]);
      expect([name, ms < 50]).toEqual([name, true]);
    }
    // Less than 64 MB more than before: nothing near the claimed sizes was allocated.
    expect(process.memoryUsage().heapUsed - heap0).toBeLessThan(64e6);
    expect(process.memoryUsage().rss - rss0).toBeLessThan(256e6);
    counts.push(["pickle lengths beyond the input (2 GiB … 8 EiB claims)", hostile.length, 0, hostile.length, 0, "< 50"]);
  });

  it("urllib.parse: random and mutated URLs end in results or ValueError, in linear time", () => {
    const valid = Buffer.from("http://user:pw@[::1]:8080/a/b;p?q=1&r=%20#frag");
    const urls = [
      ...mutants(valid, 3000 * SCALE, 4).map((b) => b.toString("latin1")),
      ...fc.sample(fc.string({ unit: fc.constantFrom(...Array.from("[]:@/?#%&=;+ \t\r\n\x00abc19.\u00e9\uff0f")), maxLength: 60 }), { numRuns: 3000 * SCALE, seed: 5 }),
      ...fc.sample(fc.string({ maxLength: 60, unit: "binary" }), { numRuns: 1000 * SCALE, seed: 6 }),
    ];
    fuzz(
      "urllib.parse (urlsplit, urlparse, urljoin, parse_qsl, quote/unquote)",
      urls,
      (u) => {
        urlsplit(u);
        urlparse(u);
        urljoin("http://a/b/c/d;p?q", u);
        parse_qsl(u);
        unquote(u);
        return quote(u);
      },
      [],
      250,
    );
    // Long adversarial inputs stay linear: 200k characters each in well under a second.
    for (const u of ["http://" + "[".repeat(200_000), "?" + "&=".repeat(100_000), "%".repeat(200_000), "http://a/" + "../".repeat(70_000), "http://" + ":".repeat(200_000) + "@h"]) {
      const t0 = performance.now();
      try {
        urlsplit(u);
        parse_qs(u);
        unquote(u);
        urljoin("http://a/b/c", u);
      } catch (e) {
        expect(isPythonError(e)).toBe(true);
      }
      expect(performance.now() - t0).toBeLessThan(1000);
    }
  });

  it("no parser touched Object.prototype, even given __proto__ keys", () => {
    const evil = Object.defineProperty({}, "__proto__", { value: { polluted: 1 }, enumerable: true, configurable: true, writable: true });
    const back = loads(dumps(evil)) as Record<string, unknown>;
    expect(Object.prototype.hasOwnProperty.call(back, "__proto__")).toBe(true);
    const qs = parse_qs("__proto__=x&constructor=y&__proto__[polluted]=1&prototype=z");
    expect(qs.__proto__).toEqual(["x"]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(protoBefore);
  });
});

/** Runs `one(i)` for every input, `width` at a time; each must end within `boundMs`. */
async function fuzzAsync(name: string, n: number, one: (i: number) => Promise<void>, width: number, boundMs: number): Promise<void> {
  let slowest = 0;
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < n) {
        const i = next++;
        const t0 = Date.now();
        await one(i);
        slowest = Math.max(slowest, Date.now() - t0);
      }
    }),
  );
  expect(slowest, `${name}: slowest input (ms)`).toBeLessThan(boundMs);
  counts.push([name, n, "", "", 0, slowest]);
}

const CLIENT_TIMEOUT = 0.5;

describe("hostile input: replies from a hostile server", () => {
  const baseline = openHandles().sockets;

  it("HTTPConnection: mutated and hostile responses end in a response or HTTPException/OSError", async () => {
    const valid = Buffer.from("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 11\r\nX-A: b\r\n\r\nhello world");
    const chunked = Buffer.from("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n");
    const responses = [
      ...mutants(valid, 250 * SCALE, 7),
      ...mutants(chunked, 250 * SCALE, 8),
      ...fc.sample(bytesArb(120), { numRuns: 50 * SCALE, seed: 9 }),
      Buffer.from("HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\nabc"),
      Buffer.from("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\nabc"),
      Buffer.from("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFFFFFF\r\nabc"),
      Buffer.from("HTTP/1.1 200 OK\r\n" + "X: y\r\n".repeat(5000) + "\r\n"),
      Buffer.from("HTTP/1.1 200 OK\r\nX: " + "y".repeat(200_000) + "\r\n\r\n"),
      Buffer.from("HTTP/1.1 999999999999 OK\r\nContent-Length: 0\r\n\r\n"),
      Buffer.from("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 5\r\n\r\nabcde"),
      Buffer.from("HTTP/1.1 200 OK\r\n__proto__: polluted\r\nconstructor: x\r\nContent-Length: 0\r\n\r\n"),
    ];
    const server = await rawServer((s) => {
      s.once("data", (d: Buffer) => {
        const m = /^GET \/(\d+) /.exec(d.toString("latin1"));
        s.end(responses[Number(m?.[1] ?? 0)] ?? Buffer.alloc(0));
      });
    });
    try {
      await fuzzAsync(
        "http.client responses (mutated, chunked, random, hostile lengths/heads)",
        responses.length,
        async (i) => {
          const conn = new HTTPConnection("127.0.0.1", server.port, { timeout: CLIENT_TIMEOUT });
          try {
            await conn.request("GET", `/${i}`);
            const resp = await conn.getresponse();
            resp.getheaders();
            await resp.read();
          } catch (e) {
            if (!isPythonError(e, HTTPException, OSError)) throw new Error(`response ${i} ${JSON.stringify(responses[i]!.toString("latin1").slice(0, 120))} raised ${String(e)}`, { cause: e });
          } finally {
            conn.close();
          }
        },
        16,
        CLIENT_TIMEOUT * 1000 * 3 + 500,
      );
    } finally {
      await server.close();
    }
  });

  it("FTP: garbage greetings, replies and listings end in results, ftplib.all_errors or (a reply not UTF-8) UnicodeDecodeError, as Python's", async () => {
    const valid = [
      "220 welcome\r\n",
      "331 need password\r\n",
      "230-multi\r\n line\r\n230 done\r\n",
      "227 Entering Passive Mode (127,0,0,1,0,0)\r\n",
      "257 \"/a\"\"b\" created\r\n",
    ].map((x) => Buffer.from(x));
    const replies = [...valid.flatMap((v, k) => mutants(v, 20 * SCALE, 20 + k)), ...fc.sample(bytesArb(60), { numRuns: 20 * SCALE, seed: 30 })];
    let conn = 0;
    const server = await rawServer((s) => {
      // Every line the client sends gets this connection's garbage; the 4th line closes.
      const garbage = replies[conn++ % replies.length]!;
      let lines = 0;
      s.write(Buffer.concat([Buffer.from("220 hi\r\n"), garbage]));
      s.on("data", (d: Buffer) => {
        lines += d.toString("latin1").split("\n").length - 1;
        if (lines >= 4) s.end(garbage);
        else s.write(garbage);
      });
    });
    try {
      await fuzzAsync(
        "ftplib replies (greeting, login, PWD, PASV)",
        replies.length,
        async () => {
          const f = new FTP("", "", "", "", { timeout: CLIENT_TIMEOUT });
          try {
            await f.connect("127.0.0.1", server.port);
            await f.login("u", "p");
            await f.pwd();
            await f.nlst();
          } catch (e) {
            // Python's ftplib reads replies strictly in the session's encoding: bytes that are not UTF-8 are its
            // UnicodeDecodeError, which all_errors does not hold
            const pythons = e instanceof Error && (all_errors.some((c) => e instanceof c) || e instanceof UnicodeDecodeError);
            if (!pythons || NATIVE.has(e.constructor)) throw e;
          } finally {
            f.close();
          }
        },
        12,
        CLIENT_TIMEOUT * 1000 * 5 + 500,
      );
    } finally {
      await server.close();
    }
  });

  it("SMTP: garbage greetings and replies end in results or SMTPException/OSError", async () => {
    const valid = ["220 hi ESMTP\r\n", "250-x\r\n250-SIZE 1000\r\n250 AUTH PLAIN\r\n", "250 ok\r\n", "354 go\r\n", "221 bye\r\n"].map((x) => Buffer.from(x));
    const replies = [...valid.flatMap((v, k) => mutants(v, 20 * SCALE, 40 + k)), ...fc.sample(bytesArb(60), { numRuns: 20 * SCALE, seed: 50 })];
    let conn = 0;
    const server = await rawServer((s) => {
      const garbage = replies[conn++ % replies.length]!;
      let lines = 0;
      s.write(garbage);
      s.on("data", (d: Buffer) => {
        lines += d.toString("latin1").split("\n").length - 1;
        if (lines >= 8) s.end(garbage);
        else s.write(garbage);
      });
    });
    try {
      await fuzzAsync(
        "smtplib replies (greeting, EHLO, MAIL/RCPT/DATA)",
        replies.length,
        async () => {
          const s = new SMTP("127.0.0.1", server.port, "client.test", { timeout: CLIENT_TIMEOUT });
          try {
            await s.sendmail("a@example.org", ["b@example.org"], "Subject: x\r\n\r\nhi\r\n");
          } catch (e) {
            if (!isPythonError(e, SMTPException, OSError)) throw e;
          } finally {
            s.close();
          }
        },
        12,
        CLIENT_TIMEOUT * 1000 * 8 + 500,
      );
    } finally {
      await server.close();
    }
  });

  it("left no socket open and Object.prototype untouched", async () => {
    expect(await settle(() => openHandles().sockets <= baseline, 2000)).toBe(true);
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(protoBefore);
  });
});

afterAll(() => {
  recordFigures("hostile-input", [
    {
      title: "Hostile inputs tried per parser (crashes = anything but a result or a documented Python error)",
      columns: ["parser", "inputs", "results", "Python errors", "crashes", "slowest input (ms)"],
      rows: counts,
    },
  ]);
});
