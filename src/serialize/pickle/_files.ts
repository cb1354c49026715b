/**
 * Pickles over files: reading exactly one pickle from a stream-like file
 * (never a byte past its STOP, so pickles can follow each other on one
 * socket), and writing one. A file is Python's (an object with `read(n)` and
 * optionally `readline()`, `write(b)`), each call synchronous or returning a
 * Promise, or a Node Readable / Writable.
 */
import { Readable, Writable } from "node:stream";
import { UnpicklingError } from "./_errors.js";
import { describe } from "./_globals.js";
import { PyTypeError } from "../../sockets/errors.js";

/**
 * A file `load` reads from: Python's `read(n)` (short only at EOF) and
 * optional `readline()` and `peek(n)`, sync or async. With `peek` (as
 * `socket.makefile("rb")` has), a pickle that has arrived whole is found in
 * the peeked bytes and taken with one read, as CPython's Unpickler does.
 *
 * @example
 * ```ts
 * load({ read: (n) => chunk.subarray(0, n) });
 * ```
 */
export interface PickleReadable {
  read(n: number): Uint8Array | Promise<Uint8Array>;
  readline?(): Uint8Array | Promise<Uint8Array>;
  /** Bytes from the current position, not taken: at least one unless at the end, more where they have arrived. */
  peek?(n: number): Uint8Array | Promise<Uint8Array>;
}

/**
 * A file `load` reads synchronously.
 *
 * @example
 * ```ts
 * const v = load(bytesIO); // not a Promise
 * ```
 */
export interface SyncReadable {
  read(n: number): Uint8Array;
  readline?(): Uint8Array;
}

/**
 * A file `load` reads asynchronously (e.g. `socket.makefile("rb")`).
 *
 * @example
 * ```ts
 * const v = await load(sock.makefile("rb"));
 * ```
 */
export interface AsyncReadable {
  read(n: number): Promise<Uint8Array>;
  readline?(): Promise<Uint8Array>;
}

/**
 * A file `dump` writes to: `write(b)`, sync or returning a Promise.
 *
 * @example
 * ```ts
 * dump(obj, { write: (b) => chunks.push(b) });
 * ```
 */
export interface PickleWritable {
  write(data: Uint8Array): unknown;
}

/**
 * A file `dump` writes synchronously (its write returns no Promise).
 *
 * @example
 * ```ts
 * dump(obj, bytesIO); // returns undefined
 * ```
 */
export interface SyncWritable {
  write(data: Uint8Array): number | boolean | undefined | null;
}

/**
 * A file `dump` writes asynchronously (e.g. `socket.makefile("wb")`).
 *
 * @example
 * ```ts
 * await dump(obj, sock.makefile("wb"));
 * ```
 */
export interface AsyncWritable {
  write(data: Uint8Array): Promise<unknown>;
}

/**
 * What dumping to a file of type F returns: a Promise for an async file, nothing for a sync one.
 *
 * @example
 * ```ts
 * const r: DumpResult<AsyncWritable> = dump(obj, sockfile); // Promise<void>
 * ```
 */
export type DumpResult<F> = F extends Writable | AsyncWritable ? Promise<void> : F extends SyncWritable ? undefined : Promise<void> | undefined;

/**
 * What loading from a file of type F returns: a Promise for an async file, the value for a sync one.
 *
 * @example
 * ```ts
 * const r: LoadResult<Readable> = load(stream); // Promise<unknown>
 * ```
 */
export type LoadResult<F> = F extends Readable | AsyncReadable ? Promise<unknown> : unknown;

/** Reads are split into pieces of this size, so a huge length field allocates only what arrives. */
const MAX_READ = 1 << 20;
const EMPTY: Uint8Array = new Uint8Array(0);

type Request = number | "line";

function isPromise<T>(v: T | Promise<T>): v is Promise<T> {
  return typeof (v as { then?: unknown } | null)?.then === "function";
}

