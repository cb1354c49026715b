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
 *   dot, else `[127.0.0.1]`.
 * @module
 */
import { hostname } from "node:os";
import { getdefaulttimeout } from "../sockets/_defaulttimeout.js";
import { OSError, ValueError } from "../sockets/errors.js";
import { create_default_context, type SSLContext } from "../sockets/ssl.js";
import { getaddresses, parseaddr } from "./_emailaddress.js";
import type { EmailMessage } from "./_emailmessage.js";
import { flattenForSMTP } from "./_emailmessage.js";
import { addrOnly, checkCommand, encodeMessage, quoteaddr, UnicodeEncodeError } from "./_smtpcommands.js";
import { parseReply, SMTPEngine, type SMTPReply } from "./_smtpengine.js";
import {
  bytesRepr,
  SMTPAuthenticationError,
  SMTPConnectError,
  SMTPDataError,
  SMTPException,
  SMTPHeloError,
  SMTPNotSupportedError,
  SMTPRecipientsRefused,
  SMTPResponseException,
  SMTPSenderRefused,
  SMTPServerDisconnected,
  strRepr,
  type RefusedRecipients,
} from "./_smtperrors.js";

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
  type SMTPReply,
};
export { quoteaddr, UnicodeEncodeError };

/** The SMTP port, 25. */
export const SMTP_PORT = 25;
/** The SMTP-over-TLS port, 465. */
export const SMTP_SSL_PORT = 465;
/** The LMTP port, 2003. */
export const LMTP_PORT = 2003;
/** Python's line ending for SMTP, "\r\n". */
export const CRLF = "\r\n";

/** Python's keyword arguments of `SMTP(...)`. */
export interface SMTPOptions {
  /** Seconds per blocking step; `null` for none. @default socket.getdefaulttimeout() */
  timeout?: number | null;
  /** `[host, port]` to bind before connecting; only port 0 is supported. */
  source_address?: readonly [host: string, port: number] | null;
}

/** `SMTP_SSL`'s keyword arguments. */
export interface SMTP_SSLOptions extends SMTPOptions {
  /** The TLS context. @default ssl.create_default_context() */
  context?: SSLContext | null;
}

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
export class SMTP {
  /** The port `connect` uses when given none. */
  get default_port(): number {
    return SMTP_PORT;
  }
  /** The greeting verb: "ehlo" (LMTP: "lhlo"). */
  get ehlo_msg(): string {
    return "ehlo";
  }
  /** Debug level: 0 silent, 1 commands and replies on stderr, 2 with timestamps. */
  debuglevel = 0;
  /** The reply text of the last HELO, or null. */
  helo_resp: Buffer | null = null;
  /** The reply text of the last EHLO, or null. */
  ehlo_resp: Buffer | null = null;
  /** Whether the server answered EHLO. */
  does_esmtp = false;
  /** The EHLO extensions, lower-case name → parameters. */
  esmtp_features: Record<string, string> = {};
  /** "ascii", or "utf-8" once a MAIL with SMTPUTF8 was sent. */
  command_encoding: "ascii" | "utf-8" = "ascii";
  /** The name sent with EHLO/HELO. */
  local_hostname: string;
  /** Seconds per blocking step, `null` for none. */
  timeout: number | null;
  /** The address bound before connecting. */
  source_address: readonly [string, number] | null;

  #host: string;
  #engine: SMTPEngine | null = null;
  #pending: Promise<unknown> | null = null;
  #busy: { name: string; started: Error } | null = null;

  /**
   * Makes the object and, when `host` is given, starts connecting (as
   * Python's constructor does); the first awaited call waits for that.
   *
   * @example
   * ```ts
   * const s = new SMTP("localhost", 25, null, { timeout: 10 });
   * ```
   */
  constructor(host = "", port = 0, local_hostname: string | null = null, options: SMTPOptions = {}) {
    this.#host = host;
    this.timeout = options.timeout === undefined ? getdefaulttimeout() : options.timeout;
    this.source_address = options.source_address ?? null;
    const name = hostname();
    this.local_hostname = local_hostname ?? (name.includes(".") ? name : "[127.0.0.1]");
    if (host !== "") {
      // Started on the next microtask, so that a subclass (SMTP_SSL) has set its fields first.
      const pending = Promise.resolve().then(async () => {
        const [code, msg] = await this.#connect(host, port, null);
        if (code !== 220) {
          this.close();
          throw new SMTPConnectError(code, msg);
        }
      });
      pending.catch(() => undefined);
      this.#pending = pending;
    }
  }

