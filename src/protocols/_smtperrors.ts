/**
 * smtplib's exception tree, as Python's: every class is an `OSError`
 * (`SMTPException(OSError)`), the ones built from a server reply carry
 * `smtp_code` and `smtp_error` (the reply text as bytes, as Python's), and
 * `message` is what Python's `str(e)` prints.
 * @module
 */
import { OSError } from "../sockets/errors.js";
import { repr } from "../sockets/repr.js";

/**
 * Python's `smtplib.SMTPException`, the base of every smtplib error; an `OSError`.
 *
 * @example
 * ```ts
 * try { await s.login("me", "pw"); } catch (e) { if (e instanceof SMTPException) console.log(e.message); }
 * ```
 */
export class SMTPException extends OSError {
  static {
    this.prototype.name = "SMTPException";
  }
}

/**
 * The server lacks the command or option asked for (STARTTLS, AUTH, SMTPUTF8).
 *
 * @example
 * ```ts
 * await s.starttls(); // rejects: STARTTLS extension not supported by server.
 * ```
 */
export class SMTPNotSupportedError extends SMTPException {
  static {
    this.prototype.name = "SMTPNotSupportedError";
  }
}

/**
 * The connection is gone: the server closed it, a read timed out, or the
 * object was never connected (`please run connect() first`).
 *
 * @example
 * ```ts
 * await new SMTP().noop(); // rejects: please run connect() first
 * ```
 */
export class SMTPServerDisconnected extends SMTPException {
  static {
    this.prototype.name = "SMTPServerDisconnected";
  }
}

/**
 * A reply the caller could not go on from: `smtp_code` is its code,
 * `smtp_error` its text (bytes, several lines joined with "\n").
 *
 * @example
 * ```ts
 * const e = new SMTPResponseException(554, Buffer.from("No"));
 * e.message; // "(554, b'No')"
 * ```
 */
export class SMTPResponseException extends SMTPException {
  static {
    this.prototype.name = "SMTPResponseException";
  }
  /** The reply code, -1 when the reply had none. */
  readonly smtp_code: number;
  /** The reply text: bytes for a server reply, a string where Python gives one. */
  readonly smtp_error: Uint8Array | string;

  constructor(code: number, msg: Uint8Array | string, options?: { cause?: unknown }) {
    super(`(${code}, ${repr(msg)})`, undefined, options);
    this.smtp_code = code;
    this.smtp_error = msg;
  }
}

/**
 * The server refused the sender (MAIL FROM); `sender` is the address given.
 *
 * @example
 * ```ts
 * e.smtp_code; e.sender; // 553 "spammer@example.org"
 * ```
 */
export class SMTPSenderRefused extends SMTPResponseException {
  static {
    this.prototype.name = "SMTPSenderRefused";
  }
  /** The sender as passed to sendmail. */
  readonly sender: string;

  constructor(code: number, msg: Uint8Array | string, sender: string, options?: { cause?: unknown }) {
    super(code, msg, options);
    this.sender = sender;
    this.message = `(${code}, ${repr(msg)}, ${repr(sender)})`;
  }
}

/**
 * What `sendmail` resolves to: each refused recipient with the server's reply.
 *
 * @example
 * ```ts
 * const refused: RefusedRecipients = await s.sendmail(from, to, msg); // {"x@example.org": [550, <Buffer ...>]}
 * ```
 */
export type RefusedRecipients = Record<string, [code: number, msg: Uint8Array]>;

/**
 * Every recipient was refused; `recipients` holds each with its reply,
 * the same dictionary `sendmail` resolves to when only some are.
 *
 * @example
 * ```ts
 * e.recipients["nobody@example.org"]; // [550, <Buffer ...>]
 * ```
 */
export class SMTPRecipientsRefused extends SMTPException {
  static {
    this.prototype.name = "SMTPRecipientsRefused";
  }
  /** Refused recipients with their replies. */
  readonly recipients: RefusedRecipients;

  constructor(recipients: RefusedRecipients) {
    const items = Object.entries(recipients).map(([k, [code, msg]]) => `${repr(k)}: (${code}, ${repr(msg)})`);
    super(`{${items.join(", ")}}`);
    this.recipients = recipients;
  }
}

/**
 * The server refused the message data (the DATA command or the message).
 *
 * @example
 * ```ts
 * e.smtp_code; // 552
 * ```
 */
export class SMTPDataError extends SMTPResponseException {
  static {
    this.prototype.name = "SMTPDataError";
  }
}

/**
 * The server's greeting was not 220.
 *
 * @example
 * ```ts
 * new SMTP("busy.example.org"); // first call rejects: (554, b'Go away')
 * ```
 */
export class SMTPConnectError extends SMTPResponseException {
  static {
    this.prototype.name = "SMTPConnectError";
  }
}

/**
 * The server refused both EHLO and HELO.
 *
 * @example
 * ```ts
 * e.smtp_code; // 501
 * ```
 */
export class SMTPHeloError extends SMTPResponseException {
  static {
    this.prototype.name = "SMTPHeloError";
  }
}

/**
 * The server refused the user name and password (usually 535).
 *
 * @example
 * ```ts
 * await s.login("me", "wrong"); // rejects: (535, b'Invalid username or password')
 * ```
 */
export class SMTPAuthenticationError extends SMTPResponseException {
  static {
    this.prototype.name = "SMTPAuthenticationError";
  }
}
