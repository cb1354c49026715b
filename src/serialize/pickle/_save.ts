/**
 * The pickling engine: writes a value's opcodes into a growing byte buffer,
 * with CPython's choices (the C `_pickle` module's): the same opcodes, memo
 * and batching (1000 items per APPENDS/SETITEMS/ADDITEMS), and at protocols
 * 4–5 the same framing (a frame is closed once it holds 64 KiB; payloads of
 * 64 KiB or more are written outside frames).
 */
import { toPython2 } from "./_compat.js";
import { PicklingError } from "./_errors.js";
import { INT_MAX_STR_DIGITS, encodeLong, intDigitsMessage, putLong } from "./_ints.js";
import { PyTypeError, ValueError } from "../../sockets/errors.js";
import { repr, type Reprable } from "../../sockets/repr.js";
import { latin1 } from "../../sockets/_decode.js";
import { encodeRawUnicodeEscape, encodeUtf8Into, encodeUtf8Some, floatRepr, isWellFormed } from "./_text.js";
import { SUBTYPE, Global, PickleBuffer, PyFloat, Tuple, bytearray, frozenset, pyTypeName, toTuple } from "./_values.js";
import { hasReducer, saveObject, type ReduceValue } from "./_reduce.js";
import { StrMemo } from "./_strmemo.js";
import { IdentityMemo } from "./_idmemo.js";

/** An object that may be a Tuple, bytearray or PyFloat (see SUBTYPE). */
type Subtyped = { [SUBTYPE]?: string };

const FRAME_SIZE_TARGET = 64 * 1024;
/** The smallest int with more decimal digits than CPython writes as text (told without writing it). */
const SMALLEST_TOO_LONG = 10n ** BigInt(INT_MAX_STR_DIGITS);
const FRAME_SIZE_MIN = 4;
const FRAME_HEADER_SIZE = 9;
const BATCHSIZE = 1000;
/**
 * The most bytes one value written in place takes (see Saver.saveValue): a
 * str of 85 characters (255 bytes of UTF-8) or bytes of 255, with header
 * and memo opcode.
 */
const INLINE_ROOM = 288;
/** In fast mode, lists and dicts nested deeper than this are checked for cycles (CPython's FAST_NESTING_LIMIT). */
const FAST_NESTING_LIMIT = 50;
/** The places (the first keys of a plain object) whose keys are remembered for the next object (Saver.saveItem). */
const KEY_PLACES = 32;
const NO_KEYS: readonly string[] = Array.from({ length: KEY_PLACES }, () => "");
const NO_KEY_MEMO: readonly number[] = Array.from({ length: KEY_PLACES }, () => -1);
/** Nesting deeper than this is refused (CPython's default recursion limit is 1000). */
export const MAX_DEPTH = 1000;

const utf8 = new TextEncoder();

/**
 * `buf.set(src, at)` by TypedArray's method itself: Buffer's prototype keeps
 * its properties in a dictionary, so optimized code looked `set` up on a
 * Buffer with a generic inline-cache call (2% of the records' `dumps`).
 */
function setAt(buf: Uint8Array, src: Uint8Array, at: number): void {
  Uint8Array.prototype.set.call(buf, src, at);
}

/** Whether `x` is a JS number that pickles as an int32 (not -0, which is a float). */
function isInt32(x: unknown): x is number {
  return typeof x === "number" && (x | 0) === x && (x !== 0 || 1 / x > 0);
}

/** Writes BININT1, BININT2 or BININT for int32 `x` at `p` (room for 5 bytes assumed); returns the position after it. */
function putInt32(buf: Uint8Array, p: number, x: number): number {
  if (x >= 0 && x <= 0xff) {
    buf[p] = 0x4b;
    buf[p + 1] = x;
    return p + 2;
  }
  if (x >= 0 && x <= 0xffff) {
    buf[p] = 0x4d;
    buf[p + 1] = x & 0xff;
    buf[p + 2] = x >> 8;
    return p + 3;
  }
  buf[p] = 0x4a;
  buf[p + 1] = x & 0xff;
  buf[p + 2] = (x >> 8) & 0xff;
  buf[p + 3] = (x >> 16) & 0xff;
  buf[p + 4] = x >>> 24;
  return p + 5;
}

/** Writes a binary memo opcode (BINPUT/BINGET for an index below 256, else the LONG_ form) at `p` (room for 5 bytes assumed); returns the position after it. */
function putMemoOp(buf: Uint8Array, p: number, short: number, long: number, idx: number): number {
  if (idx < 256) {
    buf[p] = short;
    buf[p + 1] = idx;
    return p + 2;
  }
  buf[p] = long;
  buf[p + 1] = idx & 0xff;
  buf[p + 2] = (idx >>> 8) & 0xff;
  buf[p + 3] = (idx >>> 16) & 0xff;
  buf[p + 4] = idx >>> 24;
  return p + 5;
}

/** Settings of one Pickler (and its memo, kept across dumps as in Python). */
export interface SaveConfig {
  protocol: number;
  fixImports: boolean;
  bufferCallback: ((buffer: PickleBuffer) => unknown) | undefined;
  persistentId: ((obj: unknown) => unknown) | undefined;
  reducerOverride: ((obj: unknown) => ReduceValue | undefined) | undefined;
  dispatchTable: ReadonlyMap<unknown, (obj: never) => ReduceValue> | undefined;
  /** Python's `Pickler.fast`: no memo at all (no PUT, no GET), cycles refused. */
  fast: boolean;
}

/** The pickler's memo: objects by identity, str by value (as CPython when equal strs are one object; see StrMemo for how far back). */
export class Memo {
  readonly objects: IdentityMemo;
  globals = new Map<string, number>();
  /**
   * Bytes of length 0 and 1 by value (index 256: b'', else the byte): in
   * CPython each is one object however it was made, so a second one is a
   * GET of the first. -1: not memoized.
   */
  smallBytes = new Int32Array(257).fill(-1);
  size = 0;
  /**
   * `strings` may be shared with later memos: emptied, it refers to nothing
   * of the user's. `recycled`: the memo is emptied with `recycle`, and its
   * uses list their objects for the next to follow (see IdentityMemo).
   */
  constructor(
    readonly strings: StrMemo = new StrMemo(),
    recycled = false,
  ) {
    this.objects = new IdentityMemo(recycled);
  }
  /** Empties the memo (Python's `clear_memo`). */
  clear(): void {
    this.objects.clear();
    this.strings.clear();
    this.globals.clear();
    this.smallBytes.fill(-1);
    this.size = 0;
  }
  /** Empties the memo but keeps its tables for the next `dumps` (see IdentityMemo.recycle). */
  recycle(): void {
    this.objects.recycle();
    this.strings.clear();
    this.globals.clear();
    this.smallBytes.fill(-1);
    this.size = 0;
  }
}

/**
 * Python's truth of a value as stdnet maps it (what `if x:` says): None,
 * False, zero, and empty str, bytes, list, tuple, dict and set are false;
 * a float NaN, as every other value, is true.
 */
