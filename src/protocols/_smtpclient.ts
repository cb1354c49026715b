/**
 * smtplib's `SMTP`: the mail commands (MAIL, RCPT, DATA, VRFY, EXPN, HELP,
 * NOOP), AUTH, STARTTLS, `sendmail` and `send_message`, over the connection
 * and session of `_smtpsession.ts`.
 * @module
 */
import { repr } from "../sockets/repr.js";
import { ValueError } from "../sockets/errors.js";
import { create_default_context, type SSLContext } from "../sockets/ssl.js";
import { getaddresses, parseaddr } from "./_emailaddress.js";
import { flattenForSMTP, type EmailMessage } from "./_emailmessage.js";
import { addrOnly, checkCommand, encodeMessage, quoteaddr } from "./_smtpcommands.js";
import type { SMTPReply } from "./_smtpengine.js";
import {
  SMTPAuthenticationError,
  SMTPDataError,
  SMTPException,
  SMTPNotSupportedError,
  SMTPResponseException,
  SMTPServerDisconnected,
  type RefusedRecipients,
} from "./_smtperrors.js";
import { SMTPSession } from "./_smtpsession.js";
import { sendPipelined, sendStepwise, type TransactionSession } from "./_smtptransaction.js";

/**
 * Python's `smtplib.SMTP`: one connection to an SMTP server.
 *
 * @example
 * ```ts
 * await using s = new SMTP("127.0.0.1", 2525);
 * const [code] = await s.ehlo(); // 250
 * await s.sendmail("a@example.org", "b@example.org", "Subject: x\r\n\r\nbody\r\n");
 * ```
 */
export class SMTP extends SMTPSession {
  /**
   * HELP: resolves to the server's help text.
   *
   * @example
   * ```ts
   * (await s.help()).toString();
   * ```
   */
  help(args = ""): Promise<Buffer> {
    return this.run("help", async () => (await this.command("help", args))[1]);
  }

  /**
   * NOOP.
   *
   * @example
   * ```ts
   * await s.noop(); // [250, ...]
   * ```
   */
  noop(): Promise<SMTPReply> {
    return this.run("noop", () => this.command("noop"));
  }

  /**
   * MAIL FROM with ESMTP options (sent only to an ESMTP server).
   *
   * @example
   * ```ts
   * await s.mail("me@example.org", ["BODY=8BITMIME"]);
   * ```
   */
  mail(sender: string, options: readonly string[] = []): Promise<SMTPReply> {
    return this.run("mail", () => {
      const line = this.#mailLine(sender, options);
      return this.command(line);
    });
  }

