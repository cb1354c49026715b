/**
 * Python's `ftplib.FTP`: the client class, over the engine in `_ftpengine.ts`.
 * @module
 */
import { Writable } from "node:stream";
import type { ConnectionOptions } from "node:tls";
import { EOFError, OSError, ValueError } from "../sockets/errors.js";
import { getdefaulttimeout } from "../sockets/_defaulttimeout.js";
import { FtpEngine, type EngineObserver, type TransferControl } from "./_ftpengine.js";
import { error_perm, error_reply } from "./_ftperrors.js";
import { LineReader, nodeEncoding } from "./_ftplines.js";
import { parse227, parse229, parse257, pyRepr, sanitize } from "./_ftpreplies.js";
import { binaryStream, lineStream, openSource, type BlockCallback, type StorSource } from "./_ftpsources.js";

/** The standard FTP control port. */
export const FTP_PORT = 21;
/** The longest line ftplib accepts in a listing or text file, Python's `MAXLINE`. */
export const MAXLINE = 8192;

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
   * Encoding of commands, replies and text transfers (`utf-8`, `latin-1`, `ascii`).
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

/** Options of a transfer method, beyond Python's arguments. */
export interface TransferOptions {
  /** Stops the transfer: its data connection is closed, the method rejects with `signal.reason`. */
  signal?: AbortSignal;
}

/** Called with each line of a text transfer (without its line end); may return a Promise to hold the transfer. */
export type LineCallback = (line: string) => unknown;

/** The facts of one MLSD entry, lower-cased names to values (`type`, `size`, `modify`, …). */
export type MlsdFacts = Record<string, string>;

/** Data to upload; see `storbinary`. */
export type { StorSource, BlockCallback };

class RuntimeError extends Error {
  static {
    this.prototype.name = "RuntimeError";
  }
}

/** How fast the receiving side takes data: a large buffer keeps the socket read loop going. */
const SINK_HIGH_WATER = 1 << 20;

function checkLine(...parts: string[]): void {
  for (const p of parts) {
    if (p.includes("\r") || p.includes("\n")) {
      throw new ValueError("an illegal newline character should not be contained");
    }
  }
}

function isPromiseLike(x: unknown): x is PromiseLike<unknown> {
  return typeof x === "object" && x !== null && typeof (x as { then?: unknown }).then === "function";
}

/** Calls `callback` with each item in order, waiting for any Promise it returns; sync when it never does. */
function deliver<T>(items: readonly T[], callback: (item: T) => unknown): Promise<void> | undefined {
  for (let i = 0; i < items.length; i++) {
    const r = callback(items[i]!);
    if (isPromiseLike(r)) {
      return (async () => {
        await r;
        for (let j = i + 1; j < items.length; j++) await callback(items[j]!);
      })();
    }
  }
  return undefined;
}

function sink(
  control: TransferControl,
  onChunk: (chunk: Buffer) => Promise<void> | undefined,
  onEnd: () => Promise<void> | undefined,
): Writable {
  const fail = (e: unknown, done: (e?: Error | null) => void): void => {
    control.failure ??= { error: e };
    control.abort?.();
    done(e instanceof Error ? e : new Error(String(e)));
  };
  const run = (step: () => Promise<void> | undefined, done: (e?: Error | null) => void): void => {
    try {
      const p = step();
      if (p === undefined) done();
      else p.then(() => done(), (e: unknown) => fail(e, done));
    } catch (e) {
      fail(e, done);
    }
  };
  const w = new Writable({
    highWaterMark: SINK_HIGH_WATER,
    write(chunk: Buffer, _encoding, done) {
      run(() => onChunk(chunk), done);
    },
    final(done) {
      run(onEnd, done);
    },
  });
  w.on("error", () => undefined);
  return w;
}

/**
 * Python's `ftplib.FTP`: an FTP client session. Given a host, the constructor
 * starts connecting (and logging in, given a user) as Python's does, and every
 * method waits for that first; `await FTP.open(...)` does the same and
 * resolves once connected, rejecting if connecting or logging in failed.
 *
 * @example
 * ```ts
 * await using ftp = await FTP.open("127.0.0.1", "user", "secret");
 * console.log(await ftp.pwd());
 * await ftp.retrbinary("RETR data.bin", (block) => out.push(block));
 * ```
 */
