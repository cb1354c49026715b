/**
 * Python's `ftplib.FTP`: the file commands and the transfers, over the
 * control session of `_ftpsession.ts` and the engine of `_ftpengine.ts`.
 * @module
 */
import type { Writable } from "node:stream";
import type { ConnectionOptions } from "node:tls";
import { ValueError } from "../sockets/errors.js";
import type { TransferControl } from "./_ftpengine.js";
import { error_perm, error_proto, error_reply } from "./_ftperrors.js";
import { LineReader, ftpCodec, type LineBatch } from "./_ftplines.js";
import { assertEncodable } from "../sockets/_codecs.js";
import { parse150, parse227, parse229, parse257 } from "./_ftpreplies.js";
import { create_connection, create_server } from "../sockets/create.js";
import { AF_INET, AF_INET6 } from "../sockets/constants.js";
import type { socket } from "../sockets/socket.js";
import { pyInt, pyStrip } from "./_ftpint.js";
import { repr } from "../sockets/repr.js";
import { FTPSession, checkLine, portCommand, print_line, type FTPOptions } from "./_ftpsession.js";
import { deliver, isPromiseLike, sink } from "./_ftpsinks.js";
import { binaryStream, lineStream, openSource, type BlockCallback, type StorSource } from "./_ftpsources.js";

export { B_CRLF, CRLF, FTP_PORT, MAXLINE, print_line, type FTPOptions } from "./_ftpsession.js";

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

/**
 * The REST argument as Python's `"REST %s" % rest` writes it: a str as it
 * is, an integral number as the int it is (digits, never an exponent, also
 * past 2 ** 53: an offset is an int), any other number as a float's repr.
 */
function restText(rest: number | bigint | string): string {
  if (typeof rest === "number" && Number.isInteger(rest)) return BigInt(rest).toString();
  return typeof rest === "string" ? rest : repr(rest);
}

/** A transfer's restart offset as the methods take it (none: null or undefined). */
type Rest = number | bigint | string | null | undefined;

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
export class FTP extends FTPSession {
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

