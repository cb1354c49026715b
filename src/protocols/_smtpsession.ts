/**
 * The connection half of smtplib's `SMTP`: connecting (and the connect the
 * constructor starts), the one-call-at-a-time guard, sending a command and
 * reading its reply, EHLO/HELO and the features they announce, RSET, QUIT,
 * close, debug output and `await using`. `_smtpclient.ts` builds the mail
 * commands, AUTH, STARTTLS and the transaction on top of it.
 * @module
 */
import type { ConnectionOptions } from "node:tls";
import { hostname } from "node:os";
import { getdefaulttimeout } from "../sockets/_defaulttimeout.js";
import { OSError, ValueError } from "../sockets/errors.js";
import { checkCommand } from "./_smtpcommands.js";
import { parseReply, SMTPEngine, type SMTPReply } from "./_smtpengine.js";
import { SMTPConnectError, SMTPException, SMTPHeloError, SMTPResponseException, SMTPServerDisconnected } from "./_smtperrors.js";
import { repr } from "../sockets/repr.js";

/**
 * The SMTP port, 25.
 *
 * @example
 * ```ts
 * new SMTP().default_port === SMTP_PORT; // true
 * ```
 */
export const SMTP_PORT = 25;

/**
 * Python's keyword arguments of `SMTP(...)`.
 *
 * @example
 * ```ts
 * new SMTP("localhost", 25, null, { timeout: 10, source_address: ["127.0.0.1", 0] });
 * ```
 */
export interface SMTPOptions {
  /** Seconds per blocking step; `null` for none. @default socket.getdefaulttimeout() */
  timeout?: number | null;
  /** `[host, port]` to bind before connecting; only port 0 is supported. */
  source_address?: readonly [host: string, port: number] | null;
}

/**
 * The connection and session state shared by `SMTP`, `SMTP_SSL` and `LMTP`
 * (Python has them all in `SMTP`; see there for the whole API).
 *
 * @example
 * ```ts
 * const s: SMTPSession = new SMTP("localhost", 25);
 * await s.ehlo();
 * ```
 */
export class SMTPSession {
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

  /** The host name given to the constructor or connect, used as the TLS server name. */
  protected serverHostname: string;
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
    this.serverHostname = host;
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
  static async open<C extends new (...args: never[]) => SMTPSession>(this: C, ...args: ConstructorParameters<C>): Promise<InstanceType<C>> {
    const s = new this(...args) as InstanceType<C>;
    await (s as SMTPSession).#ready();
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

  protected printDebug(...args: string[]): void {
    const prefix = this.debuglevel > 1 ? [new Date().toISOString().slice(11, 23)] : [];
    process.stderr.write([...prefix, ...args].join(" ") + "\n");
  }

  /** Prints the engine's transaction log as Python's debug output (secrets already masked). */
  #logTraffic(kind: "send" | "reply" | "data", text: string): void {
    if (kind === "send") this.printDebug("send:", repr(text + "\r\n"));
    else if (kind === "data") this.printDebug("send:", repr(Buffer.from(text, "latin1")));
    else {
      for (const line of text.split("\n")) this.printDebug("reply:", repr(Buffer.from(line + "\r\n", "utf8")));
      const [code, msg] = parseReply(text);
      this.printDebug(`reply: retcode (${code}); Msg: ${repr(msg)}`);
    }
  }

  /** The node:tls options for an implicit-TLS connection; SMTP has none. */
  protected implicitTLS(_host: string): ConnectionOptions | undefined {
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
  protected async run<T>(name: string, fn: () => Promise<T>): Promise<T> {
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
    return this.run("connect", () => this.#connect(host, port, source_address));
  }

  async #connect(host: string, port: number, source_address: readonly [string, number] | null): Promise<SMTPReply> {
    if (source_address !== null) this.source_address = source_address;
    // LMTP: a host starting with "/" is the path of a Unix socket, as in Python.
    const path = this.lmtp && host.startsWith("/") ? host : undefined;
    if (path === undefined && !port && host.indexOf(":") === host.lastIndexOf(":")) {
      const i = host.lastIndexOf(":");
      if (i >= 0) {
        const text = host.slice(i + 1);
        host = host.slice(0, i);
        if (!/^\s*[+-]?\d(?:_?\d)*\s*$/.test(text)) throw new OSError("nonnumeric port");
        port = Number.parseInt(text.replaceAll("_", ""), 10);
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
    if (this.debuglevel > 0) this.printDebug("connect: to", `('${host}', ${port})`, bind === null ? "None" : `('${bind[0]}', ${bind[1]})`);
    this.serverHostname = this.serverHostname === "" ? host : this.serverHostname;
    this.#engine?.close();
    const engine = new SMTPEngine({
      host,
      port,
      path,
      tls: this.implicitTLS(this.serverHostname),
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
    if (this.debuglevel > 0) this.printDebug("connect:", repr(reply[1]));
    return reply;
  }

  protected liveEngine(): SMTPEngine {
    const engine = this.#engine;
    if (engine === null || !engine.open) {
      this.#engine = null;
      throw new SMTPServerDisconnected("please run connect() first");
    }
    return engine;
  }

  /** Sends one command line (checked first) and reads the reply; a lost connection is closed. */
  protected async command(cmd: string, args = "", logLine?: string): Promise<SMTPReply> {
    const line = args === "" ? cmd : `${cmd} ${args}`;
    checkCommand(line, this.command_encoding);
    const engine = this.liveEngine();
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
    return this.run("docmd", () => this.command(cmd, args));
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
    return this.run("helo", () => this.#helo(name));
  }

  async #helo(name: string): Promise<SMTPReply> {
    const reply = await this.command("helo", name || this.local_hostname);
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
    return this.run("ehlo", () => this.#ehlo(name));
  }

  async #ehlo(name: string): Promise<SMTPReply> {
    this.esmtp_features = {};
    const [code, msg] = await this.command(this.ehlo_msg, name || this.local_hostname);
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
    return this.run("ehlo_or_helo_if_needed", () => this.ensureHelo());
  }

  protected async ensureHelo(): Promise<void> {
    if (this.helo_resp === null && this.ehlo_resp === null) {
      const [ecode] = await this.#ehlo("");
      if (!(ecode >= 200 && ecode <= 299)) {
        const [code, resp] = await this.#helo("");
        if (!(code >= 200 && code <= 299)) throw new SMTPHeloError(code, resp);
      }
    }
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
    return this.run("rset", () => this.rsetNow());
  }

  protected rsetNow(): Promise<SMTPReply> {
    this.command_encoding = "ascii";
    return this.command("rset");
  }

  /** RSET that ignores a lost connection: the next call reports it. */
  protected async quietRset(): Promise<void> {
    try {
      await this.rsetNow();
    } catch (e) {
      if (!(e instanceof SMTPServerDisconnected)) throw e;
    }
  }

  protected async sendData(bytes: Uint8Array, replies: number): Promise<SMTPReply[]> {
    const engine = this.liveEngine();
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
   * QUIT, then close; resolves to QUIT's reply.
   *
   * @example
   * ```ts
   * await s.quit(); // [221, ...]
   * ```
   */
  quit(): Promise<SMTPReply> {
    return this.run("quit", async () => {
      const res = await this.command("quit");
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
      const [code, message] = await this.command("QUIT");
      if (code !== 221) throw new SMTPResponseException(code, message);
    } catch (e) {
      if (!(e instanceof SMTPServerDisconnected)) throw e;
    } finally {
      this.close();
    }
  }
}
