/**
 * The one file of smtplib that speaks to nodemailer's SMTPConnection: it
 * opens the connection (DNS, implicit TLS, timeouts), reads the greeting,
 * sends a command or a pipelined batch and reads the replies, upgrades with
 * STARTTLS and runs AUTH; the message data goes out dot-stuffed by
 * `_smtpdata.ts` (DataStream's rules in one pass). It holds the table from
 * nodemailer's errors to Python's. It knows nothing of smtplib's rules; `smtplib.ts` drives it.
 *
 * SMTPConnection drives a whole session by itself (greeting → EHLO →
 * STARTTLS → …); Python's smtplib lets the caller send each command. So this
 * adapter takes over the greeting handler and then queues its own reply
 * handlers on the engine (`_responseActions`/`_sendCommand`, the same hooks
 * nodemailer's custom AUTH handlers use) — replies, multi-line parsing, 421
 * handling and the TLS upgrade stay nodemailer's.
 * @module
 */
import { connect, type Socket } from "node:net";
import type { ConnectionOptions } from "node:tls";
import SMTPConnection from "nodemailer/lib/smtp-connection";
import { fromNodeError, TimeoutError } from "../sockets/errors.js";
import { stuffMessage } from "./_smtpdata.js";
import { sslErrorFromNode } from "../sockets/ssl.js";
import {
  SMTPAuthenticationError,
  SMTPException,
  SMTPResponseException,
  SMTPServerDisconnected,
} from "./_smtperrors.js";

/**
 * A reply as Python's `getreply()` gives it: the code (-1 if unreadable) and the text as bytes.
 *
 * @example
 * ```ts
 * const [code, msg] = await s.noop(); // [250, <Buffer 4f 4b>]
 * ```
 */
export type SMTPReply = [code: number, msg: Buffer];

/** The largest delay node's timers take: stands for "no timeout". */
const FOREVER_MS = 2 ** 31 - 1;

/** The parts of SMTPConnection this adapter uses beyond its public API. */
interface EngineInternals {
  _responseActions: ((str: string) => void)[];
  _sendCommand(str: string, logStr?: string): void;
  _socket: Socket | false | null;
  _actionGreeting: (str: string) => void;
  _clearPhase(): void;
  _connectionDeadline: number;
  _upgradeConnection(callback: (err: Error | null, secured?: boolean) => void): void;
  _supportedAuth: string[];
  options: { tls?: ConnectionOptions; debug?: boolean };
  lastServerResponse: string | false;
  destroyed: boolean;
}

/** A nodemailer error as it arrives: node's error with nodemailer's code put over node's. */
interface NodemailerError extends Error {
  code?: string;
  originalCode?: string;
  errno?: number;
  timeoutType?: string;
  response?: string;
  responseCode?: number;
}

/** Where in its life the connection was when a failure came: decides the Python error. */
type Phase = "connect" | "tls" | "session";

/**
 * Python's `getreply()` over nodemailer's reply text (lines joined with "\n").
 *
 * @example
 * ```ts
 * parseReply("250-a\n250 b"); // [250, Buffer.from("a\nb")]
 * ```
 */
export function parseReply(str: string): SMTPReply {
  const lines = str.split("\n");
  const texts: Buffer[] = [];
  let code = -1;
  for (const line of lines) {
    texts.push(Buffer.from(line.slice(4).replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, ""), "utf8"));
    const digits = line.slice(0, 3);
    // Python: int(line[:3]), which allows surrounding blanks, a sign and "_" between digits.
    code = /^\s*[+-]?\d(?:_?\d)*\s*$/.test(digits) ? Number.parseInt(digits.replaceAll("_", ""), 10) : -1;
    if (code === -1 || line.charAt(3) !== "-") break;
  }
  const joined: Buffer[] = [];
  texts.forEach((t, i) => {
    if (i > 0) joined.push(Buffer.from("\n"));
    joined.push(t);
  });
  return [code, Buffer.concat(joined)];
}

