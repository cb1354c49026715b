/**
 * The JS forms of the Python values that JS lacks: a tuple, a float that is
 * integral, a bytearray, a frozenset, a reference to a Python global, and
 * PickleBuffer (protocol 5's out-of-band buffers).
 */
import { PyTypeError, ValueError } from "../../sockets/errors.js";

/**
 * A Python tuple: an array tagged so that `dumps` writes a tuple. `loads`
 * gives one for every tuple; treat it as read-only (it is not frozen, so
 * that shared references and cycles can be built in place).
 *
 * @example
 * ```ts
 * const t = tuple(1, "a");
 * t instanceof Tuple; // true
 * ```
 */
export class Tuple<T = unknown> extends Array<T> {
  /** Derived arrays (`map`, `slice`, …) are plain arrays, not tuples. */
  static override get [Symbol.species](): ArrayConstructor {
    return Array;
  }
}

/**
 * Makes a Python tuple of the items.
 *
 * @example
 * ```ts
 * dumps(tuple(1, 2), 2); // pickles (1, 2)
 * ```
 */
export function tuple<T extends unknown[]>(...items: T): Readonly<T> {
  return toTuple(items) as unknown as Readonly<T>;
}

/** Makes a Tuple holding the items (internal: no copy when avoidable). */
export function toTuple(items: readonly unknown[]): Tuple {
  const n = items.length;
  const t = new Tuple<unknown>(n);
  for (let i = 0; i < n; i++) t[i] = items[i];
  return t;
}

/**
 * Tells whether a value is a Python tuple made by `tuple()` or by `loads`.
 *
 * @example
 * ```ts
 * isTuple(tuple(1)); // true
 * isTuple([1]); // false
 * ```
 */
export function isTuple(value: unknown): value is readonly unknown[] {
  return value instanceof Tuple;
}

/**
 * A JS number that pickles as a Python float even when it is integral
 * (a plain integral number pickles as an int). It is a `Number` object:
 * `+x` or `x.valueOf()` gives the number.
 *
 * @example
 * ```ts
 * new PyFloat(3).valueOf(); // 3
 * ```
 */
export class PyFloat extends Number {}

/**
 * Wraps a number so that it pickles as a Python float: `float(3)` is `3.0`.
 *
 * @example
 * ```ts
 * dumps(float(3), 0); // "F3.0\n."
 * ```
 */
export function float(x: number): PyFloat {
  return new PyFloat(x);
}

/**
 * A Python bytearray: a `Uint8Array` that pickles as `bytearray` (a plain
 * `Uint8Array` pickles as `bytes`). `loads` gives one for every bytearray.
 *
 * @example
 * ```ts
 * const b = new bytearray([1, 2, 3]);
 * b instanceof Uint8Array; // true
 * ```
 */
export class bytearray extends Uint8Array {}

/**
 * A mark on the prototypes of Tuple, bytearray and PyFloat, so that `dumps`
 * can tell their objects from lists, bytes and dicts by a property read,
 * which optimized code makes in line (`instanceof` of a class from another
 * module, and `Object.getPrototypeOf`, are calls into V8).
 *
 * @example
 * ```ts
 * (tuple(1) as { [SUBTYPE]?: string })[SUBTYPE]; // "tuple"
 * ```
 */
export const SUBTYPE: unique symbol = Symbol("stdnet.pickle.subtype");
Object.defineProperty(Tuple.prototype, SUBTYPE, { value: "tuple" });
Object.defineProperty(bytearray.prototype, SUBTYPE, { value: "bytearray" });
Object.defineProperty(PyFloat.prototype, SUBTYPE, { value: "float" });

/**
 * A Python frozenset: a `Set` that refuses changes once built. A plain `Set`
 * pickles as `set`. `loads` gives one for every frozenset.
 *
 * @example
 * ```ts
 * const f = new frozenset([1, 2]);
 * f.has(2); // true
 * ```
 */
export class frozenset<T = unknown> extends Set<T> {
  /** Set once the constructor has added the initial items. */
  readonly frozen: boolean = true;

  override add(value: T): this {
    if (this.frozen) throw new TypeError("'frozenset' object has no attribute 'add'");
    return super.add(value);
  }

  override delete(_value: T): boolean {
    throw new TypeError("'frozenset' object has no attribute 'discard'");
  }

  override clear(): void {
    throw new TypeError("'frozenset' object has no attribute 'clear'");
  }
}

