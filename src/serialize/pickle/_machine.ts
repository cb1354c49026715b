/**
 * The unpickling machine: one loop over the opcodes of a pickle held in
 * memory, a value stack with MARK positions, and the memo. It never
 * recurses (nesting lives on the stack), checks every length against the
 * bytes that remain before allocating, and turns every failure into
 * `UnpicklingError`. Its state lives in local variables (no closures), so
 * the loop keeps them in registers.
 */
import { addItems, appendItems, callingOut, convertPending, isPlainDict, isPlainObject, newDict, setItems, trackMemoized, trackShared, tupleOf, type DictTracking } from "./_containers.js";
import { NO_PERSISTENT_LOAD, dataError } from "./_errors.js";
import { ORDERED_DICT, buildState, callGlobal, codecError, describe, isCodecsEncode, newObject, setOwn } from "./_globals.js";
import { decodeLong, intValue } from "./_ints.js";
import { readTextFloat, readTextIndex, readTextInt, readTextLong } from "./_textnumbers.js";
import { decodeRawUnicodeEscape, decodeUtf8, escapeDecode } from "./_text.js";
import { codecOf, decodesDirectly } from "../../sockets/_codecs.js";
import { DecodeError, decodeError, decodeText, latin1 } from "../../sockets/_decode.js";
import { pySet } from "./_pyequal.js";
import { copyBytes } from "../_slab.js";
import { PickleBuffer, Tuple, bytearray, frozenset } from "./_values.js";

/** What the machine needs from its Unpickler. */
export interface MachineConfig {
  /**
   * Resolves a global (the safe table, then the user's find_class); `fix`:
   * Python 2's names are to be read as Python 3's (protocols 0-2 under
   * `fix_imports`), as CPython's default find_class reads them.
   */
  findClass(module: string, name: string, fix: boolean): unknown;
  /** Python's persistent_load; undefined when none was given. */
  persistentLoad: ((pid: unknown) => unknown) | undefined;
  /** How Python 2 str (STRING, BINSTRING) decode: a codec name or "bytes". */
  encoding: string;
  errors: string;
  /** Out-of-band buffers for NEXT_BUFFER (protocol 5). */
  buffers: Iterator<unknown> | undefined;
  /** Every dict becomes a Map. */
  dictAsMap: boolean;
  /** Map Python 2 module names for protocols below 3. */
  fixImports: boolean;
  /** The memo (kept by an Unpickler across loads). */
  memo: unknown[];
  /** True when `memo` holds nothing (a reused array emptied to undefined). */
  memoEmpty?: boolean;
  /**
   * True when nothing but this load sees `memo` (loads' own, emptied after
   * it, or that of the Unpickler load() makes for one pickle): an entry may
   * then be a stand-in for its value (see PendingTuple and strAt).
   */
  memoPrivate?: boolean;
  /**
   * Set when a PUT went far past the memo's end (the array is then sparse,
   * a dictionary to V8, and emptying it by index would take time in
   * proportion to that index, not to what it holds).
   */
  memoSparse?: boolean;
  /**
   * How many entries `memo` holds, when the caller knows (an Unpickler's memo
   * as its last load left it; counting would cost a walk of the memo at
   * each load of a long stream); the machine leaves the count here.
   */
  memoCount?: number;
}

/** The bytes of a buffer as a plain Uint8Array over the same memory (a read-only memoryview's JS form). */
function readonlyView(b: ArrayBufferView): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

function truncated(): never {
  throw dataError("pickle data was truncated");
}

/** CPython's text for a pop past the innermost MARK (or the bottom when there is none). */
function underflow(marks: readonly number[]): never {
  throw dataError(marks.length > 0 ? "unexpected MARK found" : "unpickling stack underflow");
}

/** CPython's largest size (PY_SSIZE_T_MAX): an 8-byte size above it is refused before anything is read. */
const MAX_SIZE_TEXT = "9223372036854775807";

/** Whether the 8-byte little-endian size at `pos` is above 2 ** 63 - 1. */
function sizeOverflows(dv: DataView, pos: number): boolean {
  return dv.getUint32(pos + 4, true) >= 0x80000000;
}

function noMark(): never {
  throw dataError("could not find MARK");
}

function missing(idx: number | string): never {
  throw dataError(`Memo value not found at index ${idx}`);
}

/** The index of the '\n' that ends the line at `pos`. */
function lineEnd(data: Uint8Array, pos: number): number {
  // the short lines of protocol 0's numbers by a loop; past 32 bytes by indexOf (memchr, but a call into V8 that costs more)
  const stop = Math.min(data.length, pos + 32);
  for (let i = pos; i < stop; i++) if (data[i] === 0x0a) return i;
  const nl = data.indexOf(0x0a, stop);
  if (nl < 0) truncated();
  return nl;
}