  /**
   * Makes the object and waits until it is connected: Python's constructor as one awaited step.
   *
   * @example
   * ```ts
   * const s = await SMTP.open("localhost", 25);
   * ```
   */
  static async open(host: string, port = 0, local_hostname: string | null = null, options: SMTPOptions = {}): Promise<SMTP> {
    const s = new this(host, port, local_hostname, options);
    await s.#ready();
    return s;
  }

  /**
   * Sets the debug level: 1 prints commands and replies to stderr, 2 adds timestamps.
   *
   * @example
   * ```ts
   * s.set_debuglevel(1);
   * ```
   */
  set_debuglevel(debuglevel: number): void {
    this.debuglevel = debuglevel;
    if (this.#engine !== null) this.#engine.debug = debuglevel > 0;
  }

  #printDebug(...args: string[]): void {
    const prefix = this.debuglevel > 1 ? [new Date().toISOString().slice(11, 23)] : [];
    process.stderr.write([...prefix, ...args].join(" ") + "\n");
  }

  /** Prints the engine's transaction log as Python's debug output (secrets already masked). */
  #logTraffic(kind: "send" | "reply" | "data", text: string): void {
    if (kind === "send") this.#printDebug("send:", strRepr(text + "\r\n"));
    else if (kind === "data") this.#printDebug("send:", bytesRepr(Buffer.from(text, "latin1")));
    else {
      for (const line of text.split("\n")) this.#printDebug("reply:", bytesRepr(Buffer.from(line + "\r\n", "utf8")));
      const [code, msg] = parseReply(text);
      this.#printDebug(`reply: retcode (${code}); Msg: ${bytesRepr(msg)}`);
    }
  }

  /** The node:tls options for an implicit-TLS connection; SMTP has none. */
  protected implicitTLS(_host: string): import("node:tls").ConnectionOptions | undefined {
    return undefined;
  }

  /** Whether this is LMTP. */
  protected get lmtp(): boolean {
    return false;
  }

  /** Waits for the connection the constructor started; rethrows its failure once. */
  async #ready(): Promise<void> {
    const pending = this.#pending;
    if (pending !== null) {
      this.#pending = null;
      await pending;
    }
  }

  /** Runs one public call, refusing a second one while it runs. */
  async #run<T>(name: string, fn: () => Promise<T>): Promise<T> {
    await this.#ready();
    if (this.#busy !== null) {
      throw new SMTPException(`Cannot run ${name}() while ${this.#busy.name}() is still running; it started at:\n${this.#busy.started.stack ?? ""}`);
    }
    // The stack is only formatted if a concurrent call needs it (formatting costs, capturing does not).
    this.#busy = { name, started: new Error(name) };
    try {
      return await fn();
    } finally {
      this.#busy = null;
    }
  }

  /**
   * Connects to `host` (a "host:port" string works when `port` is 0) and
   * resolves to the server's greeting `[code, msg]`.
   *
   * @example
   * ```ts
   * const s = new SMTP();
   * const [code, msg] = await s.connect("localhost", 2525); // 220
   * ```
   */
  connect(host = "localhost", port = 0, source_address: readonly [string, number] | null = null): Promise<SMTPReply> {
    return this.#run("connect", () => this.#connect(host, port, source_address));
  }

  async #connect(host: string, port: number, source_address: readonly [string, number] | null): Promise<SMTPReply> {
    if (source_address !== null) this.source_address = source_address;
    if (!port && host.indexOf(":") === host.lastIndexOf(":")) {
      const i = host.lastIndexOf(":");
      if (i >= 0) {
        const text = host.slice(i + 1);
        host = host.slice(0, i);
        if (!/^\s*[+-]?\d+\s*$/.test(text)) throw new OSError("nonnumeric port");
        port = Number.parseInt(text, 10);
      }
    }
    if (!port) port = this.default_port;
    if (this.timeout !== null && this.timeout <= 0) {
      throw new ValueError("Non-blocking socket (timeout=0) is not supported");
    }
    const bind = this.source_address;
    if (bind !== null && bind[1] !== 0) {
      throw new ValueError(`Cannot bind source port ${bind[1]}: only source_address port 0 is supported`);
    }
    if (this.debuglevel > 0) this.#printDebug("connect: to", `('${host}', ${port})`, bind === null ? "None" : `('${bind[0]}', ${bind[1]})`);
    this.#host = this.#host === "" ? host : this.#host;
    this.#engine?.close();
    const engine = new SMTPEngine({
      host,
      port,
      tls: this.implicitTLS(this.#host),
      timeout: this.timeout,
      localAddress: bind !== null && bind[0] !== "" ? bind[0] : undefined,
      lmtp: this.lmtp,
      log: (kind, text) => {
        this.#logTraffic(kind, text);
      },
    });
    engine.debug = this.debuglevel > 0;
    this.#engine = engine;
    const reply = await engine.greet();
    if (this.debuglevel > 0) this.#printDebug("connect:", bytesRepr(reply[1]));
    return reply;
  }

  #connected(): SMTPEngine {
    const engine = this.#engine;
    if (engine === null || !engine.open) {
      this.#engine = null;
      throw new SMTPServerDisconnected("please run connect() first");
    }
    return engine;
  }

  /** Sends one command line (checked first) and reads the reply; a lost connection is closed. */
  async #docmd(cmd: string, args = "", logLine?: string): Promise<SMTPReply> {
    const line = args === "" ? cmd : `${cmd} ${args}`;
    checkCommand(line, this.command_encoding);
    const engine = this.#connected();
    try {
      return await engine.command(line, logLine);
    } catch (e) {
      if (e instanceof SMTPServerDisconnected) this.close();
      throw e;
    }
  }

  /**
   * Sends a command and resolves to its reply `[code, msg]`.
   *
   * @example
   * ```ts
   * const [code, msg] = await s.docmd("HELP");
   * ```
   */
  docmd(cmd: string, args = ""): Promise<SMTPReply> {
    return this.#run("docmd", () => this.#docmd(cmd, args));
  }

  /**
   * HELO: resolves to the reply and keeps its text in `helo_resp`.
   *
   * @example
   * ```ts
   * await s.helo(); // [250, <Buffer ...>]
   * ```
   */
  helo(name = ""): Promise<SMTPReply> {
    return this.#run("helo", () => this.#helo(name));
  }

  async #helo(name: string): Promise<SMTPReply> {
    const reply = await this.#docmd("helo", name || this.local_hostname);
    this.helo_resp = reply[1];
    return reply;
  }

  /**
   * EHLO: resolves to the reply and fills `esmtp_features` from it.
   *
   * @example
   * ```ts
   * await s.ehlo();
   * s.has_extn("pipelining"); // true
   * ```
   */
  ehlo(name = ""): Promise<SMTPReply> {
    return this.#run("ehlo", () => this.#ehlo(name));
  }

  async #ehlo(name: string): Promise<SMTPReply> {
    this.esmtp_features = {};
    const [code, msg] = await this.#docmd(this.ehlo_msg, name || this.local_hostname);
    if (code === -1 && msg.length === 0) {
      this.close();
      throw new SMTPServerDisconnected("Server not connected");
    }
    this.ehlo_resp = msg;
    if (code !== 250) return [code, msg];
    this.does_esmtp = true;
    const lines = msg.toString("latin1").split("\n").slice(1);
    for (const each of lines) {
      const old = /^auth=(.*)/i.exec(each);
      if (old !== null) {
        this.esmtp_features.auth = `${this.esmtp_features.auth ?? ""} ${old[1] ?? ""}`;
        continue;
      }
      const m = /^([A-Za-z0-9][A-Za-z0-9-]*) ?/.exec(each);
      if (m !== null) {
        const feature = (m[1] ?? "").toLowerCase();
        const params = each.slice((m[1] ?? "").length).trim();
        if (feature === "auth") this.esmtp_features.auth = `${this.esmtp_features.auth ?? ""} ${params}`;
        else this.esmtp_features[feature] = params;
      }
    }
    return [code, msg];
  }

  /**
   * Whether the server announced an extension in its EHLO reply.
   *
   * @example
   * ```ts
   * s.has_extn("STARTTLS");
   * ```
   */
  has_extn(opt: string): boolean {
    return Object.hasOwn(this.esmtp_features, opt.toLowerCase());
  }

  /**
   * EHLO, or HELO if EHLO fails, unless one was done this session.
   *
   * @example
   * ```ts
   * await s.ehlo_or_helo_if_needed();
   * ```
   */
  ehlo_or_helo_if_needed(): Promise<void> {
    return this.#run("ehlo_or_helo_if_needed", () => this.#ehloOrHeloIfNeeded());
  }

  async #ehloOrHeloIfNeeded(): Promise<void> {
    if (this.helo_resp === null && this.ehlo_resp === null) {
      const [ecode] = await this.#ehlo("");
      if (!(ecode >= 200 && ecode <= 299)) {
        const [code, resp] = await this.#helo("");
        if (!(code >= 200 && code <= 299)) throw new SMTPHeloError(code, resp);
      }
    }
  }

  /**
   * HELP: resolves to the server's help text.
   *
   * @example
   * ```ts
   * (await s.help()).toString();
   * ```
   */
  help(args = ""): Promise<Buffer> {
    return this.#run("help", async () => (await this.#docmd("help", args))[1]);
  }

  /**
   * RSET: ends the current mail transaction.
   *
   * @example
   * ```ts
   * await s.rset(); // [250, ...]
   * ```
   */
  rset(): Promise<SMTPReply> {
    return this.#run("rset", () => this.#rset());
  }

  #rset(): Promise<SMTPReply> {
    this.command_encoding = "ascii";
    return this.#docmd("rset");
  }

  /** RSET that ignores a lost connection: the next call reports it. */
  async #quietRset(): Promise<void> {
    try {
      await this.#rset();
    } catch (e) {
      if (!(e instanceof SMTPServerDisconnected)) throw e;
    }
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
    return this.#run("noop", () => this.#docmd("noop"));
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
    return this.#run("mail", () => {
      const line = this.#mailLine(sender, options);
      return this.#docmd(line);
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
    return this.#run("rcpt", () => this.#docmd(this.#rcptLine(recip, options)));
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
    return this.#run("data", async () => {
      const bytes = encodeMessage(msg);
      const [code, repl] = await this.#docmd("data");
      if (this.debuglevel > 0) this.#printDebug("data:", `(${code}, ${bytesRepr(repl)})`);
      if (code !== 354) throw new SMTPDataError(code, repl);
      const replies = await this.#sendData(bytes, 1);
      const reply = replies[0] ?? [-1, Buffer.alloc(0)];
      if (this.debuglevel > 0) this.#printDebug("data:", `(${reply[0]}, ${bytesRepr(reply[1])})`);
      return reply;
    });
  }

  async #sendData(bytes: Uint8Array, replies: number): Promise<SMTPReply[]> {
    const engine = this.#connected();
    const out: SMTPReply[] = [];
    try {
      for (const r of engine.data(bytes, replies)) out.push(await r);
    } catch (e) {
      if (e instanceof SMTPServerDisconnected) this.close();
      throw e;
    }
    return out;
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
    return this.#run("verify", () => this.#docmd("vrfy", addrOnly(address)));
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
    return this.#run("expn", () => this.#docmd("expn", addrOnly(address)));
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
    return this.#run("login", async () => {
      await this.#ehloOrHeloIfNeeded();
      if (!this.has_extn("auth")) throw new SMTPNotSupportedError("SMTP AUTH extension not supported by server.");
      const advertised = (this.esmtp_features.auth ?? "").split(/\s+/);
      const authlist = ["CRAM-MD5", "PLAIN", "LOGIN"].filter((a) => advertised.includes(a));
      if (authlist.length === 0) throw new SMTPException("No suitable authentication method found.");
      let last: SMTPAuthenticationError | undefined;
      for (const method of authlist) {
        const engine = this.#connected();
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
    return this.#run("starttls", async () => {
      await this.#ehloOrHeloIfNeeded();
      if (!this.has_extn("starttls")) throw new SMTPNotSupportedError("STARTTLS extension not supported by server.");
      const [resp, reply] = await this.#docmd("STARTTLS");
      if (resp !== 220) throw new SMTPResponseException(resp, reply);
      const context = options.context ?? create_default_context();
      const engine = this.#connected();
      try {
        await engine.startTLS(context.tlsClientOptions(this.#host));
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
    return this.#run("sendmail", () => this.#sendmail(from_addr, to_addrs, msg, mail_options, rcpt_options));
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
    await this.#ehloOrHeloIfNeeded();
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
      ? this.#sendPipelined(from_addr, recipients, bytes, mailLine, rcptLines)
      : this.#sendStepwise(from_addr, recipients, bytes, mailLine, rcptLines);
  }

  async #sendStepwise(from_addr: string, recipients: string[], bytes: Uint8Array, mailLine: string, rcptLines: string[]): Promise<RefusedRecipients> {
    const [code, resp] = await this.#docmd(mailLine);
    if (code !== 250) {
      if (code === 421) this.close();
      else await this.#quietRset();
      throw new SMTPSenderRefused(code, resp, from_addr);
    }
    const senderrs: RefusedRecipients = {};
    const accepted: string[] = [];
    for (const [i, each] of recipients.entries()) {
      const [rcode, rresp] = await this.#docmd(rcptLines[i] ?? "");
      if (rcode !== 250 && rcode !== 251) senderrs[each] = [rcode, rresp];
      else accepted.push(each);
      if (rcode === 421) {
        this.close();
        throw new SMTPRecipientsRefused(senderrs);
      }
    }
    if (Object.keys(senderrs).length === recipients.length) {
      await this.#quietRset();
      throw new SMTPRecipientsRefused(senderrs);
    }
    const [dcode, drepl] = await this.#docmd("data");
    if (dcode !== 354) throw new SMTPDataError(dcode, drepl);
    return this.#finishData(bytes, accepted, senderrs);
  }

  async #sendPipelined(from_addr: string, recipients: string[], bytes: Uint8Array, mailLine: string, rcptLines: string[]): Promise<RefusedRecipients> {
    const engine = this.#connected();
    const replies = engine.pipeline([mailLine, ...rcptLines, "data"]);
    const read = async (i: number): Promise<SMTPReply> => {
      try {
        return await (replies[i] as Promise<SMTPReply>);
      } catch (e) {
        if (e instanceof SMTPServerDisconnected) this.close();
        throw e;
      }
    };
    const [code, resp] = await read(0);
    if (code !== 250) {
      if (code === 421) this.close();
      else {
        // The RCPTs and DATA went along; a server that still took DATA cannot be trusted with the session.
        const dataReply = await Promise.allSettled(replies.slice(1)).then((r) => r[r.length - 1]);
        if (dataReply?.status === "fulfilled" && dataReply.value[0] === 354) this.close();
        else await this.#quietRset();
      }
      throw new SMTPSenderRefused(code, resp, from_addr);
    }
    const senderrs: RefusedRecipients = {};
    const accepted: string[] = [];
    for (const [i, each] of recipients.entries()) {
      const [rcode, rresp] = await read(i + 1);
      if (rcode !== 250 && rcode !== 251) senderrs[each] = [rcode, rresp];
      else accepted.push(each);
      if (rcode === 421) {
        this.close();
        throw new SMTPRecipientsRefused(senderrs);
      }
    }
    const [dcode, drepl] = await read(recipients.length + 1);
    if (Object.keys(senderrs).length === recipients.length) {
      if (dcode === 354) this.close();
      else await this.#quietRset();
      throw new SMTPRecipientsRefused(senderrs);
    }
    if (dcode !== 354) throw new SMTPDataError(dcode, drepl);
    return this.#finishData(bytes, accepted, senderrs);
  }

  /** After a 354: streams the message and reads the verdict (one per recipient for LMTP). */
  async #finishData(bytes: Uint8Array, accepted: string[], senderrs: RefusedRecipients): Promise<RefusedRecipients> {
    const replies = await this.#sendData(bytes, this.lmtp ? accepted.length : 1);
    if (this.lmtp) {
      let firstFailure: SMTPReply | undefined;
      replies.forEach((reply, i) => {
        if (reply[0] !== 250) {
          senderrs[accepted[i] ?? ""] = reply;
          firstFailure ??= reply;
        }
      });
      if (firstFailure !== undefined && replies.every((r) => r[0] !== 250)) {
        await this.#quietRset();
        throw new SMTPDataError(firstFailure[0], firstFailure[1]);
      }
      return senderrs;
    }
    const [code, resp] = replies[0] ?? [-1, Buffer.alloc(0)];
    if (code !== 250) {
      if (code === 421) this.close();
      else await this.#quietRset();
      throw new SMTPDataError(code, resp);
    }
    return senderrs;
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
    return this.#run("send_message", async () => {
      await this.#ehloOrHeloIfNeeded();
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

  /**
   * QUIT, then close; resolves to QUIT's reply.
   *
   * @example
   * ```ts
   * await s.quit(); // [221, ...]
   * ```
   */
  quit(): Promise<SMTPReply> {
    return this.#run("quit", async () => {
      const res = await this.#docmd("quit");
      this.ehlo_resp = this.helo_resp = null;
      this.esmtp_features = {};
      this.does_esmtp = false;
      this.close();
      return res;
    });
  }

  /**
   * Closes the connection at once, without QUIT. Safe to call twice.
   *
   * @example
   * ```ts
   * s.close();
   * ```
   */
  close(): void {
    const engine = this.#engine;
    this.#engine = null;
    engine?.close();
  }

  /**
   * Python's `__exit__`: QUIT (a reply other than 221 rejects with
   * `SMTPResponseException`; a lost connection is ignored), then close.
   *
   * @example
   * ```ts
   * { await using s = new SMTP("localhost", 25); await s.noop(); } // QUIT sent here
   * ```
   */
  async [Symbol.asyncDispose](): Promise<void> {
    try {
      await this.#ready();
      const [code, message] = await this.#docmd("QUIT");
      if (code !== 221) throw new SMTPResponseException(code, message);
    } catch (e) {
      if (!(e instanceof SMTPServerDisconnected)) throw e;
    } finally {
      this.close();
    }
  }
}

