/**
 * The unpickling machine: one loop over the opcodes of a pickle held in
 * memory, a value stack with MARK positions, and the memo. It never
 * recurses (nesting lives on the stack), checks every length against the
 * bytes that remain before allocating, and turns every failure into
 * `UnpicklingError`.
 */
import { UnpicklingError } from "./_errors.js";
import { ORDERED_DICT, buildState, callGlobal, codecError, fixImport, newObject, setOwn } from "./_globals.js";
import { decodeLong, intValue, parseIntText } from "./_ints.js";
import { decodeRawUnicodeEscape, decodeUtf8, decodeUtf8Lenient, escapeDecode, parseFloatText } from "./_text.js";
import { Tuple, bytearray, frozenset } from "./_values.js";
import { replaceEverywhere } from "./_replace.js";

/** What the machine needs from its Unpickler. */
export interface MachineConfig {
  /** Resolves a global (the safe table, then the user's find_class). */
  findClass(module: string, name: string): unknown;
  /** Python's persistent_load. */
  persistentLoad(pid: unknown): unknown;
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
}

const TRUNCATED = "pickle data was truncated";
const latin1 = new TextDecoder("latin1");

function truncated(): never {
  throw new UnpicklingError(TRUNCATED);
}

function underflow(): never {
  throw new UnpicklingError("unpickling stack underflow");
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== "object" || v === null) return false;
  const p: unknown = Object.getPrototypeOf(v);
  return p === Object.prototype || p === null;
}

function isList(v: unknown): v is unknown[] {
  return Array.isArray(v) && !(v instanceof Tuple);
}

function decodePy2(bytes: Uint8Array, encoding: string, errors: string): unknown {
  const enc = encoding.toLowerCase().replace(/_/g, "-");
  if (enc === "bytes") return bytes;
  if (enc === "latin1" || enc === "latin-1" || enc === "iso-8859-1" || enc === "l1") return latin1.decode(bytes);
  if (enc === "ascii" || enc === "us-ascii") {
    let s = "";
    for (let i = 0; i < bytes.length; i++) {
      const c = bytes[i]!;
      if (c < 0x80) s += String.fromCharCode(c);
      else if (errors === "replace") s += "\ufffd";
      else if (errors === "surrogateescape") s += String.fromCharCode(0xdc00 + c);
      else if (errors !== "ignore") throw new UnpicklingError(`'ascii' codec can't decode byte 0x${c.toString(16)} in position ${i}: ordinal not in range(128)`);
    }
    return s;
  }
  if (enc === "utf-8" || enc === "utf8") return errors === "replace" ? decodeUtf8Lenient(bytes) : decodeUtf8(bytes, 0, bytes.length);
  throw new UnpicklingError(`unknown encoding: ${encoding}`);
}

