/**
 * What the globals of a pickle may resolve to, and how REDUCE, NEWOBJ,
 * NEWOBJ_EX and BUILD apply them. The safe table holds only the callables
 * that CPython itself writes for the value types (`_codecs.encode`,
 * `builtins.set`, …), implemented here as plain JS functions that check
 * their arguments; everything else goes through the user's `find_class`.
 */
import { UnpicklingError, dataError } from "./_errors.js";
import { codecOf, encodeUtf8Into, type Codec } from "./_text.js";
import { PickleBuffer, Tuple, bytearray, frozenset } from "./_values.js";

/** Python's `object`, as `builtins.object` resolves (a base for copyreg._reconstructor). */
export const PY_OBJECT: object = Object.freeze({ __name__: "object" });

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** `s` encoded as `what` (`encode`, `bytes`, …) would encode it. */
function encodeText(s: unknown, encoding: unknown, what = "encode"): Uint8Array {
  if (typeof s !== "string") throw dataError("encode() argument 'obj' must be str");
  // (CPython's argument errors name None itself, not its type)
  if (typeof encoding !== "string") throw dataError(`${what}() argument 'encoding' must be str, not ${encoding === null || encoding === undefined ? "None" : describe(encoding)}`);
  // (every bytes object of protocols 0-2 comes through here with 'latin1')
  const codec = encoding === "latin1" ? "latin_1" : codecOf(encoding);
  if (codec === undefined) throw dataError(`unknown encoding: ${encoding}`);
  if (codec !== "utf_8") {
    const limit = codec === "ascii" ? 0x80 : 0x100;
    const out = new Uint8Array(s.length);
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c >= limit) throw encodeError(codec, s, i);
      out[i] = c;
    }
    return out;
  }
  // a lone surrogate: CPython's strict UTF-8 refuses it
  const lone = LONE_SURROGATE.exec(s);
  if (lone !== null) throw encodeError(codec, s, lone.index);
  const out = new Uint8Array(s.length * 3);
  return out.slice(0, encodeUtf8Into(s, out, 0));
}

/**
 * CPython's UnicodeEncodeError text for `s`, which `codec` cannot encode
 * from UTF-16 index `at` on: the one character, or the run of them, by
 * code point position.
 */
function encodeError(codec: Codec, s: string, at: number): UnpicklingError {
  const cannot = (cp: number): boolean => (codec === "utf_8" ? cp >= 0xd800 && cp <= 0xdfff : cp >= (codec === "ascii" ? 0x80 : 0x100));
  // by code point, as Python counts positions
  const points = Array.from(s);
  let start = 0;
  for (let i = 0; i < at; i += points[start++]!.length);
  let end = start;
  while (end < points.length && cannot(points[end]!.codePointAt(0)!)) end++;
  const name = codec === "utf_8" ? "utf-8" : codec === "ascii" ? "ascii" : "latin-1";
  const reason = codec === "utf_8" ? "surrogates not allowed" : `ordinal not in range(${codec === "ascii" ? 128 : 256})`;
  if (end - start > 1) return dataError(`'${name}' codec can't encode characters in position ${start}-${end - 1}: ${reason}`);
  const cp = points[start]!.codePointAt(0)!;
  const hex = cp.toString(16);
  const shown = cp < 0x100 ? `\\x${hex.padStart(2, "0")}` : cp < 0x10000 ? `\\u${hex.padStart(4, "0")}` : `\\U${hex.padStart(8, "0")}`;
  return dataError(`'${name}' codec can't encode character '${shown}' in position ${start}: ${reason}`);
}

function bytesFrom(args: readonly unknown[], what: string): Uint8Array {
  if (args.length === 0) return new Uint8Array(0);
  const [src, encoding] = args;
  if (args.length <= 2 && typeof src === "string" && args.length === 2) return encodeText(src, encoding, what);
  if (args.length === 1) {
    if (src instanceof Uint8Array) return new Uint8Array(src);
    if (src instanceof PickleBuffer) return new Uint8Array(src.buffer);
    if (Array.isArray(src) && src.every((x) => typeof x === "number" && Number.isInteger(x) && x >= 0 && x < 256)) return Uint8Array.from(src as number[]);
  }
  throw dataError(`${what}() arguments not supported in a pickle`);
}

function itemsOf(args: readonly unknown[], what: string): Iterable<unknown> {
  if (args.length === 0) return [];
  const src = args[0];
  if (args.length === 1 && (Array.isArray(src) || src instanceof Set)) return src as Iterable<unknown>;
  throw dataError(`${what}() argument must be a list or set`);
}

/** `_codecs.encode(obj, encoding='utf-8')` applied to its argument tuple. */
function encodeArgs(a: readonly unknown[]): Uint8Array {
  return encodeText(a[0], a.length > 1 ? a[1] : "utf-8");
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
  ["builtins.set", (...a: unknown[]) => new Set(itemsOf(a, "set"))],
  ["builtins.frozenset", (...a: unknown[]) => new frozenset(itemsOf(a, "frozenset"))],
]);

/** Globals that only make sense when the user maps classes: refused without a find_class. */
const WITH_FIND_CLASS: ReadonlyMap<string, unknown> = new Map<string, unknown>([
  ["builtins.object", PY_OBJECT],
  ["copyreg._reconstructor", (cls: unknown, base: unknown, state: unknown) => newObject(cls, base === PY_OBJECT || state === null || state === undefined ? [] : [state], undefined)],
]);