function pyTruth(v: unknown): boolean {
  if (v === null || v === undefined || v === false) return false;
  if (typeof v === "number") return v !== 0;
  if (typeof v === "bigint") return v !== 0n;
  if (typeof v === "string" || Array.isArray(v) || v instanceof Uint8Array) return v.length > 0;
  if (v instanceof Map || v instanceof Set) return v.size > 0;
  if (v instanceof PyFloat) return v.valueOf() !== 0;
  if (typeof v === "object" && Object.getPrototypeOf(v) === Object.prototype) {
    for (const k in v) if (Object.prototype.hasOwnProperty.call(v, k)) return true;
    return false;
  }
  return true;
}

/** Python's str() of a persistent id that is a str, a number, a bool, None or a tuple of them; undefined for others. */
function pidText(pid: unknown): string | undefined {
  if (typeof pid === "string") return pid;
  if (pid instanceof PyFloat) return repr(pid.valueOf(), { float: true });
  if (pid === null || typeof pid === "number" || typeof pid === "bigint" || typeof pid === "boolean") return repr(pid);
  if (pid instanceof Tuple && pid.every((x) => x === null || ["string", "number", "bigint", "boolean"].includes(typeof x))) return repr(pid as Reprable);
  return undefined;
}

/**
 * A buffer for a Saver to write in: uninitialized (nothing is read before it
 * is written), and always a Buffer, so that the compiled code's every access
 * to it meets one kind of typed array (a Buffer and a Uint8Array differ, and
 * each access then tested for both).
 */
export function newBuffer(n: number): Buffer {
  return Buffer.allocUnsafeSlow(n);
}

/** The prototypes of the values CPython saves by their exact type, before any reducer (dict: see isExactBuiltin). */
const EXACT_PROTOTYPES: ReadonlySet<unknown> = new Set<unknown>([
  Array.prototype,
  Tuple.prototype,
  Uint8Array.prototype,
  Buffer.prototype,
  bytearray.prototype,
  Map.prototype,
  Set.prototype,
  frozenset.prototype,
  PickleBuffer.prototype,
]);

/** Whether `obj` is exactly one of the built-in value types (a plain object without a reducer is a dict), or stdnet's own stand-in for one. */
function isExactBuiltin(obj: object): boolean {
  const proto: unknown = Object.getPrototypeOf(obj);
  if (proto === Object.prototype) return !hasReducer(obj);
  return EXACT_PROTOTYPES.has(proto) || obj instanceof FreshStr || obj instanceof FreshBytes;
}

/** Whether `obj` is a list, tuple, bytes, dict or set of a subclass (saved as its base without a reducer of its own). */
function isContainer(obj: object): boolean {
  return Array.isArray(obj) || obj instanceof Uint8Array || obj instanceof Map || obj instanceof Set;
}

/** An iterator over a reducer's listitems or dictitems (any iterable; PicklingError, as CPython, for what is not). */
function iteratorOf(items: unknown, nth: "fourth" | "fifth"): Iterator<unknown> {
  const iterate = (items as { [Symbol.iterator]?: unknown })[Symbol.iterator];
  if (typeof items === "string" || typeof iterate !== "function") throw new PicklingError(`${nth} element of the tuple returned by __reduce__ must be an iterator, not ${pyTypeName(items)}`);
  return (iterate as () => Iterator<unknown>).call(items);
}

/** The key of bytes `obj` in Memo.smallBytes when it is bytes (not a bytearray) of length 0 or 1, else -1. */
function smallBytesKey(obj: object): number {
  if (!(obj instanceof Uint8Array) || obj.length > 1 || obj instanceof bytearray || obj instanceof FreshBytes) return -1;
  return obj.length === 0 ? 256 : obj[0]!;
}

export class Saver {
  /** Always a Buffer (see newBuffer). */
  buf: Buffer;
  dv: DataView;
  pos = 0;
  readonly proto: number;
  readonly bin: boolean;
  /** Whether frames are written (protocols 4-5; see startFraming), and where the open one starts (-1: none). */
  private framing = false;
  private frameStart = -1;
  depth = 0;
  /**
   * The position below which a value may be written in place (see
   * inlineLimit): computed again wherever the buffer, the framing or the
   * open frame changes, not for each value.
   */
  private limit: number;
  /** Python's `Pickler.fast`: nothing memoized (memoize() writes nothing and gives -1); what an earlier dump memoized is still fetched. */
  readonly fast: boolean;
  /** Whether items of lists and dicts may be written in place (saveValue): a binary protocol, the memo on, no persistent_id. */
  private readonly inline: boolean;
  /** Whether `reducer_override` or `dispatch_table` is set: both are asked about subclasses of the built-in types. */
  private readonly hooks: boolean;
  /** Fast mode: lists and dicts being saved, and those of them past FAST_NESTING_LIMIT (to find a cycle). */
  private fastNest = 0;
  private readonly fastPath = new Set<object>();
  /** The memo indexes of the global `_codecs.encode` and the str 'latin1' once saveBytesCodecs has written them. */
  private codecsMemo = -1;
  private latin1Memo = -1;

  constructor(
    readonly cfg: SaveConfig,
    readonly memo: Memo,
    initial: Buffer,
  ) {
    this.buf = initial;
    this.dv = new DataView(initial.buffer, initial.byteOffset, initial.byteLength);
    this.proto = cfg.protocol;
    this.bin = cfg.protocol >= 1;
    this.fast = cfg.fast;
    this.inline = this.bin && !cfg.fast && cfg.persistentId === undefined;
    this.hooks = cfg.reducerOverride !== undefined || cfg.dispatchTable !== undefined;
    this.limit = this.inlineLimit();
  }

  /** Writes frames from here on (protocols 4-5). */
  startFraming(): void {
    this.framing = true;
    this.limit = this.inlineLimit();
  }

  /** Makes room for `n` more bytes (and opens a frame when one is due). */
  ensure(n: number): void {
    if (this.framing && this.frameStart < 0) {
      this.frameStart = this.pos;
      n += FRAME_HEADER_SIZE;
      this.grow(n);
      this.pos += FRAME_HEADER_SIZE;
      this.limit = this.inlineLimit();
      return;
    }
    if (this.pos + n > this.buf.length) this.grow(n);
  }

