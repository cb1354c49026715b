/**
 * The control session under Python's `ftplib.FTP`: connecting, logging in,
 * sending commands and reading replies, debug output, one call at a time,
 * quitting. `FTP` (in `_ftpclient.ts`) adds the file commands and transfers.
 * @module
 */
import { EOFError, OSError, RuntimeError, ValueError } from "../sockets/errors.js";
import { getdefaulttimeout } from "../sockets/_defaulttimeout.js";
import { FtpEngine, type EngineObserver } from "./_ftpengine.js";
import { error_reply } from "./_ftperrors.js";
import { ftpCodec } from "./_ftplines.js";
import { sanitize } from "./_ftpreplies.js";
import { codePointOffset } from "./_ftpreplyreader.js";

/** The standard FTP control port. */
export const FTP_PORT = 21;
/** The longest line ftplib accepts in a listing or text file, Python's `MAXLINE`. */
export const MAXLINE = 8192;
/** The line end of FTP's control connection and text transfers, Python's `CRLF`. */
export const CRLF = "\r\n";
/** `CRLF` as bytes, Python's `B_CRLF`. */
export const B_CRLF: Uint8Array = Uint8Array.of(13, 10);

/**
 * Prints a line, Python's `ftplib.print_line`: what `retrlines` does with
 * each line when given no callback.
 *
 * @example
 * ```ts
 * await ftp.retrlines("LIST", print_line);
 * ```
 */
export function print_line(line: string): void {
  console.log(line);
}

/** Python's keyword arguments of `FTP(...)`. */
export interface FTPOptions {
  /**
   * Seconds every blocking operation may take; `null` waits forever.
   * @default getdefaulttimeout() of stdnet/socket (`null` unless set)
   */
  timeout?: number | null;
  /** `[host, port]` to bind the control and data connections to. */
  source_address?: readonly [string, number] | null;
  /**
   * Encoding of commands, replies and text transfers: UTF-8, latin-1 or ASCII, by any name Python's codecs know them by (others are a LookupError).
   * @default "utf-8"
   */
  encoding?: string;
  /**
   * The port the constructor (and `open`) connects to; not in Python, whose
   * constructor always uses 21.
   * @default 21
   */
  port?: number;
}


/** Python's `putline` check: a CR or LF would smuggle in a second command. */
export function checkLine(...parts: string[]): void {
  for (const p of parts) {
    if (p.includes("\r") || p.includes("\n")) {
      throw new ValueError("an illegal newline character should not be contained");
    }
  }
}

/**
 * Python's `sendport` command: `PORT` with the host's dotted parts and the
 * port's two bytes.
 *
 * @example
 * ```ts
 * portCommand("127.0.0.1", 40001); // "PORT 127,0,0,1,156,65"
 * ```
 */
export function portCommand(host: string, port: number): string {
  return `PORT ${[...host.split("."), Math.floor(port / 256), port % 256].join(",")}`;
}

/**
 * The control connection of an FTP session and the commands that need no
 * data connection: the base of `FTP`, which adds files and transfers.
 *
 * @example
 * ```ts
 * const session: FTPSession = new FTP();
 * await session.connect("127.0.0.1", 2121);
 * ```
 */
export class FTPSession {
  /** Debug output level; see `set_debuglevel`. */
  debugging = 0;
  /** The host last connected to. */
  host = "";
  /** The port last connected to. */
  port = FTP_PORT;
  /** The longest line accepted in a text transfer. */
  maxline = MAXLINE;
  /** The server's welcome reply, once connected. */
  welcome: string | null = null;
  /** The first three characters of the last reply read (Python's `lastresp`); `undefined` before any. */
  lastresp: string | undefined = undefined;
  /** Passive mode (the default) or active; see `set_pasv`. */
  passiveserver = true;
  /** Use the address in a PASV reply instead of the control connection's peer (Python's security default: off). */
  trust_server_pasv_ipv4_address = false;
  /**
   * The session's encoding, Python's name for it. Each command is encoded
   * with its value when sent (as Python's `putline`); replies are read in
   * the one it had at `connect()` (Python's control file is made then).
   */
  encoding: string;
  /** `[host, port]` the connections are bound to, or `null`. */
  source_address: readonly [string, number] | null;
  /** Seconds each blocking operation may take, or `null` for no limit. */
  timeout: number | null;