/**
 * How the adapter is opened.
 *
 * @example
 * ```ts
 * new SMTPEngine({ host: "127.0.0.1", port: 25, timeout: 10, lmtp: false, log: () => undefined });
 * ```
 */
export interface EngineOptions {
  host: string;
  port: number;
  /** Implicit TLS (SMTP_SSL) with these node:tls options. */
  tls?: ConnectionOptions;
  /** Seconds per blocking step, `null` for none. */
  timeout: number | null;
  localAddress?: string;
  /** A Unix socket to connect to instead of host and port (LMTP). */
  path?: string;
  lmtp: boolean;
  /** Receives the transaction log (secrets masked by nodemailer) when `debug` is on. */
  log: (kind: "send" | "reply" | "data", text: string) => void;
}

interface Waiter {
  reject(e: Error): void;
}

/**
 * One SMTP connection through nodemailer. Every call that waits for the
 * server rejects with a Python error if the connection fails, closes or
 * times out meanwhile.
 *
 * @example
 * ```ts
 * const engine = new SMTPEngine({ host: "127.0.0.1", port: 25, timeout: 10, lmtp: false, log: () => undefined });
 * const [code] = await engine.greet(); // 220
 * ```
 */
export class SMTPEngine {
  readonly #conn: SMTPConnection;
  readonly #engine: EngineInternals;
  readonly #timeoutMs: number;
  readonly #waiters = new Set<Waiter>();
  #phase: Phase = "connect";
  #lastError: NodemailerError | undefined;
  #closed = false;
  #timer: NodeJS.Timeout | undefined;
  #timedWaits = 0;

