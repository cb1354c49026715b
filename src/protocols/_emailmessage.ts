/**
 * The message model of `stdnet/email`: Python's `email.message.MIMEPart`
 * and `EmailMessage` (default policy) for building mail to send — ordered
 * headers with several values per name, text/bytes content, and the
 * multipart tree that `add_alternative`/`add_attachment` grow. Turning it
 * into bytes is nodemailer's mail-composer's job (`_emailcompose.ts`).
 * @module
 */
import { PyTypeError, ValueError } from "../sockets/errors.js";
import { assertEncodable, lookupCodec, nodeEncodingOf, type Codec } from "../sockets/_codecs.js";
import { checkHeaderName, checkHeaderValue, formatParam, Message } from "./_emailheaders.js";
import { composeMessage, type ComposeNode } from "./_emailcompose.js";

/** Python's `email.charset.ALIASES` for the codecs this module can encode (a charset not here goes into the header as given). */
const EMAIL_ALIASES: Readonly<Record<string, string>> = { latin_1: "iso-8859-1", "latin-1": "iso-8859-1", ascii: "us-ascii" };

/** Python's default `policy.max_line_length`. */
const MAX_LINE_LENGTH = 78;

/**
 * Keyword arguments shared by `set_content`, `add_alternative` and `add_attachment`.
 *
 * @example
 * ```ts
 * msg.add_attachment(bytes, "application", "pdf", { filename: "a.pdf", disposition: "attachment" });
 * ```
 */
export interface ContentOptions {
  /** Content-Transfer-Encoding to record; for text chosen as Python does when absent. */
  cte?: string | null;
  /** Content-Disposition, e.g. "inline" or "attachment" (the latter when a filename is given). */
  disposition?: string | null;
  /** The `filename` parameter of Content-Disposition. */
  filename?: string | null;
  /** A Content-ID header. */
  cid?: string | null;
  /** Extra Content-Type parameters. */
  params?: Record<string, string> | null;
  /** Extra headers, as "Name: value" lines. */
  headers?: readonly string[] | null;
}

/**
 * Keyword arguments of text content.
 *
 * @example
 * ```ts
 * msg.set_content("<p>hi</p>", { subtype: "html", charset: "utf-8" });
 * ```
 */
export interface TextContentOptions extends ContentOptions {
  /** The text subtype. @default "plain" */
  subtype?: string;
  /** The charset to encode with: utf-8, us-ascii or iso-8859-1. @default "utf-8" */
  charset?: string;
}

/**
 * `as_bytes`/`as_string` options: Python's `policy=…clone(linesep=…)`.
 *
 * @example
 * ```ts
 * await msg.as_bytes({ linesep: "\r\n" });
 * ```
 */
export interface FlattenOptions {
  /** Line ending of the output. @default "\n" (Python's default policy) */
  linesep?: "\n" | "\r\n";
}

type Payload =
  | { kind: "text"; text: string; bytes: Buffer; codec: Codec }
  | { kind: "bytes"; bytes: Buffer }
  | { kind: "multipart"; parts: MIMEPart[] }
  | null;

