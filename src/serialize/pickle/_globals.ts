/**
 * What the globals of a pickle may resolve to, and how REDUCE, NEWOBJ,
 * NEWOBJ_EX and BUILD apply them. The safe table holds only the callables
 * that CPython itself writes for the value types (`_codecs.encode`,
 * `builtins.set`, …), implemented here as plain JS functions that check
 * their arguments; everything else goes through the user's `find_class`.
 */
import { UnpicklingError, dataError } from "./_errors.js";
import { encodeUtf8Into } from "./_text.js";
import { codecOf, decodesDirectly, encodeErrorText, firstUnencodable, type Codec } from "../../sockets/_codecs.js";
import { encodeText as sharedEncodeText } from "../../sockets/_encode.js";
import { LookupError, UnicodeEncodeError, ValueError } from "../../sockets/errors.js";
import { PickleBuffer, Tuple, bytearray, frozenset, isClass, pyTypeName, tuple } from "./_values.js";
import { pySet } from "./_pyequal.js";
import { latin1Bytes } from "../_slab.js";

/** Python's `object`, as `builtins.object` resolves (a base for copyreg._reconstructor). */
export const PY_OBJECT: object = Object.freeze({ __name__: "object" });


/** CPython's TypeError text for a str argument `arg` of `fn` given `v` (which names None itself, not its type). */
function notStr(fn: string, arg: string, v: unknown): UnpicklingError {
  return dataError(`${fn}() argument '${arg}' must be str, not ${v === null || v === undefined ? "None" : describe(v)}`);
}

/**
 * The int a value is as a Python index (a bool is 0 or 1), or undefined for
 * any other type. A number is an int as `describe` tells: a safe integer but
 * -0; past 2**53 only floats are numbers (ints there are bigints), but an
 * integral float below it cannot be told from an int.
 *
 * @example
 * ```ts
 * pyIndex(true); // 1
 * pyIndex(2 ** 60); // undefined (a float)
 * ```
 */
export function pyIndex(v: unknown): number | bigint | undefined {
  if (typeof v === "boolean") return v ? 1 : 0;
  if ((typeof v === "number" && Number.isSafeInteger(v) && !Object.is(v, -0)) || typeof v === "bigint") return v;
  return undefined;
}

/** From this many characters `encodeText` writes latin-1 and ASCII natively (below, its loop is quicker). */
const NATIVE_ENCODE_MIN = 64;
const PAST_ASCII = /[^\x00-\x7f]/;
const PAST_LATIN1 = /[^\x00-\xff]/;

/**
 * `s` encoded as `what` (`encode`, `bytes`, …) would encode it with the
 * handler `errors`; `registry` when a handler's LookupError reaches the
 * caller wrapped, as it does through the codec registry (`_codecs.encode`
 * always, `bytes()` for names it does not take straight to the codec).
 */
function encodeText(s: unknown, encoding: unknown, what = "encode", errors = "strict", registry = true): Uint8Array {
  if (typeof encoding !== "string") throw notStr(what, "encoding", encoding);
  // (every bytes object of protocols 0-2 comes through here with 'latin1')
  const codec = encoding === "latin1" ? "latin_1" : codecOf(encoding);
  if (codec === undefined) throw dataError(`unknown encoding: ${encoding}`);
  // what the codec's own encoder says, through the codec registry
  if (typeof s !== "string") throw dataError(`encoding with '${encoding}' codec failed (TypeError: ${codec}_encode() argument 1 must be str, not ${describe(s)})`);
  if (codec !== "utf_8") {
    const limit = codec === "ascii" ? 0x80 : 0x100;
    // a long str (a bytes object of protocols 0-2) natively, once a regular expression has found nothing to refuse in it
    if (s.length >= NATIVE_ENCODE_MIN && !(limit === 0x80 ? PAST_ASCII : PAST_LATIN1).test(s)) return latin1Bytes(s);
    const out = new Uint8Array(s.length);
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c >= limit) return errors === "strict" ? fail(encodeErrorText(codec, s, i)) : encodeHandled(s, codec, encoding, errors, registry);
      out[i] = c;
    }
    return out;
  }
  // a lone surrogate: CPython's strict UTF-8 refuses it
  const lone = firstUnencodable(codec, s);
  if (lone >= 0) return errors === "strict" ? fail(encodeErrorText(codec, s, lone)) : encodeHandled(s, codec, encoding, errors, registry);
  const out = new Uint8Array(s.length * 3);
  return out.slice(0, encodeUtf8Into(s, out, 0));
}