/**
 * A reference to a Python global (a class or function by module and name),
 * as `dumps` writes it (GLOBAL / STACK_GLOBAL). Reducers return one as the
 * callable to call at load time.
 *
 * @example
 * ```ts
 * const dt = new Global("datetime", "date");
 * dumps({ __reduce__: () => [dt, tuple(2024, 1, 31)] }, 2); // python3 loads datetime.date(2024, 1, 31)
 * ```
 */
export class Global {
  constructor(
    readonly module: string,
    readonly name: string,
  ) {}
}

/**
 * Python's `pickle.PickleBuffer`: a buffer that protocol 5 may send out of
 * band (through `buffer_callback`). A read-only one loads as bytes, a
 * writable one as bytearray.
 *
 * @example
 * ```ts
 * const buffers: PickleBuffer[] = [];
 * dumps(new PickleBuffer(new Uint8Array(8)), 5, { buffer_callback: (b) => { buffers.push(b); } });
 * ```
 */
export class PickleBuffer {
  readonly #bytes: Uint8Array;
  #released = false;
  /** Whether it loads as bytes (true) or bytearray. */
  readonly readonly: boolean;

  /**
   * `buffer`: any bytes-like object (a typed array, a DataView or an ArrayBuffer, seen as its bytes);
   * `readonly` by default for bytes (a Uint8Array but bytearray); bytearray and other buffers, as Python's array, are writable.
   */
  constructor(buffer: ArrayBufferView | ArrayBufferLike, readonly: boolean = buffer instanceof Uint8Array && !(buffer instanceof bytearray)) {
    if (buffer instanceof Uint8Array) this.#bytes = buffer;
    else if (ArrayBuffer.isView(buffer)) this.#bytes = new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
    else if (buffer instanceof ArrayBuffer || (typeof SharedArrayBuffer === "function" && buffer instanceof SharedArrayBuffer)) this.#bytes = new Uint8Array(buffer);
    else throw new PyTypeError(`a bytes-like object is required, not '${pyTypeName(buffer)}'`);
    this.readonly = readonly;
  }

  /** The bytes (ValueError once released). */
  get buffer(): Uint8Array {
    if (this.#released) throw new ValueError("operation forbidden on released PickleBuffer object");
    return this.#bytes;
  }

  /** The bytes, as Python's `PickleBuffer.raw()`. */
  raw(): Uint8Array {
    return this.buffer;
  }

  /** Lets go of the buffer, as Python's `PickleBuffer.release()`: using it afterwards is a ValueError. */
  release(): void {
    this.#released = true;
  }
}

const classes = new WeakMap<object, boolean>();

/**
 * Whether a function is a class (`class X {}`), which Python would call a
 * type (and loads constructs with `new`).
 *
 * @example
 * ```ts
 * isClass(class {}); // true
 * ```
 */
export function isClass(f: (...args: unknown[]) => unknown): boolean {
  let known = classes.get(f);
  if (known === undefined) {
    known = /^class[\s{]/.test(Function.prototype.toString.call(f));
    classes.set(f, known);
  }
  return known;
}

/**
 * The name of a value's Python type by stdnet's value mapping (DESIGN.md),
 * for error messages: `'int'`, `'tuple'`, `'dict'` for a Map or a plain
 * object, a class instance's own class name.
 *
 * @example
 * ```ts
 * pyTypeName(tuple(1, 2)); // "tuple"
 * pyTypeName(new Map());   // "dict"
 * ```
 */
export function pyTypeName(v: unknown): string {
  switch (typeof v) {
    case "undefined":
      return "NoneType";
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
    case "function":
      return isClass(v as (...args: unknown[]) => unknown) ? "type" : "function";
    default:
      return typeof v;
  }
  if (v === null) return "NoneType";
  if (v instanceof Tuple) return "tuple";
  if (Array.isArray(v)) return "list";
  if (v instanceof bytearray) return "bytearray";
  if (v instanceof Uint8Array) return "bytes";
  if (v instanceof frozenset) return "frozenset";
  if (v instanceof Set) return "set";
  if (v instanceof PyFloat) return "float";
  const proto: unknown = Object.getPrototypeOf(v);
  if (v instanceof Map || proto === Object.prototype || proto === null) return "dict";
  const name = (v as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof name === "string" && name !== "" ? name : "object";
}
