/**
 * ftplib's exceptions: `Error` and the four kinds of bad reply, classified as
 * Python's `getresp` does by the reply's first digit, and `all_errors`.
 * @module
 */
import { EOFError, OSError } from "../sockets/errors.js";
import { SSLError } from "../sockets/_sslerrors.js";

/**
 * Python's `ftplib.Error`, the base of ftplib's own exceptions. Exported as
 * `Error`; its `message` is the server's reply (`550 No such file`) or the
 * fault, as `str(e)` of Python's.
 *
 * @example
 * ```ts
 * import { Error as FtpError } from "stdnet/ftplib";
 * try { await ftp.retrbinary("RETR x", () => {}); } catch (e) { if (e instanceof FtpError) console.log(e.message); }
 * ```
 */
export class FtplibError extends globalThis.Error {
  static {
    this.prototype.name = "Error";
  }
}

/**
 * An unexpected 1xx, 2xx or 3xx reply (Python's `error_reply`).
 *
 * @example
 * ```ts
 * await ftp.voidcmd("REST 10"); // rejects with error_reply("350 Restarting at 10")
 * ```
 */
export class error_reply extends FtplibError {
  static {
    this.prototype.name = "error_reply";
  }
}

/**
 * A 4xx reply, a transient failure (Python's `error_temp`).
 *
 * @example
 * ```ts
 * try { await ftp.nlst(); } catch (e) { if (e instanceof error_temp) console.log(e.message); } // "425 …"
 * ```
 */
export class error_temp extends FtplibError {
  static {
    this.prototype.name = "error_temp";
  }
}

/**
 * A 5xx reply, a permanent failure (Python's `error_perm`): wrong password,
 * missing file, refused command. `message` is the server's line, `550 …`.
 *
 * @example
 * ```ts
 * try { await ftp.delete("missing"); } catch (e) { if (e instanceof error_perm) console.log(e.message); } // "550 …"
 * ```
 */
export class error_perm extends FtplibError {
  static {
    this.prototype.name = "error_perm";
  }
}

/**
 * A reply that does not begin with a digit 1 to 5, or one that cannot be
 * parsed where a format is required (Python's `error_proto`).
 *
 * @example
 * ```ts
 * parse227("227 no numbers here"); // throws error_proto
 * ```
 */
export class error_proto extends FtplibError {
  static {
    this.prototype.name = "error_proto";
  }
}

/** A class any of ftplib's failures is an instance of. */
export type FtpErrorClass = abstract new (...args: never[]) => globalThis.Error;

/**
 * Python's `ftplib.all_errors` (with `ssl` available, as it always is here):
 * the classes a program catches to handle any failure of an FTP session:
 * `Error`, `OSError` (which includes `TimeoutError` and
 * `ConnectionRefusedError`), `EOFError` and `ssl.SSLError` (an `OSError` too).
 *
 * @example
 * ```ts
 * try { await ftp.retrlines("LIST"); }
 * catch (e) { if (all_errors.some((cls) => e instanceof cls)) console.log("FTP failed:", e); else throw e; }
 * ```
 */
export const all_errors: readonly [typeof FtplibError, typeof OSError, typeof EOFError, typeof SSLError] = Object.freeze([
  FtplibError,
  OSError,
  EOFError,
  SSLError,
] as const);

/**
 * The exception Python's `getresp` raises for a reply, or `undefined` when the
 * reply is a 1xx, 2xx or 3xx one that `sendcmd` returns.
 *
 * @example
 * ```ts
 * replyError("550 No such file"); // error_perm
 * replyError("226 Done");         // undefined
 * ```
 */
export function replyError(reply: string, cause?: unknown): FtplibError | undefined {
  const options = cause === undefined ? undefined : { cause };
  switch (reply.charAt(0)) {
    case "1":
    case "2":
    case "3":
      return undefined;
    case "4":
      return new error_temp(reply, options);
    case "5":
      return new error_perm(reply, options);
    default:
      return new error_proto(reply, options);
  }
}