/** `s` (which `codec` cannot encode all of) encoded with the handler `errors`, its failures as loads raises them. */
function encodeHandled(s: string, codec: Codec, encoding: string, errors: string, registry: boolean): Uint8Array {
  try {
    return sharedEncodeText(s, codec, errors);
  } catch (e) {
    if (e instanceof LookupError && registry) fail(`encoding with '${encoding}' codec failed (LookupError: ${e.message})`);
    if (e instanceof LookupError || e instanceof UnicodeEncodeError || e instanceof ValueError) fail(e.message);
    throw e;
  }
}

/** Throws an UnpicklingError of `message`, as loads raises what a reduction raised. */
function fail(message: string): never {
  throw dataError(message);
}

/** `bytes(...)` and `bytearray(...)` of their arguments, with CPython's errors (an int argument, n zero bytes, is not supported). */
function bytesFrom(args: readonly unknown[], what: "bytes" | "bytearray"): Uint8Array {
  if (args.length > 3) throw dataError(`${what}() takes at most 3 arguments (${args.length} given)`);
  if (args.length === 0) return new Uint8Array(0);
  const [src, encoding, errors] = args;
  if (args.length > 1) {
    // each argument's type, then its NULs, in order (as Argument Clinic parses them)
    if (typeof encoding !== "string") throw notStr(what, "encoding", encoding);
    if (encoding.includes("\0")) throw dataError("embedded null character");
    if (args.length === 3) {
      if (typeof errors !== "string") throw notStr(what, "errors", errors);
      if (errors.includes("\0")) throw dataError("embedded null character");
    }
    if (typeof src !== "string") throw dataError("encoding without a string argument");
    return encodeText(src, encoding, what, args.length === 3 ? (errors as string) : "strict", !decodesDirectly(encoding));
  }
  if (typeof src === "string") throw dataError("string argument without an encoding");
  if (src instanceof Uint8Array) return new Uint8Array(src);
  if (src instanceof PickleBuffer) return new Uint8Array(src.buffer);
  if (typeof src === "number" || typeof src === "bigint" || typeof src === "boolean") throw dataError(`${what}() of an int is not supported in a pickle`);
  const items = iterable(src);
  if (items === undefined) throw dataError(`cannot convert '${describe(src)}' object to ${what}`);
  const values: number[] = [];
  for (const x of items) {
    const n = pyIndex(x);
    if (n === undefined) throw dataError(`'${describe(x)}' object cannot be interpreted as an integer`);
    if (n < 0 || n > 255) throw dataError(`${what === "bytes" ? "bytes" : "byte"} must be in range(0, 256)`);
    values.push(Number(n));
  }
  return Uint8Array.from(values);
}

/** What Python's iter(x) goes through for the values a pickle makes: a list, tuple, set, str (its characters), bytes (their ints) or dict (its keys). */
function iterable(src: unknown): Iterable<unknown> | undefined {
  if (Array.isArray(src) || src instanceof Set || src instanceof Uint8Array) return src as Iterable<unknown>;
  if (typeof src === "string") return Array.from(src);
  if (src instanceof Map) return src.keys();
  if (describe(src) === "dict") return Object.keys(src as object);
  return undefined;
}

/** What `set(x)` and `frozenset(x)` iterate. */
function itemsOf(args: readonly unknown[], what: string): Iterable<unknown> {
  if (args.length > 1) throw dataError(`${what} expected at most 1 argument, got ${args.length}`);
  if (args.length === 0) return [];
  const items = iterable(args[0]);
  if (items === undefined) throw dataError(`'${describe(args[0])}' object is not iterable`);
  return items;
}

/** `_codecs.encode(obj, encoding='utf-8', errors='strict')` applied to its argument tuple, its arguments checked in CPython's order. */
function encodeArgs(a: readonly unknown[]): Uint8Array {
  if (a.length === 0) throw dataError("encode() missing required argument 'obj' (pos 1)");
  if (a.length > 3) throw dataError(`encode() takes at most 3 arguments (${a.length} given)`);
  const encoding = a.length > 1 ? a[1] : "utf-8";
  const errors = a.length === 3 ? a[2] : "strict";
  if (typeof encoding === "string" && encoding.includes("\0")) throw dataError("embedded null character");
  if (a.length === 3 && typeof encoding === "string") {
    if (typeof errors !== "string") throw notStr("encode", "errors", errors);
    if (errors.includes("\0")) throw dataError("embedded null character");
  }
  return encodeText(a[0], encoding, "encode", errors as string);
}

/** `_codecs.encode`, through which protocols 0–2 write every bytes object. */
const codecsEncode = (...a: unknown[]): Uint8Array => encodeArgs(a);