/** Module renames that Python 2 pickles need (`fix_imports`, as _compat_pickle). */
const PY2_MODULES: Readonly<Record<string, string>> = { __builtin__: "builtins", copy_reg: "copyreg" };

/** Maps a Python 2 module name to Python 3's, for protocols below 3. */
export function fixImport(module: string): string {
  return PY2_MODULES[module] ?? module;
}

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

const classes = new WeakMap<object, boolean>();

function isClass(f: (...args: unknown[]) => unknown): boolean {
  let known = classes.get(f);
  if (known === undefined) {
    known = /^class[\s{]/.test(Function.prototype.toString.call(f));
    classes.set(f, known);
  }
  return known;
}

/** The Python type name of a value as loads builds it (a JS class's own name for anything else), for error messages. */
function describe(v: unknown): string {
  if (v === null || v === undefined) return "NoneType";
  switch (typeof v) {
    case "boolean":
      return "bool";
    case "number":
      return Number.isSafeInteger(v) && !Object.is(v, -0) ? "int" : "float";
    case "bigint":
      return "int";
    case "string":
      return "str";
    case "object":
      break;
    default:
      return typeof v;
  }
  if (v instanceof Tuple) return "tuple";
  if (Array.isArray(v)) return "list";
  if (v instanceof bytearray) return "bytearray";
  if (v instanceof Uint8Array) return "bytes";
  if (v instanceof frozenset) return "frozenset";
  if (v instanceof Set) return "set";
  const proto: unknown = Object.getPrototypeOf(v);
  if (v instanceof Map || proto === Object.prototype || proto === null) return "dict";
  return (v as { constructor?: { name?: string } }).constructor?.name ?? "object";
}

/** Whether `f` is the global `_codecs.encode`, which the machine calls for every bytes object at protocols 0–2 (no user code). */
export function isCodecsEncode(f: unknown): boolean {
  return f === codecsEncode;
}

/** REDUCE, INST and OBJ: calls the global with the arguments (`new` for a JS class). */
export function callGlobal(f: unknown, args: unknown): unknown {
  if (!Array.isArray(args)) throw dataError(`REDUCE arguments must be a tuple, not ${describe(args)}`);
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
  if (!Array.isArray(args)) throw dataError(`NEWOBJ expected an arg tuple, not ${describe(args)}`);
  const hasKw = kwargs !== undefined && !(kwargs instanceof Map ? kwargs.size === 0 : typeof kwargs === "object" && kwargs !== null && Object.keys(kwargs).length === 0);
  const all = hasKw ? [...(args as unknown[]), kwargs] : (args as unknown[]);
  if (cls === PY_OBJECT) return {};
  if (typeof cls !== "function" && (typeof cls !== "object" || cls === null)) throw dataError(`NEWOBJ class argument isn't a type object`);
  const c = cls as WithNew;
  if (typeof c.__new__ === "function") return Reflect.apply(c.__new__ as (...a: unknown[]) => unknown, cls, all);
  if (typeof cls !== "function" || typeof c.prototype !== "object" || c.prototype === null) throw dataError(`NEWOBJ class argument isn't a class`);
  if (all.length === 0 && typeof c.prototype === "object" && c.prototype !== null) return Object.create(c.prototype) as unknown;
  return Reflect.construct(cls as new (...a: unknown[]) => unknown, all);
}

/** Sets one attribute as an own data property (`__proto__` included). */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === "__proto__") Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
  else target[key] = value;
}

function assignState(inst: Record<string, unknown>, state: unknown, what: string): void {
  if (state === null || state === undefined) return;
  if (state instanceof Map) {
    for (const [k, v] of state) {
      if (typeof k !== "string") throw dataError(`${what} keys must be str`);
      setOwn(inst, k, v);
    }
    return;
  }
  if (typeof state === "object" && !Array.isArray(state) && !(state instanceof Set) && !(state instanceof Uint8Array)) {
    for (const k of Object.keys(state)) setOwn(inst, k, (state as Record<string, unknown>)[k]);
    return;
  }
  throw dataError(`${what} is not a dictionary`);
}

interface WithSetState {
  __setstate__?: unknown;
}

/** BUILD: `inst.__setstate__(state)` when defined, else the state dict (and slot state) become own properties. */
export function buildState(inst: unknown, state: unknown): void {
  if (typeof inst !== "object" && typeof inst !== "function") throw dataError(`BUILD target is a ${describe(inst)}, not an object`);
  if (inst === null) throw dataError("BUILD target is None");
  const setstate = (inst as WithSetState).__setstate__;
  if (typeof setstate === "function") {
    Reflect.apply(setstate as (s: unknown) => unknown, inst, [state]);
    return;
  }
  if (Object.isFrozen(inst) || inst instanceof Set || inst instanceof Map || Array.isArray(inst) || inst instanceof Uint8Array) throw dataError(`BUILD cannot set state on a ${describe(inst)}`);
  if (state instanceof Tuple && state.length === 2) {
    assignState(inst as Record<string, unknown>, state[0], "state");
    assignState(inst as Record<string, unknown>, state[1], "slot state");
    return;
  }
  assignState(inst as Record<string, unknown>, state, "state");
}

/** Turns a text codec error into UnpicklingError. */
export function codecError(e: unknown): UnpicklingError {
  if (e instanceof UnpicklingError) return e;
  return dataError(e instanceof Error ? e.message : String(e), { cause: e });
}