/** Byte lengths of the fixed arguments of each opcode (the rest: 0, or handled below). */
const FIXED = new Uint8Array(256);
for (const [op, n] of [[0x80, 1], [0x4b, 1], [0x4d, 2], [0x4a, 4], [0x47, 8], [0x68, 1], [0x6a, 4], [0x71, 1], [0x72, 4], [0x82, 1], [0x83, 2], [0x84, 4]] as const) FIXED[op] = n;
/** Opcodes followed by a length of 1, 4 or 8 bytes and that many bytes. */
const SIZED = new Uint8Array(256);
for (const op of [0x8c, 0x43, 0x55, 0x8a]) SIZED[op] = 1;
for (const op of [0x58, 0x42, 0x54, 0x8b]) SIZED[op] = 4;
for (const op of [0x8d, 0x8e, 0x96]) SIZED[op] = 8;
/** Opcodes followed by 1 or 2 newline-terminated lines. */
const LINES = new Uint8Array(256);
for (const op of [0x49, 0x4c, 0x46, 0x53, 0x56, 0x67, 0x70, 0x50]) LINES[op] = 1;
for (const op of [0x63, 0x69]) LINES[op] = 2;
/** Opcodes without arguments (STOP among them). */
const NO_ARG = new Uint8Array(256);
for (const op of [0x28, 0x2e, 0x30, 0x31, 0x32, 0x4e, 0x51, 0x52, 0x61, 0x62, 0x64, 0x7d, 0x65, 0x6c, 0x5d, 0x6f, 0x73, 0x74, 0x29, 0x75, 0x81, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8f, 0x90, 0x91, 0x92, 0x93, 0x94, 0x97, 0x98]) NO_ARG[op] = 1;

/**
 * Walks the opcodes of `b` from `p` while each lies whole in it, and
 * returns where it stopped: at its end, or at an opcode it leaves to its
 * caller (a STOP, a FRAME, one that runs past the end or has a length past
 * 2 GiB, one it does not know).
 */
function walkOps(b: Uint8Array, p: number): number {
  const end = b.length;
  while (p < end) {
    const op = b[p]!;
    let q = p + 1;
    if (FIXED[op]! > 0) q += FIXED[op]!;
    else if (SIZED[op]! > 0) {
      const sized = SIZED[op]!;
      if (q + sized > end) return p;
      // (4 bytes read as int32: past 2 GiB it is negative, and left to the caller like any oddity)
      const len = sized === 1 ? b[q]! : sized === 4 ? uint32At(b, q) | 0 : uint64At(b, q);
      if (len < 0) return p;
      q += sized + len;
    } else if (LINES[op]! > 0) {
      for (let i = 0; i < LINES[op]!; i++) {
        const nl = b.indexOf(0x0a, q);
        if (nl < 0) return p;
        q = nl + 1;
      }
    } else if (op === 0x2e || NO_ARG[op] === 0) return p;
    if (q > end) return p;
    p = q;
  }
  return p;
}

/** Pieces of at most this many bytes are copied together (see Pieces). */
const SMALL_PIECE = 512;

/**
 * The pieces of a pickle as they are read: small ones copied into shared
 * buffers, larger ones kept as they are. A file without peek gives an
 * unframed pickle an opcode or an argument at a time, and a view kept for
 * each (millions for a few MB) had most of a load's time go to the GC
 * copying them.
 */
class Pieces {
  private readonly list: Uint8Array[] = [];
  private small = EMPTY;
  private used = 0;

  push(b: Uint8Array): void {
    if (b.length > SMALL_PIECE) {
      this.flush();
      this.list.push(b);
      return;
    }
    if (this.used + b.length > this.small.length) {
      this.flush();
      this.small = new Uint8Array(16 * 1024);
    }
    this.small.set(b, this.used);
    this.used += b.length;
  }

  /** Every piece, in order. */
  done(): Uint8Array[] {
    this.flush();
    return this.list;
  }

  private flush(): void {
    if (this.used > 0) this.list.push(this.small.subarray(0, this.used));
    this.small = this.small.subarray(this.used);
    this.used = 0;
  }
}

/**
 * Walks the opcodes of one pickle, asking for bytes as it goes (a count, or
 * "line"), and returns every byte it consumed, up to and including STOP (or
 * up to where the data ends or stops making sense: the machine then reports
 * the error). A FRAME is asked for whole, then walked in memory.
 */