/** The globals any pickle may name (module.name → callable). */
const SAFE: ReadonlyMap<string, unknown> = new Map<string, unknown>([
  ["_codecs.encode", codecsEncode],
  ["builtins.bytes", (...a: unknown[]) => bytesFrom(a, "bytes")],
  ["builtins.bytearray", (...a: unknown[]) => {
    const b = bytesFrom(a, "bytearray");
    const out = new bytearray(b.length);
    out.set(b);
    return out;
  }],
  ["builtins.set", (...a: unknown[]) => pySet(itemsOf(a, "set"))],
  ["builtins.frozenset", (...a: unknown[]) => new frozenset(pySet(itemsOf(a, "frozenset")))],
]);

/** Globals that only make sense when the user maps classes: refused without a find_class. */
const WITH_FIND_CLASS: ReadonlyMap<string, unknown> = new Map<string, unknown>([
  ["builtins.object", PY_OBJECT],
  ["copyreg._reconstructor", (cls: unknown, base: unknown, state: unknown) => newObject(cls, base === PY_OBJECT || state === null || state === undefined ? tuple() : tuple(state), undefined)],
]);

/** The safe table's entry for module.name; `undefined` when not there. */
export function safeGlobal(module: string, name: string, hasFindClass: boolean): unknown {
  const key = `${module}.${name}`;
  const v = SAFE.get(key);
  if (v !== undefined) return v;
  if (key === "collections.OrderedDict") return ORDERED_DICT;
  return hasFindClass ? WITH_FIND_CLASS.get(key) : undefined;
}

/** collections.OrderedDict(): the machine makes an empty dict for it. */
export const ORDERED_DICT: object = Object.freeze({ __name__: "OrderedDict" });

/** The globals that are Python types, by their names (for error messages: CPython calls them 'type'). */
const PY_TYPES: ReadonlyMap<unknown, string> = new Map<unknown, string>([
  ...["bytes", "bytearray", "set", "frozenset"].map((n) => [SAFE.get(`builtins.${n}`), n] as const),
  [PY_OBJECT, "object"],
  [ORDERED_DICT, "OrderedDict"],
]);

/**
 * CPython's AttributeError text for `obj` lacking `attr`; for a type, its
 * own form. Two types have the method, unbound, and meet another error when
 * it is called with `item` (the first item) alone: the bytearray type's
 * `extend`, which APPEND(S) calls on the items' list, and the set type's
 * `add`, which ADDITEMS calls on each item.
 *
 * @example
 * ```ts
 * noAttribute(1, "append"); // "'int' object has no attribute 'append'"
 * ```
 */
export function noAttribute(obj: unknown, attr: string, item?: unknown): string {
  const name = PY_TYPES.get(obj);
  if (name === "bytearray" && attr === "append") return "descriptor 'extend' for 'bytearray' objects doesn't apply to a 'list' object";
  if (name === "set" && attr === "add") {
    // set.add(item): a set item is taken as the set to add to, with nothing to add
    const type = describe(item);
    return type === "set" ? "set.add() takes exactly one argument (0 given)" : `descriptor 'add' for 'set' objects doesn't apply to a '${type}' object`;
  }
  return name !== undefined ? `type object '${name}' has no attribute '${attr}'` : `'${describe(obj)}' object has no attribute '${attr}'`;
}

/** The Python type name of a value as loads builds it (a JS class's own name for anything else), for error messages. */
export function describe(v: unknown): string {
  if (v === codecsEncode) return "builtin_function_or_method";
  if (PY_TYPES.has(v)) return "type";
  return pyTypeName(v);
}

/** Whether `f` is the global `_codecs.encode`, which the machine calls for every bytes object at protocols 0–2 (no user code). */
export function isCodecsEncode(f: unknown): boolean {
  return f === codecsEncode;
}

/** REDUCE, INST and OBJ: calls the global with the arguments (`new` for a JS class). */
export function callGlobal(f: unknown, args: unknown): unknown {
  if (!Array.isArray(args)) throw dataError("argument list must be a tuple");
  // the REDUCE of every bytes object at protocols 0–2, called directly rather than through Reflect.apply
  if (f === codecsEncode) return encodeArgs(args);
  if (typeof f !== "function") throw dataError(`'${describe(f)}' object is not callable`);
  const fn = f as (...a: unknown[]) => unknown;
  return isClass(fn) ? Reflect.construct(fn, args) : Reflect.apply(fn, undefined, args);
}

interface WithNew {
  __new__?: unknown;
  prototype?: unknown;
}

/**
 * NEWOBJ / NEWOBJ_EX (`cls.__new__(cls, *args, **kwargs)`): the class's own
 * static `__new__` when it has one; else, without arguments, a new object of
 * the class whose constructor is not run (as Python's __new__, BUILD then sets
 * its state); else `new cls(...args, kwargs?)`.
 */