/**
 * The value of data[pos, nl) when it is `-?(0|[1-9][0-9]{0,14})`, the usual
 * text int, read straight from the bytes; NaN for any other line, which is
 * then read as CPython reads it (signs, spaces, underscores, prefixes, big
 * values and the errors of each).
 */
function plainDecimal(data: Uint8Array, pos: number, nl: number): number {
  let i = pos;
  const neg = data[i] === 0x2d;
  if (neg) i++;
  const n = nl - i;
  if (n < 1 || n > 15 || (data[i] === 0x30 && n > 1)) return NaN;
  let v = 0;
  for (; i < nl; i++) {
    const d = data[i]! - 0x30;
    if (d < 0 || d > 9) return NaN;
    v = v * 10 + d;
  }
  // (0 - 0 is 0: "-0" is the int 0)
  return neg ? 0 - v : v;
}

/** The memo key for the text PUT/GET line at `pos..nl` (CPython: a PUT's negative index is refused, a GET's is not found). */
function textIndex(data: Uint8Array, pos: number, nl: number, what: "PUT" | "GET"): number | string {
  const plain = plainDecimal(data, pos, nl);
  if (plain >= 0 && plain <= 0xfffffffe) return plain;
  const v = readTextIndex(latin1(data.subarray(pos, nl + 1)));
  if (v < 0n) {
    if (what === "PUT") throw dataError("negative PUT argument");
    missing(String(v));
  }
  return v <= 0xfffffffen ? Number(v) : v.toString();
}

function decodePy2(bytes: Uint8Array, encoding: string, errors: string): unknown {
  // (CPython's own test, to the letter: "bytes" keeps them)
  if (encoding === "bytes") return bytes;
  const codec = codecOf(encoding);
  if (codec === "latin_1") return latin1(bytes);
  if (codec === undefined) throw dataError(`unknown encoding: ${encoding} (stdnet reads Python 2 str as 'ASCII', 'latin1', 'utf-8' or 'bytes')`);
  try {
    return decodeText(bytes, 0, bytes.length, codec, errors);
  } catch (e) {
    if (!(e instanceof DecodeError) || e.type === "UnicodeDecodeError" || decodesDirectly(encoding)) throw e;
    throw decodeError(`decoding with '${encoding}' codec failed (${e.type}: ${e.message})`, e.type);
  }
}

/** The STRING opcode's quoted, escaped argument (data[pos..nl)) as bytes. */
function quotedString(data: Uint8Array, pos: number, nl: number): Uint8Array {
  const q = data[pos];
  if (nl - pos < 2 || (q !== 0x27 && q !== 0x22) || data[nl - 1] !== q) throw dataError("the STRING opcode argument must be quoted");
  return escapeDecode(data.subarray(pos + 1, nl - 1));
}

function invalidKey(op: number): never {
  // (a quote and a backslash are escaped too)
  const shown = op >= 0x20 && op < 0x7f && op !== 0x27 && op !== 0x5c ? String.fromCharCode(op) : `\\x${op.toString(16).padStart(2, "0")}`;
  throw dataError(`invalid load key, '${shown}'.`);
}

/**
 * Runs the machine over `data` (a plain Uint8Array view) and returns the
 * unpickled value. A codec failure, or an engine error on the way (a
 * TypeError or RangeError from a value that cannot take an operation),
 * becomes UnpicklingError with the original as `cause`.
 */
export function runMachine(data: Uint8Array, cfg: MachineConfig): unknown {
  try {
    return machine(data, cfg);
  } catch (e) {
    if (e instanceof DecodeError) throw codecError(e);
    if (e instanceof TypeError || e instanceof RangeError) throw dataError(`invalid pickle: ${e.message}`, { cause: e });
    throw e;
  }
}

/**
 * New arrays (lists, the value stack) are copies of this one rather than `[]`
 * literals. V8 tracks a literal's allocation site and, when most of what a
 * site made outlived a young-generation GC (as a result's lists do), it
 * allocates that site's arrays in the old generation from then on; the
 * young values in them are then kept alive by every old list, dead ones too,
 * until a full GC. That turned a loads of 10,000 records from ~200 to ~25
 * per second in some processes (a third of them in one series of runs).
 * A copy has no allocation site.
 */
const NO_ITEMS: readonly unknown[] = [];

