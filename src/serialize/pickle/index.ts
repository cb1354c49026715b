/**
 * `stdnet/pickle` — Python's `pickle` module: read and write the pickles
 * CPython writes, protocols 0 to 5, byte for byte where CPython's choices
 * are knowable, and never run code a pickle asks for.
 *
 * ```ts
 * import { dumps, loads, tuple, float } from "stdnet/pickle";
 * const data = dumps({ id: 1, pos: tuple(1.5, float(2)), tags: new Set(["a"]) }, 4);
 * loads(data); // { id: 1, pos: [1.5, 2] (a Tuple), tags: Set { "a" } }
 * loads(Buffer.from("cos\nsystem\n(S'ls'\ntR.")); // UnpicklingError: global 'os.system' is forbidden
 * const obj = await load(sock.makefile("rb")); // one pickle from a socket
 * ```
 *
 * Values (Python → JS → Python): None ↔ null (undefined dumps as None);
 * bool ↔ boolean; int ↔ number when |n| <= 2^53-1, else bigint (a bigint
 * always dumps as int); float → number, and a number dumps as float unless it
 * is a safe integer (wrap it with `float(x)` to force a float; -0 is a float);
 * str ↔ string; bytes ↔ Uint8Array (bytes of up to 4 KiB are cut from
 * shared 8 KiB slabs, as Node cuts small Buffers from its pool: `.buffer` is
 * the slab, `byteOffset` and `length` delimit the bytes, and each starts at a
 * multiple of 8); bytearray ↔ `bytearray`; list ↔ Array;
 * tuple ↔ `Tuple` (`tuple(...)`); dict → plain object when every key is a str
 * (keys such as `__proto__` are own data properties), else Map (option
 * `dict: "map"` for always); set ↔ Set; frozenset ↔ `frozenset`.
 *
 * At protocols 0-2 under `fix_imports`, Python 2's global names are read as
 * Python 3's and written back as Python 2's, as `_compat_pickle` pairs them
 * (`__builtin__.xrange` ↔ `builtins.range`); a `find_class` of the user's
 * own gets them as written, as an override of CPython's does.
 *
 * Differences from Python:
 * - Globals resolve only through a built-in table (`_codecs.encode`,
 *   `builtins.set/frozenset/bytearray/bytes`, `collections.OrderedDict`) and
 *   then the user's `find_class`; with one, `copyreg._reconstructor` and
 *   `builtins.object` work too. REDUCE calls a function or constructs a class;
 *   NEWOBJ uses a static `__new__`, else makes an object of the class without
 *   running its constructor; BUILD calls `__setstate__` or assigns the state.
 * - `dumps` writes other objects through a reducer (`__reduce_ex__`,
 *   `__reduce__`, `Pickler.dispatch_table`, `reducer_override`) returning
 *   `[Global, args, state?, listitems?, dictitems?, state_setter?]`; else
 *   PicklingError. As in CPython, reducer_override and dispatch_table are not
 *   consulted for the built-in value types (a subclass of Map or Set with a
 *   reducer goes by it; a plain subclass is saved as its base).
 * - A plain object's keys dump in JS order (integer-like keys first); strs are
 *   memoized by value (CPython: by identity, the same when equal strs are one
 *   object, as literals and dict keys usually are), as far back as the last
 *   16,384 distinct strs and the first 256 memoized: one met again after more
 *   is written out again. Bytes of length 0 and 1 are memoized by value too
 *   (CPython keeps one object of each, as of each one-char latin-1 str).
 * - `Pickler.fast` (no memo; what an earlier dump memoized is still fetched,
 *   as CPython's C pickler does) refuses a cycle with CPython's ValueError
 *   text but for the object's address, which JS has not.
 * - Errors from `loads` are all UnpicklingError, with the text of Python's
 *   (which raises some ValueError/EOFError/UnicodeDecodeError); nesting
 *   deeper than 1000 (CPython's recursion limit) is PicklingError in dumps.
 * - Python 2 str decode with ASCII, latin-1 or UTF-8 (under any of Python's
 *   names for them and any of its error handlers), or stay bytes; another
 *   `encoding` is refused when a Python 2 str is met.
 * - On pickles CPython never writes, `loads` differs in a few places (a test
 *   holds it to CPython's `loads` on 20,000 damaged pickles otherwise, and
 *   `npm run fuzz:pickle` on 200,000): a PUT far past the memo's end loads
 *   (CPython: MemoryError); a list, dict or set as a dict key or set element
 *   loads into a Map or Set (CPython: not hashable); keys that Python holds
 *   equal are one key where JS can tell (1 and True, 2**70 and 2.0**70: the
 *   first kept, as in CPython) but equal tuples, bytes or frozensets, which
 *   JS compares by identity, stay apart; APPEND onto a bytearray,
 *   `_codecs.encode` with a codec but latin-1, ASCII and UTF-8, and bytes(n)
 *   of an int n are refused.
 * - `load` returns a Promise when the file is async; `dump` when its write is.
 *   It takes files CPython refuses: one with `read` but no `readline`, and one
 *   whose `read(n)` gives fewer bytes before the end (read again, where
 *   CPython says the data was truncated). A `find_class` is not asked about
 *   the globals CPython writes for the value types (`_codecs.encode`,
 *   `builtins.set`, …: see above).
 * - On Linux, the first `dumps` of a pickle of 64 KiB or more tells glibc's
 *   malloc (by freeing one large block, as its dynamic thresholds expect) to
 *   keep up to ~62 MiB of freed memory for reuse, as ftplib's first download
 *   does: the pickles handed out are freed at GCs, many at a time, and
 *   without it each was faulted in afresh (see `sockets/_heap.ts`).
 * @module
 */
export { PickleError, PicklingError, UnpicklingError } from "./_errors.js";
export { Global, PickleBuffer, PyFloat, Tuple, bytearray, float, frozenset, isTuple, tuple } from "./_values.js";
export type { ReduceValue } from "./_reduce.js";
export type { AsyncReadable, AsyncWritable, DumpResult, LoadResult, PickleReadable, PickleWritable, SyncReadable, SyncWritable } from "./_files.js";
export { DEFAULT_PROTOCOL, HIGHEST_PROTOCOL, Pickler, dump, dumps, type DumpOptions, type Protocol } from "./pickler.js";
export { Unpickler, load, loads, type LoadOptions } from "./unpickler.js";
export { opcodes, type OpcodeName } from "./opcodes.js";