  /**
   * Sends PASV (EPSV over IPv6) and resolves to the address the data
   * connection is to go to, as Python's `makepasv` (the control connection's
   * peer unless `trust_server_pasv_ipv4_address`).
   *
   * @example
   * ```ts
   * const [host, port] = await ftp.makepasv();
   * ```
   */
  async makepasv(): Promise<[string, number]> {
    return this._exclusive("makepasv", () => this.#makepasv());
  }

  /**
   * Starts a transfer and resolves to its data connection (a `stdnet/socket`
   * socket, in TLS under `prot_p()`) and the size a 150 reply announces, or
   * `null`: Python's `ntransfercmd`. Read or write the socket, close it, then
   * `voidresp()` takes the reply that ends the transfer.
   *
   * @example
   * ```ts
   * const [conn, size] = await ftp.ntransfercmd("RETR a.bin");
   * for (let b = await conn.recv(8192); b.length > 0; b = await conn.recv(8192)) parts.push(b);
   * conn.close();
   * await ftp.voidresp(); // "226 …"
   * ```
   */
  async ntransfercmd(cmd: string, rest?: number | bigint | string | null): Promise<[conn: socket, size: number | null]> {
    checkLine(cmd, String(rest ?? ""));
    return this._exclusive("ntransfercmd", async () => {
      let listener: socket | null = null;
      try {
        // The data connection is set going before the command and awaited after its 1xx:
        // some servers connect (active) or answer the TLS handshake (prot_p) before the
        // 1xx, others only once they have the command.
        let ready: Promise<socket>;
        if (this.passiveserver) {
          const [host, port] = await this.#makepasv();
          ready = this._wrapData(await create_connection([host, port], this.timeout, this.source_address ?? undefined));
        } else {
          listener = await this.#portListener();
          ready = listener.accept().then(([c]) => {
            c.settimeout(this.timeout);
            return this._wrapData(c);
          });
        }
        ready.catch(() => undefined); // (awaited below)
        let resp: string;
        try {
          resp = await this.#startTransfer(cmd, rest);
        } catch (e) {
          // a data connection made before the server refused is closed, not left open
          ready.then((c) => c.close(), () => undefined);
          throw e;
        }
        return [await ready, resp.startsWith("150") ? parse150(resp) : null];
      } finally {
        listener?.close();
      }
    });
  }

  /**
   * Listens for a data connection and announces it to the server (PORT, or
   * EPRT over IPv6), resolving to the listening socket, as Python's
   * `makeport`: send the transfer command next, then `accept()` the server's
   * connection.
   *
   * @example
   * ```ts
   * await using listener = await ftp.makeport();
   * await ftp.sendcmd("RETR a.bin");          // "150 …"
   * const [conn] = await listener.accept();
   * ```
   */
  async makeport(): Promise<socket> {
    return this._exclusive("makeport", () => this.#portListener());
  }

  /**
   * Aborts a transfer begun with `transfercmd` (sends ABOR) and resolves to
   * the server's reply, which must be 426, 225 or 226 (`error_proto`
   * otherwise), as Python's `abort`. Node cannot send the urgent (OOB) byte
   * Python sends with it; a transfer method's own transfer is stopped with
   * its `signal` instead.
   *
   * @example
   * ```ts
   * const conn = await ftp.transfercmd("RETR big.bin");
   * await conn.recv(8192);
   * conn.close();
   * await ftp.abort(); // "426 …" or "226 …"
   * ```
   */
  async abort(): Promise<string> {
    return this._exclusive("abort", async () => {
      this._putBare("ABOR", "*put urgent*", String.raw`b'ABOR\r\n'`);
      const resp = await this._engine.reply(true);
      if (!/^(?:426|225|226)/.test(resp)) throw new error_proto(resp);
      return resp;
    });
  }

  /** Python's `makeport`: a listener on the control connection's local address, announced by PORT or EPRT. */
  async #portListener(): Promise<socket> {
    const engine = this._engine;
    const family = engine.peer[2] === "IPv6" ? AF_INET6 : AF_INET;
    const host = engine.localAddress;
    const listener = await create_server([host, 0], { family, backlog: 1 });
    try {
      listener.settimeout(this.timeout);
      const port = (listener.getsockname() as [string, number])[1];
      await this._voidcmd(family === AF_INET6 ? this._eprtCommand(host, port) : portCommand(host, port));
    } catch (e) {
      listener.close();
      throw e;
    }
    return listener;
  }

  /**
   * `ntransfercmd` without the size, as Python's `transfercmd`.
   *
   * @example
   * ```ts
   * const conn = await ftp.transfercmd("STOR b.bin");
   * await conn.sendall(data);
   * conn.close();
   * await ftp.voidresp();
   * ```
   */
  async transfercmd(cmd: string, rest?: number | bigint | string | null): Promise<socket> {
    return (await this.ntransfercmd(cmd, rest))[0];
  }

  /** A data connection of `ntransfercmd` as the session has it: clear here, in TLS under FTP_TLS's `prot_p()`. */
  protected _wrapData(conn: socket): Promise<socket> {
    return Promise.resolve(conn);
  }

  /** REST, then the transfer command, whose reply must be 1xx (after at most one 2xx), as Python's `ntransfercmd`. */
  async #startTransfer(cmd: string, rest: Rest): Promise<string> {
    await this.#sendRest(rest);
    let resp = await this._sendcmd(cmd);
    // some servers say 200 before the 150 (ftplib passes it over)
    if (resp.startsWith("2")) resp = await this._engine.reply();
    if (!resp.startsWith("1")) throw new error_reply(resp);
    return resp;
  }

