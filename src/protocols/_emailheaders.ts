/**
 * The header half of Python's `email.message.Message`, which `MIMEPart`
 * and `EmailMessage` build on: an ordered list of `(name, value)` with
 * Python's lookups (case-insensitive, first match, several values per
 * name), the default policy's checks (CR/LF refused, headers allowed once),
 * and the content type read from Content-Type.
 * @module
 */
import { PyTypeError, ValueError } from "../sockets/errors.js";

/** Headers that the default policy allows once per message (Python's `max_count` of 1). */
const UNIQUE_HEADERS: ReadonlySet<string> = new Set([
  "to", "from", "cc", "bcc", "subject", "date", "message-id", "sender", "reply-to",
  "mime-version", "content-type", "content-transfer-encoding", "content-disposition",
  "orig-date",
]);

/**
 * Refuses a header name that would break the header section: empty, or holding CR, LF, ':', a space or a control character.
 *
 * @example
 * ```ts
 * checkHeaderName("X-Evil\r\nBcc"); // throws ValueError
 * ```
 */
export function checkHeaderName(name: string): void {
  if (typeof name !== "string") throw new PyTypeError("header name must be a str");
  if (name === "" || /[^\x21-\x39\x3b-\x7e]/.test(name)) {
    throw new ValueError(`Invalid header name ${JSON.stringify(name)}: a header name is printable ASCII without ':'`);
  }
}

/**
 * Refuses CR and LF in a header value, with Python's message.
 *
 * @example
 * ```ts
 * checkHeaderValue("a\r\nBcc: x"); // throws ValueError
 * ```
 */
export function checkHeaderValue(value: string): void {
  if (typeof value !== "string") throw new PyTypeError("header value must be a str");
  if (/[\r\n]/.test(value)) throw new ValueError("Header values may not contain linefeed or carriage return characters");
  // Python lets NUL through (encoded); a NUL reaching an SMTP peer is refused here instead.
  if (value.includes("\0")) throw new ValueError("Header values may not contain NUL characters");
}

/**
 * A parameter as Python writes it: `name="value"`.
 *
 * @example
 * ```ts
 * formatParam("filename", "a b.txt"); // 'filename="a b.txt"'
 * ```
 */
export function formatParam(name: string, value: string): string {
  return `${name}="${value.replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"`;
}

/**
 * The headers of a message or part (Python's `email.message.Message`
 * mapping interface). `MIMEPart` and `EmailMessage` add the content.
 *
 * @example
 * ```ts
 * const m = new EmailMessage(); // a Message
 * m.set("Subject", "Hi");
 * m.get("subject"); // "Hi"
 * ```
 */
export class Message {
  /** The headers in order, as `[name, value]`. */
  protected headerList: [string, string][] = [];

  /**
   * Appends a header, as Python's `msg[name] = value` (which never replaces).
   * Rejects CR/LF in the value or a malformed name with `ValueError`, and a
   * second value for a header allowed once (Subject, To, …).
   *
   * @example
   * ```ts
   * msg.set("Subject", "Hello");
   * msg.set("Received", "from a"); msg.set("Received", "from b"); // several values
   * ```
   */
  set(name: string, value: string): void {
    checkHeaderName(name);
    checkHeaderValue(value);
    const lower = name.toLowerCase();
    if (UNIQUE_HEADERS.has(lower) && this.headerList.some(([k]) => k.toLowerCase() === lower)) {
      throw new ValueError(`There may be at most 1 ${name} headers in a message`);
    }
    this.headerList.push([name, value]);
  }

  /**
   * The first value of a header, or `failobj` (null) — Python's `msg[name]`/`msg.get(name)`.
   *
   * @example
   * ```ts
   * msg.get("Subject"); // "Hello"
   * ```
   */
  get(name: string, failobj: string | null = null): string | null {
    const lower = name.toLowerCase();
    for (const [k, v] of this.headerList) if (k.toLowerCase() === lower) return v;
    return failobj;
  }

