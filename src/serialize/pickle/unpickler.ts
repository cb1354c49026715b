/**
 * Unpickling: `loads`, `load` and the `Unpickler` class, as Python's, safe
 * by default: globals resolve only through a fixed table of what CPython
 * writes for the value types, then through the user's `find_class`.
 */
import { Readable } from "node:stream";
import { NO_PERSISTENT_LOAD, UnpicklingError } from "./_errors.js";
import { bytesOf, keepingExcess, readOnePickle, type AsyncReadable, type LoadResult, type PickleReadable } from "./_files.js";
import { describe, safeGlobal } from "./_globals.js";
import { fromPython2 } from "./_compat.js";
import { PyTypeError, ValueError } from "../../sockets/errors.js";
import { runMachine, type MachineConfig } from "./_machine.js";

/**
 * Python's keyword arguments of `pickle.loads` / `Unpickler`, and the JS-side choices.
 *
 * @example
 * ```ts
 * loads(data, { encoding: "latin1", dict: "map", find_class: (m, n) => (m === "shapes" ? Shapes[n] : undefined) });
 * ```
 */
export interface LoadOptions {
  /** Map Python 2 module names at protocols 0–2. @default true */
  fix_imports?: boolean;
  /** How Python 2 str decode: "ASCII", "latin1", "utf-8" (or another of Python's names for these), or "bytes" to keep them as bytes. @default "ASCII" */
  encoding?: string;
  /** Python's error handler for that decoding: "strict", "ignore", "replace", "backslashreplace", "surrogateescape" or "surrogatepass". @default "strict" */
  errors?: string;
  /** Protocol 5 out-of-band buffers, consumed in order by NEXT_BUFFER. */
  buffers?: Iterable<unknown> | null;
  /**
   * Python's `Unpickler.find_class`: returns what a global `module.name`
   * stands for (a function is called by REDUCE, a class constructed; see
   * the module doc). Consulted for every global outside the built-in table,
   * with its names as written (Python 2's in a pickle of protocols 0-2 from
   * Python 3, `__builtin__.len`, as an override of CPython's gets them);
   * without it, such globals are refused.
   */
  find_class?: ((module: string, name: string) => unknown) | null;
  /** Python's `persistent_load` for PERSID/BINPERSID. */
  persistent_load?: ((pid: unknown) => unknown) | null;
  /** "object": a dict is a plain object when every key is a str, else a Map; "map": always a Map. @default "object" */
  dict?: "object" | "map";
}

function toBytes(data: Uint8Array | ArrayBuffer): Uint8Array {
  if (data instanceof Uint8Array) return data.constructor === Uint8Array ? data : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  // any other bytes-like object: its bytes, as Python's buffer protocol reads them
  if (ArrayBuffer.isView(data)) return new Uint8Array((data as ArrayBufferView).buffer, (data as ArrayBufferView).byteOffset, (data as ArrayBufferView).byteLength);
  return bytesOf(data);
}

function forbidden(module: string, name: string): never {
  throw new UnpicklingError(`global '${module}.${name}' is forbidden`);
}

function noPersistentLoad(): never {
  throw new UnpicklingError(NO_PERSISTENT_LOAD);
}

/**
 * The machine's settings for one load. `buffers`: the iterator of the
 * `buffers` option, made once per Unpickler (as Python's, so that each load
 * takes the buffers after the last one's); made here when not given.
 */
function configOf(
  options: LoadOptions | undefined,
  findClass: MachineConfig["findClass"],
  persistentLoad: ((pid: unknown) => unknown) | undefined,
  memo: unknown[],
  buffers: Iterator<unknown> | undefined = buffersOf(options),
  caller = "loads",
): MachineConfig {
  return {
    findClass,
    persistentLoad,
    encoding: textOption(caller, "encoding", options?.encoding, "ASCII"),
    errors: textOption(caller, "errors", options?.errors, "strict"),
    buffers,
    dictAsMap: options?.dict === "map",
    fixImports: options?.fix_imports ?? true,
    memo,
  };
}