  /** REST with the offset, as Python's `"REST %s" % rest`, when there is one. */
  async #sendRest(rest: Rest): Promise<void> {
    if (rest != null) await this._sendcmd(`REST ${restText(rest)}`);
  }

  /** Python's `makeport`: listens for the server's data connection and announces it (PORT, or EPRT over IPv6). */
  async #makeport(): Promise<void> {
    const engine = this._engine;
    const [host, port] = await engine.listenForData(this._dataTLS());
    try {
      await this._voidcmd(engine.peer[2] === "IPv6" ? this._eprtCommand(host, port) : portCommand(host, port));
    } catch (e) {
      engine.closeDataConnection();
      throw e;
    }
  }

  /** Python's `ntransfercmd` up to the command: the data connection (or, in active mode, its listener) and REST. */
  async #prepareTransfer(rest: Rest, signal: AbortSignal | undefined): Promise<void> {
    signal?.throwIfAborted();
    if (this.passiveserver) {
      const [host, port] = await this.#makepasv();
      await this._engine.openDataConnection(host, port, this._dataTLS());
    } else await this.#makeport();
    try {
      await this.#sendRest(rest);
      signal?.throwIfAborted();
    } catch (e) {
      this._engine.closeDataConnection();
      throw e;
    }
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
    rest?: number | bigint | string | null,
    options: TransferOptions = {},
  ): Promise<string> {
    checkLine(cmd, String(rest ?? ""));
    assertEncodable(ftpCodec(this.encoding), cmd);
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
      const out = sink(control, onChunk, () => {
        this._releaseReplyOutput();
        return undefined;
      });
      return this.#download(cmd, out, control, signal);
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
    assertEncodable(ftpCodec(this.encoding), cmd);
    const signal = options.signal;
    const each: LineCallback = callback ?? print_line;
    signal?.throwIfAborted();
    await this._sendcmd("TYPE A");
    await this.#prepareTransfer(undefined, signal);
    const control: TransferControl = {};
    const reader = new LineReader(ftpCodec(this.encoding), this.maxline);
    // each line as read, shown at debug level 3 just before its callback, as Python's
    const call = (line: string): unknown => {
      if (this.debugging > 2) console.log("*retr*", repr(line));
      return each(line.endsWith("\n") ? line.slice(0, -1) : line);
    };
    // the lines before a line over maxline are delivered, then the call fails
    const hand = (batch: LineBatch<string>): Promise<void> | undefined => {
      const delivered = batch.lines.length === 0 ? undefined : deliver(batch.lines, call);
      const failure = batch.failure;
      if (failure === undefined) return delivered;
      if (delivered === undefined) throw failure;
      return delivered.then(() => {
        throw failure;
      });
    };
    const finish = (): void => {
      if (this.debugging > 2) console.log("*retr*", repr(""));
      this._releaseReplyOutput();
    };
    const out = sink(
      control,
      (chunk) => hand(reader.push(chunk)),
      () => {
        const last = hand(reader.end());
        if (last === undefined) finish();
        return last?.then(finish);
      },
    );
    return this.#download(cmd, out, control, signal);
  }

  /** Runs a download, its closing reply's debug output held until its data is in (see `_holdReplyOutput`). */
  async #download(cmd: string, out: Writable, control: TransferControl, signal: AbortSignal | undefined): Promise<string> {
    this._holdReplyOutput();
    try {
      return await this.#withAbort(signal, control, () => this._engine.download(cmd, out, control));
    } finally {
      this._releaseReplyOutput();
    }
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
    rest?: number | bigint | string | null,
    options: TransferOptions = {},
  ): Promise<string> {
    checkLine(cmd, String(rest ?? ""));
    assertEncodable(ftpCodec(this.encoding), cmd);
    if (!(blocksize > 0)) throw new ValueError(`blocksize must be positive, not ${blocksize}`);
    return this._exclusive("storbinary", async () => {
      const signal = options.signal;
      signal?.throwIfAborted();
      const src = await openSource(fp);
      try {
        await this._voidcmd("TYPE I");
        await this.#prepareTransfer(rest, signal);
        const control: TransferControl = {};
        const stream = binaryStream(src, blocksize, callback, control, ftpCodec(this.encoding));
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
    assertEncodable(ftpCodec(this.encoding), cmd);
    return this._exclusive("storlines", async () => {
      const signal = options.signal;
      signal?.throwIfAborted();
      const src = await openSource(fp);
      try {
        await this._voidcmd("TYPE A");
        await this.#prepareTransfer(undefined, signal);
        const control: TransferControl = {};
        const stream = lineStream(src, this.maxline, callback, control, ftpCodec(this.encoding));
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
   * A file's size from `SIZE`, or `null` if the reply is not `213`. The
   * number is read as Python's `int()` reads it (underscores between digits,
   * any Unicode decimal digits; `ValueError` with its text otherwise), a
   * `bigint` beyond `Number.MAX_SAFE_INTEGER`.
   *
   * @example
   * ```ts
   * await ftp.size("data.bin"); // 10485760
   * ```
   */
  async size(filename: string): Promise<number | bigint | null> {
    checkLine(filename);
    return this._exclusive("size", async () => {
      const resp = await this._sendcmd("SIZE " + filename);
      if (!resp.startsWith("213")) return null;
      return pyInt(pyStrip(resp.slice(3)));
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

}
