/**
 * How the unpickling machine fills containers from a slice of its stack:
 * dicts (a plain object while every key is a str, else a Map — converted in
 * place, references included, when a later key is not a str), lists (or an
 * object with `extend`/`append`), sets, and tuples.
 */
import { dataError } from "./_errors.js";
import { describe, noAttribute, pyIndex, setOwn } from "./_globals.js";
import { presentKey } from "./_pyequal.js";
import { replaceEverywhere } from "./_replace.js";
import { Tuple, bytearray, frozenset } from "./_values.js";
import { DEFER_AT, DeferredAppends, appendNow } from "./_deferred.js";
import { DictShapes } from "./_dictshape.js";

/** What the machine tracks about dicts built as plain objects, for the rare Map conversion. */
export interface DictTracking {
  /**
   * By stack position: the memo slot where the plain-object dict at that
   * position was last memoized (stale entries are told apart by checking
   * that the memo slot still holds the same dict).
   */
  slotAt: (number | string | undefined)[];
  /** Plain-object dicts that may be referenced from elsewhere (fetched from the memo, DUP'd, memoized twice). */
  shared: Set<object> | undefined;
  /** The str keys of the last dict filled (created on first use). */
  shapes: DictShapes | undefined;
  /** The machine's held-back list items, written out before a dict's references are rewritten or a user's `__setitem__` runs. */
  deferred: DeferredAppends | undefined;
  /**
   * The last dict EMPTY_DICT made (a plain object), known plain without
   * asking V8 for its prototype, which is a call into V8's runtime.
   */
  fresh: object | undefined;
  /**
   * Shared dicts turned into Maps whose other references are not yet
   * pointed at the Map (see `convertPending`); SETITEM(S) into an old one
   * goes to its Map meanwhile.
   */
  converted: Map<object, Map<unknown, unknown>> | undefined;
  /** The machine's stack and memo: where the references to convert are looked for. */
  stack: unknown[];
  memo: unknown[];
}

/** Tells whether `v` is a plain object (a dict as loads builds it, or `{}`-like). */
export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== "object" || v === null) return false;
  const p: unknown = Object.getPrototypeOf(v);
  return p === Object.prototype || p === null;
}

/**
 * Before values go to code outside the machine (a user's callable or
 * container method): the held-back list items are written out, and the
 * dict EMPTY_DICT made last is no longer known plain (that code could give
 * it another prototype).
 */
export function callingOut(t: DictTracking): void {
  t.deferred?.flush();
  t.fresh = undefined;
  convertPending(t);
}

/**
 * Points every reference to the dicts turned into Maps at their Maps, in
 * one walk of all that was built (see _replace.ts): before values go to code
 * outside the machine, and at its end.
 */
export function convertPending(t: DictTracking): void {
  const converted = t.converted;
  if (converted === undefined) return;
  t.converted = undefined;
  t.deferred?.flush();
  replaceEverywhere(converted, t.stack, t.memo);
}

/**
 * Tells whether `v` is a dict the machine keeps as a plain object: the one
 * EMPTY_DICT made last, or any plain object. Arrays and bytes are told
 * apart by their instance type first, which V8 reads inline, where
 * Object.getPrototypeOf is a call into its runtime.
 */
export function isPlainDict(v: unknown, t: DictTracking): v is Record<string, unknown> {
  return typeof v === "object" && (v === t.fresh || (!Array.isArray(v) && !ArrayBuffer.isView(v) && isPlainObject(v)));
}

/** Tells whether `v` is a list (an Array that is not a Tuple). */
export function isList(v: unknown): v is unknown[] {
  // an array whose constructor is Array's is no Tuple: a load V8 inlines, where instanceof Tuple is a call
  return Array.isArray(v) && ((v as { constructor?: unknown }).constructor === Array || !(v instanceof Tuple));
}