  private grow(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.pos + n) cap *= 2;
    // a Buffer, as every buffer a Saver writes in (see newBuffer)
    const next = newBuffer(cap);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.dv = new DataView(next.buffer);
    this.limit = this.inlineLimit();
  }

  byte(b: number): void {
    // below the in-place limit there is room, and no frame is due to open
    if (this.pos >= this.limit) this.ensure(1);
    this.buf[this.pos++] = b;
  }

  /** Writes `s` (protocol 0's text: ASCII, but for what a GLOBAL may name) as UTF-8. */
  text(s: string): void {
    const n = s.length;
    this.ensure(n);
    const buf = this.buf;
    const start = this.pos;
    // byte by byte: an encoder's call and fresh memory for each opcode's few bytes made protocol 0 14x slower than CPython's
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) {
        const b = utf8.encode(s);
        this.ensure(b.length);
        this.buf.set(b, start);
        this.pos = start + b.length;
        return;
      }
      buf[start + i] = c;
    }
    this.pos = start + n;
  }

  /** Closes the open frame: writes its FRAME header, or drops the header room when under 4 bytes. */
  commitFrame(): void {
    if (!this.framing || this.frameStart < 0) return;
    const start = this.frameStart;
    const len = this.pos - start - FRAME_HEADER_SIZE;
    if (len >= FRAME_SIZE_MIN) {
      this.buf[start] = 0x95;
      this.dv.setUint32(start + 1, len % 4294967296, true);
      this.dv.setUint32(start + 5, Math.floor(len / 4294967296), true);
    } else {
      this.buf.copyWithin(start, start + FRAME_HEADER_SIZE, this.pos);
      this.pos -= FRAME_HEADER_SIZE;
    }
    this.frameStart = -1;
    this.limit = this.inlineLimit();
  }

  /** Before each value is saved: a frame that reached 64 KiB is closed. */
  boundary(): void {
    if (this.frameStart >= 0 && this.pos - this.frameStart - FRAME_HEADER_SIZE >= FRAME_SIZE_TARGET) this.commitFrame();
  }

  /** Writes an opcode header and a payload; a payload of 64 KiB or more goes outside any frame. */
  headerAndPayload(header: Uint8Array, headerLen: number, payload: Uint8Array): void {
    this.unframedIfLarge(payload.length, () => {
      this.ensure(headerLen + payload.length);
      this.buf.set(header.subarray(0, headerLen), this.pos);
      this.pos += headerLen;
      this.buf.set(payload, this.pos);
      this.pos += payload.length;
    });
  }

  /**
   * Runs `write`, which writes an opcode whose payload is `n` bytes: one of
   * 64 KiB or more goes outside any frame, the open one closed first (as
   * CPython writes a large payload).
   */
  private unframedIfLarge(n: number, write: () => void): void {
    if (n < FRAME_SIZE_TARGET) {
      write();
      return;
    }
    const framing = this.framing;
    this.commitFrame();
    this.framing = false;
    write();
    this.framing = framing;
    this.limit = this.inlineLimit();
  }

  /** Writes the memo opcode for the object just saved and returns its index (-1 and nothing written in fast mode). */
  memoize(): number {
    if (this.fast) return -1;
    const idx = this.memo.size++;
    if (this.proto >= 4) this.byte(0x94);
    else if (this.bin) {
      this.ensure(5);
      this.pos = putMemoOp(this.buf, this.pos, 0x71, 0x72, idx);
    } else this.text(`p${idx}\n`);
    return idx;
  }

  get(idx: number): void {
    if (this.bin) {
      this.ensure(5);
      this.pos = putMemoOp(this.buf, this.pos, 0x68, 0x6a, idx);
    } else this.text(`g${idx}\n`);
  }

  /** A GET standing for a value whose memo index is known: what `save` writes for it, frame boundary included. */
  private saveGet(idx: number): void {
    this.boundary();
    this.get(idx);
  }

  /** Saves `obj`; `persSave` for a persistent id itself, which is not offered to persistent_id again (as CPython). */
  save(obj: unknown, persSave = false): void {
    this.boundary();
    const pid = this.cfg.persistentId;
    if (pid !== undefined && !persSave) {
      const id = pid(obj);
      if (id !== undefined && id !== null) {
        this.savePersistent(id);
        return;
      }
    }
    if (typeof obj === "string") this.saveMemoStr(obj);
    else if (typeof obj === "number") {
      if (Number.isSafeInteger(obj) && !Object.is(obj, -0)) this.saveInt(obj);
      else this.saveFloat(obj);
    } else if (typeof obj === "object") {
      if (obj === null) this.byte(0x4e);
      // Array.isArray and ArrayBuffer.isView read V8's instance type; instanceof and
      // Object.getPrototypeOf, which the other types need, are calls into V8
      else if (Array.isArray(obj) || ArrayBuffer.isView(obj) || !(obj instanceof PyFloat)) {
        let idx = this.memo.objects.get(obj);
        if (idx === undefined && ArrayBuffer.isView(obj) && obj.byteLength <= 1) idx = this.smallBytesMemo(obj);
        if (idx !== undefined) this.get(idx);
        else {
          if (++this.depth > MAX_DEPTH) throw new PicklingError("maximum recursion depth exceeded while pickling an object");
          this.saveObj(obj);
          this.depth--;
        }
      } else this.saveFloat(obj.valueOf());
    } else if (typeof obj === "boolean") {
      if (this.proto >= 2) this.byte(obj ? 0x88 : 0x89);
      else this.text(obj ? "I01\n" : "I00\n");
    } else if (typeof obj === "bigint") this.saveBigInt(obj);
    else if (obj === undefined) this.byte(0x4e);
    else throw new PicklingError(`cannot pickle '${typeof obj}' object`);
  }

  /** The memo index of bytes of length 0 or 1 equal to `obj`, or undefined (see Memo.smallBytes). */
  private smallBytesMemo(obj: object): number | undefined {
    const key = smallBytesKey(obj);
    const idx = key < 0 ? -1 : this.memo.smallBytes[key]!;
    return idx < 0 ? undefined : idx;
  }

  private saveObj(obj: object): void {
    const cfg = this.cfg;
    // as CPython: reducer_override and dispatch_table are for objects that are not exactly one of the
    // built-in types (whose own saving comes first); a subclass of a container with a reducer goes by it
    // (without either, a list or bytes subclass is saved as its base, where the hot path does not look)
    if ((cfg.reducerOverride !== undefined || cfg.dispatchTable !== undefined) && !isExactBuiltin(obj)) {
      if (cfg.reducerOverride !== undefined) {
        const rv = cfg.reducerOverride(obj);
        if (rv !== undefined) {
          this.saveReduce(rv, obj);
          return;
        }
      }
      if (cfg.dispatchTable?.has(obj.constructor) === true || (isContainer(obj) && hasReducer(obj))) {
        saveObject(this, obj);
        return;
      }
    }
    // the cheap tests first (see save): lists and bytes never meet the plain-dict test
    if (Array.isArray(obj)) {
      if (obj instanceof Tuple) this.saveTuple(obj);
      else this.saveList(obj);
    } else if (ArrayBuffer.isView(obj) && obj instanceof Uint8Array) {
      if (obj instanceof bytearray) this.saveBytearray(obj, obj);
      else this.saveBytes(obj, obj);
    } else if (Object.getPrototypeOf(obj) === Object.prototype && !hasReducer(obj)) {
      // the usual dict, before the type tests below (saveObject decides the same)
      this.saveDict(obj, obj);
    } else if ((obj instanceof Map || obj instanceof Set) && hasReducer(obj)) saveObject(this, obj);
    else if (obj instanceof Map) this.saveDict(obj, obj);
    else if (obj instanceof Set) {
      if (obj instanceof frozenset) this.saveFrozenset(obj);
      else this.saveSet(obj);
    } else if (obj instanceof Global) this.saveGlobal(obj.module, obj.name, obj);
    else if (obj instanceof PickleBuffer) this.savePickleBuffer(obj);
    else saveObject(this, obj);
  }

  saveInt(x: number): void {
    if (this.bin && x >= -2147483648 && x <= 2147483647) this.writeInt32(x);
    else if (this.proto >= 2) this.writeLong1(x);
    else this.saveBigInt(BigInt(x));
  }

  /** LONG1 of `x` (past int32) when it takes at most 16 bytes; returns false, writing nothing, for a wider one. */
  private writeLong1(x: number | bigint): boolean {
    this.ensure(18);
    const p = this.pos;
    const n = putLong(x, this.dv, p + 2);
    if (n < 0) return false;
    this.buf[p] = 0x8a;
    this.buf[p + 1] = n;
    this.pos = p + 2 + n;
    return true;
  }

  /** BININT1, BININT2 or BININT: an int32 at a binary protocol. */
  private writeInt32(x: number): void {
    if (this.pos + 5 > this.buf.length || (this.framing && this.frameStart < 0)) this.ensure(5);
    this.pos = putInt32(this.buf, this.pos, x);
  }

  /**
   * Saves an item of a list or dict. The usual ones (None, bools, int32s,
   * floats, strs of up to 85 characters, and exact lists, bytes and plain
   * objects) are written in place, with the same opcodes and memo as `save`
   * writes, as long as INLINE_ROOM bytes fit before the buffer's end and the
   * frame's 64 KiB mark; anything else, or near those, goes through `save`.
   * In a list of records this takes each record, and its fields, without
   * `save`'s general dispatch: 1.05-1.17x the `dumps` a second of the bench's
   * records (medians of 30-40 pairs of turns in one process). The opcodes are
   * written here again rather than through saveStr, writeBytes, saveList and
   * saveDict (each making room and checking the frame byte by byte): through
   * those, the records' `dumps` ran at 0.75-0.85x (through saveMemoStr for
   * strs alone, 0.88-0.89x).
   */
  private saveValue(x: unknown): void {
    if (this.inline) {
      const p = this.pos;
      if (p < this.limit) {
        // containers first: they are most of the objects, and the float test walks their prototype chain
        if (typeof x === "object" && x !== null && this.putContainer(x, p)) return;
        const q = this.putScalar(x, p);
        if (q >= 0) {
          this.pos = q;
          return;
        }
      }
    }
    this.save(x);
  }

  /** The position below which INLINE_ROOM bytes fit and no frame is due to close (-1: none, a frame is due to open). */
  private inlineLimit(): number {
    const end = this.buf.length - INLINE_ROOM;
    if (!this.framing) return end;
    if (this.frameStart < 0) return -1;
    // boundary() closes the frame before a value once it holds 64 KiB
    return Math.min(end, this.frameStart + FRAME_HEADER_SIZE + FRAME_SIZE_TARGET);
  }

  /** Writes `x` at `p` as `save` would when it is None, a bool, an int32, a float or a short str; returns the position after it, or -1 (nothing written). */
  private putScalar(x: unknown, p: number): number {
    const buf = this.buf;
    if (typeof x === "string") {
      // a longer one is hashed once, by save
      if (x.length > 85) return -1;
      const strings = this.memo.strings;
      // an ASCII str is copied where its payload goes as it is hashed, and not walked again to encode it
      const at = this.proto >= 4 ? p + 2 : p + 5;
      const idx = strings.getCopying(x, buf, at);
      if (idx >= 0) return putMemoOp(buf, p, 0x68, 0x6a, idx);
      const n = strings.copiedAscii ? x.length : encodeUtf8Into(x, buf, at);
      if (this.proto >= 4) {
        buf[p] = 0x8c;
        buf[p + 1] = n;
        p += 2 + n;
      } else {
        buf[p] = 0x58;
        this.dv.setUint32(p + 1, n, true);
        p += 5 + n;
      }
      const m = this.memo.size++;
      strings.set(x, m);
      return this.putMemoize(p, m);
    }
    let f: number;
    if (typeof x === "number") {
      if (isInt32(x)) return putInt32(buf, p, x);
      // past int32 a LONG (-0 is a float)
      if (Number.isSafeInteger(x) && x !== 0) return -1;
      f = x;
    } else if (typeof x === "object") {
      if (x === null) {
        buf[p] = 0x4e;
        return p + 1;
      }
      if (Array.isArray(x) || ArrayBuffer.isView(x) || !(x instanceof PyFloat)) return -1;
      f = x.valueOf();
    } else if (typeof x === "boolean" && this.proto >= 2) {
      buf[p] = x ? 0x88 : 0x89;
      return p + 1;
    } else return -1;
    buf[p] = 0x47;
    this.dv.setFloat64(p + 1, f, false);
    return p + 9;
  }

  /** Writes the memo opcode of index `m` at `p` (as memoize()); returns the position after it. */
  private putMemoize(p: number, m: number): number {
    if (this.proto >= 4) {
      this.buf[p] = 0x94;
      return p + 1;
    }
    return putMemoOp(this.buf, p, 0x71, 0x72, m);
  }

  /**
   * Saves `x` from `p` on as `save` would when it is a list (an Array but a
   * Tuple), bytes of 2-255 bytes (a Uint8Array but a bytearray; of 2 or more
   * below protocol 3, there `_codecs.encode` as writeBytes writes it) or a
   * plain object without a reducer: a GET when memoized, else its opcode and
   * memo, then its items. With `reducer_override` or `dispatch_table` set,
   * only an exact Array or Uint8Array. Returns false, writing nothing, for
   * any other object.
   */
  private putContainer(x: object, p: number): boolean {
    let kind: "list" | "bytes" | "dict";
    // Told apart by V8's instance type (isArray, isView) and the SUBTYPE mark, which optimized code
    // reads in line, where Object.getPrototypeOf is a call into V8's runtime (it had been 5% of the
    // records' dumps). Without hooks, save writes a subclass of Array but Tuple, or of Uint8Array
    // but bytearray, as its base, as this does; with hooks, only the exact types are written here.
    if (Array.isArray(x)) {
      if ((x as Subtyped)[SUBTYPE] !== undefined || (this.hooks && Object.getPrototypeOf(x) !== Array.prototype)) return false;
      kind = "list";
    } else if (ArrayBuffer.isView(x)) {
      if (!(x instanceof Uint8Array) || (x as Subtyped)[SUBTYPE] !== undefined || (this.hooks && Object.getPrototypeOf(x) !== Uint8Array.prototype)) return false;
      if (x.length <= 1 || (this.proto >= 3 ? x.length > 255 : this.cfg.reducerOverride !== undefined)) return false;
      kind = "bytes";
    } else {
      // hasReducer's test, written here so that its reads have this place's feedback: where they
      // have met plain objects alone, V8 knows their maps and folds Object.getPrototypeOf
      const r = x as Subtyped & { __reduce_ex__?: unknown; __reduce__?: unknown };
      if (r[SUBTYPE] !== undefined || typeof r.__reduce_ex__ === "function" || typeof r.__reduce__ === "function") return false;
      if (Object.getPrototypeOf(x) !== Object.prototype) return false;
      kind = "dict";
    }
    const memo = this.memo;
    const buf = this.buf;
    // below protocol 3, bytes go by their _codecs.encode reduction, which memoizes them after its
    // arguments; and past the depth limit a new object is refused, not memoized
    if ((kind === "bytes" && this.proto < 3) || this.depth >= MAX_DEPTH) {
      const idx = memo.objects.get(x);
      if (idx !== undefined) {
        this.pos = putMemoOp(buf, p, 0x68, 0x6a, idx);
        return true;
      }
      if (this.depth >= MAX_DEPTH) throw new PicklingError("maximum recursion depth exceeded while pickling an object");
      // as writeBytes writes it (making its own room)
      this.saveBytesCodecs(x as Uint8Array, x);
      return true;
    }
    // the memo index it has in this use, or the one it is given now
    const m = memo.size;
    const idx = memo.objects.getOrSet(x, m);
    if (idx >= 0) {
      this.pos = putMemoOp(buf, p, 0x68, 0x6a, idx);
      return true;
    }
    memo.size = m + 1;
    if (kind === "bytes") {
      const b = x as Uint8Array;
      const n = b.length;
      buf[p] = 0x43;
      buf[p + 1] = n;
      p += 2;
      // (set() from 16 bytes: 1.03-1.05x the records' dumps a second of a loop)
      if (n < 16) for (let i = 0; i < n; i++) buf[p + i] = b[i]!;
      else setAt(buf, b, p);
      this.pos = this.putMemoize(p + n, m);
      return true;
    }
    this.depth++;
    buf[p] = kind === "list" ? 0x5d : 0x7d;
    this.pos = this.putMemoize(p + 1, m);
    if (kind === "list") this.appends(x as unknown[]);
    else this.setitemsObject(x as Record<string, unknown>);
    this.depth--;
    return true;
  }

  /**
   * Writes the int32 items of `items` from `from` on (up to `stop`), as
   * `save` would, until an item that is not one; returns the index it
   * stopped at. The run is written straight into the buffer, as far as
   * neither the buffer's end nor a frame boundary can fall within it (each
   * int takes at most 5 bytes); the frame is checked before each item
   * after that, as `save` checks it.
   */
  private int32Run(items: readonly unknown[], from: number, stop: number): number {
    let i = from;
    while (i < stop) {
      const first = items[i];
      if (!isInt32(first)) return i;
      let room = Math.floor((this.buf.length - this.pos) / 5);
      // boundary() commits the frame before an item once the frame holds 64 KiB
      if (this.frameStart >= 0) room = Math.min(room, Math.floor((FRAME_SIZE_TARGET + FRAME_HEADER_SIZE + this.frameStart - this.pos - 1) / 5) + 1);
      if (room <= 0 || (this.framing && this.frameStart < 0)) {
        this.boundary();
        this.writeInt32(first);
        i++;
        continue;
      }
      const end = Math.min(stop, i + room);
      const buf = this.buf;
      let p = this.pos;
      for (; i < end; i++) {
        const x = items[i];
        if (!isInt32(x)) break;
        p = putInt32(buf, p, x);
      }
      this.pos = p;
      if (i < end) return i;
    }
    return i;
  }

  saveBigInt(x: bigint): void {
    if (x >= -2147483648n && x <= 2147483647n) {
      if (this.bin) this.saveInt(Number(x));
      else this.text(`I${x}\n`);
      return;
    }
    if (this.proto >= 2) {
      if (this.writeLong1(x)) return;
      const enc = encodeLong(x);
      const n = enc.length;
      if (n < 256) {
        this.ensure(2 + n);
        this.buf[this.pos++] = 0x8a;
        this.buf[this.pos++] = n;
      } else {
        this.ensure(5 + n);
        this.buf[this.pos] = 0x8b;
        this.dv.setInt32(this.pos + 1, n, true);
        this.pos += 5;
      }
      this.buf.set(enc, this.pos);
      this.pos += n;
      return;
    }
    // as text, within CPython's limit on digits (past it CPython's dumps is a ValueError, and so would its loads be)
    if ((x < 0n ? -x : x) >= SMALLEST_TOO_LONG) throw new ValueError(intDigitsMessage());
    this.text(`L${x}L\n`);
  }

  saveFloat(x: number): void {
    if (this.bin) {
      this.ensure(9);
      this.buf[this.pos] = 0x47;
      this.dv.setFloat64(this.pos + 1, x, false);
      this.pos += 9;
    } else this.text(`F${floatRepr(x)}\n`);
  }

  /** Writes a GET of `s` when the memo has it, else `s` itself (memoized); returns its memo index. */
  saveMemoStr(s: string): number {
    const idx = this.memo.strings.get(s);
    if (idx < 0) {
      const saved = this.saveStr(s);
      if (saved >= 0) this.memo.strings.set(s, saved);
      return saved;
    }
    this.get(idx);
    return idx;
  }

  /** Writes a str (not memo-checked) and memoizes it; returns its memo index. */
  saveStr(s: string): number {
    if (!this.bin) {
      const line = encodeRawUnicodeEscape(s);
      this.ensure(line.length + 2);
      this.buf[this.pos++] = 0x56;
      for (let i = 0; i < line.length; i++) this.buf[this.pos++] = line.charCodeAt(i);
      this.buf[this.pos++] = 0x0a;
      return this.memoize();
    }
    const len = s.length;
    if (this.proto >= 4 && len <= 85) {
      this.ensure(2 + 3 * len);
      const start = this.pos;
      const n = encodeUtf8Into(s, this.buf, start + 2);
      this.buf[start] = 0x8c;
      this.buf[start + 1] = n;
      this.pos = start + 2 + n;
    } else if (3 * len < FRAME_SIZE_TARGET) {
      this.ensure(5 + 3 * len);
      const start = this.pos;
      const n = encodeUtf8Into(s, this.buf, start + 5);
      if (this.proto >= 4 && n <= 0xff) {
        this.buf.copyWithin(start + 2, start + 5, start + 5 + n);
        this.buf[start] = 0x8c;
        this.buf[start + 1] = n;
        this.pos = start + 2 + n;
      } else {
        this.buf[start] = 0x58;
        this.dv.setUint32(start + 1, n, true);
        this.pos = start + 5 + n;
      }
    } else if (len >= FRAME_SIZE_TARGET && isWellFormed(s)) {
      // 64 Ki characters make 64 KiB or more of UTF-8, which goes outside any frame: encoded straight
      // in with room for a byte a character (all of ASCII), then the rest, never measured first
      // (Buffer.byteLength of a MiB of ASCII took a third of its dumps)
      this.unframedIfLarge(len, () => {
        this.ensure(5 + len);
        const start = this.pos;
        const done = encodeUtf8Some(s, this.buf.subarray(start + 5, start + 5 + len));
        this.pos = start + 5 + done.written;
        if (done.read < len) {
          const rest = s.substring(done.read);
          this.ensure(Buffer.byteLength(rest, "utf8"));
          this.pos += encodeUtf8Some(rest, this.buf.subarray(this.pos)).written;
        }
        this.buf[start] = 0x58;
        this.dv.setUint32(start + 1, this.pos - start - 5, true);
      });
    } else {
      // the exact length of its UTF-8 (a lone surrogate's three bytes too, as surrogatepass writes
      // it), so that it is encoded straight into the buffer
      const n = Buffer.byteLength(s, "utf8");
      this.unframedIfLarge(n, () => {
        this.ensure(5 + n);
        const start = this.pos;
        this.buf[start] = 0x58;
        this.dv.setUint32(start + 1, n, true);
        this.pos = start + 5 + encodeUtf8Into(s, this.buf, start + 5);
      });
    }
    return this.memoize();
  }

  /** Saves a str that is a fresh object in CPython (memoized, but never shared by value). */
  saveFreshStr(s: string): void {
    this.saveStr(s);
  }

  saveBytes(b: Uint8Array, obj: object): void {
    this.writeBytes(b, obj);
    // bytes of length 0 or 1 are memoized by value as well (the bytes object was the last memoized)
    if (obj === b && b.length <= 1 && !this.fast) {
      const key = smallBytesKey(b);
      if (key >= 0) this.memo.smallBytes[key] = this.memo.size - 1;
    }
  }

  private writeBytes(b: Uint8Array, obj: object): void {
    if (this.proto < 3) {
      if (b.length === 0) this.saveReduce([new Global("builtins", "bytes"), toTuple([])], obj);
      else if (b.length > 1 && this.bin && !this.fast && this.cfg.persistentId === undefined && this.cfg.reducerOverride === undefined) this.saveBytesCodecs(b, obj);
      else {
        let latin = "";
        for (let i = 0; i < b.length; i += 4096) latin += String.fromCharCode(...b.subarray(i, i + 4096));
        // a str of one char is one object in CPython (its latin-1 cache), fetched from the memo like any equal str
        this.saveReduce([CODECS_ENCODE, toTuple([b.length === 1 ? latin : new FreshStr(latin), "latin1"])], obj);
      }
      return;
    }
    const n = b.length;
    if (n < FRAME_SIZE_TARGET) {
      // the usual case, written in place
      const short = n <= 0xff;
      this.ensure(n + 5);
      const buf = this.buf;
      let p = this.pos;
      if (short) {
        buf[p++] = 0x43;
        buf[p++] = n;
      } else {
        buf[p] = 0x42;
        this.dv.setUint32(p + 1, n, true);
        p += 5;
      }
      if (n <= 64) for (let i = 0; i < n; i++) buf[p + i] = b[i]!;
      else setAt(buf, b, p);
      this.pos = p + n;
      this.memo.objects.set(obj, this.memoize());
      return;
    }
    const header = new Uint8Array(9);
    if (n <= 0xff) {
      header[0] = 0x43;
      header[1] = n;
      this.headerAndPayload(header, 2, b);
    } else if (n > 0xffffffff && this.proto >= 4) {
      header[0] = 0x8e;
      new DataView(header.buffer).setUint32(1, n % 4294967296, true);
      new DataView(header.buffer).setUint32(5, Math.floor(n / 4294967296), true);
      this.headerAndPayload(header, 9, b);
    } else {
      header[0] = 0x42;
      new DataView(header.buffer).setUint32(1, n, true);
      this.headerAndPayload(header, 5, b);
    }
    this.memo.objects.set(obj, this.memoize());
  }

  /**
   * Protocols 1–2 bytes, written directly as the generic path would write
   * `_codecs.encode(<latin-1 str>, 'latin1')`: the global, the fresh str
   * (memoized, never shared), 'latin1', the args tuple, REDUCE, the memo.
   */
  private saveBytesCodecs(b: Uint8Array, obj: object): void {
    const memo = this.memo;
    const first = this.codecsMemo < 0;
    if (first) this.codecsMemo = this.saveGlobal("_codecs", "encode", undefined, "_codecs\nencode");
    // (no frames below protocol 4: one room check covers every opcode written here)
    const n = b.length;
    this.ensure(2 * n + 48);
    let buf = this.buf;
    let p = this.pos;
    if (!first) p = putMemoOp(buf, p, 0x68, 0x6a, this.codecsMemo);
    if (this.proto < 2) buf[p++] = 0x28;
    const start = p;
    p += 5;
    // the UTF-8 of the bytes read as latin-1: a long run by Node's native latin-1 reader and UTF-8 writer
    // (0.35x CPython's dumps of 1 MiB by the loop), a short one by the loop
    if (n >= 4096) p += buf.write(latin1(b), p, "utf8");
    else
      for (let i = 0; i < n; i++) {
        const c = b[i]!;
        if (c < 0x80) buf[p++] = c;
        else {
          buf[p++] = 0xc0 | (c >> 6);
          buf[p++] = 0x80 | (c & 0x3f);
        }
      }
    buf[start] = 0x58;
    this.dv.setUint32(start + 1, p - start - 5, true);
    p = putMemoOp(buf, p, 0x71, 0x72, memo.size++);
    if (this.latin1Memo < 0) {
      // 'latin1' is one str in CPython, fetched from the memo after its first time
      this.pos = p;
      this.latin1Memo = this.saveMemoStr("latin1");
      this.ensure(16);
      buf = this.buf;
      p = this.pos;
    } else p = putMemoOp(buf, p, 0x68, 0x6a, this.latin1Memo);
    buf[p++] = this.proto >= 2 ? 0x86 : 0x74;
    p = putMemoOp(buf, p, 0x71, 0x72, memo.size++);
    buf[p++] = 0x52;
    const idx = memo.size++;
    this.pos = putMemoOp(buf, p, 0x71, 0x72, idx);
    memo.objects.set(obj, idx);
  }

  saveBytearray(b: Uint8Array, obj: object): void {
    if (this.proto < 5) {
      // bytes(self): in CPython a new object even of one byte (never its one b'\xNN'), so never fetched by value
      const args = b.length === 0 ? [] : [new FreshBytes(b)];
      this.saveReduce([new Global("builtins", "bytearray"), toTuple(args)], obj);
      return;
    }
    const header = new Uint8Array(9);
    header[0] = 0x96;
    new DataView(header.buffer).setUint32(1, b.length, true);
    this.headerAndPayload(header, 9, b);
    this.memo.objects.set(obj, this.memoize());
  }

  private savePickleBuffer(pb: PickleBuffer): void {
    if (this.proto < 5) throw new PicklingError("PickleBuffer can only pickled with protocol >= 5");
    const cb = this.cfg.bufferCallback;
    const inBand = cb === undefined || pyTruth(cb(pb));
    if (inBand) {
      if (pb.readonly) this.saveBytes(pb.buffer, pb);
      else this.saveBytearray(pb.buffer, pb);
      return;
    }
    this.byte(0x97);
    if (pb.readonly) this.byte(0x98);
  }

  /** Writes the global `module.name` (a GET once memoized); returns its memo index. */
  saveGlobal(module: string, name: string, obj: object | undefined, key = `${module}\n${name}`): number {
    const known = this.memo.globals.get(key);
    if (known !== undefined) {
      this.get(known);
      return known;
    }
    if (this.proto >= 4) {
      this.save(module);
      this.save(name);
      this.byte(0x93);
    } else {
      const [m, n] = this.proto < 3 && this.cfg.fixImports ? toPython2(module, name) : [module, name];
      const line = Buffer.from(`c${m}\n${n}\n`, "utf8");
      this.ensure(line.length);
      this.buf.set(line, this.pos);
      this.pos += line.length;
    }
    const idx = this.memoize();
    if (idx < 0) return idx;
    this.memo.globals.set(key, idx);
    if (obj !== undefined) this.memo.objects.set(obj, idx);
    return idx;
  }

  private saveTuple(t: readonly unknown[]): void {
    const n = t.length;
    if (n === 0) {
      if (this.bin) this.byte(0x29);
      else this.text("(t");
      return;
    }
    if (n <= 3 && this.proto >= 2) {
      for (let i = 0; i < n; i++) this.save(t[i]);
      const idx = this.memo.objects.get(t);
      if (idx !== undefined) {
        for (let i = 0; i < n; i++) this.byte(0x30);
        this.get(idx);
      } else {
        this.byte(0x84 + n);
        this.memo.objects.set(t, this.memoize());
      }
      return;
    }
    this.byte(0x28);
    for (let i = 0; i < n; i++) this.save(t[i]);
    const idx = this.memo.objects.get(t);
    if (idx !== undefined) {
      if (this.bin) this.byte(0x31);
      else for (let i = 0; i <= n; i++) this.byte(0x30);
      this.get(idx);
      return;
    }
    this.byte(0x74);
    this.memo.objects.set(t, this.memoize());
  }

  private saveList(list: readonly unknown[]): void {
    if (this.bin) this.byte(0x5d);
    else this.text("(l");
    if (this.fast) {
      this.fastEnter(list, "list");
      this.appends(list);
      this.fastLeave(list);
      return;
    }
    this.memo.objects.set(list, this.memoize());
    this.appends(list);
  }

  /** Fast mode, entering a list or dict: past FAST_NESTING_LIMIT, one already being saved is a cycle (CPython's fast_save_enter). */
  private fastEnter(obj: object, type: string): void {
    if (++this.fastNest < FAST_NESTING_LIMIT) return;
    if (this.fastPath.has(obj)) throw new ValueError(`fast mode: can't pickle cyclic objects including object type ${type}`);
    this.fastPath.add(obj);
  }

  private fastLeave(obj: object): void {
    if (this.fastNest-- >= FAST_NESTING_LIMIT) this.fastPath.delete(obj);
  }

  /** APPEND(S) of the items, batched as CPython's batch_list_exact. */
  appends(items: readonly unknown[]): void {
    const n = items.length;
    if (n === 0) return;
    if (!this.bin) {
      for (let i = 0; i < n; i++) {
        this.save(items[i]);
        this.byte(0x61);
      }
      return;
    }
    if (n === 1) {
      this.save(items[0]);
      this.byte(0x61);
      return;
    }
    // a persistent_id sees every item; otherwise runs of int32s are written from here (int32Run)
    const intRuns = this.cfg.persistentId === undefined;
    let total = 0;
    do {
      this.byte(0x28);
      const stop = Math.min(total + BATCHSIZE, n);
      while (total < stop) {
        const x = items[total];
        if (intRuns && isInt32(x)) total = this.int32Run(items, total, stop);
        else {
          this.saveValue(x);
          total++;
        }
      }
      this.byte(0x65);
    } while (total < n);
  }

  saveDict(d: object, obj: object): void {
    if (this.bin) this.byte(0x7d);
    else this.text("(d");
    if (this.fast) this.fastEnter(obj, "dict");
    else this.memo.objects.set(obj, this.memoize());
    if (d instanceof Map) this.setitemsMap(d);
    else this.setitemsObject(d as Record<string, unknown>);
    if (this.fast) this.fastLeave(obj);
  }

  /**
   * The keys of the last plain object saved and their memo indexes: a list
   * of records repeats one set of keys, and a key seen at the same place
   * goes straight to its memo GET without hashing it again. Before a key is
   * saved at a place, "" and -1: with a str at every place V8 compares the
   * keys as strs (an undefined met first made each compare a generic one).
   */
  private lastKeys = NO_KEYS.slice();
  private lastKeyMemo = NO_KEY_MEMO.slice();

  /** Saves key `k` (the `i`th of its object) as `save` would, remembering its memo index for the next object. */
  private saveKey(k: string, i: number): void {
    if (this.cfg.persistentId !== undefined || this.fast) {
      this.save(k);
      return;
    }
    const m = this.keyMemo(k, i);
    if (m >= 0) {
      this.saveGet(m);
      return;
    }
    this.boundary();
    this.lastKeys[i] = k;
    this.lastKeyMemo[i] = this.saveMemoStr(k);
  }

  /** The memo index of key `k` where the last object had it at place `i` (below KEY_PLACES), else -1 (also before any key was there). */
  private keyMemo(k: string, i: number): number {
    return this.lastKeys[i] === k ? this.lastKeyMemo[i]! : -1;
  }

  /**
   * Saves the `i`th key `k` of a plain object and its value `v`. A key met
   * at the same place in the object before is a GET, written in place with
   * its value where both fit before the limit one value in place has (see
   * saveValue): one test of room and frame for the pair, where saveKey and
   * saveValue make one each (and the GET's own, through saveGet, two more).
   */
  private saveItem(k: string, v: unknown, i: number): void {
    const m = this.inline && i < KEY_PLACES ? this.keyMemo(k, i) : -1;
    if (m >= 0) {
      const p = this.pos;
      // the GET takes at most 5 bytes: the value then starts below the limit
      if (p + 5 < this.limit) {
        // (putContainer writes some values from this.pos, as saveValue has them)
        const q = (this.pos = putMemoOp(this.buf, p, 0x68, 0x6a, m));
        if (typeof v === "object" && v !== null && this.putContainer(v, q)) return;
        const r = this.putScalar(v, q);
        if (r >= 0) this.pos = r;
        else this.save(v);
        return;
      }
    }
    if (i < KEY_PLACES) this.saveKey(k, i);
    else this.save(k);
    this.saveValue(v);
  }

  /**
   * SETITEM(S) of a plain object's own keys, batched as CPython's dicts: one
   * item is a SETITEM; more are MARK ... SETITEMS per 1,000 (and an empty
   * batch after a full last one). At the binary protocols the keys come from
   * for-in, which walks V8's enum cache of the object's shape where
   * Object.keys copies it into a new array for each object (~90 bytes of
   * garbage a record; 7-15% more `dumps` of the bench's records a second).
   * Their number is not known beforehand, so the first item waits for the
   * second to tell whether a MARK goes before it.
   */
  private setitemsObject(d: Record<string, unknown>): void {
    if (!this.bin) {
      for (const k of Object.keys(d)) {
        this.save(k);
        this.save(d[k]);
        this.byte(0x73);
      }
      return;
    }
    let first = "";
    let n = 0;
    for (const k in d) {
      // for-in also walks the prototype chain: only own keys are the dict's
      if (!Object.prototype.hasOwnProperty.call(d, k)) continue;
      if (n === 0) first = k;
      else {
        if (n === 1) {
          this.byte(0x28);
          this.saveItem(first, d[first], 0);
        } else if (n % BATCHSIZE === 0) {
          // a full batch: SETITEMS, and the next one's MARK
          this.byte(0x75);
          this.byte(0x28);
        }
        this.saveItem(k, d[k], n);
      }
      n++;
    }
    if (n === 1) {
      this.save(first);
      this.save(d[first]);
      this.byte(0x73);
    } else if (n > 1) {
      // after a full last batch, CPython writes an empty one
      if (n % BATCHSIZE === 0) {
        this.byte(0x75);
        this.byte(0x28);
      }
      this.byte(0x75);
    }
  }

  private setitemsMap(d: ReadonlyMap<unknown, unknown>): void {
    const n = d.size;
    if (n === 0) return;
    if (!this.bin || n === 1) {
      for (const [k, v] of d) {
        this.save(k);
        this.save(v);
        this.byte(0x73);
      }
      return;
    }
    const it = d.entries();
    let batch: number;
    do {
      this.byte(0x28);
      batch = 0;
      for (let r = it.next(); !r.done; r = it.next()) {
        this.save(r.value[0]);
        this.save(r.value[1]);
        if (++batch === BATCHSIZE) break;
      }
      this.byte(0x75);
    } while (batch === BATCHSIZE);
  }

  private saveSet(s: ReadonlySet<unknown>): void {
    if (this.proto < 4) {
      this.saveReduce([new Global("builtins", "set"), toTuple([[...s]])], s);
      return;
    }
    this.byte(0x8f);
    this.memo.objects.set(s, this.memoize());
    const n = s.size;
    if (n === 0) return;
    const it = s.values();
    let batch: number;
    do {
      this.byte(0x28);
      batch = 0;
      for (let r = it.next(); !r.done; r = it.next()) {
        this.save(r.value);
        if (++batch === BATCHSIZE) break;
      }
      this.byte(0x90);
    } while (batch === BATCHSIZE);
  }

  private saveFrozenset(s: ReadonlySet<unknown>): void {
    if (this.proto < 4) {
      this.saveReduce([new Global("builtins", "frozenset"), toTuple([[...s]])], s);
      return;
    }
    this.byte(0x28);
    for (const x of s) this.save(x);
    const idx = this.memo.objects.get(s);
    if (idx !== undefined) {
      this.byte(0x31);
      this.get(idx);
      return;
    }
    this.byte(0x91);
    this.memo.objects.set(s, this.memoize());
  }

  private savePersistent(pid: unknown): void {
    if (this.bin) {
      this.save(pid, true);
      this.byte(0x51);
      return;
    }
    // str(pid), which must be ASCII (CPython writes it as it is, a newline in it too)
    const text = pidText(pid);
    if (text === undefined || !/^[\x00-\x7f]*$/.test(text)) throw new PicklingError("persistent IDs in protocol 0 must be ASCII strings");
    this.text(`P${text}\n`);
  }

  /** Python's save_reduce: func(args), or NEWOBJ / NEWOBJ_EX for copyreg.__newobj__(_ex__); then memo, items and state. */
  saveReduce(rv: ReduceValue, obj: object | undefined): void {
    if (!Array.isArray(rv)) {
      const returned: unknown = rv;
      if (typeof returned === "string") throw new PicklingError(`stdnet cannot pickle an object by a global's name alone ('${returned}'): return [Global, args]`);
      throw new PicklingError("__reduce__ must return a string or tuple");
    }
    if (rv.length < 2 || rv.length > 6) throw new PicklingError("tuple returned by __reduce__ must contain 2 through 6 elements");
    const [func, args, state, listitems, dictitems, stateSetter] = rv as unknown[];
    if (!(func instanceof Global) && typeof func !== "function") throw new PicklingError("first item of the tuple returned by __reduce__ must be callable");
    if (!Array.isArray(args)) throw new PicklingError("second item of the tuple returned by __reduce__ must be a tuple");
    const list = listitems === undefined || listitems === null ? undefined : iteratorOf(listitems, "fourth");
    const dict = dictitems === undefined || dictitems === null ? undefined : iteratorOf(dictitems, "fifth");
    const setter = stateSetter === undefined || stateSetter === null ? undefined : stateSetter;
    if (setter !== undefined && !(setter instanceof Global) && typeof setter !== "function") throw new PicklingError(`sixth element of the tuple returned by __reduce__ must be a function, not ${pyTypeName(setter)}`);
    const name = func instanceof Global ? func.name : "";
    if (this.proto >= 2 && name === "__newobj_ex__" && args.length === 3 && this.proto >= 4) {
      this.save(args[0]);
      this.save(toTuple(args[1] as unknown[]));
      this.save(args[2]);
      this.byte(0x92);
    } else if (this.proto >= 2 && name === "__newobj__" && args.length >= 1) {
      this.save(args[0]);
      this.save(toTuple(args.slice(1)));
      this.byte(0x81);
    } else {
      this.save(func);
      this.saveArgs(args);
      this.byte(0x52);
    }
    if (obj !== undefined) {
      const idx = this.memo.objects.get(obj);
      if (idx !== undefined) {
        this.byte(0x30);
        this.get(idx);
      } else this.memo.objects.set(obj, this.memoize());
    }
    if (list !== undefined) this.batchAppends(list);
    if (dict !== undefined) this.batchSetitems(dict);
    if (state === undefined || state === null) return;
    if (setter === undefined) {
      this.save(state);
      this.byte(0x62);
      return;
    }
    // the state_setter called with (obj, state) instead of BUILD, its result dropped
    this.save(setter);
    this.save(obj);
    this.save(state);
    this.byte(0x86);
    this.byte(0x52);
    this.byte(0x30);
  }

  /** CPython's batch_list: a reducer's listitems, APPEND for a lone item, else MARK … APPENDS per 1,000. */
  private batchAppends(items: Iterator<unknown>): void {
    if (!this.bin) {
      for (let r = items.next(); r.done !== true; r = items.next()) {
        this.save(r.value);
        this.byte(0x61);
      }
      return;
    }
    this.batched(items, 0x61, 0x65, (x) => this.save(x));
  }

  /** CPython's batch_dict: a reducer's dictitems, [key, value] pairs, as batchAppends does with SETITEM(S). */
  private batchSetitems(pairs: Iterator<unknown>): void {
    const one = (p: unknown): void => {
      if (!Array.isArray(p) || p.length !== 2) throw new PyTypeError("dict items iterator must return 2-tuples");
      this.save(p[0]);
      this.save(p[1]);
    };
    if (!this.bin) {
      for (let r = pairs.next(); r.done !== true; r = pairs.next()) {
        one(r.value);
        this.byte(0x73);
      }
      return;
    }
    this.batched(pairs, 0x73, 0x75, one);
  }

  /** Batches of an iterator as CPython writes them: a batch of one is `single`, more are MARK … `many`, 1,000 a batch. */
  private batched(items: Iterator<unknown>, single: number, many: number, save: (x: unknown) => void): void {
    let n: number;
    do {
      const first = items.next();
      if (first.done === true) return;
      let next = items.next();
      if (next.done === true) {
        save(first.value);
        this.byte(single);
        return;
      }
      this.byte(0x28);
      save(first.value);
      n = 1;
      while (next.done !== true) {
        save(next.value);
        if (++n === BATCHSIZE) break;
        next = items.next();
      }
      this.byte(many);
    } while (n === BATCHSIZE);
  }

  /** Saves reduce arguments as a tuple; FreshStr items are strs CPython creates anew. */
  private saveArgs(args: readonly unknown[]): void {
    if (!args.some((a) => a instanceof FreshStr)) {
      this.save(args instanceof Tuple ? args : toTuple(args));
      return;
    }
    const t = toTuple(args);
    const n = t.length;
    const one = (a: unknown): void => {
      if (a instanceof FreshStr) this.saveStr(a.value);
      else this.save(a);
    };
    if (n <= 3 && this.proto >= 2) {
      for (const a of t) one(a);
      this.byte(0x84 + n);
    } else {
      this.byte(0x28);
      for (const a of t) one(a);
      this.byte(0x74);
    }
    this.memoize();
  }
}

/** A str that CPython builds afresh for each use (so never shared through the memo). */
export class FreshStr {
  constructor(readonly value: string) {}
}

/** Bytes that CPython builds afresh (so never one of its one-byte objects, fetched by value: see Memo.smallBytes). */
class FreshBytes extends Uint8Array {}

const CODECS_ENCODE = new Global("_codecs", "encode");