function getaddressesOf(fields: string[]): string[] {
  return getaddresses(fields).map((a) => a[1]);
}

/**
 * Python's `smtplib.SMTP_SSL`: SMTP over TLS from the first byte (port 465).
 *
 * @example
 * ```ts
 * await using s = new SMTP_SSL("smtp.example.org", 465, null, { context: create_default_context() });
 * await s.login("me", "secret");
 * ```
 */
export class SMTP_SSL extends SMTP {
  /** The TLS context. */
  readonly context: SSLContext;

  constructor(host = "", port = 0, local_hostname: string | null = null, options: SMTP_SSLOptions = {}) {
    super(host, port, local_hostname, options);
    this.context = options.context ?? create_default_context();
  }

  override get default_port(): number {
    return SMTP_SSL_PORT;
  }

  protected override implicitTLS(host: string): import("node:tls").ConnectionOptions {
    return this.context.tlsClientOptions(host);
  }
}

/**
 * Python's `smtplib.LMTP`: LHLO instead of EHLO, port 2003, one reply per recipient after the data.
 *
 * @example
 * ```ts
 * await using s = new LMTP("127.0.0.1", 2003);
 * await s.sendmail("a@example.org", ["b@example.org"], msg);
 * ```
 */
export class LMTP extends SMTP {
  constructor(host = "", port = LMTP_PORT, local_hostname: string | null = null, options: SMTPOptions = {}) {
    super(host, port, local_hostname, options);
  }

  override get ehlo_msg(): string {
    return "lhlo";
  }

  protected override get lmtp(): boolean {
    return true;
  }
}