  #engine: FtpEngine | undefined;
  /** The engine a `connect()` in flight is bringing up (closed too by `close()`). */
  #connecting: FtpEngine | undefined;
  #pending: Promise<void> | undefined;
  /** Whether the failure of `#pending` has reached a caller (disposal then does not raise it again). */
  #pendingReported = false;
  #busy: { name: string; stack: string } | undefined;
  /** Set while `_putBare` sends: what debug level 2 shows of its line (and level 1 nothing). */
  #bareLabel: [label: string, shown: string] | undefined;
  /**
   * Debug output of replies held back while a download's data still arrives
   * (see `_holdReplyOutput`); "armed" until the 1xx reply that starts the data.
   */
  #heldOutput: (() => void)[] | "armed" | undefined;

  /**
   * Makes a session; given `host` it connects (and logs in given `user`) in
   * the background, as Python's constructor does. Methods wait for that;
   * `FTP.open` waits and reports a failure.
   *
   * @example
   * ```ts
   * const ftp = new FTP("127.0.0.1", "anonymous");
   * console.log(await ftp.pwd()); // waits for the connection and login
   * ```
   */
  constructor(host = "", user = "", passwd = "", acct = "", options: FTPOptions = {}) {
    this.encoding = options.encoding ?? "utf-8";
    ftpCodec(this.encoding);
    this.source_address = options.source_address ?? null;
    this.timeout = options.timeout === undefined ? getdefaulttimeout() : options.timeout;
    if (options.port !== undefined) this.port = options.port;
    if (host !== "") {
      const start = async (): Promise<void> => {
        await Promise.resolve(); // let a subclass's constructor finish first
        await this._exclusive("connect", () => this._connect(host, 0, undefined), true);
        if (user !== "") await this._exclusive("login", () => this._login(user, passwd, acct), true);
      };
      const pending = start();
      pending.catch(() => undefined);
      this.#pending = pending;
    }
  }

  /** Waits for the connection the constructor started; rejects (and closes) if it failed. */
  protected async _ready(): Promise<void> {
    try {
      await this.#started();
    } catch (e) {
      this.close();
      throw e;
    }
  }