function* scanOnePickle(): Generator<Request, Uint8Array[], Uint8Array> {
  const chunks = new Pieces();
  let frame: Uint8Array = EMPTY;
  let fpos = 0;
  // takes n bytes: from the current frame when it holds them, else from the file
  function* take(n: number): Generator<Request, Uint8Array | undefined, Uint8Array> {
    if (fpos + n <= frame.length) {
      const b = frame.subarray(fpos, fpos + n);
      fpos += n;
      return b;
    }
    const parts: Uint8Array[] = [];
    let got = 0;
    if (fpos < frame.length) {
      parts.push(frame.subarray(fpos));
      got = frame.length - fpos;
      fpos = frame.length;
    }
    while (got < n) {
      const b = yield Math.min(n - got, MAX_READ);
      if (b.length === 0) {
        for (const p of parts) chunks.push(p);
        return undefined;
      }
      parts.push(b);
      got += b.length;
    }
    return parts.length === 1 ? parts[0] : Buffer.concat(parts);
  }
  function* line(): Generator<Request, boolean, Uint8Array> {
    if (fpos < frame.length) {
      const nl = frame.indexOf(0x0a, fpos);
      if (nl >= 0) {
        chunks.push(frame.subarray(fpos, nl + 1));
        fpos = nl + 1;
        return true;
      }
      chunks.push(frame.subarray(fpos));
      fpos = frame.length;
    }
    const b = yield "line";
    chunks.push(b);
    return b.length > 0 && b[b.length - 1] === 0x0a;
  }
  for (;;) {
    // the opcodes that lie whole in the frame read, in one step (one at a time, a generator's
    // turn and a view each, a load of 2 MB of pickle took 40 times its loads)
    if (fpos < frame.length) {
      const q = walkOps(frame, fpos);
      if (q > fpos) {
        chunks.push(frame.subarray(fpos, q));
        fpos = q;
      }
    }
    const opb = yield* take(1);
    if (opb === undefined) return chunks.done();
    chunks.push(opb);
    const op = opb[0]!;
    if (op === 0x2e) {
      // a STOP before its frame's end: the whole frame was read (as CPython reads it), and goes to the machine with the header that counts it
      if (fpos < frame.length) chunks.push(frame.subarray(fpos));
      return chunks.done();
    }
    if (op === 0x95) {
      const h = yield* take(8);
      if (h === undefined) return chunks.done();
      chunks.push(h);
      const n = uint32At(h, 0) + uint32At(h, 4) * 4294967296;
      // the rest of the current frame (normally nothing) comes first, then the new frame
      const body = yield* take(n);
      if (body === undefined) return chunks.done();
      frame = body;
      fpos = 0;
      continue;
    }
    const fixed = FIXED[op]!;
    if (fixed > 0) {
      const b = yield* take(fixed);
      if (b === undefined) return chunks.done();
      chunks.push(b);
      continue;
    }
    const sized = SIZED[op]!;
    if (sized > 0) {
      const h = yield* take(sized);
      if (h === undefined) return chunks.done();
      chunks.push(h);
      const n = sized === 1 ? h[0]! : sized === 4 ? (op === 0x54 || op === 0x8b ? uint32At(h, 0) | 0 : uint32At(h, 0)) : uint32At(h, 0) + uint32At(h, 4) * 4294967296;
      if (n < 0) return chunks.done();
      const body = yield* take(n);
      if (body === undefined) return chunks.done();
      chunks.push(body);
      continue;
    }
    const lines = LINES[op]!;
    if (lines > 0) {
      for (let i = 0; i < lines; i++) if (!(yield* line())) return chunks.done();
      continue;
    }
    if (NO_ARG[op] === 0) return chunks.done();
  }
}

/**
 * `b` when it is bytes (what a file's read or readline gave, what loads was
 * given); else CPython's TypeError.
 *
 * @example
 * ```ts
 * bytesOf("abc"); // TypeError: a bytes-like object is required, not 'str'
 * ```
 */
export function bytesOf(b: unknown): Uint8Array {
  if (b instanceof Uint8Array) return b;
  throw new PyTypeError(`a bytes-like object is required, not '${describe(b)}'`);
}