export class FTP {
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
  /** Passive mode (the only mode; see `set_pasv`). */
  passiveserver = true;
  /** Use the address in a PASV reply instead of the control connection's peer (Python's security default: off). */
  trust_server_pasv_ipv4_address = false;
  /** The session's encoding, Python's name for it. */
  encoding: string;
  /** `[host, port]` the connections are bound to, or `null`. */
  source_address: readonly [string, number] | null;
  /** Seconds each blocking operation may take, or `null` for no limit. */
  timeout: number | null;

  #engine: FtpEngine | undefined;
  #pending: Promise<void> | undefined;
  #busy: { name: string; stack: string } | undefined;

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
    nodeEncoding(this.encoding);
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

  /**
   * Connects (and logs in, given a user) and resolves to the session:
   * the awaitable form of the constructor.
   *
   * @example
   * ```ts
   * await using ftp = await FTP.open("127.0.0.1", "user", "secret", "", { timeout: 10 });
   * ```
   */
  static async open(host: string, user = "", passwd = "", acct = "", options: FTPOptions = {}): Promise<FTP> {
    const ftp = new this(host, user, passwd, acct, options);
    await ftp._ready();
    return ftp;
  }

  /** Waits for the connection the constructor started; rejects (and closes) if it failed. */
  protected async _ready(): Promise<void> {
    try {
      await this.#pending;
    } catch (e) {
      this.close();
      throw e;
    }
  }

  /**
   * Runs `fn` as the session's one task in flight. A second call while one
   * runs rejects at once (the session stays usable), naming the running call.
   */
  protected async _exclusive<T>(name: string, fn: () => Promise<T>, starting = false): Promise<T> {
    if (!starting && this.#pending !== undefined) await this.#pending;
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
      sent: (line) => {
        if (this.debugging > 0) console.log("*cmd*", sanitize(line));
        if (this.debugging > 1) console.log("*put*", sanitize(line + "\r\n"));
      },
      received: (reply) => {
        if (this.debugging > 1) for (const line of reply.split("\n")) console.log("*get*", sanitize(line + "\r\n"));
        if (this.debugging > 0) console.log("*resp*", sanitize(reply));
      },
    };
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
    return this._exclusive("connect", () => this._connect(host, port, timeout, source_address));
  }

  protected async _connect(host: string, port: number, timeout?: number | null, source_address?: readonly [string, number] | null): Promise<string> {
    if (host !== "") this.host = host;
    if (port > 0) this.port = port;
    if (timeout !== undefined) this.timeout = timeout;
    if (this.timeout !== null && this.timeout === 0) throw new ValueError("Non-blocking socket (timeout=0) is not supported");
    if (source_address != null) this.source_address = source_address;
    this.#engine?.close();
    const engine = new FtpEngine({
      timeoutMs: this.timeout === null ? 0 : Math.max(1, Math.round(this.timeout * 1000)),
      encoding: nodeEncoding(this.encoding),
      sourceAddress: this.source_address,
      observer: this.#observer(),
    });
    this.#engine = engine;
    try {
      this.welcome = await engine.connect(this.host, this.port);
    } catch (e) {
      this.#engine = undefined;
      throw e;
    }
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
    if (this.debugging > 0 && this.welcome !== null) console.log("*welcome*", sanitize(this.welcome));
    return this.welcome;
  }

  /**
   * Debug output: 0 none, 1 commands and replies, 2 also each raw line,
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
   * Passive (`true`, the default) or active transfers. Active mode (PORT) is
   * not available over basic-ftp: `set_pasv(false)` throws `ValueError`.
   *
   * @example
   * ```ts
   * ftp.set_pasv(true);
   * ```
   */
  set_pasv(val: boolean): void {
    if (!val) throw new ValueError("active mode (PORT) is not supported: stdnet's ftplib transfers in passive mode only");
    this.passiveserver = true;
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

  /** TLS options for a data connection, or `null` for a clear one. */
  protected _dataTLS(): ConnectionOptions | null {
    return null;
  }

  /** Python's `makepasv`: PASV (EPSV over IPv6) and the address to connect to. */
  async #makepasv(): Promise<[string, number]> {
    const engine = this._engine;
    const [peerHost, peerPort, family] = engine.peer;
    if (family === "IPv6") return parse229(await this._sendcmd("EPSV"), [peerHost, peerPort]);
    const [host, port] = parse227(await this._sendcmd("PASV"));
    return [this.trust_server_pasv_ipv4_address ? host : peerHost.replace(/^::ffff:/i, ""), port];
  }