  /** Waits for the connection the constructor started, noting that its failure (if any) reached a caller. */
  async #started(): Promise<void> {
    try {
      await this.#pending;
    } catch (e) {
      this.#pendingReported = true;
      throw e;
    }
  }

  /**
   * Runs `fn` as the session's one task in flight. A second call while one
   * runs rejects at once (the session stays usable), naming the running call.
   */
  protected async _exclusive<T>(name: string, fn: () => Promise<T>, starting = false): Promise<T> {
    if (!starting && this.#pending !== undefined) await this.#started();
    const busy = this.#busy;
    if (busy !== undefined) {
      const err = new RuntimeError(`Cannot run ${name}() while ${busy.name}() is still running: await each call before the next`);
      err.stack = `${err.stack ?? ""}\nRunning task started at: ${busy.stack}`;
      throw err;
    }
    this.#busy = { name, stack: new Error().stack ?? "" };
    try {
      return await fn();
    } finally {
      this.#busy = undefined;
    }
  }

  #observer(): EngineObserver {
    return {
      // Python tests `if self.debugging` (any non-zero level, negative ones too) and `self.debugging > 1`
      sent: (line) => {
        const bare = this.#bareLabel;
        if (this.debugging !== 0 && bare === undefined) console.log("*cmd*", sanitize(line));
        if (this.debugging > 1) console.log(...(bare ?? ["*put*", sanitize(line + "\r\n")]));
      },
      received: (reply, lines) => {
        if (reply !== undefined) {
          const end = codePointOffset(reply, 0, 3);
          this.lastresp = end < 0 ? reply : reply.slice(0, end);
        }
        const show = (): void => {
          if (this.debugging > 1) for (const line of lines) console.log("*get*", sanitize(line));
          if (reply !== undefined && this.debugging !== 0) console.log("*resp*", sanitize(reply));
        };
        // a download's closing reply shows after its data, where Python reads it
        if (this.#heldOutput === undefined) show();
        else if (this.#heldOutput === "armed") {
          show();
          if (reply?.startsWith("1") === true) this.#heldOutput = [];
        } else this.#heldOutput.push(show);
      },
    };
  }

  /**
   * From the 1xx reply that starts a download's data until
   * `_releaseReplyOutput`, debug output of replies waits: the closing reply
   * can arrive before the data is all read, and Python, which reads it after
   * the data, shows it there.
   */
  protected _holdReplyOutput(): void {
    this.#heldOutput = "armed";
  }

  /** Shows the debug output held back by `_holdReplyOutput`, and stops holding it. */
  protected _releaseReplyOutput(): void {
    const held = this.#heldOutput;
    this.#heldOutput = undefined;
    if (Array.isArray(held)) for (const show of held) show();
  }

  /** The engine of a connected session; `[Errno 9] Bad file descriptor` otherwise, as a closed socket in Python. */
  protected get _engine(): FtpEngine {
    if (this.#engine === undefined) throw new OSError(9);
    return this.#engine;
  }

  /**
   * Connects to `host` (default: the last one) on `port` (default: the last
   * one, 21 at first) and resolves to the server's welcome line.
   * `timeout` of 0 is refused, as Python's (`Non-blocking socket … is not supported`).
   *
   * @example
   * ```ts
   * const ftp = new FTP();
   * console.log(await ftp.connect("127.0.0.1", 2121)); // "220 …"
   * ```
   */
  async connect(host = "", port = 0, timeout?: number | null, source_address?: readonly [string, number] | null): Promise<string> {
    this.#pending = undefined;
    this.#pendingReported = false;
    return this._exclusive("connect", () => this._connect(host, port, timeout, source_address));
  }

  protected async _connect(host: string, port: number, timeout?: number | null, source_address?: readonly [string, number] | null): Promise<string> {
    if (host !== "") this.host = host;
    if (port > 0) this.port = port;
    if (timeout !== undefined) this.timeout = timeout;
    if (this.timeout !== null && this.timeout === 0) throw new ValueError("Non-blocking socket (timeout=0) is not supported");
    if (source_address != null) this.source_address = source_address;
    // socket.settimeout's refusals, which Python's create_connection meets
    if (this.timeout !== null && Number.isNaN(this.timeout)) throw new ValueError("Invalid value NaN (not a number)");
    if (this.timeout !== null && this.timeout < 0) throw new ValueError("Timeout value out of range");
    const engine = new FtpEngine({
      timeoutMs: this.timeout === null ? 0 : Math.max(1, Math.round(this.timeout * 1000)),
      codec: ftpCodec(this.encoding),
      commandCodec: () => ftpCodec(this.encoding),
      maxline: () => this.maxline,
      sourceAddress: this.source_address,
      observer: this.#observer(),
    });
    // the session goes on over its old connection until the new one is up, as Python's `self.sock`
    this.#connecting = engine;
    const adopt = (): void => {
      if (this.#engine !== engine) this.#engine?.close();
      this.#engine = engine;
    };
    try {
      this.welcome = await engine.connect(this.host, this.port);
    } catch (e) {
      if (engine.cameUp) adopt();
      throw e;
    } finally {
      this.#connecting = undefined;
    }
    adopt();
    return this.welcome;
  }

  /**
   * The welcome reply the server sent on connecting (printed when debugging).
   *
   * @example
   * ```ts
   * ftp.getwelcome(); // "220 Service ready"
   * ```
   */
  getwelcome(): string | null {
    if (this.debugging !== 0 && this.welcome !== null) console.log("*welcome*", sanitize(this.welcome));
    return this.welcome;
  }

  /**
   * Debug output: 0 none, 1 (or any other non-zero level, negative ones
   * too, as Python tests it) commands and replies, 2 also each raw line,
   * 3 also each line of a text transfer. Passwords show as `*`.
   *
   * @example
   * ```ts
   * ftp.set_debuglevel(1); // *cmd* 'PASS ******'
   * ```
   */
  set_debuglevel(level: number): void {
    this.debugging = level;
  }

  /**
   * Python's alias of `set_debuglevel`.
   *
   * @example
   * ```ts
   * ftp.debug(2);
   * ```
   */
  debug(level: number): void {
    this.set_debuglevel(level);
  }

  /**
   * Passive transfers (`true`, the default: the client connects to the
   * server's PASV/EPSV address) or active ones (`false`: the server connects
   * to the address the client announces by PORT/EPRT).
   *
   * @example
   * ```ts
   * ftp.set_pasv(false); // active mode, as Python's
   * ```
   */
  set_pasv(val: boolean): void {
    this.passiveserver = val;
  }

  /**
   * Announces `host:port` for the next data connection (`PORT h1,h2,h3,h4,p1,p2`)
   * and expects a 2xx reply. Transfers in active mode send it themselves.
   *
   * @example
   * ```ts
   * await ftp.sendport("127.0.0.1", 40001); // PORT 127,0,0,1,156,65
   * ```
   */
  async sendport(host: string, port: number): Promise<string> {
    return this.voidcmd(portCommand(host, port));
  }

  /**
   * Announces `host:port` for the next data connection in RFC 2428's form
   * (`EPRT |2|::1|40001|`) and expects a 2xx reply.
   *
   * @example
   * ```ts
   * await ftp.sendeprt("::1", 40001);
   * ```
   */
  async sendeprt(host: string, port: number): Promise<string> {
    return this.voidcmd(this._eprtCommand(host, port));
  }

  /** The EPRT command for `host:port`, its family the control connection's, as Python's `self.af`. */
  protected _eprtCommand(host: string, port: number): string {
    const family = this._engine.peer[2];
    return `EPRT |${family === "IPv6" ? 2 : 1}|${host}|${port}|`;
  }

  /**
   * Sends a command and resolves to the reply; a 4xx or 5xx reply rejects
   * with `error_temp`/`error_perm`.
   *
   * @example
   * ```ts
   * await ftp.sendcmd("SYST"); // "215 UNIX Type: L8"
   * ```
   */
  async sendcmd(cmd: string): Promise<string> {
    checkLine(cmd);
    return this._exclusive("sendcmd", () => this._sendcmd(cmd));
  }

  /**
   * Sends a command and expects a 2xx reply (`error_reply` otherwise).
   *
   * @example
   * ```ts
   * await ftp.voidcmd("NOOP"); // "200 …"
   * ```
   */
  async voidcmd(cmd: string): Promise<string> {
    checkLine(cmd);
    return this._exclusive("voidcmd", () => this._voidcmd(cmd));
  }

  protected async _sendcmd(cmd: string): Promise<string> {
    checkLine(cmd);
    return this._engine.command(cmd);
  }

  protected async _voidcmd(cmd: string): Promise<string> {
    const resp = await this._sendcmd(cmd);
    if (!resp.startsWith("2")) throw new error_reply(resp);
    return resp;
  }

  /**
   * Sends a command without reading its reply (Python's `putcmd`); `getresp()`
   * reads it, or the next command's call does.
   *
   * @example
   * ```ts
   * await ftp.putcmd("NOOP");
   * await ftp.getresp(); // "200 …"
   * ```
   */
  async putcmd(line: string): Promise<void> {
    checkLine(line);
    return this._exclusive("putcmd", () => {
      this._engine.put(line);
      return Promise.resolve();
    });
  }

  /**
   * A line as debug output shows it: its `repr()`, a password masked
   * (Python's `FTP.sanitize`).
   *
   * @example
   * ```ts
   * ftp.sanitize("PASS secret"); // "'PASS ******'"
   * ```
   */
  sanitize(s: string): string {
    return sanitize(s);
  }

  /**
   * Sends a line as it is, CRLF added, without reading a reply: Python's
   * `putline`, which unlike `putcmd` prints only `*put*` at debug level 2.
   *
   * @example
   * ```ts
   * await ftp.putline("NOOP");
   * await ftp.getmultiline(); // "200 …"
   * ```
   */
  async putline(line: string): Promise<void> {
    checkLine(line);
    return this._exclusive("putline", () => {
      this._putBare(line, "*put*");
      return Promise.resolve();
    });
  }

  /**
   * Sends `line` without a reply, shown in debug output at level 2 only, as
   * `label shown` (Python's putline, and abort, which shows bytes).
   */
  protected _putBare(line: string, label: string, shown = sanitize(line + "\r\n")): void {
    this.#bareLabel = [label, shown];
    try {
      this._engine.put(line);
    } finally {
      this.#bareLabel = undefined;
    }
  }

  /**
   * Reads the next reply, whatever its code (Python's `getmultiline`; a
   * multi-line reply comes joined by `\n`, as there).
   *
   * @example
   * ```ts
   * await ftp.putline("RETR missing");
   * await ftp.getmultiline(); // "550 …", not an error
   * ```
   */
  async getmultiline(): Promise<string> {
    return this._exclusive("getmultiline", () => this._engine.reply(true));
  }

  /**
   * Reads the next reply (Python's `getresp`): a 1xx, 2xx or 3xx one is
   * returned, a 4xx or 5xx one rejects with `error_temp`/`error_perm`.
   *
   * @example
   * ```ts
   * const conn = await ftp.transfercmd("RETR a.bin");
   * // … read conn to its end, close it …
   * await ftp.getresp(); // "226 …"
   * ```
   */
  async getresp(): Promise<string> {
    return this._exclusive("getresp", () => this._engine.reply());
  }

  /**
   * Reads the next reply and expects a 2xx one (`error_reply` otherwise), as
   * Python's `voidresp`: what ends a transfer begun with `transfercmd`.
   *
   * @example
   * ```ts
   * await ftp.voidresp(); // "226 Transfer complete"
   * ```
   */
  async voidresp(): Promise<string> {
    return this._exclusive("voidresp", async () => {
      const resp = await this._engine.reply();
      if (!resp.startsWith("2")) throw new error_reply(resp);
      return resp;
    });
  }

  /**
   * Logs in (default: anonymous, password `anonymous@`) and resolves to the
   * server's 2xx reply; a wrong password rejects with `error_perm`.
   *
   * @example
   * ```ts
   * await ftp.login("user", "secret"); // "230 …"
   * ```
   */
  async login(user = "", passwd = "", acct = ""): Promise<string> {
    checkLine(user, passwd, acct);
    return this._exclusive("login", () => this._login(user, passwd, acct));
  }

  protected async _login(user: string, passwd: string, acct: string): Promise<string> {
    checkLine(user, passwd, acct);
    if (user === "") user = "anonymous";
    if (user === "anonymous" && (passwd === "" || passwd === "-")) passwd += "anonymous@";
    let resp = await this._sendcmd("USER " + user);
    if (resp.startsWith("3")) resp = await this._sendcmd("PASS " + passwd);
    if (resp.startsWith("3")) resp = await this._sendcmd("ACCT " + acct);
    if (!resp.startsWith("2")) throw new error_reply(resp);
    return resp;
  }

  /**
   * Sends an account name (`ACCT`).
   *
   * @example
   * ```ts
   * await ftp.acct("billing");
   * ```
   */
  async acct(password: string): Promise<string> {
    return this.voidcmd("ACCT " + password);
  }

  /**
   * Sends `QUIT`, closes the session and resolves to the server's goodbye.
   *
   * @example
   * ```ts
   * await ftp.quit(); // "221 …"
   * ```
   */
  async quit(): Promise<string> {
    return this._exclusive("quit", async () => {
      const resp = await this._voidcmd("QUIT");
      this.close();
      return resp;
    });
  }

  /**
   * Closes the connections without a word to the server. Idempotent.
   *
   * @example
   * ```ts
   * ftp.close();
   * ```
   */
  close(): void {
    const engine = this.#engine;
    this.#engine = undefined;
    engine?.close();
    this.#connecting?.close();
  }

  /**
   * `await using ftp = …` ends as Python's `with` does: `QUIT` (ignoring
   * `OSError` and `EOFError`), then close.
   *
   * @example
   * ```ts
   * { await using ftp = await FTP.open("127.0.0.1"); await ftp.login(); } // QUIT sent here
   * ```
   */
  async [Symbol.asyncDispose](): Promise<void> {
    if (this.#engine === undefined && this.#pending === undefined) return;
    // a failed start that a call has already thrown is not thrown again: `await using`
    // would hand the block's catch a SuppressedError of the two in place of it
    if (this.#pendingReported) {
      this.close();
      return;
    }
    try {
      await this.quit();
    } catch (e) {
      if (!(e instanceof OSError) && !(e instanceof EOFError)) throw e;
    } finally {
      this.close();
    }
  }
}
