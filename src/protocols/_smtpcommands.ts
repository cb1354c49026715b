/**
 * How smtplib turns arguments into command lines and message bytes, as
 * Python's: `quoteaddr`, `_addr_only`, `putcmd`'s newline check and command
 * encoding, and `sendmail`'s encoding of a str message.
 * @module
 */
import { UnicodeEncodeError, ValueError } from "../sockets/errors.js";
import { encodeErrorText, firstUnencodable } from "../sockets/_codecs.js";
import { parseaddr } from "./_emailaddress.js";

/**
 * Python's `smtplib.quoteaddr`: the address in angle brackets, found with `parseaddr`.
 *
 * @example
 * ```ts
 * quoteaddr("Foo <foo@example.org>"); // "<foo@example.org>"
 * ```
 */
export function quoteaddr(addrstring: string): string {
  const [displayname, addr] = parseaddr(addrstring);
  if (displayname === "" && addr === "") {
    if (addrstring.trim().startsWith("<")) return addrstring;
    return `<${addrstring}>`;
  }
  return `<${addr}>`;
}

/**
 * Python's `smtplib._addr_only`.
 *
 * @example
 * ```ts
 * addrOnly("Foo <foo@example.org>"); // "foo@example.org"
 * ```
 */
export function addrOnly(addrstring: string): string {
  const [displayname, addr] = parseaddr(addrstring);
  if (displayname === "" && addr === "") return addrstring;
  return addr;
}

/** Python's `str.encode('ascii')` failure, with Python's message. */
function asciiError(text: string): UnicodeEncodeError | undefined {
  const bad = firstUnencodable("ascii", text);
  return bad < 0 ? undefined : new UnicodeEncodeError(encodeErrorText("ascii", text, bad));
}

/**
 * Python's `putcmd` checks: no CR or LF (no command injection), and
 * encodable in the connection's command encoding.
 *
 * @example
 * ```ts
 * checkCommand("rcpt TO:<a@b>\r\nDATA", "ascii"); // throws ValueError
 * ```
 */
export function checkCommand(line: string, encoding: "ascii" | "utf-8"): void {
  if (line.includes("\r") || line.includes("\n")) {
    const shown = line.replaceAll("\n", "\\n").replaceAll("\r", "\\r");
    throw new ValueError(`command and arguments contain prohibited newline characters: ${shown}`);
  }
  // CPython 3.11 sends a NUL; stdnet refuses it too, so no NUL reaches the server.
  if (line.includes("\0")) throw new ValueError(`command and arguments contain prohibited NUL characters: ${line.replaceAll("\0", "\\0")}`);
  if (encoding === "ascii") {
    const err = asciiError(line);
    if (err !== undefined) throw err;
  }
}

/**
 * `sendmail`'s message bytes: a str has its lone CR and LF made CRLF and is
 * ASCII-encoded (Python's `_fix_eols(msg).encode('ascii')`); bytes are taken as they are.
 *
 * @example
 * ```ts
 * encodeMessage("a\nb"); // <Buffer 61 0d 0a 62>
 * ```
 */
export function encodeMessage(msg: string | Uint8Array): Uint8Array {
  if (typeof msg !== "string") return msg;
  const fixed = msg.replace(/\r\n|\n|\r(?!\n)/g, "\r\n");
  const err = asciiError(fixed);
  if (err !== undefined) throw err;
  return Buffer.from(fixed, "latin1");
}