/** Notes that the plain-object dict at stack position `at` was memoized at `idx`. */
export function trackMemoized(t: DictTracking, memo: unknown[], d: object, at: number, idx: number | string): void {
  const prev = t.slotAt[at];
  if (prev !== undefined && prev !== idx && memo[prev as number] === d) (t.shared ??= new Set()).add(d);
  t.slotAt[at] = idx;
}

/** Notes that a plain-object dict may now be referenced from elsewhere. */
export function trackShared(t: DictTracking, d: object): void {
  (t.shared ??= new Set()).add(d);
}

/** DICT: a dict of stack[from..to) key/value pairs. */
export function newDict(stack: unknown[], from: number, to: number, dictAsMap: boolean): Record<string, unknown> | Map<unknown, unknown> {
  if ((to - from) % 2 !== 0) throw dataError("odd number of items for DICT");
  let allStr = !dictAsMap;
  for (let i = from; allStr && i < to; i += 2) if (typeof stack[i] !== "string") allStr = false;
  if (allStr) {
    const d: Record<string, unknown> = {};
    for (let i = from; i < to; i += 2) setOwn(d, stack[i] as string, stack[i + 1]);
    return d;
  }
  const m = new Map<unknown, unknown>();
  for (let i = from; i < to; i += 2) m.set(presentKey(m, stack[i]), stack[i + 1]);
  return m;
}

/** SETITEM(S): stores stack[from..to) as key/value pairs into the dict at stack[from - 1]. */
export function setItems(stack: unknown[], from: number, to: number, memo: unknown[], t: DictTracking): void {
  let d = stack[from - 1];
  if (t.converted !== undefined) d = t.converted.get(d as object) ?? d;
  if (isPlainDict(d, t)) {
    let allStr = true;
    for (let i = from; i < to; i += 2) if (typeof stack[i] !== "string") allStr = false;
    if (allStr) {
      if ((t.shapes ??= new DictShapes()).fill(d, stack, from, to)) return;
      for (let i = from; i < to; i += 2) setOwn(d, stack[i] as string, stack[i + 1]);
      return;
    }
    // a key that is not a str: the dict becomes a Map, wherever it is referenced
    const old = d;
    const m = new Map<unknown, unknown>(Object.entries(old));
    const slot = t.slotAt[from - 1];
    if (slot !== undefined && memo[slot as number] === old) memo[slot as number] = m;
    for (let i = from - 1; i < to; i++) if (stack[i] === old) stack[i] = m;
    // other references to it are pointed at the Map later, with those of any other such dict (convertPending)
    if (t.shared?.has(old) === true) (t.converted ??= new Map()).set(old, m);
    d = m;
  }
  if (d instanceof Map) {
    for (let i = from; i < to; i += 2) d.set(presentKey(d, stack[i]), stack[i + 1]);
    return;
  }
  // nothing to set: CPython asks nothing of the target
  if (from === to) return;
  const setitem = (d as { __setitem__?: unknown } | null)?.__setitem__;
  const indexed = isList(d) || d instanceof bytearray ? d : undefined;
  if (typeof setitem !== "function" && indexed === undefined) throw dataError(noItemAssignment(d, stack[from]));
  callingOut(t);
  if (indexed !== undefined) for (let i = from; i < to; i += 2) setIndexed(indexed, stack[i], stack[i + 1]);
  else for (let i = from; i < to; i += 2) Reflect.apply(setitem as (k: unknown, v: unknown) => unknown, d, [stack[i], stack[i + 1]]);
}

/** Python's types that have sequence methods but no item assignment (CPython makes an int key an index before it refuses). */
const SEQUENCE_TYPES = new Set(["tuple", "str", "bytes", "set", "frozenset"]);

/** CPython's error for `target[key] = …` on a target without item assignment. */
function noItemAssignment(target: unknown, key: unknown): string {
  const type = describe(target);
  // (only an int past 2**53, a bigint, can be past 2**63)
  if (typeof key === "bigint" && SEQUENCE_TYPES.has(type) && (key >= 2n ** 63n || key < -(2n ** 63n))) return "cannot fit 'int' into an index-sized integer";
  return `'${type}' object does not support item assignment`;
}

