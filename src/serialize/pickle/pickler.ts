/**
 * Pickling: `dumps`, `dump` and the `Pickler` class, as Python's.
 */
import type { Writable } from "node:stream";
import { OverflowError, PyTypeError, ValueError } from "../../sockets/errors.js";
import { PicklingError } from "./_errors.js";
import { describe } from "./_globals.js";
import { writeAll, type AsyncWritable, type DumpResult, type PickleWritable, type SyncWritable } from "./_files.js";
import type { ReduceValue } from "./_reduce.js";
import { Memo, newBuffer, Saver, type SaveConfig } from "./_save.js";
import { StrMemo } from "./_strmemo.js";
import { keepFreedHeap } from "../../sockets/_heap.js";
import type { PickleBuffer } from "./_values.js";

/**
 * The highest protocol this module writes and reads (5, Python 3.8+).
 *
 * @example
 * ```ts
 * dumps(value, HIGHEST_PROTOCOL);
 * ```
 */
export const HIGHEST_PROTOCOL = 5;
/**
 * The protocol `dumps` uses when none is given (4, as CPython 3.8–3.13).
 *
 * @example
 * ```ts
 * dumps(null)[1] === DEFAULT_PROTOCOL; // true
 * ```
 */
export const DEFAULT_PROTOCOL = 4;

/**
 * Python's keyword arguments of `pickle.dumps` / `Pickler`.
 *
 * @example
 * ```ts
 * dumps(new PickleBuffer(data), 5, { buffer_callback: (b) => { sent.push(b); } });
 * ```
 */
export interface DumpOptions {
  /** Write Python 3 module names as Python 2's at protocols 0–2. @default true */
  fix_imports?: boolean;
  /** Protocol 5: called with each PickleBuffer; a falsy return sends it out of band. */
  buffer_callback?: ((buffer: PickleBuffer) => unknown) | null;
}

/**
 * A protocol as `dumps`, `dump` and `Pickler` take it: an int (a bigint or a
 * bool, as Python's int and bool), negative for the highest, null for the default.
 *
 * @example
 * ```ts
 * const p: Protocol = -1; // HIGHEST_PROTOCOL
 * ```
 */
export type Protocol = number | bigint | boolean | null;

/** The protocol Python's pickle takes `protocol` for (an int: a bool is one, as in Python), with its errors. */
function protocolOf(protocol: Protocol | undefined): number {
  if (protocol === undefined || protocol === null) return DEFAULT_PROTOCOL;
  let p: number;
  if (typeof protocol === "boolean") p = protocol ? 1 : 0;
  else if (typeof protocol === "bigint") {
    if (protocol > 2n ** 63n - 1n || protocol < -(2n ** 63n)) throw new OverflowError("Python int too large to convert to C long");
    p = Number(protocol);
  } else if (typeof protocol === "number" && Number.isInteger(protocol)) p = protocol;
  else throw new PyTypeError(`'${describe(protocol)}' object cannot be interpreted as an integer`);
  if (p < 0) return HIGHEST_PROTOCOL;
  if (p > HIGHEST_PROTOCOL) throw new ValueError(`pickle protocol must be <= ${HIGHEST_PROTOCOL}`);
  return p;
}

// the buffer dumps writes into (a reducer may call dumps inside dumps: it then gets its own)
let scratch: Buffer | undefined;
let scratchSize = 1 << 16;
let scratchInUse = false;

/** Pickles this big are handed out in the buffer they were written in, when it fits them closely. */
const HAND_OUT_MIN = 1 << 16;
/** The largest buffer made ahead for the next dumps (uninitialized memory costs nothing until written). */
const SCRATCH_MAX = 1 << 26;