  /**
   * Every value of a header in order, or `failobj` (null) when there is none.
   *
   * @example
   * ```ts
   * msg.get_all("Received"); // ["from a", "from b"]
   * ```
   */
  get_all(name: string, failobj: string[] | null = null): string[] | null {
    const lower = name.toLowerCase();
    const values = this.headerList.filter(([k]) => k.toLowerCase() === lower).map(([, v]) => v);
    return values.length > 0 ? values : failobj;
  }

  /**
   * Deletes every value of a header (Python's `del msg[name]`); no error if absent.
   *
   * @example
   * ```ts
   * msg.del("Bcc");
   * ```
   */
  del(name: string): void {
    const lower = name.toLowerCase();
    this.headerList = this.headerList.filter(([k]) => k.toLowerCase() !== lower);
  }

  /**
   * Whether the header is present (Python's `name in msg`).
   *
   * @example
   * ```ts
   * msg.has("To"); // true
   * ```
   */
  has(name: string): boolean {
    return this.get(name) !== null;
  }

  /**
   * Replaces the first value of a header in place; `KeyError`-like `ValueError` if absent.
   *
   * @example
   * ```ts
   * msg.replace_header("Subject", "Re: Hello");
   * ```
   */
  replace_header(name: string, value: string): void {
    checkHeaderValue(value);
    const lower = name.toLowerCase();
    const i = this.headerList.findIndex(([k]) => k.toLowerCase() === lower);
    if (i < 0) throw new ValueError(`KeyError: ${JSON.stringify(name)}`);
    this.headerList[i] = [this.headerList[i]?.[0] ?? name, value];
  }

  /**
   * Appends a header with parameters: `add_header("Content-Disposition", "attachment", {filename: "a.txt"})`.
   *
   * @example
   * ```ts
   * msg.add_header("X-Tag", "v", { key: "val" }); // X-Tag: v; key="val"
   * ```
   */
  add_header(name: string, value: string, params: Record<string, string | null> = {}): void {
    const parts = [value];
    for (const [k, v] of Object.entries(params)) parts.push(v === null ? k.replaceAll("_", "-") : formatParam(k.replaceAll("_", "-"), v));
    this.set(name, parts.join("; "));
  }

  /**
   * Header names in order, repeats included.
   *
   * @example
   * ```ts
   * msg.keys(); // ["From", "To", "Subject", ...]
   * ```
   */
  keys(): string[] {
    return this.headerList.map(([k]) => k);
  }

  /**
   * Header values in order.
   *
   * @example
   * ```ts
   * msg.values();
   * ```
   */
  values(): string[] {
    return this.headerList.map(([, v]) => v);
  }

  /**
   * `[name, value]` pairs in order.
   *
   * @example
   * ```ts
   * for (const [k, v] of msg.items()) console.log(k, v);
   * ```
   */
  items(): [string, string][] {
    return this.headerList.map(([k, v]) => [k, v]);
  }

  /**
   * The content type, lower case: from Content-Type, "text/plain" when absent or malformed.
   *
   * @example
   * ```ts
   * msg.get_content_type(); // "multipart/mixed"
   * ```
   */
  get_content_type(): string {
    const value = this.get("Content-Type");
    if (value === null) return "text/plain";
    const ctype = (value.split(";")[0] ?? "").trim().toLowerCase();
    return ctype.split("/").length === 2 ? ctype : "text/plain";
  }

  /**
   * The part of the content type before "/".
   *
   * @example
   * ```ts
   * msg.get_content_maintype(); // "text"
   * ```
   */
  get_content_maintype(): string {
    return this.get_content_type().split("/")[0] ?? "text";
  }

  /**
   * The part of the content type after "/".
   *
   * @example
   * ```ts
   * msg.get_content_subtype(); // "plain"
   * ```
   */
  get_content_subtype(): string {
    return this.get_content_type().split("/")[1] ?? "plain";
  }
}