/** What a read or readline gave (or will), its bytes checked (see bytesOf). */
function checked(b: Uint8Array | Promise<Uint8Array>): Uint8Array | Promise<Uint8Array> {
  // (bytes first: looking for a \`then\` on a typed array was a generic property load at each read)
  if (b instanceof Uint8Array) return b;
  return isPromise(b) ? b.then(bytesOf) : bytesOf(b);
}

/** `file.read(n)`, its bytes checked. */
function readSome(file: PickleReadable, n: number): Uint8Array | Promise<Uint8Array> {
  return checked(file.read(n));
}

/** Reads n bytes from a Python-like file, looping over short reads until EOF. */
function readN(file: PickleReadable, n: number): Uint8Array | Promise<Uint8Array> {
  const first = readSome(file, n);
  if (!(first instanceof Uint8Array)) return first.then((b) => (b.length === 0 || b.length >= n ? b : finishAsync(file, n, [b])));
  if (first.length === 0 || first.length >= n) return first;
  const parts = [first];
  let got = first.length;
  while (got < n) {
    const b = readSome(file, n - got);
    if (!(b instanceof Uint8Array)) return b.then((x) => finishAsync(file, n, [...parts, x]));
    if (b.length === 0) break;
    parts.push(b);
    got += b.length;
  }
  return Buffer.concat(parts);
}

async function finishAsync(file: PickleReadable, n: number, parts: Uint8Array[]): Promise<Uint8Array> {
  let got = parts.reduce((s, p) => s + p.length, 0);
  while (got < n && parts[parts.length - 1]!.length > 0) {
    const b = await readSome(file, n - got);
    if (b.length === 0) break;
    parts.push(b);
    got += b.length;
  }
  return Buffer.concat(parts);
}

/** Reads one line (through '\n') from a Python-like file: its readline(), or byte by byte. */
function readLine(file: PickleReadable): Uint8Array | Promise<Uint8Array> {
  if (typeof file.readline === "function") return checked(file.readline());
  const parts: number[] = [];
  for (;;) {
    const b = readSome(file, 1);
    if (isPromise(b)) return b.then((x) => readLineAsync(file, parts, x));
    if (b.length === 0) return Uint8Array.from(parts);
    parts.push(b[0]!);
    if (b[0] === 0x0a) return Uint8Array.from(parts);
  }
}

async function readLineAsync(file: PickleReadable, parts: number[], first: Uint8Array): Promise<Uint8Array> {
  let b = first;
  for (;;) {
    if (b.length === 0) return Uint8Array.from(parts);
    parts.push(b[0]!);
    if (b[0] === 0x0a) return Uint8Array.from(parts);
    b = await readSome(file, 1);
  }
}

/**
 * A Node Readable as a Python-like file: read(n) gives n bytes, fewer only
 * at the end; at once when the stream holds them already (a load of a
 * pickle that has arrived costs no Promise a read), else a Promise.
 */
function streamFile(s: Readable): PickleReadable {
  // an object-mode stream (Readable.from's default) gives whole chunks whatever n is: the rest goes back
  const take = (n: number): Uint8Array | null | UnpicklingError => {
    const objects = s.readableObjectMode;
    const chunk = (objects ? s.read() : s.read(n)) as unknown;
    if (chunk === null) return null;
    const bytes = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
    if (!(bytes instanceof Uint8Array)) return new UnpicklingError(`read() returned a non-bytes object (${typeof bytes})`);
    if (!objects || bytes.length <= n) return bytes;
    s.unshift(bytes.subarray(n));
    return bytes.subarray(0, n);
  };
  return {
    // what the stream holds already (in object mode, its first chunk), left in it (taken and put back):
    // nothing when it must wait or gives strs, and load then reads as without peek
    peek: (n) => {
      if (s.readableEncoding !== null || s.readableLength === 0) return EMPTY;
      const held = (s.readableObjectMode ? s.read() : s.read(Math.min(n, s.readableLength))) as unknown;
      if (held === null) return EMPTY;
      s.unshift(held);
      return held instanceof Uint8Array ? held : EMPTY;
    },
    read: (n) => {
      const now = take(n);
      if (now instanceof Uint8Array) return now;
      if (now !== null) return Promise.reject(now);
      return new Promise<Uint8Array>((resolve, reject) => {
        const done = (): void => {
          s.off("readable", attempt);
          s.off("end", attempt);
          s.off("error", fail);
          s.off("close", attempt);
        };
        const fail = (e: Error): void => {
          done();
          reject(e);
        };
        function attempt(): void {
          const got = take(n);
          if (got instanceof UnpicklingError) fail(got);
          else if (got !== null) {
            done();
            resolve(got);
          } else if (s.readableEnded || s.destroyed) {
            done();
            resolve(EMPTY);
          }
        }
        s.on("readable", attempt);
        s.on("end", attempt);
        s.on("close", attempt);
        s.on("error", fail);
        attempt();
      });
    },
  };
}