/** An iterator over the `buffers` option (TypeError, as Python's iter(), when it is not iterable). */
function buffersOf(options: LoadOptions | undefined): Iterator<unknown> | undefined {
  const buffers: unknown = options?.buffers ?? undefined;
  if (buffers === undefined) return undefined;
  const iterate = (buffers as { [Symbol.iterator]?: unknown })[Symbol.iterator];
  if (typeof iterate !== "function") throw new PyTypeError(`'${describe(buffers)}' object is not iterable`);
  return (iterate as () => Iterator<unknown>).call(buffers);
}

/** The `encoding` or `errors` option, refused as CPython's argument parsing refuses it (a C string: no NUL). */
function textOption(caller: string, name: string, value: unknown, fallback: string): string {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== "string") throw new PyTypeError(`${caller}() argument '${name}' must be str, not ${describe(value)}`);
  if (value.includes("\0")) throw new ValueError("embedded null character");
  return value;
}

/** The `find_class` option when it is a function. */
function userFindClass(options: LoadOptions | undefined): ((m: string, n: string) => unknown) | undefined {
  const f = options?.find_class;
  return typeof f === "function" ? f : undefined;
}

/**
 * Resolves globals as CPython's Unpickler: the value types' own first (by
 * Python 3's names), then `find_class` when the user gave one, which gets
 * the names as written (CPython maps Python 2's in its default find_class,
 * which an override replaces); without one, refused by Python 3's names.
 */
function resolverOf(user: ((m: string, n: string) => unknown) | undefined): MachineConfig["findClass"] {
  return (module, name, fix) => {
    const [m, n] = fix ? fromPython2(module, name) : [module, name];
    const v = safeGlobal(m, n, user !== undefined);
    if (v !== undefined) return v;
    return user !== undefined ? user(module, name) : forbidden(m, n);
  };
}

/**
 * Python's `pickle.loads`: the value of a pickle. Throws `UnpicklingError`
 * for anything that is not a valid pickle of allowed values.
 *
 * @example
 * ```ts
 * loads(Buffer.from("80035d7100284b014b02652e", "hex")); // [1, 2]
 * ```
 */
export function loads(data: Uint8Array | ArrayBuffer, options?: LoadOptions): unknown {
  const pl = options?.persistent_load ?? undefined;
  return runOwnMemo(toBytes(data), configOf(options, resolverOf(userFindClass(options)), pl, []));
}

/**
 * Runs the machine with a memo that nothing else sees (see memoPrivate):
 * one array reused across calls and emptied after each (fresh memory costs
 * more than filling), or a new one while a call that has it runs.
 */
function runOwnMemo(data: Uint8Array, cfg: MachineConfig): unknown {
  cfg.memoPrivate = true;
  if (scratchInUse) return runMachine(data, cfg);
  cfg.memo = scratchMemo;
  cfg.memoEmpty = true;
  scratchInUse = true;
  try {
    return runMachine(data, cfg);
  } finally {
    scratchInUse = false;
    if (scratchMemo.length > 1 << 20 || cfg.memoSparse === true) scratchMemo = [];
    else scratchMemo.fill(undefined);
  }
}

let scratchMemo: unknown[] = [];
let scratchInUse = false;

/**
 * Python's `pickle.load`: reads exactly one pickle from a file (never a byte
 * past its STOP) and returns its value; a Promise when the file is async
 * (a Node Readable, or `read` returning a Promise, as `socket.makefile("rb")`).
 *
 * @example
 * ```ts
 * const obj = await load(sock.makefile("rb"));
 * ```
 */
export function load(file: Readable | AsyncReadable, options?: LoadOptions): Promise<unknown>;
export function load(file: PickleReadable | Readable, options?: LoadOptions): unknown;
export function load(file: PickleReadable | Readable, options?: LoadOptions): unknown {
  const u = new Unpickler<PickleReadable | Readable>(file, options);
  ownMemos.add(u);
  return u.load();
}

/** Unpicklers made by `load()` for one pickle, whose memo no one sees: they take loads()' (see runOwnMemo). */
const ownMemos = new WeakSet<object>();

