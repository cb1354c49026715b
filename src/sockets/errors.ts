/**
 * Python's built-in exception classes that the internet modules raise:
 * `OSError` and its subclasses (with Linux `errno` values and glibc's
 * `strerror` texts), the name-lookup errors `gaierror` and `herror`, and the
 * plain `ValueError`, `OverflowError`, `TypeError` and `EOFError`.
 *
 * @example
 * ```ts
 * import { ConnectionRefusedError, create_connection } from "stdnet/socket";
 * try {
 *   await create_connection(["127.0.0.1", 1]);
 * } catch (e) {
 *   if (e instanceof ConnectionRefusedError) console.log(e.errno, e.strerror); // 111 Connection refused
 * }
 * ```
 *
 * Differences from Python: `str(e)` is `e.message`; the node error that caused
 * an exception is kept as `e.cause`.
 * @module
 */
import { constants as osConstants } from "node:os";
import { strerror } from "./_strerror.js";

export { strerror };

/** Linux errno numbers, as Python's `errno` module has them. */
export const errno: Readonly<Record<string, number>> = Object.freeze({ ...osConstants.errno });

/**
 * Python's `ValueError`: an argument has the right type but a wrong value.
 *
 * @example
 * ```ts
 * throw new ValueError("an illegal newline character should not be contained");
 * ```
 */
export class ValueError extends Error {
  static {
    this.prototype.name = "ValueError";
  }
}

/**
 * Python's `UnicodeError` (a `ValueError`): the base of `UnicodeEncodeError` and `UnicodeDecodeError`.
 *
 * @example
 * ```ts
 * try { quote("\u20ac", "/", "latin-1"); } catch (e) { console.log(e instanceof UnicodeError); } // true
 * ```
 */
export class UnicodeError extends ValueError {
  static {
    this.prototype.name = "UnicodeError";
  }
}

/**
 * Python's `UnicodeEncodeError` (a `UnicodeError`): text the encoding cannot hold.
 *
 * @example
 * ```ts
 * await asciiFile.write("é"); // rejects with UnicodeEncodeError: 'ascii' codec can't encode character '\xe9' in position 0: …
 * ```
 */
export class UnicodeEncodeError extends UnicodeError {
  static {
    this.prototype.name = "UnicodeEncodeError";
  }
}

/**
 * Python's `LookupError`: a name that finds nothing, as an encoding no codec has.
 *
 * @example
 * ```ts
 * sock.makefile("r", { encoding: "latin.1" }); // throws LookupError: unknown encoding: latin.1
 * ```
 */
export class LookupError extends Error {
  static {
    this.prototype.name = "LookupError";
  }
}

/**
 * Python's `TypeError`, for an argument of the wrong kind where TypeScript's
 * types could not catch it (values from untyped JavaScript).
 *
 * @example
 * ```ts
 * throw new PyTypeError("a bytes-like object is required, not 'str'");
 * ```
 */
export class PyTypeError extends TypeError {
  static {
    this.prototype.name = "TypeError";
  }
}

/**
 * Python's `OverflowError`: an integer out of the range a C type holds.
 *
 * @example
 * ```ts
 * import { htons, OverflowError } from "stdnet/socket";
 * try { htons(70000); } catch (e) { console.log(e instanceof OverflowError); } // true
 * ```
 */
export class OverflowError extends Error {
  static {
    this.prototype.name = "OverflowError";
  }
}

/**
 * Python's `RuntimeError`: a call the object's state does not allow (a
 * second `serve_forever`, `set_tunnel` on an open connection, a second FTP
 * command while one runs).
 *
 * @example
 * ```ts
 * throw new RuntimeError("serve_forever is already running");
 * ```
 */
export class RuntimeError extends Error {
  static {
    this.prototype.name = "RuntimeError";
  }
}

/**
 * Python's `EOFError`: the peer ended the stream where more was expected.
 *
 * @example
 * ```ts
 * throw new EOFError();
 * ```
 */
export class EOFError extends Error {
  static {
    this.prototype.name = "EOFError";
  }
}

/** What an `OSError` may be built from: Python's `(errno, strerror)` or a lone message. */
export interface OSErrorOptions {
  /** The error that caused this one, usually node's. */
  cause?: unknown;
  /** The file or address involved, as Python's `filename`. */
  filename?: string;
}

/**
 * Python's `OSError`, with `errno` and `strerror` as Python gives them.
 * `new OSError(111)` fills `strerror` from the C library's table and reads
 * `[Errno 111] Connection refused`, as `str()` of Python's does.
 *
 * @example
 * ```ts
 * const e = new OSError(9);
 * e.message; // "[Errno 9] Bad file descriptor"
 * e.errno;   // 9
 * ```
 */
export class OSError extends Error {
  static {
    this.prototype.name = "OSError";
  }
  /** The errno number, or `null` for an OSError made from a message alone. */
  readonly errno: number | null;
  /** The C library's text for `errno`, or `null`. */
  readonly strerror: string | null;
  /** The file name or address the failing call was given, or `null`. */
  readonly filename: string | null;