function run(obj: unknown, cfg: SaveConfig, memo: Memo): Uint8Array {
  const own = !scratchInUse;
  const saver = new Saver(cfg, memo, own ? (scratch ??= newBuffer(scratchSize)) : newBuffer(256));
  if (own) scratchInUse = true;
  try {
    if (cfg.protocol >= 2) {
      saver.ensure(2);
      saver.buf[saver.pos++] = 0x80;
      saver.buf[saver.pos++] = cfg.protocol;
    }
    if (cfg.protocol >= 4) saver.startFraming();
    saver.save(obj);
    saver.byte(0x2e);
    saver.commitFrame();
  } catch (e) {
    if (e instanceof RangeError && /call stack/i.test(e.message)) throw new PicklingError("maximum recursion depth exceeded while pickling an object", { cause: e });
    throw e;
  } finally {
    if (own) scratchInUse = false;
  }
  return own ? handOut(saver.buf, saver.pos) : Buffer.from(saver.buf.subarray(0, saver.pos));
}

/**
 * The pickle written into `buf[0, n)`, as a Buffer of its own. A big one is
 * the written buffer itself when that is at most 1/8 larger (the rest
 * zeroed, so nothing stale shows through `.buffer`), and the next dumps
 * writes into a new buffer sized for a pickle like it: copying the pickle
 * into fresh memory had cost a third of a `dumps` of 10,000 records. (With
 * glibc keeping the memory freed, see keepFreedHeap, handing out and
 * copying out measure alike: 0.96-1.02x, three runs of 40 pairs of turns.)
 * Small pickles are copied out, and their buffer is kept for the next dumps.
 */
function handOut(buf: Buffer, n: number): Buffer {
  if (n < HAND_OUT_MIN) {
    scratch = buf;
    return Buffer.from(buf.subarray(0, n));
  }
  scratch = undefined;
  // the pickles handed out are freed at GCs, many at a time: their memory is then reused, not faulted in afresh
  keepFreedHeap();
  scratchSize = Math.min(Math.ceil((n + (n >> 4)) / 4096) * 4096, SCRATCH_MAX);
  if (buf.length - n > buf.length >> 3) return Buffer.from(buf.subarray(0, n));
  buf.fill(0, n);
  return Buffer.from(buf.buffer, buf.byteOffset, n);
}

function configOf(protocol: Protocol | undefined, options: DumpOptions | undefined): SaveConfig {
  const p = protocolOf(protocol);
  const cb = options?.buffer_callback ?? undefined;
  if (cb !== undefined && p < 5) throw new ValueError("buffer_callback needs protocol >= 5");
  return { protocol: p, fixImports: options?.fix_imports ?? true, bufferCallback: cb, persistentId: undefined, reducerOverride: undefined, dispatchTable: undefined, fast: false };
}

/**
 * Python's `pickle.dumps`: the pickle of `obj` as bytes (a Buffer of its
 * own; as with Node's pooled Buffers, a big one's `.buffer` may run on past
 * it, holding zeros). See the module doc for how JS values map to Python's.
 *
 * @example
 * ```ts
 * dumps({ a: [1, 2] }, 2); // <Buffer 80 02 7d 71 00 58 01 00 00 00 61 ...>
 * ```
 */
export function dumps(obj: unknown, protocol?: Protocol, options?: DumpOptions): Uint8Array {
  if (scratchInUse) return run(obj, configOf(protocol, options), new Memo());
  const memo = reusableMemo();
  try {
    return run(obj, configOf(protocol, options), memo);
  } finally {
    memo.recycle();
  }
}

/**
 * One memo reused by `dumps`, its tables kept between calls (growing them
 * afresh was most of the cost of a large dumps). It is held weakly: the
 * objects it still refers to between calls are let go at the next full
 * garbage collection, with the memo. Its table of strs, emptied after each
 * call, refers to nothing and is kept for good.
 */
let scratchMemo: WeakRef<Memo> | undefined;
const scratchStrings = new StrMemo();

function reusableMemo(): Memo {
  let memo = scratchMemo?.deref();
  if (memo === undefined) {
    memo = new Memo(scratchStrings, true);
    scratchMemo = new WeakRef(memo);
  }
  return memo;
}