/**
 * MEMOIZE of `v`, taken with the opcode before it: stores it at the index
 * that is the count of the memo's entries, and returns the new count (the
 * same where a PUT had filled that index, as in CPython). At protocols 4
 * and 5 every str, bytes, list and dict is followed by one; taking it in
 * the same turn of the machine's loop saved a dispatch (1.07x the `loads`
 * a second of 200,000 short strs).
 */
function memoizeNext(memo: unknown[], len: number, v: unknown): number {
  if (memo[len] === undefined) {
    memo[len] = v;
    return len + 1;
  }
  memo[len] = v;
  return len;
}

/**
 * A private memo's (see `memoPrivate`) entry for a memoized str: where its
 * opcode is in the data, decoded again when a GET fetches it. A str made
 * again equals the first (a JS string has no identity), and a number is
 * no pointer: storing one into the memo, an old-generation array, skips
 * the write barrier's record of an old-to-young pointer, which V8's
 * scavenges then visit. A `loads` of a list of 200,000 strs ran 1.22x as
 * fast at protocol 4 (MEMOIZE) and 1.17x at protocol 2 (BINPUT), at about
 * the same instructions (the GC's went from 25M a call to 10M).
 */
function strAt(data: Uint8Array, dv: DataView, at: number): string {
  const op = data[at]!;
  const from = op === 0x8c ? at + 2 : op === 0x58 ? at + 5 : at + 9;
  const n = op === 0x8c ? data[at + 1]! : op === 0x58 ? dv.getUint32(at + 1, true) : dv.getUint32(at + 1, true) + dv.getUint32(at + 5, true) * 4294967296;
  // (decodeUtf8's general path: a second caller of decodeUtf8 kept V8 from inlining it into the machine)
  return decodeText(data, from, from + n, "utf_8", "surrogatepass");
}

/** A number memoized in a private memo, where a bare number is a str's place (see `strAt`). */
class MemoNumber {
  constructor(readonly value: number) {}
}

/**
 * The memo's stand-in for the tuple of arguments of a `_codecs.encode`
 * REDUCE (as protocols 0-2 write every bytes object: `(str, 'latin1')`,
 * TUPLE2, a PUT, REDUCE), made into the tuple only when a GET fetches it.
 * A Tuple is a JS array given Tuple's prototype, a call into V8's runtime:
 * making them was 14% of the instructions of a protocol 2 `loads` of the
 * records. No pickler fetches such a tuple again; a pickle may.
 */
class PendingTuple {
  constructor(
    readonly str: string,
    readonly encoding: string,
  ) {}

  make(): Tuple {
    return tupleOf([this.str, this.encoding], 0, 2);
  }
}

/**
 * Where the REDUCE is, when the bytes at `pos` are a BINPUT or LONG_BINPUT
 * and then a REDUCE; -1 otherwise.
 */
function reduceAfterPut(data: Uint8Array, pos: number, end: number): number {
  const at = data[pos] === 0x71 ? pos + 2 : data[pos] === 0x72 ? pos + 5 : end;
  return at < end && data[at] === 0x52 ? at : -1;
}