  constructor(errnoOrMessage?: number | string, strerrorText?: string, options?: OSErrorOptions) {
    let code: number | null = null;
    let text: string | null = null;
    let message: string;
    if (typeof errnoOrMessage === "number") {
      code = errnoOrMessage;
      text = strerrorText ?? strerror(code);
      message = `[Errno ${code}] ${text}`;
      if (options?.filename !== undefined) message += `: '${options.filename}'`;
    } else {
      message = errnoOrMessage ?? "";
    }
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.errno = code;
    this.strerror = text;
    this.filename = options?.filename ?? null;
  }
}

/**
 * Python's `BlockingIOError`: a non-blocking call would have had to wait
 * (errno 11, EAGAIN, or 115, EINPROGRESS, for a connect).
 *
 * @example
 * ```ts
 * sock.setblocking(false);
 * await sock.recv(1024); // rejects with BlockingIOError when nothing is there
 * ```
 */
export class BlockingIOError extends OSError {
  static {
    this.prototype.name = "BlockingIOError";
  }
}

/**
 * Python's `ConnectionError`, the parent of the connection failures.
 *
 * @example
 * ```ts
 * if (e instanceof ConnectionError) reconnect();
 * ```
 */
export class ConnectionError extends OSError {
  static {
    this.prototype.name = "ConnectionError";
  }
}

/**
 * Python's `BrokenPipeError` (errno 32, EPIPE): writing to a stream the peer closed.
 *
 * @example
 * ```ts
 * try { await sock.sendall(data); } catch (e) { if (e instanceof BrokenPipeError) {} }
 * ```
 */
export class BrokenPipeError extends ConnectionError {
  static {
    this.prototype.name = "BrokenPipeError";
  }
}

/**
 * Python's `ConnectionAbortedError` (errno 103, ECONNABORTED).
 *
 * @example
 * ```ts
 * new ConnectionAbortedError(103).message; // "[Errno 103] Software caused connection abort"
 * ```
 */
export class ConnectionAbortedError extends ConnectionError {
  static {
    this.prototype.name = "ConnectionAbortedError";
  }
}

/**
 * Python's `ConnectionRefusedError` (errno 111, ECONNREFUSED).
 *
 * @example
 * ```ts
 * await create_connection(["127.0.0.1", 1]); // rejects: [Errno 111] Connection refused
 * ```
 */
export class ConnectionRefusedError extends ConnectionError {
  static {
    this.prototype.name = "ConnectionRefusedError";
  }
}

/**
 * Python's `ConnectionResetError` (errno 104, ECONNRESET): the peer reset the connection.
 *
 * @example
 * ```ts
 * new ConnectionResetError(104).message; // "[Errno 104] Connection reset by peer"
 * ```
 */
export class ConnectionResetError extends ConnectionError {
  static {
    this.prototype.name = "ConnectionResetError";
  }
}

/**
 * Python's `TimeoutError`, which is also `socket.timeout`: a call on a socket
 * with a timeout waited that long. Its message is Python's `timed out`.
 *
 * @example
 * ```ts
 * sock.settimeout(0.5);
 * await sock.recv(10); // rejects with TimeoutError("timed out") after half a second
 * ```
 */
export class TimeoutError extends OSError {
  static {
    this.prototype.name = "TimeoutError";
  }
}

/**
 * Python's `socket.gaierror`: `getaddrinfo` failed; `errno` is the negative
 * `EAI_*` code (-2 for a name that does not exist).
 *
 * @example
 * ```ts
 * await gethostbyname("nonexistent.invalid"); // rejects: [Errno -2] Name or service not known
 * ```
 */
export class gaierror extends OSError {
  static {
    this.prototype.name = "gaierror";
  }
}

/**
 * Python's `socket.herror`: an address lookup (`gethostbyaddr`) failed.
 *
 * @example
 * ```ts
 * await gethostbyaddr("10.255.255.1"); // rejects: [Errno 1] Unknown host
 * ```
 */
export class herror extends OSError {
  static {
    this.prototype.name = "herror";
  }
}

const ordinaryHasInstance = Function.prototype[Symbol.hasInstance];
const extraSubclasses = new WeakMap<object, (abstract new (...args: never[]) => unknown)[]>();

/**
 * Declares a second Python base class: after `addBase(Sub, Base)`,
 * `x instanceof Base` is true for every `Sub`, as Python's multiple
 * inheritance makes it (`class RemoteDisconnected(ConnectionResetError, BadStatusLine)`).
 *
 * @example
 * ```ts
 * class RemoteDisconnected extends ConnectionResetError {}
 * addBase(RemoteDisconnected, BadStatusLine);
 * new RemoteDisconnected() instanceof BadStatusLine; // true
 * ```
 */
export function addBase(
  sub: abstract new (...args: never[]) => unknown,
  base: abstract new (...args: never[]) => unknown,
): void {
  let subs = extraSubclasses.get(base);
  if (subs === undefined) {
    subs = [];
    extraSubclasses.set(base, subs);
    const own = subs;
    Object.defineProperty(base, Symbol.hasInstance, {
      value(this: unknown, value: unknown): boolean {
        if (ordinaryHasInstance.call(this, value)) return true;
        return this === base && own.some((cls) => ordinaryHasInstance.call(cls, value));
      },
    });
  }
  subs.push(sub);
}

