/**
 * `stdnet/email` — the sending half of Python's `email` package:
 * `email.message.EmailMessage`/`MIMEPart` (default policy) and
 * `email.utils.parseaddr`/`getaddresses`. Messages are composed by
 * nodemailer's MIME composer.
 *
 * @example
 * ```ts
 * import { EmailMessage } from "stdnet/email";
 * const msg = new EmailMessage();
 * msg.set("From", "me@example.org"); msg.set("To", "you@example.org"); msg.set("Subject", "Hi");
 * msg.set_content("Hello"); msg.add_alternative("<p>Hello</p>", { subtype: "html" });
 * const bytes = await msg.as_bytes();
 * ```
 *
 * Differences from Python:
 * - `msg['Subject'] = v` is `msg.set("Subject", v)` (appends, as Python's);
 *   `msg['Subject']` is `msg.get("Subject")`; `del msg['Bcc']` is `msg.del("Bcc")`;
 *   `'To' in msg` is `msg.has("To")`. CR/LF in a value and a malformed name
 *   (CR, LF, ':' or a control character) are refused with `ValueError`.
 * - `as_bytes()`/`as_string()` return Promises (the composer streams). The
 *   bytes are nodemailer's rendering of the same message: other boundaries,
 *   and text that is not 7-bit is sent quoted-printable or base64 where Python
 *   would write 8bit; headers, structure and decoded content are the same.
 * - Keyword arguments are one trailing options object: `set_content(text,
 *   { subtype: "html", charset })`, `add_attachment(bytes, maintype, subtype,
 *   { filename })`. Text charsets: utf-8, us-ascii, iso-8859-1.
 * - Covered: headers, `set_content`, `add_alternative`, `add_related`,
 *   `add_attachment`, `make_*`, `iter_parts`, `get_content`, `as_bytes`.
 *   Not covered: parsing (`message_from_bytes`), `get_body`,
 *   `iter_attachments`, `set_param`, policies other than the default.
 * @module
 */
export { Message } from "./_emailheaders.js";
export {
  EmailMessage,
  MIMEPart,
  type ContentOptions,
  type TextContentOptions,
  type FlattenOptions,
} from "./_emailmessage.js";
export { parseaddr, getaddresses, type ParsedAddress } from "./_emailaddress.js";