/**
 * Python's `pickle.Unpickler`: reads pickles from a file. Subclass it and
 * override `find_class` to allow chosen globals (Python's documented way to
 * restrict unpickling; `super.find_class` refuses), or `persistent_load`.
 *
 * @example
 * ```ts
 * class Points extends Unpickler {
 *   override find_class(module: string, name: string): unknown {
 *     if (module === "__main__" && name === "Point") return Point;
 *     return super.find_class(module, name);
 *   }
 * }
 * const p = new Points(file).load();
 * ```
 */
export class Unpickler<F extends PickleReadable | Readable = PickleReadable | Readable> {
  /** The memo, kept across `load` calls as in Python. */
  memo: unknown[] = [];
  readonly #file: F;
  readonly #options: LoadOptions | undefined;
  /** How many entries `memo` held after the last load, while it is that array at that length. */
  #memoCount: { memo: unknown[]; length: number; count: number | undefined } | undefined;

  /** The `buffers` option's iterator, which the loads share (None: no buffers). */
  readonly #buffers: Iterator<unknown> | undefined;

  /** Checks `file` and the options now, as Python's constructor does. */
  constructor(file: F, options?: LoadOptions) {
    if (!(file instanceof Readable) && typeof (file as { read?: unknown } | null)?.read !== "function") throw new PyTypeError("file must have 'read' and 'readline' attributes");
    // (bytes a read gives past those asked for are kept for the next load, as in CPython's buffer)
    this.#file = (file instanceof Readable ? file : keepingExcess(file)) as F;
    this.#options = options;
    textOption("Unpickler", "encoding", options?.encoding, "ASCII");
    textOption("Unpickler", "errors", options?.errors, "strict");
    this.#buffers = buffersOf(options);
  }

  /** Returns what global `module.name` stands for; by default the `find_class` option, else UnpicklingError. */
  find_class(module: string, name: string): unknown {
    const user = this.#options?.find_class;
    if (typeof user === "function") return user(module, name);
    return forbidden(module, name);
  }

  /** Returns the object for a persistent id; by default the `persistent_load` option, else UnpicklingError. */
  persistent_load(pid: unknown): unknown {
    const user = this.#options?.persistent_load;
    if (typeof user === "function") return user(pid);
    return noPersistentLoad();
  }

  /** Reads one pickle from the file and returns its value (a Promise when the file is async). */
  load(): LoadResult<F> {
    const file = this.#file;
    // a Readable's load is a Promise (rejected on failure) even when the pickle had arrived and is read at once
    if (file instanceof Readable) return new Promise((resolve) => resolve(this.#loadNow(file)));
    return this.#loadNow(file) as LoadResult<F>;
  }

  #loadNow(file: F): unknown {
    const data = readOnePickle(file);
    if (data instanceof Promise) return data.then((d) => this.#run(d));
    return this.#run(data);
  }

  /** Unpickles bytes with this Unpickler's find_class, memo and options. */
  #run(data: Uint8Array): unknown {
    const overridden = this.find_class !== Unpickler.prototype.find_class || typeof this.#options?.find_class === "function";
    const findClass = resolverOf(overridden ? (module, name) => this.find_class(module, name) : undefined);
    const memo = this.memo;
    // (as CPython, a pickle's persistent id is refused before it is read when there is nothing to give it to)
    const persistent = this.persistent_load !== Unpickler.prototype.persistent_load || typeof this.#options?.persistent_load === "function";
    const cfg = configOf(this.#options, findClass, persistent ? (pid) => this.persistent_load(pid) : undefined, memo, this.#buffers, "Unpickler");
    // (load()'s own Unpickler, for one pickle, needs no memo of its own)
    if (ownMemos.has(this)) return runOwnMemo(toBytes(data), cfg);
    const known = this.#memoCount;
    // (a memo the user replaced or cut since is counted afresh)
    if (known?.memo === memo && known.length === memo.length) cfg.memoCount = known.count;
    try {
      return runMachine(toBytes(data), cfg);
    } finally {
      this.#memoCount = { memo, length: memo.length, count: cfg.memoCount };
    }
  }
}