  /** Python's `ntransfercmd` up to the command: the data connection and REST. */
  async #prepareTransfer(rest: number | string | null | undefined, signal: AbortSignal | undefined): Promise<void> {
    signal?.throwIfAborted();
    const [host, port] = await this.#makepasv();
    await this._engine.openDataConnection(host, port, this._dataTLS());
    if (rest != null) await this._sendcmd(`REST ${rest}`);
    signal?.throwIfAborted();
  }

  async #withAbort(signal: AbortSignal | undefined, control: TransferControl, run: () => Promise<string>): Promise<string> {
    if (signal === undefined) return run();
    const onAbort = (): void => {
      control.failure ??= { error: signal.reason };
      control.abort?.();
    };
    signal.addEventListener("abort", onAbort, { once: true });
    try {
      return await run();
    } finally {
      signal.removeEventListener("abort", onAbort);
    }
  }

  /**
   * Downloads in binary mode: runs `cmd` (`RETR name`) and calls `callback`
   * with each block of at most `blocksize` bytes; resolves to the final reply.
   * A callback may return a Promise to hold the download until it settles.
   *
   * @example
   * ```ts
   * const parts: Buffer[] = [];
   * await ftp.retrbinary("RETR data.bin", (b) => parts.push(b)); // "226 …"
   * ```
   */
  async retrbinary(
    cmd: string,
    callback: BlockCallback,
    blocksize = 8192,
    rest?: number | string | null,
    options: TransferOptions = {},
  ): Promise<string> {
    checkLine(cmd, String(rest ?? ""));
    if (!(blocksize > 0)) throw new ValueError(`blocksize must be positive, not ${blocksize}`);
    return this._exclusive("retrbinary", async () => {
      const signal = options.signal;
      signal?.throwIfAborted();
      await this._voidcmd("TYPE I");
      await this.#prepareTransfer(rest, signal);
      const control: TransferControl = {};
      const onChunk = (chunk: Buffer): Promise<void> | undefined => {
        if (chunk.length <= blocksize) {
          const r = callback(chunk);
          return isPromiseLike(r) ? Promise.resolve(r).then(() => undefined) : undefined;
        }
        const blocks: Buffer[] = [];
        for (let off = 0; off < chunk.length; off += blocksize) blocks.push(chunk.subarray(off, off + blocksize));
        return deliver(blocks, callback);
      };
      const out = sink(control, onChunk, () => undefined);
      return this.#withAbort(signal, control, () => this._engine.download(cmd, out, control));
    });
  }

  /**
   * Downloads in text mode: runs `cmd` (`RETR name`, `LIST`, `NLST`) and calls
   * `callback` with each line without its line end (any of CRLF, CR, LF);
   * prints the lines when no callback is given, as Python's.
   *
   * @example
   * ```ts
   * await ftp.retrlines("LIST");                      // prints the listing
   * await ftp.retrlines("RETR notes.txt", (l) => lines.push(l));
   * ```
   */
  async retrlines(cmd: string, callback?: LineCallback | null, options: TransferOptions = {}): Promise<string> {
    checkLine(cmd);
    return this._exclusive("retrlines", () => this._retrlines(cmd, callback, options));
  }

  protected async _retrlines(cmd: string, callback: LineCallback | null | undefined, options: TransferOptions): Promise<string> {
    const signal = options.signal;
    const each: LineCallback = callback ?? ((line: string) => console.log(line));
    signal?.throwIfAborted();
    await this._sendcmd("TYPE A");
    await this.#prepareTransfer(undefined, signal);
    const control: TransferControl = {};
    const reader = new LineReader(nodeEncoding(this.encoding), this.maxline);
    const hand = (lines: string[]): Promise<void> | undefined => {
      if (this.debugging > 2) for (const l of lines) console.log("*retr*", pyRepr(l + "\n"));
      return lines.length === 0 ? undefined : deliver(lines, each);
    };
    const out = sink(
      control,
      (chunk) => hand(reader.push(chunk)),
      () => hand(reader.end()),
    );
    return this.#withAbort(signal, control, () => this._engine.download(cmd, out, control));
  }

  /**
   * Uploads in binary mode: runs `cmd` (`STOR name` or `APPE name`) and sends
   * `fp` (a Readable, an async iterable, bytes, or a local file's path),
   * calling `callback` with each block of at most `blocksize` bytes as sent.
   *
   * @example
   * ```ts
   * await ftp.storbinary("STOR copy.bin", "local.bin");            // a path
   * await ftp.storbinary("APPE log.bin", Buffer.from("more"));     // bytes
   * ```
   */
  async storbinary(
    cmd: string,
    fp: StorSource,
    blocksize = 8192,
    callback?: BlockCallback | null,
    rest?: number | string | null,
    options: TransferOptions = {},
  ): Promise<string> {
    checkLine(cmd, String(rest ?? ""));
    if (!(blocksize > 0)) throw new ValueError(`blocksize must be positive, not ${blocksize}`);
    return this._exclusive("storbinary", async () => {
      const signal = options.signal;
      signal?.throwIfAborted();
      const src = await openSource(fp);
      try {
        await this._voidcmd("TYPE I");
        await this.#prepareTransfer(rest, signal);
        const control: TransferControl = {};
        const stream = binaryStream(src, blocksize, callback, control, nodeEncoding(this.encoding));
        return await this.#withAbort(signal, control, () => this._engine.upload(cmd, stream, control));
      } finally {
        await src.close();
      }
    });
  }

  /**
   * Uploads in text mode: runs `cmd` (`STOR name`) and sends `fp` line by
   * line, each line ending in CRLF, calling `callback` with each line as sent.
   *
   * @example
   * ```ts
   * await ftp.storlines("STOR notes.txt", Buffer.from("one\ntwo\n")); // sent as one\r\ntwo\r\n
   * ```
   */
  async storlines(cmd: string, fp: StorSource, callback?: BlockCallback | null, options: TransferOptions = {}): Promise<string> {
    checkLine(cmd);
    return this._exclusive("storlines", async () => {
      const signal = options.signal;
      signal?.throwIfAborted();
      const src = await openSource(fp);
      try {
        await this._voidcmd("TYPE A");
        await this.#prepareTransfer(undefined, signal);
        const control: TransferControl = {};
        const stream = lineStream(src, this.maxline, callback, control, nodeEncoding(this.encoding));
        return await this.#withAbort(signal, control, () => this._engine.upload(cmd, stream, control));
      } finally {
        await src.close();
      }
    });
  }

  /**
   * The names in a directory (default: the current one), from `NLST`.
   *
   * @example
   * ```ts
   * await ftp.nlst();       // ["a.txt", "dir"]
   * await ftp.nlst("dir");
   * ```
   */
  async nlst(...args: string[]): Promise<string[]> {
    let cmd = "NLST";
    for (const arg of args) cmd += " " + arg;
    checkLine(cmd);
    const files: string[] = [];
    await this._exclusive("nlst", () => this._retrlines(cmd, (line) => files.push(line), {}));
    return files;
  }

  /**
   * Lists a directory in long form (`LIST`), printing each line or handing it
   * to a callback given as the last argument, as Python's `dir(*args)`.
   *
   * @example
   * ```ts
   * await ftp.dir();                               // prints the listing
   * await ftp.dir("pub", (line) => rows.push(line));
   * ```
   */
  async dir(...args: (string | LineCallback)[]): Promise<void> {
    let func: LineCallback | undefined;
    const last = args[args.length - 1];
    if (typeof last === "function") {
      func = last;
      args = args.slice(0, -1);
    }
    let cmd = "LIST";
    for (const arg of args) if (typeof arg === "string" && arg !== "") cmd += " " + arg;
    checkLine(cmd);
    await this._exclusive("dir", () => this._retrlines(cmd, func, {}));
  }

  /**
   * Lists a directory in RFC 3659's standard format (`MLSD`): yields
   * `[name, facts]` for each entry. `facts` asks for those facts first (`OPTS MLST`).
   *
   * @example
   * ```ts
   * for await (const [name, facts] of ftp.mlsd("", ["type", "size"])) console.log(name, facts.type);
   * ```
   */
  async *mlsd(path = "", facts: readonly string[] = []): AsyncGenerator<[string, MlsdFacts]> {
    checkLine(path, ...facts);
    const lines: string[] = [];
    await this._exclusive("mlsd", async () => {
      if (facts.length > 0) await this._sendcmd("OPTS MLST " + facts.join(";") + ";");
      await this._retrlines(path !== "" ? `MLSD ${path}` : "MLSD", (line) => lines.push(line), {});
    });
    for (const line of lines) {
      const trimmed = line.replace(/[\r\n]+$/, "");
      const space = trimmed.indexOf(" ");
      const factsFound = space < 0 ? trimmed : trimmed.slice(0, space);
      const name = space < 0 ? "" : trimmed.slice(space + 1);
      const entry = Object.create(null) as MlsdFacts;
      for (const fact of factsFound.slice(0, -1).split(";")) {
        const eq = fact.indexOf("=");
        const key = eq < 0 ? fact : fact.slice(0, eq);
        entry[key.toLowerCase()] = eq < 0 ? "" : fact.slice(eq + 1);
      }
      yield [name, entry];
    }
  }

  /**
   * Renames a file (`RNFR` then `RNTO`).
   *
   * @example
   * ```ts
   * await ftp.rename("a.txt", "b.txt"); // "250 …"
   * ```
   */
  async rename(fromname: string, toname: string): Promise<string> {
    checkLine(fromname, toname);
    return this._exclusive("rename", async () => {
      const resp = await this._sendcmd("RNFR " + fromname);
      if (!resp.startsWith("3")) throw new error_reply(resp);
      return this._voidcmd("RNTO " + toname);
    });
  }

  /**
   * Deletes a file; a missing one rejects with `error_perm` (`550 …`).
   *
   * @example
   * ```ts
   * await ftp.delete("old.txt"); // "250 …"
   * ```
   */
  async delete(filename: string): Promise<string> {
    checkLine(filename);
    return this._exclusive("delete", async () => {
      const resp = await this._sendcmd("DELE " + filename);
      if (resp.startsWith("250") || resp.startsWith("200")) return resp;
      throw new error_reply(resp);
    });
  }

  /**
   * Changes the working directory (`..` tries `CDUP` first, as Python's).
   *
   * @example
   * ```ts
   * await ftp.cwd("pub");
   * ```
   */
  async cwd(dirname: string): Promise<string> {
    checkLine(dirname);
    return this._exclusive("cwd", async () => {
      if (dirname === "..") {
        try {
          return await this._voidcmd("CDUP");
        } catch (e) {
          if (!(e instanceof error_perm) || !e.message.startsWith("500")) throw e;
        }
      } else if (dirname === "") dirname = ".";
      return this._voidcmd("CWD " + dirname);
    });
  }

  /**
   * A file's size from `SIZE`, or `null` if the reply is not `213`.
   *
   * @example
   * ```ts
   * await ftp.size("data.bin"); // 10485760
   * ```
   */
  async size(filename: string): Promise<number | null> {
    checkLine(filename);
    return this._exclusive("size", async () => {
      const resp = await this._sendcmd("SIZE " + filename);
      if (!resp.startsWith("213")) return null;
      const s = resp.slice(3).trim();
      if (!/^[+-]?\d+$/.test(s)) throw new ValueError(`invalid literal for int() with base 10: ${pyRepr(s)}`);
      return Number(s);
    });
  }

  /**
   * Makes a directory and resolves to its path as the server reports it.
   *
   * @example
   * ```ts
   * await ftp.mkd("new"); // "/new"
   * ```
   */
  async mkd(dirname: string): Promise<string> {
    checkLine(dirname);
    return this._exclusive("mkd", async () => {
      const resp = await this._voidcmd("MKD " + dirname);
      return resp.startsWith("257") ? parse257(resp) : "";
    });
  }

  /**
   * Removes a directory.
   *
   * @example
   * ```ts
   * await ftp.rmd("new");
   * ```
   */
  async rmd(dirname: string): Promise<string> {
    checkLine(dirname);
    return this._exclusive("rmd", () => this._voidcmd("RMD " + dirname));
  }

  /**
   * The working directory.
   *
   * @example
   * ```ts
   * await ftp.pwd(); // "/"
   * ```
   */
  async pwd(): Promise<string> {
    return this._exclusive("pwd", async () => {
      const resp = await this._voidcmd("PWD");
      return resp.startsWith("257") ? parse257(resp) : "";
    });
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
    try {
      await this.quit();
    } catch (e) {
      if (!(e instanceof OSError) && !(e instanceof EOFError)) throw e;
    } finally {
      this.close();
    }
  }
}