/** Python's `bytes.splitlines()` over text: lines without their endings. */
function splitlines(text: string): string[] {
  const lines = text.split(/\r\n|\r|\n/);
  if (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  return lines;
}

/**
 * Python's `email.message.MIMEPart`: a part with headers and content, which
 * an `EmailMessage` is made of.
 *
 * @example
 * ```ts
 * const part = new MIMEPart();
 * part.set_content("hello");
 * part.get_content_type(); // "text/plain"
 * ```
 */
export class MIMEPart extends Message {
  #payload: Payload = null;

  /**
   * Whether the content is a list of parts.
   *
   * @example
   * ```ts
   * msg.is_multipart(); // false until add_alternative/add_attachment
   * ```
   */
  is_multipart(): boolean {
    return this.#payload?.kind === "multipart";
  }

  /**
   * The subparts of a multipart (an empty list otherwise).
   *
   * @example
   * ```ts
   * for (const part of msg.iter_parts()) console.log(part.get_content_type());
   * ```
   */
  iter_parts(): MIMEPart[] {
    return this.#payload?.kind === "multipart" ? [...this.#payload.parts] : [];
  }

  /**
   * The content: text as a string (with its trailing newline, as Python), bytes as a Buffer.
   *
   * @example
   * ```ts
   * msg.get_content(); // "Hello\n"
   * ```
   */
  get_content(): string | Buffer {
    const p = this.#payload;
    if (p === null) return "";
    if (p.kind === "multipart") throw new PyTypeError("get_content not valid on multipart");
    return p.kind === "text" ? p.text : Buffer.from(p.bytes);
  }

  /**
   * Removes the content and every Content-* header.
   *
   * @example
   * ```ts
   * msg.clear_content();
   * ```
   */
  clear_content(): void {
    this.headerList = this.headerList.filter(([k]) => !k.toLowerCase().startsWith("content-"));
    this.#payload = null;
  }

  /**
   * Sets the content: `set_content(text, {subtype, charset, …})` for text,
   * `set_content(bytes, maintype, subtype, {…})` for bytes — Python's raw_data_manager.
   *
   * @example
   * ```ts
   * msg.set_content("Hello");
   * msg.set_content(pdfBytes, "application", "pdf", { filename: "a.pdf" });
   * ```
   */
  set_content(text: string, options?: TextContentOptions): void;
  set_content(data: Uint8Array, maintype: string, subtype: string, options?: ContentOptions): void;
  set_content(content: string | Uint8Array, a?: TextContentOptions | string, b?: string, c?: ContentOptions): void {
    if (this.get_content_maintype() === "multipart") throw new PyTypeError("set_content not valid on multipart");
    if (typeof content === "string") {
      const options = (typeof a === "object" ? a : undefined) ?? {};
      this.#validate(options);
      this.clear_content();
      this.#setText(content, options);
    } else if (content instanceof Uint8Array) {
      if (typeof a !== "string" || typeof b !== "string") throw new PyTypeError("set_content() of bytes needs maintype and subtype");
      const options = c ?? {};
      this.#validate(options);
      if (a === "text") throw new PyTypeError("set_content() of bytes cannot use maintype 'text': pass the text as a string");
      this.clear_content();
      this.#setBytes(content, a, b, options);
    } else {
      throw new PyTypeError(`set_content() cannot handle ${typeof content}`);
    }
  }

  /** Checks every header a set_content would write, so that a bad one leaves the part untouched. */
  #validate(options: ContentOptions): void {
    for (const v of [options.cte, options.disposition, options.filename, options.cid, ...Object.values(options.params ?? {})]) {
      if (typeof v === "string") checkHeaderValue(v);
    }
    for (const h of options.headers ?? []) {
      const i = h.indexOf(":");
      if (i <= 0) throw new ValueError(`Invalid header: ${h}`);
      checkHeaderName(h.slice(0, i));
      checkHeaderValue(h.slice(i + 1));
    }
  }

  #prepare(maintype: string, subtype: string, headers: readonly string[] | null | undefined): void {
    this.set("Content-Type", `${maintype}/${subtype}`);
    for (const h of headers ?? []) {
      const i = h.indexOf(":");
      this.set(h.slice(0, i).trim(), h.slice(i + 1).trim());
    }
  }

  #finalize(options: ContentOptions): void {
    let disposition = options.disposition ?? null;
    const filename = options.filename ?? null;
    if (disposition === null && filename !== null) disposition = "attachment";
    if (disposition !== null) {
      this.set("Content-Disposition", filename !== null ? `${disposition}; ${formatParam("filename", filename)}` : disposition);
    }
    if (options.cid != null) this.set("Content-ID", options.cid);
    if (options.params != null) {
      const ct = this.get("Content-Type") ?? "";
      const extra = Object.entries(options.params).map(([k, v]) => formatParam(k, v));
      this.replace_header("Content-Type", [ct, ...extra].join("; "));
    }
  }

  #setText(text: string, options: TextContentOptions): void {
    const subtype = options.subtype ?? "plain";
    // as Python's set_text_content: the text encoded whole by the codec the charset names, the header naming
    // the charset as given (or its email alias)
    const given = options.charset ?? "utf-8";
    const codec = lookupCodec(given, "stdnet/email encodes utf-8, us-ascii and iso-8859-1");
    assertEncodable(codec, text);
    const encoding = nodeEncodingOf(codec);
    const lines = splitlines(text);
    const body = lines.join("\n") + "\n";
    const bytes = Buffer.from(body, encoding);
    let cte = options.cte ?? null;
    if (cte === null) {
      const longest = Math.max(0, ...lines.map((l) => Buffer.byteLength(l, encoding)));
      const ascii = !/[^\x00-\x7f]/.test(body);
      if (longest <= MAX_LINE_LENGTH) cte = ascii ? "7bit" : "8bit";
      else {
        let high = 0;
        for (const byte of bytes.subarray(0, 4096)) if (byte > 0x7f) high++;
        cte = high * 6 > Math.min(bytes.length, 4096) ? "base64" : "quoted-printable";
      }
    }
    this.#prepare("text", subtype, options.headers);
    this.replace_header("Content-Type", `text/${subtype}; ${formatParam("charset", EMAIL_ALIASES[given] ?? given)}`);
    this.set("Content-Transfer-Encoding", cte);
    this.#payload = { kind: "text", text: body, bytes, codec };
    this.#finalize(options);
  }

  #setBytes(data: Uint8Array, maintype: string, subtype: string, options: ContentOptions): void {
    this.#prepare(maintype, subtype, options.headers);
    this.set("Content-Transfer-Encoding", options.cte ?? "base64");
    this.#payload = { kind: "bytes", bytes: Buffer.from(data) };
    this.#finalize(options);
  }

  #makeMultipart(subtype: string, disallowed: readonly string[]): void {
    if (this.get_content_maintype() === "multipart") {
      const existing = this.get_content_subtype();
      if ([...disallowed, subtype].includes(existing)) throw new ValueError(`Cannot convert ${existing} to ${subtype}`);
    }
    const keep: [string, string][] = [];
    const moved: [string, string][] = [];
    for (const h of this.headerList) (h[0].toLowerCase().startsWith("content-") ? moved : keep).push(h);
    if (moved.length > 0) {
      const part = new MIMEPart();
      part.headerList = moved;
      part.#payload = this.#payload;
      this.#payload = { kind: "multipart", parts: [part] };
    } else {
      this.#payload = { kind: "multipart", parts: [] };
    }
    this.headerList = keep;
    this.set("Content-Type", `multipart/${subtype}`);
  }

  /**
   * Turns the part into multipart/alternative, its content becoming the first subpart.
   *
   * @example
   * ```ts
   * msg.make_alternative();
   * ```
   */
  make_alternative(): void {
    this.#makeMultipart("alternative", ["mixed"]);
  }

  /**
   * Turns the part into multipart/mixed, its content becoming the first subpart.
   *
   * @example
   * ```ts
   * msg.make_mixed();
   * ```
   */
  make_mixed(): void {
    this.#makeMultipart("mixed", []);
  }

  /**
   * Turns the part into multipart/related (HTML with its inline images), its content becoming the first subpart.
   *
   * @example
   * ```ts
   * msg.make_related();
   * ```
   */
  make_related(): void {
    this.#makeMultipart("related", ["alternative", "mixed"]);
  }

  /** The subpart type that `add_alternative`/`add_attachment` create. */
  protected newPart(): MIMEPart {
    return new MIMEPart();
  }

  #addMultipart(subtype: string, disposition: string | null, content: string | Uint8Array, a?: TextContentOptions | string, b?: string, c?: ContentOptions): void {
    const part = this.newPart();
    if (typeof content === "string") part.set_content(content, typeof a === "object" ? a : undefined);
    else part.set_content(content, typeof a === "string" ? a : "", b ?? "", c);
    if (disposition !== null && !part.has("Content-Disposition")) part.set("Content-Disposition", disposition);
    if (this.get_content_maintype() !== "multipart" || this.get_content_subtype() !== subtype) {
      if (subtype === "alternative") this.make_alternative();
      else if (subtype === "related") this.make_related();
      else this.make_mixed();
    }
    const payload = this.#payload;
    if (payload?.kind === "multipart") payload.parts.push(part);
  }

  /**
   * Adds an alternative (usually HTML), making the message multipart/alternative.
   *
   * @example
   * ```ts
   * msg.set_content("Hello");
   * msg.add_alternative("<p>Hello</p>", { subtype: "html" });
   * ```
   */
  add_alternative(text: string, options?: TextContentOptions): void;
  add_alternative(data: Uint8Array, maintype: string, subtype: string, options?: ContentOptions): void;
  add_alternative(content: string | Uint8Array, a?: TextContentOptions | string, b?: string, c?: ContentOptions): void {
    this.#addMultipart("alternative", null, content, a, b, c);
  }

  /**
   * Adds a part shown inline with the content (an image the HTML names by
   * its Content-ID), making the message multipart/related.
   *
   * @example
   * ```ts
   * msg.set_content('<img src="cid:logo@example.org">', { subtype: "html" });
   * msg.add_related(png, "image", "png", { cid: "<logo@example.org>" });
   * ```
   */
  add_related(text: string, options?: TextContentOptions): void;
  add_related(data: Uint8Array, maintype: string, subtype: string, options?: ContentOptions): void;
  add_related(content: string | Uint8Array, a?: TextContentOptions | string, b?: string, c?: ContentOptions): void {
    this.#addMultipart("related", "inline", content, a, b, c);
  }

  /**
   * Adds an attachment, making the message multipart/mixed.
   *
   * @example
   * ```ts
   * msg.add_attachment(bytes, "application", "octet-stream", { filename: "data.bin" });
   * ```
   */
  add_attachment(text: string, options?: TextContentOptions): void;
  add_attachment(data: Uint8Array, maintype: string, subtype: string, options?: ContentOptions): void;
  add_attachment(content: string | Uint8Array, a?: TextContentOptions | string, b?: string, c?: ContentOptions): void {
    this.#addMultipart("mixed", "attachment", content, a, b, c);
  }

  /**
   * The tree handed to the composer, with `exclude` headers left out at the
   * top. Internal: smtplib's `send_message` and `as_bytes` use it.
   *
   * @example
   * ```ts
   * msg.toComposeNode(["Bcc"]).headers;
   * ```
   */
  toComposeNode(exclude: readonly string[] = []): ComposeNode {
    const skip = new Set(exclude.map((n) => n.toLowerCase()));
    const p = this.#payload;
    return {
      headers: this.headerList.filter(([k]) => !skip.has(k.toLowerCase())),
      contentType: this.get_content_type(),
      content:
        p === null
          ? Buffer.alloc(0)
          : p.kind === "multipart"
            ? p.parts.map((part) => part.toComposeNode())
            : p.kind === "text" && p.codec !== "latin_1"
              ? p.text // the composer writes a string as UTF-8 and sees whether it is 7-bit
              : p.bytes,
    };
  }

  /**
   * The message as bytes, composed by nodemailer's mail-composer. Async: the
   * composer streams. Lines end with "\n" as Python's default policy unless `linesep` says "\r\n".
   *
   * @example
   * ```ts
   * const bytes = await msg.as_bytes();
   * ```
   */
  as_bytes(options: FlattenOptions = {}): Promise<Buffer> {
    return composeMessage(this.toComposeNode(), { linesep: options.linesep ?? "\n", utf8: false });
  }

  /**
   * The message as a string (`as_bytes` decoded as UTF-8).
   *
   * @example
   * ```ts
   * console.log(await msg.as_string());
   * ```
   */
  async as_string(options: FlattenOptions = {}): Promise<string> {
    return (await this.as_bytes(options)).toString("utf8");
  }
}

