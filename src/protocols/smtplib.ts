/**
 * `stdnet/smtplib` — Python's `smtplib` (SMTP, SMTP_SSL, LMTP) over
 * nodemailer's SMTP engine.
 *
 * @example
 * ```ts
 * import { SMTP } from "stdnet/smtplib";
 * await using s = new SMTP("mail.example.org", 587);   // connects, as Python's
 * await s.starttls();
 * await s.login("me", "secret");
 * const refused = await s.sendmail("me@example.org", ["you@example.org"], "Subject: hi\r\n\r\nHello\r\n");
 * ```
 *
 * Differences from Python:
 * - Calls that talk to the server return Promises. `new SMTP(host)` starts
 *   connecting at once; the first awaited call waits for it and rejects with
 *   what Python's constructor would have raised (`SMTPConnectError`,
 *   `ConnectionRefusedError`, …). `await SMTP.open(host, port)` does the same
 *   in one awaited step. `await using` is Python's `with` (QUIT, then close).
 * - One call at a time per connection: a second call while one is running
 *   rejects with `SMTPException` naming the one in progress.
 * - `starttls()` and `SMTP_SSL` verify the server's certificate unless the
 *   context says otherwise (Python 3.11 verifies nothing without a context).
 * - `sendmail` pipelines MAIL, RCPT and DATA when the server announces
 *   PIPELINING, and refuses CR/LF in any address or option before sending
 *   anything. Lines of the message starting with "." are doubled as in
 *   Python, and a bare CR or LF in bytes becomes CRLF, as nodemailer's
 *   DataStream does (protection against SMTP smuggling; Python sends bytes as is).
 * - LMTP reads one reply per accepted recipient after the data (Python reads
 *   only the first): recipients refused there join the returned dictionary.
 * - Reply texts are bytes (`Buffer`) as in Python; a reply that is not UTF-8
 *   is read as Latin-1. `login()` uses CRAM-MD5, PLAIN, LOGIN in Python's order
 *   through nodemailer (no initial response for LOGIN; an empty user or
 *   password is refused before sending). Debug output goes to stderr with
 *   passwords masked. The EHLO name defaults to the host name when it holds a
 *   dot, else `[127.0.0.1]`. A blank line from the server is skipped
 *   (nodemailer's reader), where Python reads it as a reply with code -1.
 * - `putcmd`/`getreply`/`send` and `auth(mechanism, authobject)` are not
 *   offered: commands go through `docmd`, AUTH through `login`.
 * @module
 */
export {
  SMTPException,
  SMTPNotSupportedError,
  SMTPServerDisconnected,
  SMTPResponseException,
  SMTPSenderRefused,
  SMTPRecipientsRefused,
  SMTPDataError,
  SMTPConnectError,
  SMTPHeloError,
  SMTPAuthenticationError,
  type RefusedRecipients,
} from "./_smtperrors.js";
export type { SMTPReply } from "./_smtpengine.js";
export { quoteaddr } from "./_smtpcommands.js";
export { UnicodeEncodeError } from "../sockets/errors.js";
export { SMTPSession, SMTP_PORT, type SMTPOptions } from "./_smtpsession.js";
export { SMTP } from "./_smtpclient.js";
export { SMTP_SSL, LMTP, SMTP_SSL_PORT, LMTP_PORT, type SMTP_SSLOptions } from "./_smtpvariants.js";

/**
 * Python's line ending for SMTP, "\r\n".
 *
 * @example
 * ```ts
 * await s.sendmail(from, to, ["Subject: x", "", "body"].join(CRLF));
 * ```
 */
export const CRLF = "\r\n";