type OSErrorClass = new (errnoOrMessage?: number | string, strerrorText?: string, options?: OSErrorOptions) => OSError;

// Python picks the OSError subclass from the errno (PEP 3151).
const SUBCLASS_BY_ERRNO: ReadonlyMap<number, OSErrorClass> = new Map<number, OSErrorClass>([
  [osConstants.errno.EAGAIN, BlockingIOError],
  [osConstants.errno.EALREADY, BlockingIOError],
  [osConstants.errno.EINPROGRESS, BlockingIOError],
  [osConstants.errno.EPIPE, BrokenPipeError],
  [108, BrokenPipeError], // ESHUTDOWN
  [osConstants.errno.ECONNABORTED, ConnectionAbortedError],
  [osConstants.errno.ECONNREFUSED, ConnectionRefusedError],
  [osConstants.errno.ECONNRESET, ConnectionResetError],
  [osConstants.errno.ETIMEDOUT, TimeoutError],
]);

/**
 * The `OSError` subclass that Python raises for an errno, built as Python
 * builds it: `OSError(111)` in Python gives a `ConnectionRefusedError`.
 *
 * @example
 * ```ts
 * oserror(104) instanceof ConnectionResetError; // true
 * ```
 */
export function oserror(code: number, options?: OSErrorOptions): OSError {
  const Cls = SUBCLASS_BY_ERRNO.get(code) ?? OSError;
  return new Cls(code, undefined, options);
}

// getaddrinfo's EAI_* codes: node's names, glibc's numbers and texts.
const GAI_ERRORS: Readonly<Record<string, readonly [number, string]>> = {
  ENOTFOUND: [-2, "Name or service not known"],
  EAI_NONAME: [-2, "Name or service not known"],
  EAI_AGAIN: [-3, "Temporary failure in name resolution"],
  EAI_FAIL: [-4, "Non-recoverable failure in name resolution"],
  EAI_NODATA: [-5, "No address associated with hostname"],
  ENODATA: [-5, "No address associated with hostname"],
  EAI_FAMILY: [-6, "ai_family not supported"],
  EAI_SOCKTYPE: [-7, "ai_socktype not supported"],
  EAI_SERVICE: [-8, "Servname not supported for ai_socktype"],
  EAI_BADFLAGS: [-1, "Bad value for ai_flags"],
  EAI_MEMORY: [-10, "Memory allocation failure"],
};

/** A node error as it arrives: a code such as `ECONNREFUSED`, maybe an errno. */
interface NodeSystemError {
  code?: unknown;
  errno?: unknown;
  message?: unknown;
}

function isNodeError(e: unknown): e is NodeSystemError & Error {
  return e instanceof Error;
}

/**
 * The Python error for a failure of node's: a system error (`ECONNREFUSED`,
 * `EADDRINUSE`, …) becomes the `OSError` subclass Python raises for its errno,
 * a failed name lookup becomes `gaierror`; the node error is kept as `cause`.
 * An error that is already a stdnet `OSError` passes through unchanged.
 *
 * @example
 * ```ts
 * net.connect(1, "127.0.0.1").on("error", (e) => {
 *   const py = fromNodeError(e); // ConnectionRefusedError, errno 111
 * });
 * ```
 */
export function fromNodeError(e: unknown): Error {
  if (e instanceof OSError) return e;
  if (!isNodeError(e)) return new OSError(String(e));
  const code = typeof e.code === "string" ? e.code : undefined;
  if (code !== undefined) {
    const gai = GAI_ERRORS[code];
    if (gai !== undefined) return new gaierror(gai[0], gai[1], { cause: e });
    const num = osConstants.errno[code as keyof typeof osConstants.errno];
    if (typeof num === "number") return oserror(num, { cause: e });
    if (code === "ERR_SOCKET_CLOSED" || code === "ERR_STREAM_DESTROYED" || code === "ERR_SOCKET_DGRAM_NOT_RUNNING") {
      return new OSError(osConstants.errno.EBADF, undefined, { cause: e });
    }
    if (code === "ERR_STREAM_WRITE_AFTER_END") {
      return new BrokenPipeError(osConstants.errno.EPIPE, undefined, { cause: e });
    }
  }
  if (typeof e.errno === "number" && e.errno < 0) return oserror(-e.errno, { cause: e });
  return new OSError(e.message, undefined, { cause: e });
}

/**
 * `[Errno 9] Bad file descriptor`: what Python raises for any use of a closed socket.
 *
 * @example
 * ```ts
 * sock.close();
 * await sock.recv(1); // rejects with badFileDescriptor()
 * ```
 */
export function badFileDescriptor(): OSError {
  return new OSError(osConstants.errno.EBADF);
}

/**
 * Python's `socket.timeout` message: `timed out`.
 *
 * @example
 * ```ts
 * throw timedOut();
 * ```
 */
export function timedOut(): TimeoutError {
  return new TimeoutError("timed out");
}