/** `target[key] = value` on a list or bytearray, with Python's index rules and its errors. */
function setIndexed(target: unknown[] | Uint8Array, key: unknown, value: unknown): void {
  const kind = Array.isArray(target) ? "list" : "bytearray";
  const k = pyIndex(key);
  if (k === undefined) throw dataError(`${kind} indices must be integers or slices, not ${describe(key)}`);
  if (k >= 2 ** 63 || k < -(2 ** 63)) throw dataError("cannot fit 'int' into an index-sized integer");
  let byte = 0;
  if (kind === "bytearray") {
    const b = pyIndex(value);
    if (b === undefined) throw dataError(`'${describe(value)}' object cannot be interpreted as an integer`);
    if (b < 0 || b > 255) throw dataError("byte must be in range(0, 256)");
    byte = Number(b);
  }
  let i = Number(k);
  if (i < 0) i += target.length;
  if (i < 0 || i >= target.length) throw dataError(kind === "list" ? "list assignment index out of range" : "bytearray index out of range");
  if (Array.isArray(target)) target[i] = value;
  else target[i] = byte;
}

/**
 * APPEND(S): appends stack[from..to) to the list at stack[from - 1], holding
 * back the items of big lists in `t.deferred`; a user's object gets its
 * extend/append called, after the held-back items are written out.
 */
export function appendItems(stack: unknown[], from: number, to: number, t: DictTracking): void {
  // nothing to append: CPython asks nothing of the target
  if (from === to) return;
  const list = stack[from - 1];
  if (isList(list)) {
    if (t.deferred === undefined && list.length + (to - from) < DEFER_AT) appendNow(list, stack, from, to);
    else if (to - from === 1) (t.deferred ??= new DeferredAppends()).appendOne(list, stack[from]);
    else (t.deferred ??= new DeferredAppends()).appendSlice(list, stack, from, to);
    return;
  }
  callingOut(t);
  // (read again: callingOut may have pointed the slot at a dict's Map)
  const obj = stack[from - 1] as { extend?: unknown; append?: unknown } | null;
  if (obj !== null && typeof obj === "object" && typeof obj.extend === "function") {
    Reflect.apply(obj.extend as (items: unknown[]) => unknown, obj, [stack.slice(from, to)]);
  } else if (obj !== null && typeof obj === "object" && typeof obj.append === "function") {
    for (let i = from; i < to; i++) Reflect.apply(obj.append as (x: unknown) => unknown, obj, [stack[i]]);
  } else throw dataError(noAttribute(obj, "append"));
}

/** ADDITEMS: adds stack[from..to) to the set at stack[from - 1] (or calls its add, after the held-back list items are written out). */
export function addItems(stack: unknown[], from: number, to: number, t: DictTracking): void {
  // nothing to add: CPython asks nothing of the target
  if (from === to) return;
  let s = stack[from - 1];
  if (s instanceof Set && !(s instanceof frozenset)) {
    for (let i = from; i < to; i++) s.add(presentKey(s, stack[i]));
    return;
  }
  callingOut(t);
  s = stack[from - 1];
  const add = (s as { add?: unknown } | null)?.add;
  if (typeof add !== "function" || s instanceof frozenset) throw dataError(noAttribute(s, "add", stack[from]));
  for (let i = from; i < to; i++) Reflect.apply(add as (x: unknown) => unknown, s, [stack[i]]);
}

/** A Tuple of stack[from..to). */
export function tupleOf(stack: unknown[], from: number, to: number): Tuple {
  // a plain array given Tuple's prototype: much cheaper than constructing the Array subclass
  const items = stack.slice(from, to);
  Object.setPrototypeOf(items, Tuple.prototype);
  // eslint-disable-next-line @typescript-eslint/no-unsafe-class-instance-assignment -- a Tuple is an Array with Tuple's prototype, on purpose
  return items;
}