/**
 * Python's `pickle.dump`: writes the pickle of `obj` to a file (an object
 * with `write`, or a Node Writable); returns a Promise when writing is async.
 *
 * @example
 * ```ts
 * await dump({ a: 1 }, sockfile, 4);
 * ```
 */
export function dump(obj: unknown, file: Writable | AsyncWritable, protocol?: Protocol, options?: DumpOptions): Promise<void>;
export function dump(obj: unknown, file: SyncWritable, protocol?: Protocol, options?: DumpOptions): undefined;
export function dump(obj: unknown, file: PickleWritable | Writable, protocol?: Protocol, options?: DumpOptions): Promise<void> | undefined;
export function dump(obj: unknown, file: PickleWritable | Writable, protocol?: Protocol, options?: DumpOptions): Promise<void> | undefined {
  return new Pickler<PickleWritable | Writable>(file, protocol, options).dump(obj);
}

/**
 * Python's `pickle.Pickler`: writes pickles to a file, keeping its memo
 * across `dump` calls (until `clear_memo()`). Override `persistent_id` or
 * `reducer_override`, or set `dispatch_table`, as in Python.
 *
 * @example
 * ```ts
 * const chunks: Uint8Array[] = [];
 * new Pickler({ write: (b) => chunks.push(b) }, 2).dump([1, 2, 3]);
 * ```
 */
export class Pickler<F extends PickleWritable | Writable = PickleWritable | Writable> {
  /** Reducers by constructor, as Python's `copyreg`-style dispatch_table. */
  dispatch_table: Map<unknown, (obj: never) => ReduceValue> | undefined = undefined;
  /**
   * Python's (deprecated) fast mode: nothing is memoized, so no PUT or GET
   * is written and a shared object is written again each time it is met;
   * a cyclic value is refused (`ValueError`). Smaller, quicker pickles of
   * values without shared parts.
   *
   * @example
   * ```ts
   * const p = new Pickler(file, 4);
   * p.fast = true;
   * p.dump(records);
   * ```
   */
  fast = false;
  readonly #file: F;
  readonly #cfg: SaveConfig;
  readonly #memo = new Memo();

  /** Checks `file` and the options now, as Python's constructor does. */
  constructor(file: F, protocol?: Protocol, options?: DumpOptions) {
    if (typeof (file as { write?: unknown } | null)?.write !== "function") throw new PyTypeError("file must have a 'write' attribute");
    this.#file = file;
    this.#cfg = configOf(protocol, options);
  }

  /** The protocol this Pickler writes. */
  get protocol(): number {
    return this.#cfg.protocol;
  }

  /**
   * Python's `persistent_id`: return a non-null id to pickle `obj` by
   * reference (PERSID/BINPERSID); `undefined`/`null` pickles it as usual.
   */
  persistent_id(_obj: unknown): unknown {
    return undefined;
  }

  /** Python's `reducer_override`: a reduce value for `obj`, or `undefined` to pickle it as usual. */
  reducer_override(_obj: unknown): ReduceValue | undefined {
    return undefined;
  }

  /** Forgets what has been pickled, so later dumps do not refer back to it. */
  clear_memo(): void {
    this.#memo.clear();
  }

  /** Writes the pickle of `obj` to the file; a Promise when the file's write is async. */
  dump(obj: unknown): DumpResult<F> {
    const cfg: SaveConfig = {
      ...this.#cfg,
      persistentId: this.persistent_id === Pickler.prototype.persistent_id ? undefined : (o) => this.persistent_id(o),
      reducerOverride: this.reducer_override === Pickler.prototype.reducer_override ? undefined : (o) => this.reducer_override(o),
      dispatchTable: this.dispatch_table,
      fast: this.fast,
    };
    return writeAll(this.#file, run(obj, cfg, this.#memo)) as DumpResult<F>;
  }
}