/**
 * `file` with what a read gives past the bytes asked for kept for the next
 * read, peek or readline: CPython's Unpickler keeps such bytes in its
 * buffer, so that its next `load` goes on from there (Python files give no
 * more than asked; some JS objects standing in for them do).
 *
 * @example
 * ```ts
 * const f = keepingExcess({ read: () => twoPickles });
 * ```
 */
export function keepingExcess(file: PickleReadable): PickleReadable {
  let rest: Uint8Array = new Uint8Array(0);
  const cut = (b: Uint8Array, n: number): Uint8Array => {
    // (what is not bytes goes on to be refused where the read is taken)
    if (!(b instanceof Uint8Array) || b.length <= n) return b;
    rest = b.subarray(n);
    return b.subarray(0, n);
  };
  const kept: PickleReadable = {
    read(n) {
      if (rest.length === 0) {
        const b = file.read(n);
        return isPromise(b) ? b.then((x) => cut(x, n)) : cut(b, n);
      }
      // (a short read: readN reads on for the rest)
      const b = rest.subarray(0, n);
      rest = rest.subarray(b.length);
      return b;
    },
  };
  if (typeof file.readline === "function") {
    const readline = file.readline.bind(file);
    kept.readline = () => {
      if (rest.length === 0) return readline();
      const nl = rest.indexOf(0x0a);
      const head = rest.subarray(0, nl < 0 ? rest.length : nl + 1);
      rest = rest.subarray(head.length);
      if (nl >= 0) return head;
      const tail = readline();
      return isPromise(tail) ? tail.then((t) => Buffer.concat([head, t])) : Buffer.concat([head, tail]);
    };
  }
  if (typeof file.peek === "function") {
    const peek = file.peek.bind(file);
    kept.peek = (n) => (rest.length > 0 ? rest : peek(n));
  }
  return kept;
}

/** How far ahead `load` peeks for a whole pickle in a file with `peek`. */
const PEEK_SIZE = 64 * 1024;

/** Reads exactly one pickle's bytes from `file`; synchronous when the file is. */
export function readOnePickle(file: PickleReadable | Readable): Uint8Array | Promise<Uint8Array> {
  const f: PickleReadable = file instanceof Readable ? streamFile(file) : file;
  return typeof f.peek === "function" ? readPeeking(f, []) : scanFile(f);
}

/**
 * Reads a pickle from a file with `peek`, after the bytes of it in
 * `chunks`: the opcodes that lie whole in the peeked bytes in one read at a
 * time, all of a pickle that lies there in one; from an opcode that does
 * not (one past what is peeked, a FRAME, one not known), as without `peek`.
 */
function readPeeking(f: PickleReadable, chunks: Uint8Array[]): Uint8Array | Promise<Uint8Array> {
  for (;;) {
    const view = f.peek!(PEEK_SIZE);
    const done = isPromise(view) ? view.then((v) => readPeeked(f, chunks, v) ?? readPeeking(f, chunks)) : readPeeked(f, chunks, view);
    if (done !== undefined) return done;
  }
}