/** Runs the machine over `data` (a plain Uint8Array view) and returns the unpickled value. */
export function runMachine(data: Uint8Array, cfg: MachineConfig): unknown {
  const end = data.length;
  if (end === 0) throw new UnpicklingError("Ran out of input");
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const stack: unknown[] = [];
  let sp = 0; // stack height (entries past it are stale)
  const marks: number[] = [];
  const memo = cfg.memo;
  const dictAsMap = cfg.dictAsMap;
  let memoLen = memo.length === 0 ? 0 : Object.keys(memo).length;
  let base = 0; // stack length at the innermost MARK
  let proto = 0;
  let pos = 0;
  // dicts built as plain objects that may have to become Maps
  let dictSlots: Map<object, number> | undefined;
  let sharedDicts: Set<object> | undefined;

  const push = (v: unknown): void => {
    stack[sp++] = v;
  };
  const readLine = (): number => {
    const nl = data.indexOf(0x0a, pos);
    if (nl < 0) truncated();
    return nl;
  };
  const lineText = (): string => {
    const nl = readLine();
    const s = latin1.decode(data.subarray(pos, nl));
    pos = nl + 1;
    return s;
  };
  const utf8Line = (): string => {
    const nl = readLine();
    let s: string;
    try {
      s = decodeUtf8(data, pos, nl);
    } catch (e) {
      throw codecError(e);
    }
    pos = nl + 1;
    return s;
  };
  const popMark = (): number => {
    const k = marks.pop();
    if (k === undefined) throw new UnpicklingError("could not find MARK");
    base = marks.length > 0 ? marks[marks.length - 1]! : 0;
    return k;
  };
  const top = (): unknown => {
    if (sp <= base) underflow();
    return stack[sp - 1];
  };
  const pop = (): unknown => {
    if (sp <= base) underflow();
    return stack[--sp];
  };
  const bytesAt = (n: number): Uint8Array => {
    if (n > end - pos) truncated();
    const b = data.slice(pos, pos + n);
    pos += n;
    return b;
  };
  const size8 = (): number => {
    if (8 > end - pos) truncated();
    const n = dv.getUint32(pos, true) + dv.getUint32(pos + 4, true) * 4294967296;
    pos += 8;
    if (n > end - pos) truncated();
    return n;
  };
  const utf8At = (n: number): string => {
    if (n > end - pos) truncated();
    let s: string;
    try {
      s = decodeUtf8(data, pos, pos + n);
    } catch (e) {
      throw codecError(e);
    }
    pos += n;
    return s;
  };
  const py2String = (b: Uint8Array): unknown => {
    try {
      return decodePy2(b, cfg.encoding, cfg.errors);
    } catch (e) {
      throw codecError(e);
    }
  };
  const memoGet = (idx: number | string): unknown => {
    const v = memo[idx as number];
    if (v === undefined && !Object.hasOwn(memo, idx)) throw new UnpicklingError(`Memo value not found at index ${idx}`);
    if (!dictAsMap && isPlainObject(v)) (sharedDicts ??= new Set()).add(v);
    return v;
  };
  const memoPut = (idx: number | string): void => {
    const v = top();
    if (!Object.hasOwn(memo, idx)) memoLen++;
    memo[idx as number] = v;
    if (!dictAsMap && isPlainObject(v)) {
      dictSlots ??= new Map();
      if (dictSlots.has(v)) (sharedDicts ??= new Set()).add(v);
      else dictSlots.set(v, idx as number);
    }
  };
  const global = (module: string, name: string): unknown => {
    const m = proto < 3 && cfg.fixImports ? fixImport(module) : module;
    return cfg.findClass(m, name);
  };
  /** Makes a dict from items[from..to) (DICT, and a dict that needs non-str keys). */
  const newDict = (from: number, to: number): Record<string, unknown> | Map<unknown, unknown> => {
    if ((to - from) % 2 !== 0) throw new UnpicklingError("odd number of items for DICT");
    let allStr = !dictAsMap;
    for (let i = from; allStr && i < to; i += 2) if (typeof stack[i] !== "string") allStr = false;
    if (allStr) {
      const d: Record<string, unknown> = {};
      for (let i = from; i < to; i += 2) setOwn(d, stack[i] as string, stack[i + 1]);
      return d;
    }
    const m = new Map<unknown, unknown>();
    for (let i = from; i < to; i += 2) m.set(stack[i], stack[i + 1]);
    return m;
  };
  /** SETITEM(S): stores stack[from..to) as key/value pairs into the dict below them. */
  const setItems = (from: number, to: number): void => {
    let d = stack[from - 1];
    if (isPlainObject(d)) {
      let allStr = true;
      for (let i = from; i < to; i += 2) if (typeof stack[i] !== "string") allStr = false;
      if (allStr) {
        for (let i = from; i < to; i += 2) setOwn(d, stack[i] as string, stack[i + 1]);
        return;
      }
      // a key that is not a str: the dict becomes a Map, wherever it is referenced
      const old = d;
      const m = new Map<unknown, unknown>(Object.entries(old));
      const slot = dictSlots?.get(old);
      if (slot !== undefined) memo[slot] = m;
      for (let i = from - 1; i < to; i++) if (stack[i] === old) stack[i] = m;
      if (sharedDicts?.has(old) === true) replaceEverywhere(old, m, stack, memo);
      d = m;
    }
    if (d instanceof Map) {
      for (let i = from; i < to; i += 2) d.set(stack[i], stack[i + 1]);
      return;
    }
    const setitem = (d as { __setitem__?: unknown } | null)?.__setitem__;
    if (typeof setitem !== "function") throw new UnpicklingError(`SETITEM target is not a dict`);
    for (let i = from; i < to; i += 2) Reflect.apply(setitem as (k: unknown, v: unknown) => unknown, d, [stack[i], stack[i + 1]]);
  };
  const appendItems = (from: number, to: number): void => {
    const list = stack[from - 1];
    if (isList(list)) {
      for (let i = from; i < to; i++) list.push(stack[i]);
      return;
    }
    const obj = list as { extend?: unknown; append?: unknown } | null;
    if (obj !== null && typeof obj === "object" && typeof obj.extend === "function") {
      Reflect.apply(obj.extend as (items: unknown[]) => unknown, obj, [stack.slice(from, to)]);
    } else if (obj !== null && typeof obj === "object" && typeof obj.append === "function") {
      for (let i = from; i < to; i++) Reflect.apply(obj.append as (x: unknown) => unknown, obj, [stack[i]]);
    } else throw new UnpicklingError("APPEND target is not a list");
  };
  const tupleFrom = (from: number): Tuple => {
    const n = sp - from;
    const t = new Tuple<unknown>(n);
    for (let i = 0; i < n; i++) t[i] = stack[from + i];
    sp = from;
    return t;
  };

  for (;;) {
    if (pos >= end) truncated();
    const op = data[pos++]!;
    switch (op) {
      case 0x80: { // PROTO
        if (pos >= end) truncated();
        proto = data[pos++]!;
        if (proto > 5) throw new UnpicklingError(`unsupported pickle protocol: ${proto}`);
        break;
      }
      case 0x95: { // FRAME: the bytes are here already; only check that they are
        size8();
        break;
      }
      case 0x2e: // STOP
        return pop();
      case 0x28: // MARK
        marks.push(sp);
        base = sp;
        break;
      case 0x30: // POP
        if (marks.length > 0 && marks[marks.length - 1] === sp) popMark();
        else pop();
        break;
      case 0x31: // POP_MARK
        sp = popMark();
        break;
      case 0x32: { // DUP
        const v = top();
        if (!dictAsMap && isPlainObject(v)) (sharedDicts ??= new Set()).add(v);
        push(v);
        break;
      }
      case 0x4e: // NONE
        push(null);
        break;
      case 0x88: // NEWTRUE
        push(true);
        break;
      case 0x89: // NEWFALSE
        push(false);
        break;
      case 0x4b: // BININT1
        if (pos >= end) truncated();
        push(data[pos++]);
        break;
      case 0x4d: // BININT2
        if (pos + 2 > end) truncated();
        push(data[pos]! | (data[pos + 1]! << 8));
        pos += 2;
        break;
      case 0x4a: // BININT
        if (pos + 4 > end) truncated();
        push(dv.getInt32(pos, true));
        pos += 4;
        break;
      case 0x8a: { // LONG1
        if (pos >= end) truncated();
        const n = data[pos++]!;
        if (n > end - pos) truncated();
        push(decodeLong(data, pos, n));
        pos += n;
        break;
      }
      case 0x8b: { // LONG4
        if (pos + 4 > end) truncated();
        const n = dv.getInt32(pos, true);
        pos += 4;
        if (n < 0) throw new UnpicklingError("LONG pickle has negative byte count");
        if (n > end - pos) truncated();
        push(decodeLong(data, pos, n));
        pos += n;
        break;
      }
      case 0x49: { // INT (text)
        const t = lineText();
        if (t === "00" || t === "01") {
          push(t === "01");
          break;
        }
        const v = parseIntText(t, true);
        if (v === undefined) throw new UnpicklingError("could not convert string to int");
        push(intValue(v));
        break;
      }
      case 0x4c: { // LONG (text)
        let t = lineText();
        if (t.endsWith("L")) t = t.slice(0, -1);
        const v = parseIntText(t, false);
        if (v === undefined) throw new UnpicklingError(`invalid literal for int() with base 0: '${t.slice(0, 50)}'`);
        push(intValue(v));
        break;
      }
      case 0x47: // BINFLOAT
        if (pos + 8 > end) truncated();
        push(dv.getFloat64(pos, false));
        pos += 8;
        break;
      case 0x46: { // FLOAT (text)
        const t = lineText();
        const v = parseFloatText(t);
        if (v === undefined) throw new UnpicklingError(`could not convert string to float: '${t.slice(0, 50)}'`);
        push(v);
        break;
      }
      case 0x8c: { // SHORT_BINUNICODE
        if (pos >= end) truncated();
        const n = data[pos++]!;
        push(utf8At(n));
        break;
      }
      case 0x58: { // BINUNICODE
        if (pos + 4 > end) truncated();
        const n = dv.getUint32(pos, true);
        pos += 4;
        push(utf8At(n));
        break;
      }
      case 0x8d: // BINUNICODE8
        push(utf8At(size8()));
        break;
      case 0x56: { // UNICODE (raw-unicode-escape line)
        const nl = readLine();
        try {
          push(decodeRawUnicodeEscape(data.subarray(pos, nl)));
        } catch (e) {
          throw codecError(e);
        }
        pos = nl + 1;
        break;
      }
      case 0x43: { // SHORT_BINBYTES
        if (pos >= end) truncated();
        const n = data[pos++]!;
        push(bytesAt(n));
        break;
      }
      case 0x42: { // BINBYTES
        if (pos + 4 > end) truncated();
        const n = dv.getUint32(pos, true);
        pos += 4;
        push(bytesAt(n));
        break;
      }
      case 0x8e: // BINBYTES8
        push(bytesAt(size8()));
        break;
      case 0x96: { // BYTEARRAY8
        const n = size8();
        const b = new bytearray(n);
        b.set(data.subarray(pos, pos + n));
        pos += n;
        push(b);
        break;
      }
      case 0x55: { // SHORT_BINSTRING (Python 2 str)
        if (pos >= end) truncated();
        const n = data[pos++]!;
        push(py2String(bytesAt(n)));
        break;
      }
      case 0x54: { // BINSTRING
        if (pos + 4 > end) truncated();
        const n = dv.getInt32(pos, true);
        pos += 4;
        if (n < 0) throw new UnpicklingError("BINSTRING pickle has negative byte count");
        push(py2String(bytesAt(n)));
        break;
      }
      case 0x53: { // STRING (quoted, escaped line)
        const nl = readLine();
        const q = data[pos];
        if (nl - pos < 2 || (q !== 0x27 && q !== 0x22) || data[nl - 1] !== q) throw new UnpicklingError("the STRING opcode argument must be quoted");
        let b: Uint8Array;
        try {
          b = escapeDecode(data.subarray(pos + 1, nl - 1));
        } catch (e) {
          throw codecError(e);
        }
        pos = nl + 1;
        push(py2String(b));
        break;
      }
      case 0x97: { // NEXT_BUFFER
        if (cfg.buffers === undefined) throw new UnpicklingError("pickle stream refers to out-of-band data but no *buffers* argument was given");
        const r = cfg.buffers.next();
        if (r.done === true) throw new UnpicklingError("not enough out-of-band buffers");
        push(r.value);
        break;
      }
      case 0x98: { // READONLY_BUFFER
        const b = top();
        if (b instanceof bytearray) stack[sp - 1] = new Uint8Array(b.buffer, b.byteOffset, b.length);
        else if (!(b instanceof Uint8Array)) throw new UnpicklingError("READONLY_BUFFER needs a buffer");
        break;
      }
      case 0x29: // EMPTY_TUPLE
        push(new Tuple<unknown>());
        break;
      case 0x85: { // TUPLE1
        const t = new Tuple<unknown>(1);
        t[0] = pop();
        push(t);
        break;
      }
      case 0x86: { // TUPLE2
        if (sp - base < 2) underflow();
        const n = sp;
        const t = new Tuple<unknown>(2);
        t[0] = stack[n - 2];
        t[1] = stack[n - 1];
        sp = n - 2;
        push(t);
        break;
      }
      case 0x87: { // TUPLE3
        if (sp - base < 3) underflow();
        const n = sp;
        const t = new Tuple<unknown>(3);
        t[0] = stack[n - 3];
        t[1] = stack[n - 2];
        t[2] = stack[n - 1];
        sp = n - 3;
        push(t);
        break;
      }
      case 0x74: // TUPLE
        push(tupleFrom(popMark()));
        break;
      case 0x5d: // EMPTY_LIST
        push([]);
        break;
      case 0x6c: { // LIST
        const k = popMark();
        const list = stack.slice(k, sp);
        sp = k;
        push(list);
        break;
      }
      case 0x61: { // APPEND
        if (sp - base < 2) underflow();
        const n = sp;
        const list = stack[n - 2];
        if (isList(list)) list.push(stack[n - 1]);
        else appendItems(n - 1, n);
        sp = n - 1;
        break;
      }
      case 0x65: { // APPENDS
        const k = popMark();
        if (k < 1 || k - 1 < base) underflow();
        appendItems(k, sp);
        sp = k;
        break;
      }
      case 0x7d: // EMPTY_DICT
        push(dictAsMap ? new Map() : {});
        break;
      case 0x64: { // DICT
        const k = popMark();
        const d = newDict(k, sp);
        sp = k;
        push(d);
        break;
      }
      case 0x73: { // SETITEM
        if (sp - base < 3) underflow();
        const n = sp;
        const d = stack[n - 3];
        const key = stack[n - 2];
        if (typeof key === "string" && !dictAsMap && isPlainObject(d)) setOwn(d, key, stack[n - 1]);
        else setItems(n - 2, n);
        sp = n - 2;
        break;
      }
      case 0x75: { // SETITEMS
        const k = popMark();
        if (k < 1 || k - 1 < base) underflow();
        if ((sp - k) % 2 !== 0) throw new UnpicklingError("odd number of items for SETITEMS");
        setItems(k, sp);
        sp = k;
        break;
      }
      case 0x8f: // EMPTY_SET
        push(new Set());
        break;
      case 0x90: { // ADDITEMS
        const k = popMark();
        if (k < 1 || k - 1 < base) underflow();
        const s = stack[k - 1];
        if (s instanceof Set && !(s instanceof frozenset)) {
          for (let i = k; i < sp; i++) s.add(stack[i]);
        } else {
          const add = (s as { add?: unknown } | null)?.add;
          if (typeof add !== "function" || s instanceof frozenset) throw new UnpicklingError("ADDITEMS target is not a set");
          for (let i = k; i < sp; i++) Reflect.apply(add as (x: unknown) => unknown, s, [stack[i]]);
        }
        sp = k;
        break;
      }
      case 0x91: { // FROZENSET
        const k = popMark();
        const f = new frozenset(stack.slice(k, sp));
        sp = k;
        push(f);
        break;
      }
      case 0x94: // MEMOIZE
        memoPut(memoLen);
        break;
      case 0x71: // BINPUT
        if (pos >= end) truncated();
        memoPut(data[pos++]!);
        break;
      case 0x72: // LONG_BINPUT
        if (pos + 4 > end) truncated();
        memoPut(dv.getUint32(pos, true));
        pos += 4;
        break;
      case 0x70: { // PUT (text)
        const v = parseIntText(lineText(), false);
        if (v === undefined) throw new UnpicklingError("invalid PUT argument");
        if (v < 0n) throw new UnpicklingError("negative PUT argument");
        memoPut(v <= 0xfffffffen ? Number(v) : v.toString());
        break;
      }
      case 0x68: // BINGET
        if (pos >= end) truncated();
        push(memoGet(data[pos++]!));
        break;
      case 0x6a: // LONG_BINGET
        if (pos + 4 > end) truncated();
        push(memoGet(dv.getUint32(pos, true)));
        pos += 4;
        break;
      case 0x67: { // GET (text)
        const v = parseIntText(lineText(), false);
        if (v === undefined) throw new UnpicklingError("invalid GET argument");
        push(memoGet(v >= 0n && v <= 0xfffffffen ? Number(v) : v.toString()));
        break;
      }
      case 0x63: { // GLOBAL
        const module = utf8Line();
        const name = utf8Line();
        push(global(module, name));
        break;
      }
      case 0x93: { // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof name !== "string" || typeof module !== "string") throw new UnpicklingError("STACK_GLOBAL requires str");
        push(global(module, name));
        break;
      }
      case 0x52: { // REDUCE
        const args = pop();
        const f = pop();
        push(f === ORDERED_DICT ? (dictAsMap ? new Map() : {}) : callGlobal(f, args));
        break;
      }
      case 0x81: { // NEWOBJ
        const args = pop();
        const cls = pop();
        push(cls === ORDERED_DICT ? (dictAsMap ? new Map() : {}) : newObject(cls, args, undefined));
        break;
      }
      case 0x92: { // NEWOBJ_EX
        const kwargs = pop();
        const args = pop();
        const cls = pop();
        push(newObject(cls, args, kwargs));
        break;
      }
      case 0x62: { // BUILD
        const state = pop();
        buildState(top(), state);
        break;
      }
      case 0x69: { // INST
        const module = utf8Line();
        const name = utf8Line();
        const k = popMark();
        const args = stack.slice(k, sp);
        sp = k;
        push(callGlobal(global(module, name), args));
        break;
      }
      case 0x6f: { // OBJ
        const k = popMark();
        if (sp - k < 1) underflow();
        const cls = stack[k];
        const args = stack.slice(k + 1, sp);
        sp = k;
        push(callGlobal(cls, args));
        break;
      }
      case 0x50: { // PERSID
        const nl = readLine();
        for (let i = pos; i < nl; i++) if (data[i]! >= 0x80) throw new UnpicklingError("persistent IDs in protocol 0 must be ASCII strings");
        const pid = lineText();
        push(cfg.persistentLoad(pid));
        break;
      }
      case 0x51: // BINPERSID
        push(cfg.persistentLoad(pop()));
        break;
      case 0x82: // EXT1
      case 0x83: // EXT2
      case 0x84: { // EXT4
        const n = op === 0x82 ? 1 : op === 0x83 ? 2 : 4;
        if (pos + n > end) truncated();
        const code = n === 1 ? data[pos]! : n === 2 ? dv.getUint16(pos, true) : dv.getInt32(pos, true);
        pos += n;
        if (code <= 0) throw new UnpicklingError("EXT specifies code <= 0");
        throw new UnpicklingError(`unregistered extension code ${code}`);
      }
      default:
        throw new UnpicklingError(`invalid load key, '${op >= 0x20 && op < 0x7f ? String.fromCharCode(op) : `\\x${op.toString(16).padStart(2, "0")}`}'.`);
    }
  }
}