/**
 * Python's `email.message.EmailMessage`: a `MIMEPart` that gets
 * `MIME-Version: 1.0` when content is set.
 *
 * @example
 * ```ts
 * const msg = new EmailMessage();
 * msg.set("Subject", "Hi");
 * msg.set_content("Hello");
 * ```
 */
export class EmailMessage extends MIMEPart {
  /**
   * As `MIMEPart.set_content`, then adds `MIME-Version: 1.0` if the message has none.
   *
   * @example
   * ```ts
   * msg.set_content("Hello"); // Content-Type, Content-Transfer-Encoding, MIME-Version
   * ```
   */
  override set_content(text: string, options?: TextContentOptions): void;
  override set_content(data: Uint8Array, maintype: string, subtype: string, options?: ContentOptions): void;
  override set_content(content: string | Uint8Array, a?: TextContentOptions | string, b?: string, c?: ContentOptions): void {
    if (typeof content === "string") super.set_content(content, typeof a === "object" ? a : undefined);
    else super.set_content(content, typeof a === "string" ? a : "", b ?? "", c);
    if (!this.has("MIME-Version")) this.set("MIME-Version", "1.0");
  }

  protected override newPart(): MIMEPart {
    return new EmailMessage();
  }
}

/**
 * The bytes smtplib's `send_message` sends: CRLF lines, `exclude` headers (Bcc) left out.
 *
 * @example
 * ```ts
 * const bytes = await flattenForSMTP(msg, { exclude: ["Bcc", "Resent-Bcc"], utf8: false });
 * ```
 */
export function flattenForSMTP(msg: MIMEPart, options: { exclude: readonly string[]; utf8: boolean }): Promise<Buffer> {
  return composeMessage(msg.toComposeNode(options.exclude), { linesep: "\r\n", utf8: options.utf8 });
}