/** One step of readPeeking over the peeked `view`: the pickle's bytes, or undefined when it is to peek again. */
function readPeeked(f: PickleReadable, chunks: Uint8Array[], peeked: unknown): Uint8Array | Promise<Uint8Array> | undefined {
  // (a peek that gives other than bytes shows nothing: the reads tell what is wrong)
  const view = peeked instanceof Uint8Array ? peeked : EMPTY;
  if (chunks.length === 0) {
    const n = wholePickleLength(view);
    if (n > 0) return readN(f, n);
  }
  const q = walkOps(view, 0);
  if (q === 0) {
    const rest = scanFile(f);
    return isPromise(rest) ? rest.then((r) => concat([...chunks, r])) : concat([...chunks, rest]);
  }
  const want = q < view.length && view[q] === 0x2e ? q + 1 : q;
  const got = readN(f, want);
  // (a read shorter than what was peeked is the end: the machine tells what is missing)
  if (isPromise(got)) {
    return got.then((b) => {
      chunks.push(b);
      return want > q || b.length < want ? concat(chunks) : readPeeking(f, chunks);
    });
  }
  chunks.push(got);
  return want > q || got.length < want ? concat(chunks) : undefined;
}

/** The little-endian unsigned 4-byte length at `p`. */
function uint32At(b: Uint8Array, p: number): number {
  return (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24)) >>> 0;
}

/** The little-endian 8-byte length at `p` (past 2 ** 63 negative, which the callers refuse like any oddity). */
function uint64At(b: Uint8Array, p: number): number {
  return (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16)) + b[p + 3]! * 2 ** 24 + (b[p + 4]! | (b[p + 5]! << 8) | (b[p + 6]! << 16) | (b[p + 7]! << 24)) * 2 ** 32;
}

/**
 * The length of the pickle at the start of `b` when `b` holds all of it,
 * through its STOP; -1 when it needs more bytes, or when its bytes stop
 * making sense (scanOnePickle then reads it and the machine reports the
 * error). The same walk as scanOnePickle's, over bytes in memory: a FRAME's
 * opcodes simply follow its header.
 */
function wholePickleLength(b: Uint8Array): number {
  const n = b.length;
  let p = 0;
  // where the last FRAME ends: a STOP before it still takes the whole frame, as CPython reads it
  let frameEnd = 0;
  for (;;) {
    p = walkOps(b, p);
    if (p >= n) return -1;
    const op = b[p++]!;
    if (op === 0x2e) return frameEnd <= n ? Math.max(p, frameEnd) : -1;
    // (an opcode past what was peeked, or one not known, is left to scanOnePickle)
    if (op !== 0x95 || p + 8 > n) return -1;
    frameEnd = p + 8 + uint64At(b, p);
    if (frameEnd < p + 8) return -1;
    p += 8;
  }
}

/** Reads one pickle from `f` as scanOnePickle asks, synchronously until a read must wait. */
function scanFile(f: PickleReadable): Uint8Array | Promise<Uint8Array> {
  const gen = scanOnePickle();
  let r = gen.next();
  while (r.done !== true) {
    const req = r.value;
    const next = req === "line" ? readLine(f) : readN(f, req);
    if (!(next instanceof Uint8Array)) return continueAsync(gen, next, f);
    r = gen.next(next);
  }
  return concat(r.value);
}

async function continueAsync(gen: Generator<Request, Uint8Array[], Uint8Array>, pending: Promise<Uint8Array>, f: PickleReadable): Promise<Uint8Array> {
  let r = gen.next(await pending);
  while (r.done !== true) {
    const req = r.value;
    const got = req === "line" ? readLine(f) : readN(f, req);
    r = gen.next(isPromise(got) ? await got : got);
  }
  return concat(r.value);
}

function concat(chunks: Uint8Array[]): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  const n = chunks.reduce((s, c) => s + c.length, 0);
  // (every byte is written below)
  const out = Buffer.allocUnsafeSlow(n);
  let p = 0;
  for (const c of chunks) {
    out.set(c, p);
    p += c.length;
  }
  return out;
}

/** Writes `data` to a file; resolves when a Writable has taken it, or returns what a Python-like write returns. */
export function writeAll(file: PickleWritable | Writable, data: Uint8Array): Promise<void> | undefined {
  if (file instanceof Writable) {
    return new Promise<void>((resolve, reject) => {
      file.write(data, (err) => {
        if (err) reject(err);
        else resolve();
      });
    });
  }
  const r = file.write(data);
  if (isPromise(r)) return r.then(() => undefined);
  return undefined;
}