  #mailLine(sender: string, options: readonly string[]): string {
    let optionlist = "";
    if (options.length > 0 && this.does_esmtp) {
      if (options.some((x) => x.toLowerCase() === "smtputf8")) {
        if (this.has_extn("smtputf8")) this.command_encoding = "utf-8";
        else throw new SMTPNotSupportedError("SMTPUTF8 not supported by server");
      }
      optionlist = " " + options.join(" ");
    }
    return `mail FROM:${quoteaddr(sender)}${optionlist}`;
  }

  /**
   * RCPT TO with ESMTP options.
   *
   * @example
   * ```ts
   * await s.rcpt("you@example.org"); // [250, ...]
   * ```
   */
  rcpt(recip: string, options: readonly string[] = []): Promise<SMTPReply> {
    return this.run("rcpt", () => this.command(this.#rcptLine(recip, options)));
  }

  #rcptLine(recip: string, options: readonly string[]): string {
    const optionlist = options.length > 0 && this.does_esmtp ? " " + options.join(" ") : "";
    return `rcpt TO:${quoteaddr(recip)}${optionlist}`;
  }

  /**
   * DATA: sends the message (a string is ASCII-encoded, lone CR/LF made CRLF)
   * and resolves to the reply after it. Rejects with `SMTPDataError` if DATA is not answered 354.
   *
   * @example
   * ```ts
   * await s.data("Subject: x\r\n\r\nhi\r\n"); // [250, ...]
   * ```
   */
  data(msg: string | Uint8Array): Promise<SMTPReply> {
    return this.run("data", async () => {
      const bytes = encodeMessage(msg);
      const [code, repl] = await this.command("data");
      if (this.debuglevel > 0) this.printDebug("data:", `(${code}, ${repr(repl)})`);
      if (code !== 354) throw new SMTPDataError(code, repl);
      const replies = await this.sendData(bytes, 1);
      const reply = replies[0] ?? [-1, Buffer.alloc(0)];
      if (this.debuglevel > 0) this.printDebug("data:", `(${reply[0]}, ${repr(reply[1])})`);
      return reply;
    });
  }

  /**
   * VRFY: asks the server to verify an address.
   *
   * @example
   * ```ts
   * await s.verify("postmaster"); // [252, ...]
   * ```
   */
  verify(address: string): Promise<SMTPReply> {
    return this.run("verify", () => this.command("vrfy", addrOnly(address)));
  }

  /**
   * Python's alias of `verify`.
   *
   * @example
   * ```ts
   * await s.vrfy("postmaster");
   * ```
   */
  vrfy(address: string): Promise<SMTPReply> {
    return this.verify(address);
  }

  /**
   * EXPN: asks the server to expand a mailing list.
   *
   * @example
   * ```ts
   * await s.expn("staff");
   * ```
   */
  expn(address: string): Promise<SMTPReply> {
    return this.run("expn", () => this.command("expn", addrOnly(address)));
  }

  /**
   * Logs in, trying CRAM-MD5, PLAIN and LOGIN (those the server offers, in
   * Python's order). Rejects with `SMTPAuthenticationError` if none succeeds.
   *
   * @example
   * ```ts
   * await s.login("me", "secret"); // [235, ...]
   * ```
   */
  login(user: string, password: string): Promise<SMTPReply> {
    return this.run("login", async () => {
      await this.ensureHelo();
      if (!this.has_extn("auth")) throw new SMTPNotSupportedError("SMTP AUTH extension not supported by server.");
      const advertised = (this.esmtp_features.auth ?? "").split(/\s+/);
      const authlist = ["CRAM-MD5", "PLAIN", "LOGIN"].filter((a) => advertised.includes(a));
      if (authlist.length === 0) throw new SMTPException("No suitable authentication method found.");
      let last: SMTPAuthenticationError | undefined;
      for (const method of authlist) {
        const engine = this.liveEngine();
        let code: number;
        let resp: Buffer;
        try {
          [code, resp] = await engine.login(user, password, method);
        } catch (e) {
          if (e instanceof SMTPServerDisconnected) this.close();
          if (e instanceof SMTPAuthenticationError) {
            last = e;
            continue;
          }
          throw e;
        }
        if (code === 235 || code === 503) return [code, resp];
        last = new SMTPAuthenticationError(code, resp);
      }
      throw last ?? new SMTPException("No suitable authentication method found.");
    });
  }

  /**
   * STARTTLS: upgrades the connection to TLS and forgets what EHLO said (send EHLO again).
   * Rejects with `SMTPNotSupportedError` if the server does not offer it.
   *
   * @example
   * ```ts
   * await s.starttls({ context: ssl.create_default_context() });
   * await s.ehlo();
   * ```
   */
  starttls(options: { context?: SSLContext | null } = {}): Promise<SMTPReply> {
    return this.run("starttls", async () => {
      await this.ensureHelo();
      if (!this.has_extn("starttls")) throw new SMTPNotSupportedError("STARTTLS extension not supported by server.");
      const [resp, reply] = await this.command("STARTTLS");
      if (resp !== 220) throw new SMTPResponseException(resp, reply);
      const context = options.context ?? create_default_context();
      const engine = this.liveEngine();
      try {
        await engine.startTLS(context.tlsClientOptions(this.serverHostname));
      } catch (e) {
        this.close();
        throw e;
      }
      this.helo_resp = null;
      this.ehlo_resp = null;
      this.esmtp_features = {};
      this.does_esmtp = false;
      return [resp, reply];
    });
  }

  /**
   * Sends one message: MAIL, RCPT for each recipient, DATA. Resolves to the
   * refused recipients (`{addr: [code, msg]}`, empty when all were accepted);
   * rejects with `SMTPRecipientsRefused` only when every recipient was refused,
   * `SMTPSenderRefused`, `SMTPDataError` or `SMTPHeloError` as Python does.
   *
   * @example
   * ```ts
   * const refused = await s.sendmail("me@example.org", ["a@example.org", "b@example.org"], msg);
   * ```
   */
  sendmail(
    from_addr: string,
    to_addrs: string | readonly string[],
    msg: string | Uint8Array,
    mail_options: readonly string[] = [],
    rcpt_options: readonly string[] = [],
  ): Promise<RefusedRecipients> {
    return this.run("sendmail", () => this.#sendmail(from_addr, to_addrs, msg, mail_options, rcpt_options));
  }

  async #sendmail(
    from_addr: string,
    to_addrs: string | readonly string[],
    msg: string | Uint8Array,
    mail_options: readonly string[],
    rcpt_options: readonly string[],
  ): Promise<RefusedRecipients> {
    const recipients = typeof to_addrs === "string" ? [to_addrs] : [...to_addrs];
    const bytes = encodeMessage(msg);
    // Every line is built and checked before the first is sent.
    const probeEncoding = this.command_encoding;
    for (const line of [from_addr, ...recipients, ...mail_options, ...rcpt_options]) checkCommand(line, "utf-8");
    await this.ensureHelo();
    const esmtpOpts: string[] = [];
    if (this.does_esmtp) {
      if (this.has_extn("size")) esmtpOpts.push(`size=${bytes.length}`);
      esmtpOpts.push(...mail_options);
    }
    const mailLine = this.#mailLine(from_addr, esmtpOpts);
    const rcptLines = recipients.map((r) => this.#rcptLine(r, rcpt_options));
    try {
      for (const line of [mailLine, ...rcptLines]) checkCommand(line, this.command_encoding);
    } catch (e) {
      this.command_encoding = probeEncoding;
      throw e;
    }
    const pipelined = this.has_extn("pipelining") && recipients.length > 0;
    return pipelined
      ? sendPipelined(this.#transaction(), from_addr, recipients, bytes, mailLine, rcptLines)
      : sendStepwise(this.#transaction(), from_addr, recipients, bytes, mailLine, rcptLines);
  }

  /**
   * Sends an `EmailMessage`: sender and recipients come from its headers when
   * not given (Sender or From; To, Bcc, Cc; the Resent-* set when there is one),
   * and Bcc/Resent-Bcc are not transmitted. Resolves as `sendmail`.
   *
   * @example
   * ```ts
   * const msg = new EmailMessage();
   * msg.set("From", "me@example.org"); msg.set("To", "you@example.org"); msg.set("Subject", "Hi");
   * msg.set_content("Hello");
   * await s.send_message(msg);
   * ```
   */
  send_message(
    msg: EmailMessage,
    from_addr: string | null = null,
    to_addrs: string | readonly string[] | null = null,
    mail_options: readonly string[] = [],
    rcpt_options: readonly string[] = [],
  ): Promise<RefusedRecipients> {
    return this.run("send_message", async () => {
      await this.ensureHelo();
      const resent = msg.get_all("Resent-Date");
      let prefix = "";
      if (resent !== null) {
        if (resent.length === 1) prefix = "Resent-";
        else throw new ValueError("message has more than one 'Resent-' header block");
      }
      let sender = from_addr;
      if (sender === null) {
        const field = msg.has(prefix + "Sender") ? msg.get(prefix + "Sender") : msg.get(prefix + "From");
        sender = parseaddr(field ?? "")[1];
      }
      let recipients: string | readonly string[];
      if (to_addrs === null) {
        const fields = [msg.get(prefix + "To"), msg.get(prefix + "Bcc"), msg.get(prefix + "Cc")].filter((f): f is string => f !== null);
        recipients = getaddressesOf(fields);
      } else recipients = to_addrs;
      let options = mail_options;
      let international = false;
      const all = [sender, ...(typeof recipients === "string" ? [recipients] : recipients)].join("");
       
      if (/[^\x00-\x7f]/.test(all)) {
        if (!this.has_extn("smtputf8")) {
          throw new SMTPNotSupportedError(
            "One or more source or delivery addresses require internationalized email support, but the server does not advertise the required SMTPUTF8 capability",
          );
        }
        international = true;
        options = [...mail_options, "SMTPUTF8", "BODY=8BITMIME"];
      }
      const flat = await flattenForSMTP(msg, { exclude: ["Bcc", "Resent-Bcc"], utf8: international });
      return this.#sendmail(sender, recipients, flat, options, rcpt_options);
    });
  }


  /** The view of this object that a transaction runs on. */
  #transaction(): TransactionSession {
    return {
      command: (line) => this.command(line),
      liveEngine: () => this.liveEngine(),
      sendData: (bytes, replies) => this.sendData(bytes, replies),
      quietRset: () => this.quietRset(),
      close: () => {
        this.close();
      },
      lmtp: this.lmtp,
    };
  }
}

function getaddressesOf(fields: string[]): string[] {
  return getaddresses(fields).map((a) => a[1]);
}