function machine(data: Uint8Array, cfg: MachineConfig): unknown {
  const end = data.length;
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const stack: unknown[] = NO_ITEMS.slice();
  let sp = 0; // stack height (entries past it are stale)
  const marks: number[] = [];
  let base = 0; // stack height at the innermost MARK
  const memo = cfg.memo;
  let memoLen = cfg.memoCount ?? (memo.length === 0 || cfg.memoEmpty === true ? 0 : Object.keys(memo).length);
  const dictAsMap = cfg.dictAsMap;
  // a memoized str is kept as where it is in the data, decoded again at a GET (see strAt)
  const lazyStrs = cfg.memoPrivate === true;
  let strEnd = -1; // where the last str not memoized in its own turn ends, and where its opcode is
  let strOpAt = 0;
  // tracking.deferred: items for big lists, held back until the end or until something else could look (see _deferred.ts)
  const tracking: DictTracking = { slotAt: [], shared: undefined, shapes: undefined, deferred: undefined, fresh: undefined, converted: undefined, stack, memo };
  let proto = 0;
  let pos = 0;
  let n = 0;
  let k = 0;
  let v: unknown;
  let memoIdx: number | string = 0;
  const st: RareState = { data, dv, end, stack, marks, cfg, pos: 0, sp: 0, base: 0, proto: 0, tracking };
  try {
    for (;;) {
      // (CPython's text when the data ends where an opcode is due)
      if (pos >= end) throw dataError("Ran out of input");
      const op = data[pos++]!;
      switch (op) {
        case 0x80: // PROTO
          if (pos >= end) truncated();
          proto = data[pos++]!;
          if (proto > 5) throw dataError(`unsupported pickle protocol: ${proto}`);
          continue;
        case 0x95: // FRAME: the bytes are here already; only check that they are
          if (8 > end - pos) truncated();
          if (sizeOverflows(dv, pos)) throw dataError(`FRAME length exceeds system's maximum of ${MAX_SIZE_TEXT} bytes`);
          n = dv.getUint32(pos, true) + dv.getUint32(pos + 4, true) * 4294967296;
          pos += 8;
          if (n > end - pos) truncated();
          continue;
        case 0x2e: // STOP
          if (sp <= base) underflow(marks);
          tracking.deferred?.flush();
          convertPending(tracking);
          return stack[sp - 1];
        case 0x28: // MARK
          marks.push(sp);
          base = sp;
          continue;
        case 0x30: // POP
          if (marks.length > 0 && base === sp) {
            marks.pop();
            base = marks.length > 0 ? marks[marks.length - 1]! : 0;
          } else if (sp <= base) underflow(marks);
          else sp--;
          continue;
        case 0x31: // POP_MARK
          if (marks.length === 0) noMark();
          sp = marks.pop()!;
          base = marks.length > 0 ? marks[marks.length - 1]! : 0;
          continue;
        case 0x32: // DUP
          if (sp <= base) underflow(marks);
          v = stack[sp - 1];
          if (!dictAsMap && isPlainObject(v)) trackShared(tracking, v);
          stack[sp++] = v;
          continue;
        case 0x4e: // NONE
          stack[sp++] = null;
          continue;
        case 0x88: // NEWTRUE
          stack[sp++] = true;
          continue;
        case 0x89: // NEWFALSE
          stack[sp++] = false;
          continue;
        case 0x4b: // BININT1
          if (pos >= end) truncated();
          stack[sp++] = data[pos++];
          continue;
        case 0x4d: // BININT2
          if (pos + 2 > end) truncated();
          stack[sp++] = data[pos]! | (data[pos + 1]! << 8);
          pos += 2;
          continue;
        case 0x4a: // BININT
          if (pos + 4 > end) truncated();
          stack[sp++] = dv.getInt32(pos, true);
          pos += 4;
          continue;
        case 0x47: // BINFLOAT
          if (pos + 8 > end) truncated();
          stack[sp++] = dv.getFloat64(pos, false);
          pos += 8;
          continue;
        case 0x8a: // LONG1
        case 0x8b: // LONG4
          if (op === 0x8a) {
            if (pos >= end) truncated();
            n = data[pos++]!;
          } else {
            if (pos + 4 > end) truncated();
            n = dv.getInt32(pos, true);
            pos += 4;
            if (n < 0) throw dataError("LONG pickle has negative byte count");
          }
          if (n > end - pos) truncated();
          stack[sp++] = decodeLong(data, pos, n);
          pos += n;
          continue;
        case 0x8c: // SHORT_BINUNICODE
        case 0x58: // BINUNICODE
        case 0x8d: // BINUNICODE8
          // a run of SHORT_BINUNICODE (a list of strs) is taken in one turn of the loop
          for (;;) {
            k = pos - 1; // (where the opcode is: a private memo keeps that, see strAt)
            if (op === 0x8c) {
              if (pos >= end) truncated();
              n = data[pos++]!;
            } else if (op === 0x58) {
              if (pos + 4 > end) truncated();
              n = dv.getUint32(pos, true);
              pos += 4;
            } else {
              if (8 > end - pos) truncated();
              if (sizeOverflows(dv, pos)) throw dataError(`BINUNICODE exceeds system's maximum size of ${MAX_SIZE_TEXT} bytes`);
              n = dv.getUint32(pos, true) + dv.getUint32(pos + 4, true) * 4294967296;
              pos += 8;
            }
            if (n > end - pos) truncated();
            v = stack[sp++] = decodeUtf8(data, dv, pos, pos + n);
            pos += n;
            // the MEMOIZE that follows at protocols 4 and 5, in the same turn (as for bytes, lists and dicts)
            if (data[pos] === 0x94) {
              pos++;
              memoLen = memoizeNext(memo, memoLen, lazyStrs ? k : v);
            } else {
              // (a PUT here, as protocols 1-3 write, memoizes the str by its place too)
              strEnd = pos;
              strOpAt = k;
            }
            if (op !== 0x8c || data[pos] !== 0x8c) break;
            pos++;
          }
          continue;
        case 0x43: // SHORT_BINBYTES
        case 0x42: // BINBYTES
        case 0x8e: // BINBYTES8
        case 0x96: // BYTEARRAY8
          if (op === 0x43) {
            if (pos >= end) truncated();
            n = data[pos++]!;
          } else if (op === 0x42) {
            if (pos + 4 > end) truncated();
            n = dv.getUint32(pos, true);
            pos += 4;
          } else {
            if (8 > end - pos) truncated();
            if (sizeOverflows(dv, pos)) throw dataError(`${op === 0x96 ? "BYTEARRAY8" : "BINBYTES"} exceeds system's maximum size of ${MAX_SIZE_TEXT} bytes`);
            n = dv.getUint32(pos, true) + dv.getUint32(pos + 4, true) * 4294967296;
            pos += 8;
          }
          if (n > end - pos) truncated();
          if (op === 0x96) {
            const b = new bytearray(n);
            b.set(data.subarray(pos, pos + n));
            stack[sp++] = b;
          } else stack[sp++] = copyBytes(data, pos, n);
          pos += n;
          if (data[pos] === 0x94) {
            pos++;
            memoLen = memoizeNext(memo, memoLen, stack[sp - 1]);
          }
          continue;
        case 0x55: // SHORT_BINSTRING (Python 2 str)
        case 0x54: // BINSTRING
          if (op === 0x55) {
            if (pos >= end) truncated();
            n = data[pos++]!;
          } else {
            // (unsigned, as CPython's C unpickler reads it; pickle.py's "negative byte count" is never said)
            if (pos + 4 > end) truncated();
            n = dv.getUint32(pos, true);
            pos += 4;
          }
          if (n > end - pos) truncated();
          stack[sp++] = decodePy2(copyBytes(data, pos, n), cfg.encoding, cfg.errors);
          pos += n;
          continue;
        case 0x94: // MEMOIZE
        case 0x71: // BINPUT
        case 0x72: // LONG_BINPUT
        case 0x70: // PUT (text)
          k = pos - 1;
          if (op === 0x94) memoIdx = memoLen;
          else if (op === 0x71) {
            if (pos >= end) truncated();
            memoIdx = data[pos++]!;
          } else if (op === 0x72) {
            if (pos + 4 > end) truncated();
            memoIdx = dv.getUint32(pos, true);
            pos += 4;
          } else {
            // (CPython: the line, then the stack, then the number)
            n = lineEnd(data, pos);
            if (n === pos) truncated();
            if (sp <= base) underflow(marks);
            memoIdx = textIndex(data, pos, n, "PUT");
            pos = n + 1;
          }
          if (sp <= base) underflow(marks);
          v = stack[sp - 1];
          // an index far past the end leaves the array sparse, which loads must not reuse (see `memoSparse`)
          if ((memoIdx as number) > memo.length + 1024) cfg.memoSparse = true;
          if (memo[memoIdx as number] === undefined) memoLen++;
          // (a number in a private memo is a str's place in the data: a memoized number is held in a MemoNumber)
          if (!lazyStrs) memo[memoIdx as number] = v;
          else if (k === strEnd && typeof v === "string") memo[memoIdx as number] = strOpAt;
          else memo[memoIdx as number] = typeof v === "number" ? new MemoNumber(v) : v;
          if (!dictAsMap && isPlainDict(v, tracking)) trackMemoized(tracking, memo, v, sp - 1, memoIdx);
          continue;
        case 0x68: // BINGET
        case 0x6a: // LONG_BINGET
        case 0x67: // GET (text)
          if (op === 0x68) {
            if (pos >= end) truncated();
            memoIdx = data[pos++]!;
          } else if (op === 0x6a) {
            if (pos + 4 > end) truncated();
            memoIdx = dv.getUint32(pos, true);
            pos += 4;
          } else {
            n = lineEnd(data, pos);
            memoIdx = textIndex(data, pos, n, "GET");
            pos = n + 1;
          }
          v = memo[memoIdx as number];
          if (v === undefined) missing(memoIdx);
          // (a str first: the dict keys of a list of records)
          if (typeof v !== "string") {
            if (typeof v === "number" && lazyStrs) v = memo[memoIdx as number] = strAt(data, dv, v);
            else if (typeof v === "object" && !Array.isArray(v) && !ArrayBuffer.isView(v)) {
              if (v instanceof PendingTuple) v = memo[memoIdx as number] = v.make();
              else if (v instanceof MemoNumber) v = v.value;
              // (not isPlainDict: inlined at this hot GET it costs more than its fresh-dict test saves)
              else if (!dictAsMap && isPlainObject(v)) trackShared(tracking, v);
            }
          }
          stack[sp++] = v;
          continue;
        case 0x29: // EMPTY_TUPLE
          stack[sp++] = new Tuple<unknown>();
          continue;
        case 0x85: // TUPLE1
        case 0x86: // TUPLE2
        case 0x87: // TUPLE3
          n = op - 0x84;
          if (sp - base < n) underflow(marks);
          // the arguments of a _codecs.encode REDUCE, memoized by a PUT between: the bytes made at once, the tuple at a GET
          if (op === 0x86 && cfg.memoPrivate === true && sp - base >= 3 && isCodecsEncode(stack[sp - 3]) && typeof stack[sp - 2] === "string" && typeof stack[sp - 1] === "string") {
            k = reduceAfterPut(data, pos, end);
            if (k >= 0) {
              memoIdx = data[pos] === 0x71 ? data[pos + 1]! : dv.getUint32(pos + 1, true);
              // (as a PUT counts and stores; the PUT case keeps its own copy, on the machine's hot path)
              if (memoIdx > memo.length + 1024) cfg.memoSparse = true;
              if (memo[memoIdx] === undefined) memoLen++;
              memo[memoIdx] = new PendingTuple(stack[sp - 2] as string, stack[sp - 1] as string);
              v = callGlobal(stack[sp - 3], [stack[sp - 2], stack[sp - 1]]);
              sp -= 3;
              stack[sp++] = v;
              pos = k + 1;
              continue;
            }
          }
          v = tupleOf(stack, sp - n, sp);
          sp -= n;
          stack[sp++] = v;
          continue;
        case 0x5d: // EMPTY_LIST
          v = stack[sp++] = NO_ITEMS.slice();
          if (data[pos] === 0x94) {
            pos++;
            memoLen = memoizeNext(memo, memoLen, v);
          }
          continue;
        case 0x7d: // EMPTY_DICT
          if (dictAsMap) v = stack[sp++] = new Map();
          else v = stack[sp++] = tracking.fresh = {};
          if (data[pos] === 0x94) {
            pos++;
            const idx = memoLen;
            memoLen = memoizeNext(memo, idx, v);
            if (!dictAsMap) trackMemoized(tracking, memo, v as object, sp - 1, idx);
          }
          continue;
        case 0x8f: // EMPTY_SET
          stack[sp++] = new Set();
          continue;
        case 0x61: // APPEND
          if (sp - base < 2) underflow(marks);
          appendItems(stack, sp - 1, sp, tracking);
          sp--;
          continue;
        case 0x73: // SETITEM
          if (sp - base < 3) underflow(marks);
          v = stack[sp - 3];
          // (a dict already turned into a Map, met through another memo slot, goes to setItems)
          if (!dictAsMap && typeof stack[sp - 2] === "string" && isPlainDict(v, tracking) && tracking.converted === undefined) setOwn(v, stack[sp - 2] as string, stack[sp - 1]);
          else setItems(stack, sp - 2, sp, memo, tracking);
          sp -= 2;
          continue;
        case 0x74: // TUPLE
        case 0x6c: // LIST
        case 0x64: // DICT
        case 0x91: // FROZENSET
        case 0x65: // APPENDS
        case 0x75: // SETITEMS
        case 0x90: // ADDITEMS
          if (marks.length === 0) noMark();
          k = marks.pop()!;
          base = marks.length > 0 ? marks[marks.length - 1]! : 0;
          if (op === 0x74) v = tupleOf(stack, k, sp);
          else if (op === 0x6c) v = stack.slice(k, sp);
          else if (op === 0x64) v = newDict(stack, k, sp, dictAsMap);
          else if (op === 0x91) v = new frozenset(pySet(stack.slice(k, sp)));
          else {
            if (k < 1 || k - 1 < base) underflow(marks);
            if (op === 0x65) appendItems(stack, k, sp, tracking);
            else if (op === 0x75) {
              if ((sp - k) % 2 !== 0) throw dataError("odd number of items for SETITEMS");
              setItems(stack, k, sp, memo, tracking);
            } else addItems(stack, k, sp, tracking);
            sp = k;
            continue;
          }
          sp = k;
          stack[sp++] = v;
          continue;
        default:
          // the REDUCE of _codecs.encode, as protocols 0-2 write every bytes object, here (no user code runs)
          if (op === 0x52 && sp - base >= 2 && isCodecsEncode(stack[sp - 2]) && stack[sp - 1] instanceof Tuple) {
            v = callGlobal(stack[sp - 2], stack[sp - 1]);
            sp -= 2;
            stack[sp++] = v;
            continue;
          }
          st.pos = pos;
          st.sp = sp;
          st.base = base;
          st.proto = proto;
          rareOpcode(op, st);
          pos = st.pos;
          sp = st.sp;
          base = st.base;
      }
    }
  } finally {
    // a failed load leaves its lists as far as it got, as CPython's does (and a kept memo without stale dicts)
    tracking.deferred?.flush();
    convertPending(tracking);
    cfg.memoCount = memoLen;
  }
}