  constructor(options: EngineOptions) {
    const timeoutMs = options.timeout === null ? FOREVER_MS : Math.max(1, Math.round(options.timeout * 1000));
    this.#timeoutMs = timeoutMs;
    const logger = {
      level: "debug",
      trace: () => undefined,
      debug: (...args: unknown[]) => {
        const meta = args[0] as { tnx?: string } | undefined;
        const text = args.slice(1).map(String).join(" ");
        if (meta?.tnx === "client") options.log("send", text);
        else if (meta?.tnx === "server") options.log("reply", text);
        else if (meta?.tnx === "message") options.log("data", text);
      },
      info: () => undefined,
      warn: () => undefined,
      error: () => undefined,
      fatal: () => undefined,
    };
    this.#conn = new SMTPConnection({
      host: options.host,
      port: options.port,
      secure: options.tls !== undefined,
      tls: options.tls,
      ignoreTLS: true, // STARTTLS only when the caller asks, as in Python
      lmtp: options.lmtp,
      localAddress: options.localAddress,
      // A Unix socket is opened here and handed over; nodemailer runs the session on it.
      connection: options.path === undefined ? undefined : connect({ path: options.path }),
      // Every timeout of the engine, set explicitly: Python's one timeout per blocking step.
      connectionTimeout: timeoutMs,
      greetingTimeout: timeoutMs,
      dnsTimeout: timeoutMs,
      // Idle time is not an error in Python; waits are timed per reply below.
      socketTimeout: FOREVER_MS,
      socketCloseTimeout: 0,
      logger,
      debug: false,
    });
    this.#engine = this.#conn as unknown as EngineInternals;
    this.#conn.on("error", (e: NodemailerError) => {
      this.#lastError = e;
    });
    this.#conn.on("end", () => {
      this.#closed = true;
      const err = this.#translate(this.#lastError);
      for (const w of [...this.#waiters]) w.reject(err);
      this.#waiters.clear();
    });
  }

  /** Turns the transaction log on or off (nodemailer reads the flag on each line). */
  set debug(on: boolean) {
    this.#engine.options.debug = on;
  }

  /** Whether the connection is open and usable. */
  get open(): boolean {
    return !this.#closed && !this.#engine.destroyed;
  }

  /** Connects and reads the greeting (nodemailer sends no EHLO of its own here). */
  greet(): Promise<SMTPReply> {
    return this.#wait<SMTPReply>((resolve) => {
      this.#engine._actionGreeting = (str: string) => {
        this.#engine._clearPhase();
        this.#phase = "session";
        resolve(parseReply(str));
        // The greeting is all of nodemailer's handshake this adapter wants.
        this.#conn.emit("connect");
      };
      this.#conn.connect((err) => {
        if (err) this.#lastError = err;
      });
    }, false);
  }

  /** Sends one command line and reads its reply. `logLine` replaces it in the log. */
  command(line: string, logLine?: string): Promise<SMTPReply> {
    return this.#reply(() => {
      this.#engine._sendCommand(line, logLine);
    });
  }

  /**
   * Sends several commands in one write (PIPELINING) and gives one promise per
   * reply, in order; each is already handled, so an unread one is never an
   * unhandled rejection.
   */
  pipeline(lines: readonly string[]): Promise<SMTPReply>[] {
    const socket = this.#engine._socket;
    if (socket) socket.cork();
    const replies = lines.map((line) => this.command(line));
    if (socket) socket.uncork();
    for (const r of replies) r.catch(() => undefined);
    return replies;
  }

  /**
   * Sends the message after a 354 (dot-stuffed, bare CR/LF made CRLF and
   * terminated, as nodemailer's DataStream would, but as one buffer in one
   * write) and reads `replies` replies: one for SMTP, one per accepted
   * recipient for LMTP.
   */
  data(message: Uint8Array, replies: number): Promise<SMTPReply>[] {
    const socket = this.#engine._socket;
    const results: Promise<SMTPReply>[] = [];
    for (let i = 0; i < replies; i++) results.push(this.#reply(() => undefined));
    for (const r of results) r.catch(() => undefined);
    if (socket && this.open) {
      if (this.#engine.options.debug === true) this.#log(message);
      socket.write(stuffMessage(message));
    }
    return results;
  }

  #log(message: Uint8Array): void {
    const logger = (this.#conn as unknown as { logger: { debug(meta: object, text: string): void } }).logger;
    logger.debug({ tnx: "message" }, Buffer.from(message).toString("latin1"));
  }

  /** Upgrades the connection after the server's 220 to STARTTLS. */
  startTLS(options: ConnectionOptions): Promise<void> {
    return this.#wait<undefined>((resolve, reject) => {
      this.#phase = "tls";
      this.#engine.options.tls = options;
      // nodemailer bounds the handshake by what is left of its connect deadline;
      // Python gives each blocking step the whole timeout, so start it afresh.
      this.#engine._connectionDeadline = Date.now() + this.#timeoutMs;
      this.#engine._upgradeConnection((err) => {
        if (err) {
          reject(this.#translate(err));
          return;
        }
        this.#phase = "session";
        resolve(undefined);
      });
    }, false);
  }

  /**
   * AUTH with one mechanism through nodemailer's own handlers (PLAIN, LOGIN,
   * CRAM-MD5), which keep the secrets out of the log. Resolves with the final reply.
   */
  login(user: string, password: string, method: string): Promise<SMTPReply> {
    return this.#wait<SMTPReply>((resolve, reject) => {
      this.#conn.login({ user, pass: password, method }, (err) => {
        if (err) {
          const e = err as NodemailerError;
          if (typeof e.response === "string") resolve(parseReply(e.response));
          else reject(this.#translate(e));
          return;
        }
        resolve(parseReply(this.#engine.lastServerResponse || ""));
      });
    });
  }

  /** Closes the socket at once (Python's `close()`). */
  close(): void {
    this.#closed = true;
    this.#conn.close();
  }

  /** Queues a reply handler, then runs `send`. */
  #reply(send: () => void): Promise<SMTPReply> {
    return this.#wait<SMTPReply>((resolve) => {
      this.#engine._responseActions.push((str: string) => {
        resolve(parseReply(str));
      });
      send();
    });
  }

  /**
   * Python's per-step timeout as one reusable timer: (re)armed when a timed
   * wait starts and whenever a reply settles one while others remain, so no
   * step may wait longer than the timeout; it fires harmlessly when idle.
   */
  #armTimer(): void {
    if (this.#timeoutMs >= FOREVER_MS) return;
    if (this.#timer === undefined) {
      this.#timer = setTimeout(() => {
        if (this.#timedWaits === 0) return;
        // Python: a read that times out closes the connection.
        this.#lastError = Object.assign(new Error("timed out"), { code: "ETIMEDOUT", timeoutType: "REPLY_TIMEOUT" });
        this.#conn.close();
      }, this.#timeoutMs);
      this.#timer.unref();
    } else {
      this.#timer.refresh();
    }
  }

  /** A wait on the server, bounded by the timeout, rejected if the connection ends first. */
  #wait<T>(start: (resolve: (v: T) => void, reject: (e: Error) => void) => void, timed = true): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (this.#closed && this.#phase !== "connect") {
        reject(new SMTPServerDisconnected("please run connect() first"));
        return;
      }
      let settled = false;
      const settle = (): void => {
        settled = true;
        this.#waiters.delete(waiter);
        if (timed) {
          this.#timedWaits--;
          if (this.#timedWaits > 0) this.#armTimer();
        }
      };
      const waiter: Waiter = {
        reject: (e) => {
          if (settled) return;
          settle();
          reject(e);
        },
      };
      this.#waiters.add(waiter);
      if (timed) {
        this.#timedWaits++;
        this.#armTimer();
      }
      try {
        start(
          (v) => {
            if (settled) return;
            settle();
            resolve(v);
          },
          (e) => waiter.reject(e),
        );
      } catch (e) {
        waiter.reject(this.#translate(e as NodemailerError));
      }
    });
  }

  /** The table: nodemailer's error (or none, for a plain close) → Python's. */
  #translate(e: NodemailerError | undefined): Error {
    const phase = this.#phase;
    if (e === undefined) return new SMTPServerDisconnected("Connection unexpectedly closed");
    if (e instanceof SMTPException) return e;
    // nodemailer puts its own code over node's; give node's back for the socket layer's tables.
    if (e.originalCode !== undefined) e.code = e.originalCode;
    const code = e.code;
    if (code === "ETIMEDOUT" && e.timeoutType !== undefined) {
      if (e.timeoutType === "CONNECT_TIMEOUT" || e.timeoutType === "UPGRADE_TIMEOUT") {
        return Object.assign(new TimeoutError("timed out"), { cause: e });
      }
      return new SMTPServerDisconnected("Connection unexpectedly closed: timed out", undefined, { cause: e });
    }
    if (code === "EPROTOCOL" && /maximum allowed size/.test(e.message)) {
      return new SMTPResponseException(500, "Line too long.", { cause: e });
    }
    if (code === "EAUTH") {
      if (typeof e.response === "string") {
        const [c, m] = parseReply(e.response);
        return new SMTPAuthenticationError(c, m, { cause: e });
      }
      return new SMTPException(e.message, undefined, { cause: e });
    }
    const systemError = code !== undefined && /^E[A-Z]+$/.test(code) && !NODEMAILER_CODES.has(code);
    if (phase === "connect" || phase === "tls") {
      if (systemError || code === undefined || !NODEMAILER_CODES.has(code)) return sslErrorFromNode(e);
      if (code === "ECONNECTION") return new SMTPServerDisconnected("Connection unexpectedly closed", undefined, { cause: e });
      return new SMTPException(e.message, undefined, { cause: e });
    }
    if (systemError) {
      const py = fromNodeError(e);
      return new SMTPServerDisconnected(`Connection unexpectedly closed: ${py.message}`, undefined, { cause: e });
    }
    if (code !== undefined && !NODEMAILER_CODES.has(code)) return sslErrorFromNode(e);
    return new SMTPServerDisconnected("Connection unexpectedly closed", undefined, { cause: e });
  }
}

/** nodemailer's own codes (its errors.js), as opposed to node's system codes. */
const NODEMAILER_CODES: ReadonlySet<string> = new Set([
  "ECONNECTION", "ETIMEDOUT", "ESOCKET", "EDNS", "ETLS", "EREQUIRETLS", "EPROTOCOL",
  "EENVELOPE", "EMESSAGE", "ESTREAM", "EABORT", "EAUTH", "ENOAUTH",
]);