export function newObject(cls: unknown, args: unknown, kwargs: unknown): unknown {
  // CPython's checks, in its order: the class, the args, the kwargs (NEWOBJ_EX)
  const op = kwargs === undefined ? "NEWOBJ" : "NEWOBJ_EX";
  const isType = (typeof cls === "function" && cls !== codecsEncode) || PY_TYPES.has(cls) || (typeof cls === "object" && cls !== null && typeof (cls as WithNew).__new__ === "function");
  if (!isType) throw dataError(`${op} class argument must be a type, not ${describe(cls)}`);
  if (!(args instanceof Tuple)) throw dataError(`${op} args argument must be a tuple, not ${describe(args)}`);
  if (kwargs !== undefined && describe(kwargs) !== "dict") throw dataError(`${op} kwargs argument must be a dict, not ${describe(kwargs)}`);
  const hasKw = kwargs !== undefined && (kwargs instanceof Map ? kwargs.size > 0 : Object.keys(kwargs as object).length > 0);
  const all = hasKw ? [...(args as unknown[]), kwargs] : (args as unknown[]);
  if (cls === PY_OBJECT) return {};
  // Python's own types: set and bytearray's __new__ make them empty (their __init__ fills them), bytes' and frozenset's as called
  const pyType = PY_TYPES.get(cls);
  if (pyType === "set") return new Set();
  if (pyType === "bytearray") return new bytearray(0);
  if (pyType !== undefined) return callGlobal(cls, args);
  const c = cls as WithNew;
  if (typeof c.__new__ === "function") return Reflect.apply(c.__new__ as (...a: unknown[]) => unknown, cls, all);
  if (typeof cls !== "function" || typeof c.prototype !== "object" || c.prototype === null) throw dataError(`${op} class argument '${describe(cls)}' doesn't have __new__`);
  if (all.length === 0) return Object.create(c.prototype) as unknown;
  return Reflect.construct(cls as new (...a: unknown[]) => unknown, all);
}

/** Sets one attribute as an own data property (`__proto__` included). */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === "__proto__") Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
  else target[key] = value;
}

/** Whether BUILD's default can give `inst` attributes: an object of a class or a dict's plain object (Python: one with a `__dict__`). */
function hasAttributes(inst: unknown): inst is Record<string, unknown> {
  if (typeof inst !== "object" || inst === null || Object.isFrozen(inst)) return false;
  return !(Array.isArray(inst) || inst instanceof Set || inst instanceof Map || inst instanceof Uint8Array);
}

/** The [key, value] pairs of a state dict (a plain object or a Map), or undefined when it is not a dict. */
function stateItems(state: unknown): Iterable<[unknown, unknown]> | undefined {
  if (state instanceof Map) return state as Map<unknown, unknown>;
  return describe(state) === "dict" ? Object.entries(state as object) : undefined;
}

/** Sets the state's items as attributes of `inst`, with CPython's errors. */
function assignState(inst: unknown, state: unknown, what: "state" | "slot state"): void {
  if (state === null || state === undefined) return;
  const items = stateItems(state);
  if (items === undefined) throw dataError(`${what} is not a dictionary`);
  // a type's __dict__ is a read-only mappingproxy; other objects without one have no __dict__ (state) or no such attribute (slot state)
  const noDict = (key: unknown): never => {
    if (describe(inst) === "type") throw dataError("'mappingproxy' object does not support item assignment");
    throw dataError(`'${describe(inst)}' object has no attribute '${what === "state" ? "__dict__" : String(key)}'`);
  };
  if (what === "state" && !hasAttributes(inst) && describe(inst) !== "type") noDict(undefined);
  for (const [k, v] of items) {
    if (typeof k !== "string") throw dataError(what === "state" ? "state keys must be str" : `attribute name must be string, not '${describe(k)}'`);
    if (!hasAttributes(inst)) return noDict(k);
    setOwn(inst, k, v);
  }
}

interface WithSetState {
  __setstate__?: unknown;
}

/**
 * BUILD: `inst.__setstate__(state)` when defined, else the state dict (and
 * slot state) become own properties; in CPython's order, with its errors.
 */
export function buildState(inst: unknown, state: unknown): void {
  const setstate = (typeof inst === "object" && inst !== null) || typeof inst === "function" ? (inst as WithSetState).__setstate__ : undefined;
  if (typeof setstate === "function") {
    Reflect.apply(setstate as (s: unknown) => unknown, inst, [state]);
    return;
  }
  if (state instanceof Tuple && state.length === 2) {
    assignState(inst, state[0], "state");
    assignState(inst, state[1], "slot state");
    return;
  }
  assignState(inst, state, "state");
}

/** Turns a text codec error into UnpicklingError. */
export function codecError(e: unknown): UnpicklingError {
  if (e instanceof UnpicklingError) return e;
  return dataError(e instanceof Error ? e.message : String(e), { cause: e });
}