/** The machine's state, handed to the opcodes that are neither hot nor simple. */
interface RareState {
  data: Uint8Array;
  dv: DataView;
  end: number;
  stack: unknown[];
  marks: number[];
  cfg: MachineConfig;
  pos: number;
  sp: number;
  base: number;
  proto: number;
  /** The machine's dict tracking; its held-back list items are written out before an opcode hands values to code outside the machine. */
  tracking: DictTracking;
}

function stPop(st: RareState): unknown {
  if (st.sp <= st.base) underflow(st.marks);
  return st.stack[--st.sp];
}

function stPush(st: RareState, x: unknown): void {
  st.stack[st.sp++] = x;
}

/** The line at st.pos (GLOBAL, INST arguments), decoded strictly. */
function stLine(st: RareState, codec: "utf_8" | "ascii" = "utf_8"): string {
  const nl = lineEnd(st.data, st.pos);
  // an empty line: CPython's bad_readline
  if (nl === st.pos) truncated();
  const s = decodeText(st.data, st.pos, nl, codec, "strict");
  st.pos = nl + 1;
  return s;
}

function stGlobal(st: RareState, module: string, name: string): unknown {
  return st.cfg.findClass(module, name, st.proto < 3 && st.cfg.fixImports);
}

/** Runs one of the rarer opcodes against `st`, updating its pos/sp/base. */
function rareOpcode(op: number, st: RareState): void {
  // the REDUCE of _codecs.encode (every bytes object at protocols 0-2) is the machine's own: no user code runs
  if (CALLS_OUT.has(op) && !(op === 0x52 && st.sp >= 2 && isCodecsEncode(st.stack[st.sp - 2]))) callingOut(st.tracking);
  st.pos = rareOp(op, st);
}

/** The opcodes that hand values to code outside the machine: REDUCE, NEWOBJ, NEWOBJ_EX, BUILD, INST, OBJ, PERSID, BINPERSID. */
const CALLS_OUT = new Set([0x52, 0x81, 0x92, 0x62, 0x69, 0x6f, 0x50, 0x51]);

/** The rarer opcodes; returns the new position. */
function rareOp(op: number, st: RareState): number {
  const { data, dv, end, stack, marks, cfg } = st;
  let pos = st.pos;
  switch (op) {
    case 0x49: // INT (text)
    case 0x4c: // LONG (text)
    case 0x46: { // FLOAT (text)
      const nl = lineEnd(data, pos);
      // INT and LONG ('123L') of plain digits, straight from the bytes (but for INT's lines of two
      // characters, where "00", "01" and "-0" are bools)
      const plain = op === 0x49 && nl - pos !== 2 ? plainDecimal(data, pos, nl) : op === 0x4c && data[nl - 1] === 0x4c ? plainDecimal(data, pos, nl - 1) : NaN;
      if (!Number.isNaN(plain)) {
        stPush(st, plain);
        return nl + 1;
      }
      // (the line with its '\n', as CPython reads it)
      const line = latin1(data.subarray(pos, nl + 1));
      pos = nl + 1;
      if (op === 0x46) stPush(st, readTextFloat(line));
      else {
        const x = op === 0x49 ? readTextInt(line) : readTextLong(line);
        stPush(st, typeof x === "boolean" ? x : intValue(x));
      }
      return pos;
    }
    case 0x56: { // UNICODE (raw-unicode-escape line)
      const nl = lineEnd(data, pos);
      stPush(st, decodeRawUnicodeEscape(data.subarray(pos, nl)));
      return nl + 1;
    }
    case 0x53: { // STRING (quoted, escaped line)
      const nl = lineEnd(data, pos);
      stPush(st, decodePy2(quotedString(data, pos, nl), cfg.encoding, cfg.errors));
      return nl + 1;
    }
    case 0x97: { // NEXT_BUFFER
      if (cfg.buffers === undefined) throw dataError("pickle stream refers to out-of-band data but no *buffers* argument was given");
      const r = cfg.buffers.next();
      if (r.done === true) throw dataError("not enough out-of-band buffers");
      stPush(st, r.value);
      return pos;
    }
    case 0x98: { // READONLY_BUFFER
      if (st.sp <= st.base) underflow(st.marks);
      // memoryview(b).toreadonly() unless it is read-only already (bytes, or a read-only PickleBuffer, stay as they are)
      const b = stack[st.sp - 1];
      if (b instanceof PickleBuffer) {
        if (!b.readonly) stack[st.sp - 1] = readonlyView(b.buffer);
      } else if (b instanceof bytearray || (ArrayBuffer.isView(b) && !(b instanceof Uint8Array))) stack[st.sp - 1] = readonlyView(b);
      else if (!(b instanceof Uint8Array)) throw dataError(`memoryview: a bytes-like object is required, not '${describe(b)}'`);
      return pos;
    }
    case 0x63: { // GLOBAL
      st.pos = pos;
      const module = stLine(st);
      const name = stLine(st);
      stPush(st, stGlobal(st, module, name));
      return st.pos;
    }
    case 0x93: { // STACK_GLOBAL
      const name = stPop(st);
      const module = stPop(st);
      if (typeof name !== "string" || typeof module !== "string") throw dataError("STACK_GLOBAL requires str");
      stPush(st, stGlobal(st, module, name));
      return pos;
    }
    case 0x52: { // REDUCE
      const args = stPop(st);
      const f = stPop(st);
      if (!(args instanceof Tuple)) throw dataError("argument list must be a tuple");
      stPush(st, f === ORDERED_DICT ? (cfg.dictAsMap ? new Map() : {}) : callGlobal(f, args));
      return pos;
    }
    case 0x81: { // NEWOBJ
      const args = stPop(st);
      const cls = stPop(st);
      stPush(st, cls === ORDERED_DICT ? (cfg.dictAsMap ? new Map() : {}) : newObject(cls, args, undefined));
      return pos;
    }
    case 0x92: { // NEWOBJ_EX
      const kwargs = stPop(st);
      const args = stPop(st);
      const cls = stPop(st);
      stPush(st, newObject(cls, args, kwargs));
      return pos;
    }
    case 0x62: { // BUILD
      const state = stPop(st);
      if (st.sp <= st.base) underflow(st.marks);
      buildState(stack[st.sp - 1], state);
      return pos;
    }
    case 0x69: { // INST (its lines are ASCII, GLOBAL's UTF-8; the MARK is looked for first)
      if (marks.length === 0) noMark();
      st.pos = pos;
      const module = stLine(st, "ascii");
      const name = stLine(st, "ascii");
      pos = st.pos;
      const m = marks.pop()!;
      st.base = marks.length > 0 ? marks[marks.length - 1]! : 0;
      const args = stack.slice(m, st.sp);
      st.sp = m;
      stPush(st, callGlobal(stGlobal(st, module, name), args));
      return pos;
    }
    case 0x6f: { // OBJ
      if (marks.length === 0) noMark();
      const m = marks.pop()!;
      st.base = marks.length > 0 ? marks[marks.length - 1]! : 0;
      if (st.sp - m < 1) underflow(marks);
      const cls = stack[m];
      const args = stack.slice(m + 1, st.sp);
      st.sp = m;
      stPush(st, callGlobal(cls, args));
      return pos;
    }
    case 0x50: { // PERSID
      if (cfg.persistentLoad === undefined) throw dataError(NO_PERSISTENT_LOAD);
      const nl = lineEnd(data, pos);
      for (let i = pos; i < nl; i++) if (data[i]! >= 0x80) throw dataError("persistent IDs in protocol 0 must be ASCII strings");
      const pid = latin1(data.subarray(pos, nl));
      pos = nl + 1;
      stPush(st, cfg.persistentLoad(pid));
      return pos;
    }
    case 0x51: // BINPERSID
      if (cfg.persistentLoad === undefined) throw dataError(NO_PERSISTENT_LOAD);
      stPush(st, cfg.persistentLoad(stPop(st)));
      return pos;
    case 0x82: // EXT1
    case 0x83: // EXT2
    case 0x84: { // EXT4
      const w = op === 0x82 ? 1 : op === 0x83 ? 2 : 4;
      if (pos + w > end) truncated();
      const code = w === 1 ? data[pos]! : w === 2 ? dv.getUint16(pos, true) : dv.getInt32(pos, true);
      if (code <= 0) throw dataError("EXT specifies code <= 0");
      throw dataError(`unregistered extension code ${code}`);
    }
    default:
      return invalidKey(op);
  }
}
