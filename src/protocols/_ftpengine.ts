/**
 * The FTP engine under stdnet's ftplib: basic-ftp, quarantined. This is the
 * one file that imports basic-ftp, and it holds the one table that turns
 * basic-ftp's errors into Python's (`translateEngineError`).
 *
 * basic-ftp's `FTPContext` keeps the control connection, parses replies and
 * runs one task at a time; its `downloadTo`/`uploadFrom` run a transfer over
 * a data connection until both the data stream and the control reply say it
 * is done. `FtpEngine` drives them with Python's command strings and adds
 * what Python's ftplib has and basic-ftp leaves out: replies read as Python
 * reads them (`_ftpreplyreader.ts`, in place of basic-ftp's parser), a
 * `close()` that sends nothing, PASV as Python chooses it, `source_address`
 * for data connections, clear data under a TLS control connection
 * (`PROT C`), a data connection whose failure does not take the control
 * connection down with it, and re-synchronising the control connection after
 * a failed transfer (waiting for the reply that ends it).
 * @module
 */
import * as net from "node:net";
import * as tls from "node:tls";
import type { Readable, Writable } from "node:stream";
import { FTPContext, FTPError, type FTPResponse, type ResponseHandler } from "basic-ftp";
import { downloadTo, uploadFrom } from "basic-ftp/dist/transfer.js";
import { ProgressTracker } from "basic-ftp/dist/ProgressTracker.js";
import { EOFError, OSError, ValueError, badFileDescriptor, fromNodeError, timedOut, ConnectionResetError } from "../sockets/errors.js";
import { sslErrorFromNode } from "../sockets/ssl.js";
import { FtplibError, error_proto, error_reply, replyError } from "./_ftperrors.js";
import { FileSource } from "./_ftpfile.js";
import { assertEncodable, type Codec } from "../sockets/_codecs.js";
import { encodeText } from "../sockets/_encode.js";
import { TextStreamDecoder, UnicodeDecodeError } from "../sockets/_textstream.js";
import { ReplyReader, type ReplyEvent } from "./_ftpreplyreader.js";

/**
 * How much an upload may queue on the data connection before the engine's
 * pipeline waits for it to drain: with node's 16 KiB default the pipeline
 * stops and starts for every read of the source; measured on loopback, 4 MiB
 * keeps the connection busy (bench/ftp.bench.ts).
 */
const WRITE_HIGH_WATER_BYTES = 4 << 20;

/**
 * How much text of replies nobody has asked for yet (a server talking out of
 * turn) is kept before the control connection stops being read until a
 * command takes them, as Python's unread socket buffer fills.
 */
const QUEUED_REPLIES_HIGH_WATER = 64 * 1024;

/** What basic-ftp's errors say when the control or the data connection times out. */
const CONTROL_TIMEOUT = "Timeout (control socket)";
const DATA_TIMEOUT = "Timeout (data socket)";

/** How long to wait for the reply that ends a failed transfer when no timeout is set, in milliseconds. */
const RESYNC_WAIT_MS = 5_000;

/** What the engine reports for debug output: a command sent, or what a reply read took. */
export interface EngineObserver {
  /** A command line is about to be sent (without CRLF). */
  sent(line: string): void;
  /**
   * A reply was read (lines joined with "\n"), or `undefined` when reading it
   * failed (a line over `maxline`, the end of the stream); `lines` are the
   * lines read for it as Python's text file gives them (`'220 hi\n'`, `''` at the end).
   */
  received(reply: string | undefined, lines: readonly string[]): void;
}

/** How an `FtpEngine` connects. */
export interface EngineOptions {
  /** Timeout of every blocking operation in milliseconds, 0 for none. */
  timeoutMs: number;
  /** The codec replies are read in (Python makes the control file with the encoding of connect time). */
  codec: Codec;
  /** The codec of each command, read when it is sent (Python encodes with the current `self.encoding`). */
  commandCodec: () => Codec;
  /** Python's `self.maxline`, read for each reply line. */
  maxline: () => number;
  /** Python's `source_address`: the local address to bind both connections to. */
  sourceAddress?: readonly [string, number] | null;
  observer: EngineObserver;
}

/** Shared by a transfer and whoever may stop it (a callback that threw, an AbortSignal). */
export interface TransferControl {
  /** The error the caller gets, set by whoever stopped the transfer. */
  failure?: { error: unknown };
  /** Set by the engine while the transfer runs: stops it (see `abortData`). */
  abort?: () => void;
}

/** Where a transfer's replies stand, read as Python's `ntransfercmd` and `voidresp` read them. */
interface TransferState {
  /** A 1xx reply started the data. */
  begun: boolean;
  /** The first reply was a 2xx, passed over (ftplib: "some servers apparently send a 200 reply … before the 150"). */
  skipped: boolean;
  /** A reply that ends the transfer for the server came (anything but the first 1xx or a skipped 2xx). */
  finalSeen: boolean;
  /** In active mode: waits for the server's data connection, which the 1xx reply waits for (Python's `accept()` after it). */
  dataReady?: () => Promise<void>;
}

/** Active mode (Python's `makeport`): the listener for the server's data connection, and the connection once adopted. */
interface ActiveListener {
  server: net.Server;
  adopted: Promise<void>;
}

/** basic-ftp's messages for the server closing the control connection: Python's readline meeting the end. */
const END_OF_STREAM = /^Server sent FIN packet unexpectedly|^Server closed connection unexpectedly/;

/** The text an event keeps queued, for the high-water mark. */
function queuedSize(event: ReplyEvent): number {
  let n = 1;
  for (const line of event.lines) n += line.length;
  return n;
}

/**
 * A reply as basic-ftp's handlers take it, classified as Python's `getresp`
 * does by its first character: 1-3 a response, 4-5 an `FTPError` (basic-ftp's
 * failure, `error_temp`/`error_perm` once translated), anything else
 * `error_proto` with the reply as its text. In a transfer a 3xx reply is
 * Python's `error_reply` (`ntransfercmd` wants 1xx), where basic-ftp would
 * answer a 350 with a bare `RETR ` or close the session.
 */
function responseOf(reply: string, inTransfer: boolean): FTPResponse | Error {
  const first = reply.charAt(0);
  if (first < "1" || first > "5") return new error_proto(reply);
  if (inTransfer && first === "3") return new error_reply(reply);
  const code = /^\d{3}/.test(reply) ? Number(reply.slice(0, 3)) : Number(first) * 100;
  const response: FTPResponse = { code, message: reply };
  return code >= 400 ? new FTPError(response) : response;
}

/**
 * A reply in a transfer as Python's `ntransfercmd` then `voidresp` take it,
 * or `undefined` for one passed over. A first 2xx is passed over (some
 * servers say 200 before the 150); then a 1xx must come, any 1xx (handed to
 * basic-ftp as 150, the code it starts the data on), and anything else is
 * `error_reply`; after it, a final reply must be 2xx: another 1xx is
 * `error_reply` too (3xx is already, in `responseOf`).
 */
function transferResponse(state: TransferState, response: FTPResponse | Error): FTPResponse | Error | undefined {
  if (response instanceof Error) {
    state.finalSeen = true;
    return response;
  }
  const preliminary = response.code < 200;
  if (!state.begun) {
    if (!preliminary && !state.skipped && response.code < 300) {
      state.skipped = true;
      return undefined;
    }
    state.skipped = true;
    if (preliminary) {
      state.begun = true;
      return { code: 150, message: response.message };
    }
    state.finalSeen = true;
    return new error_reply(response.message);
  }
  state.finalSeen = true;
  return preliminary ? new error_reply(response.message) : response;
}

/**
 * basic-ftp's context, reading replies as Python's ftplib reads them and
 * showing every command and reply to the observer. basic-ftp's own parser
 * drops blank lines and skips lines that are not replies; here the decoded
 * text goes through `ReplyReader` (Python's `getline`/`getmultiline`) and each
 * reply reaches basic-ftp's handler in order, one per `getresp` Python would
 * make: a reply no command has asked for yet waits for the next command, as
 * it waits in Python's socket buffer.
 */
class ObservedContext extends FTPContext {
  observer: EngineObserver;
  transfer: TransferState | undefined;
  readonly #codec: Codec;
  readonly #commandCodec: () => Codec;
  readonly #maxline: () => number;
  /** The replies' decoder: strict, as Python's `makefile('r', encoding=…)` under ftplib. */
  #decoder: TextStreamDecoder;
  #reader: ReplyReader;
  /** What has been read and not yet taken by a command. */
  #queue: ReplyEvent[] = [];
  #queuedChars = 0;
  #paused = false;
  /** A command basic-ftp will send joined to an empty argument, and the one to send instead. */
  #sendInstead: { joined: string; given: string } | undefined;
  /** A transfer's 1xx reply waits for the data connection (active mode): nothing more is handed over meanwhile. */
  #gated = false;

  /**
   * basic-ftp reads and writes the control connection as latin-1, one
   * character a byte; the session's codecs are applied here, as Python's
   * ftplib applies them (node's own decoders would put U+FFFD for bytes that
   * are not UTF-8, or drop the high bit of non-ASCII bytes, where Python
   * raises UnicodeDecodeError).
   */
  constructor(timeoutMs: number, options: EngineOptions) {
    super(timeoutMs, "latin1");
    this.#codec = options.codec;
    this.#commandCodec = options.commandCodec;
    this.#maxline = options.maxline;
    this.#decoder = new TextStreamDecoder(options.codec, "strict");
    this.#reader = new ReplyReader(options.maxline);
    this.observer = options.observer;
  }

  /** Whether what was read before the connection closed (replies, the end of the stream) is still to be taken. */
  get holdsReplies(): boolean {
    return this.#queue.length > 0;
  }

  /** The next time basic-ftp sends `joined`, send `given` (a command it would join to an empty argument). */
  sendInstead(joined: string, given: string): void {
    this.#sendInstead = { joined, given };
  }

  override send(command: string): void {
    const instead = this.#sendInstead;
    this.#sendInstead = undefined;
    if (instead !== undefined && instead.joined === command) command = instead.given;
    this.observer.sent(command);
    // (checked encodable before the command was sent; UTF-8's bytes never hold CR, LF or NUL)
    super.send(encodeText(command, this.#commandCodec(), "strict").toString("latin1"));
  }

  /** basic-ftp's handle(), which first takes the replies already read. */
  override handle(command: string | undefined, responseHandler: ResponseHandler): Promise<unknown> {
    // after the server closed, Python's putcmd still shows the command before its reply meets the end
    if (command !== undefined && this._closingError !== undefined) this.observer.sent(command);
    const task = super.handle(command, responseHandler);
    this.#drain(undefined);
    return task;
  }

  protected override _onControlSocketData(chunk: string): void {
    let decoded: string;
    try {
      decoded = this.#decoder.decode(Buffer.from(chunk, "latin1"), false);
    } catch (e) {
      // the session cannot read its replies from here on
      this.closeWithError(e as Error);
      return;
    }
    this.#enqueue(this.#reader.push(decoded));
  }

  #enqueue(events: readonly ReplyEvent[]): void {
    for (const event of events) {
      this.#queue.push(event);
      this.#queuedChars += queuedSize(event);
    }
    this.#drain(undefined);
    if (this.#queue.length > 0 && this.#queuedChars > QUEUED_REPLIES_HIGH_WATER && !this.#paused) {
      this.#paused = true;
      this.socket.pause();
    }
  }

  /**
   * Hands the running task what has been read, in order, while it waits for
   * more. The end of the stream is handed over only with the error that
   * closed the context (`closing`); returns whether it was.
   */
  #drain(closing: Error | undefined): boolean {
    let handedClosing = false;
    while (this._task !== undefined && this.#queue.length > 0 && !this.#gated) {
      const event = this.#queue[0]!;
      if (event.kind === "eof") {
        // the end stays: each later command meets it again, as Python's readline gives '' again
        if (closing === undefined) break;
        this.observer.received(undefined, event.lines);
        const again: ReplyEvent = { kind: "eof", lines: [""] };
        this.#queue[0] = again;
        this.#queuedChars += queuedSize(again) - queuedSize(event);
        super._passToHandler(closing);
        handedClosing = true;
        break;
      }
      this.#queue.shift();
      this.#queuedChars -= queuedSize(event);
      this.observer.received(event.kind === "reply" ? event.reply : undefined, event.lines);
      const response = event.kind === "reply" ? responseOf(event.reply, this.transfer !== undefined) : event.error;
      const state = this.transfer;
      const handed = state === undefined ? response : transferResponse(state, response);
      if (handed === undefined) continue;
      const dataReady = state?.dataReady;
      if (dataReady !== undefined && state!.begun && !(handed instanceof Error)) {
        state!.dataReady = undefined;
        this.#gate(state!, dataReady(), handed);
        break;
      }
      super._passToHandler(handed);
    }
    if (this.#paused && this.#queuedChars <= QUEUED_REPLIES_HIGH_WATER) {
      this.#paused = false;
      this.socket.resume();
    }
    return handedClosing;
  }

  /** Hands `response` (the 1xx that starts the data) over once `ready` settles, or the failure in its place. */
  #gate(state: TransferState, ready: Promise<void>, response: FTPResponse): void {
    this.#gated = true;
    // the wait has its own timeout; the control connection is quiet meanwhile, as while data flows
    this.socket.setTimeout(0);
    const pass = (handed: FTPResponse | Error): void => {
      this.#gated = false;
      if (this.transfer !== state) return;
      super._passToHandler(handed);
      this.#drain(undefined);
    };
    ready.then(
      () => pass(response),
      (e: unknown) => pass(e as Error),
    );
  }

  /** Starts reading afresh (the connection changed under the reader, as Python's new control file after AUTH TLS). */
  restartReading(): void {
    this.#decoder = new TextStreamDecoder(this.#codec, "strict");
    this.#reader = new ReplyReader(this.#maxline);
    this.#queue = [];
    this.#queuedChars = 0;
    if (this.#paused) {
      this.#paused = false;
      this.socket.resume();
    }
  }

  /** basic-ftp hands on only the errors that close the context: what was read before one comes first. */
  protected override _passToHandler(response: Error | FTPResponse): void {
    if (response instanceof Error && this.#queue.length > 0) {
      if (this.#drain(response) || this._task === undefined) return;
    }
    super._passToHandler(response);
  }

  override closeWithError(err: Error): void {
    if (err.message === DATA_TIMEOUT && this.transfer !== undefined && this._task !== undefined && this._closingError === undefined) {
      // basic-ftp closes the session when a data connection stalls; Python's
      // recv() times out and the control connection stays: the transfer fails
      // alone (the engine then waits for its closing reply)
      super._passToHandler(Object.assign(timedOut(), { cause: err }));
      this.dataSocket = undefined;
      return;
    }
    if (err.message === CONTROL_TIMEOUT && this._closingError === undefined && this._task !== undefined && this.#queue.length === 0) {
      // Python shows each line of a reply as it reads it: those of a reply the timeout cut short too
      const lines = this.#reader.takeOpenLines();
      if (lines.length > 0) this.observer.received(undefined, lines);
    }
    if (this._closingError === undefined && END_OF_STREAM.test(err.message)) {
      // the end of the stream: a last line without its end is still a line, then readline gives ''
      let events: ReplyEvent[];
      try {
        events = this.#reader.push(this.#decoder.decode(new Uint8Array(0), true));
      } catch (e) {
        events = [{ kind: "error", error: e as Error, lines: [] }];
      }
      for (const event of [...events, ...this.#reader.finish()]) {
        this.#queue.push(event);
        this.#queuedChars += queuedSize(event);
      }
    }
    super.closeWithError(err);
  }

  /** Closes at the user's request: what was read and not taken is dropped. */
  override close(): void {
    this.#queue = [];
    this.#queuedChars = 0;
    super.close();
  }

  /** Python's `close()` says nothing to the server; basic-ftp's would send QUIT first. */
  protected override _closeControlSocket(): void {
    this._closeSocket(this._socket);
  }
}

/** Errors whose message basic-ftp composes; matched by message, as basic-ftp has no codes for them. */
const ENGINE_MESSAGES: readonly (readonly [RegExp, (e: Error, host: string) => Error])[] = [
  [/^Timeout/, () => timedOut()],
  // Python's EOFError from getline carries no text
  [END_OF_STREAM, (e) => new EOFError("", { cause: e })],
  [/^Socket closed due to transmission error/, (e) => new ConnectionResetError(104, undefined, { cause: e })],
  [/^User closed client/, (e) => new OSError(9, undefined, { cause: e })],
  [/^Invalid command: Contains control characters/, (e) => new ValueError("an illegal newline character should not be contained", { cause: e })],
  [/^Can't parse|^Unexpected FTP response|^FTP control response exceeded/, (e) => new error_proto(e.message, { cause: e })],
];

/**
 * The one table from basic-ftp's failures to Python's: a server's 4xx/5xx
 * reply (`FTPError`) becomes `error_temp`/`error_perm` with the reply as
 * message; a socket fault the `OSError` Python raises (`ConnectionRefusedError`,
 * `TimeoutError`, …), a TLS fault `ssl.SSLError`; the control connection
 * closing under a command `EOFError`; anything else keeps its text as an `OSError`.
 *
 * @example
 * ```ts
 * translateEngineError(new FTPError({ code: 550, message: "550 No such file" }), "h"); // error_perm
 * ```
 */
export function translateEngineError(e: unknown, host: string): Error {
  if (e instanceof FTPError) return replyError(e.message, e) ?? new error_proto(e.message, { cause: e });
  if (!(e instanceof Error)) return new OSError(String(e));
  // already Python's: error_proto and Error("got more than …") from reading replies, the engine's own OSErrors
  if (e instanceof FtplibError || e instanceof OSError) return e;
  if (e instanceof UnicodeDecodeError) return e;
  const closed = /^Client is closed because (.*)$/s.exec(e.message);
  if (closed !== null) {
    const inner = new Error(closed[1]);
    Object.assign(inner, { code: (e as { code?: unknown }).code });
    const translated = translateEngineError(inner, host);
    return Object.assign(translated, { cause: e });
  }
  const code = (e as { code?: unknown }).code;
  if (typeof code === "string" && code !== "0") {
    if (code === "ERR_STREAM_PREMATURE_CLOSE") return new ConnectionResetError(104, undefined, { cause: e });
    return sslErrorFromNode(e, host);
  }
  for (const [pattern, make] of ENGINE_MESSAGES) {
    if (pattern.test(e.message)) return make(e, host);
  }
  return new OSError(e.message, undefined, { cause: e });
}

/**
 * One FTP control connection and its data connections, spoken to in Python's
 * terms. Every method rejects with Python's exceptions.
 */
export class FtpEngine {
  readonly #options: EngineOptions;
  #ftp: ObservedContext;
  #host = "";
  #dataError: unknown;
  #dataRaw: net.Socket | undefined;
  #listener: ActiveListener | undefined;

  constructor(options: EngineOptions) {
    this.#options = options;
    this.#ftp = new ObservedContext(options.timeoutMs, options);
  }

  /** Whether `connect` reached the server (the session is this connection's from then on, as Python's `self.sock`). */
  cameUp = false;

  /** Whether the control connection is up. */
  get connected(): boolean {
    return !this.#ftp.closed;
  }

  /** Whether the control connection is TLS. */
  get secure(): boolean {
    return this.#ftp.socket instanceof tls.TLSSocket;
  }

  /** The control connection's peer, Python's `sock.getpeername()`. */
  get peer(): readonly [host: string, port: number, family: string] {
    const s = this.#ftp.socket;
    return [s.remoteAddress ?? "", s.remotePort ?? 0, s.remoteFamily ?? "IPv4"];
  }

  /** The control connection's local address, Python's `sock.getsockname()[0]`. */
  get localAddress(): string {
    return this.#ftp.socket.localAddress ?? "127.0.0.1";
  }

  #translate(e: unknown): Error {
    return translateEngineError(e, this.#host);
  }

  /**
   * Opens the control connection and resolves to the server's welcome reply
   * (any 1xx, 2xx or 3xx one, as Python's `getresp`). When the welcome is
   * refused (`421 …`) or cannot be read, the connection stays up, as Python
   * keeps its socket: `cameUp` tells whether it came up at all.
   */
  async connect(host: string, port: number): Promise<string> {
    this.#host = host;
    const ftp = this.#ftp;
    const source = this.#options.sourceAddress;
    const connectOptions: net.TcpNetConnectOpts = { host, port };
    if (source != null) {
      if (source[0] !== "") connectOptions.localAddress = source[0];
      if (source[1] !== 0) connectOptions.localPort = source[1];
    }
    ftp.socket.once("connect", () => {
      this.cameUp = true;
    });
    try {
      ftp.socket.connect(connectOptions);
      const res = (await ftp.handle(undefined, (res, task) => {
        if (res instanceof Error) task.reject(res);
        else task.resolve(res);
      })) as FTPResponse;
      return res.message;
    } catch (e) {
      if (!this.cameUp) ftp.close();
      throw this.#translate(e);
    }
  }

  /** Sends one command and resolves to its reply when that begins with 1, 2 or 3 (Python's `sendcmd`). */
  async command(line: string): Promise<string> {
    assertEncodable(this.#options.commandCodec(), line);
    if (this.#ftp.closed && !this.#ftp.holdsReplies) throw this.#closedError();
    try {
      return (await this.#ftp.request(line)).message;
    } catch (e) {
      throw this.#translate(e);
    }
  }

  /** The TLS session data connections resume (the control connection's, or the latest a data connection got), if any. */
  get tlsSession(): Buffer | undefined {
    const ftp = this.#ftp;
    return ftp.socket instanceof tls.TLSSocket ? (ftp.tlsSessionStore ?? ftp.socket.getSession()) : undefined;
  }

  /** Sends one command without waiting for its reply (Python's `putcmd`): a later `reply()` takes it. */
  put(line: string): void {
    assertEncodable(this.#options.commandCodec(), line);
    if (this.#ftp.closed) throw this.#closedError();
    this.#ftp.send(line);
  }

  /**
   * Waits for one more reply without sending anything: Python's `getresp`
   * alone, or with `whole` its `getmultiline` (any reply returned, 4xx, 5xx
   * and ones that begin with no digit too).
   */
  async reply(whole = false): Promise<string> {
    if (this.#ftp.closed && !this.#ftp.holdsReplies) throw this.#closedError();
    try {
      const res = (await this.#ftp.handle(undefined, (res, task) => {
        if (whole && (res instanceof FTPError || res instanceof error_proto)) task.resolve({ code: 0, message: res.message });
        else if (res instanceof Error) task.reject(res);
        else task.resolve(res);
      })) as FTPResponse;
      return res.message;
    } catch (e) {
      throw this.#translate(e);
    }
  }

  #closedError(): Error {
    const closing = (this.#ftp as unknown as { _closingError?: Error })._closingError;
    if (closing === undefined || /^User closed client/.test(closing.message)) return badFileDescriptor();
    // Python's socket file refuses every read after one timed out
    if (closing.message === CONTROL_TIMEOUT) return new OSError("cannot read from timed out object", undefined, { cause: closing });
    return this.#translate(closing);
  }

  /** Wraps the control connection in TLS after a successful `AUTH TLS`. */
  async upgradeToTLS(options: tls.ConnectionOptions): Promise<void> {
    const ftp = this.#ftp;
    const tlsOptions: tls.ConnectionOptions = { ...options, host: this.#host };
    try {
      const secured = await new Promise<tls.TLSSocket>((resolve, reject) => {
        const s = tls.connect({ ...tlsOptions, socket: ftp.socket }, () => {
          s.removeListener("error", reject);
          resolve(s);
        });
        s.once("error", reject);
      });
      ftp.restartReading();
      ftp.socket = secured;
      ftp.tlsOptions = tlsOptions;
    } catch (e) {
      ftp.close();
      throw sslErrorFromNode(e, this.#host);
    }
  }

  /**
   * Connects the data connection to `host:port`, bound to `source_address`,
   * in TLS under `tlsOptions` when given (reusing the control connection's
   * TLS session, as servers expect).
   */
  async openDataConnection(host: string, port: number, tlsOptions: tls.ConnectionOptions | null): Promise<void> {
    const timeoutMs = this.#options.timeoutMs;
    // node's Socket passes its options on to stream.Duplex, which reads writableHighWaterMark.
    const connectOptions: net.TcpNetConnectOpts & { writableHighWaterMark?: number } = { host, port, writableHighWaterMark: WRITE_HIGH_WATER_BYTES };
    const source = this.#options.sourceAddress;
    if (source != null) {
      if (source[0] !== "") connectOptions.localAddress = source[0];
      if (source[1] !== 0) connectOptions.localPort = source[1];
    }
    const raw = await new Promise<net.Socket>((resolve, reject) => {
      const s = net.connect(connectOptions);
      const fail = (e: unknown): void => {
        s.destroy();
        reject(e instanceof Error && e.message === "timeout" ? timedOut() : fromNodeError(e));
      };
      s.setTimeout(timeoutMs);
      s.once("error", fail);
      s.once("timeout", () => fail(new Error("timeout")));
      s.once("connect", () => {
        s.removeAllListeners("timeout");
        s.removeListener("error", fail);
        s.setTimeout(0);
        resolve(s);
      });
    });
    this.#adoptDataSocket(raw, tlsOptions);
  }

  /**
   * Active mode, Python's `makeport`: listens on the control connection's
   * local address for the server's data connection and resolves to the
   * address to announce (`PORT`/`EPRT`). The connection is taken (in TLS
   * under `tlsOptions` when given) as soon as it comes; the transfer's 1xx
   * reply waits for it, at most the timeout.
   */
  async listenForData(tlsOptions: tls.ConnectionOptions | null): Promise<[host: string, port: number]> {
    this.#closeListener();
    const host = this.localAddress;
    // node's sockets from a server take their high-water marks from it (see WRITE_HIGH_WATER_BYTES)
    const server = net.createServer({ highWaterMark: WRITE_HIGH_WATER_BYTES });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen({ host, port: 0, backlog: 1 }, () => {
        server.removeListener("error", reject);
        resolve();
      });
    });
    const adopted = new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.once("connection", (raw: net.Socket) => {
        server.close();
        this.#adoptDataSocket(raw, tlsOptions);
        resolve();
      });
    });
    adopted.catch(() => undefined);
    this.#listener = { server, adopted };
    return [host, (server.address() as net.AddressInfo).port];
  }

  #closeListener(): void {
    this.#listener?.server.close();
    this.#listener = undefined;
  }

  /** Waits (at most the timeout, as Python's `accept()`) for the data connection of active mode. */
  async #accepted(listener: ActiveListener): Promise<void> {
    const timeoutMs = this.#options.timeoutMs;
    if (timeoutMs === 0) return listener.adopted;
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(timedOut()), timeoutMs);
    });
    try {
      await Promise.race([listener.adopted, expired]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Makes `raw` the data connection, in TLS under `tlsOptions` when given
   * (reusing the control connection's TLS session, as servers expect).
   */
  #adoptDataSocket(raw: net.Socket, tlsOptions: tls.ConnectionOptions | null): void {
    const ftp = this.#ftp;
    let socket: net.Socket = raw;
    if (tlsOptions !== null) {
      const session = this.tlsSession;
      const tlsSocket = tls.connect({ ...tlsOptions, host: this.#host, socket: raw, session });
      tlsSocket.on("session", (session: Buffer) => {
        ftp.tlsSessionStore = session;
      });
      socket = tlsSocket;
    }
    // basic-ftp closes the whole session when a data connection fails;
    // Python's ftplib keeps the control connection. Take the engine's
    // 'error'/'close' listeners off the data socket: the transfer still
    // learns of a failure through its stream pipeline.
    const errorBefore = new Set(socket.listeners("error"));
    const closeBefore = new Set(socket.listeners("close"));
    ftp.dataSocket = socket;
    for (const l of socket.listeners("error")) if (!errorBefore.has(l)) socket.removeListener("error", l as (...a: unknown[]) => void);
    for (const l of socket.listeners("close")) if (!closeBefore.has(l)) socket.removeListener("close", l as (...a: unknown[]) => void);
    this.#dataError = undefined;
    this.#dataRaw = raw;
    socket.on("error", (e) => {
      this.#dataError = e;
    });
  }

  /** Closes a data connection opened for a transfer that will not run (REST refused), as Python's `conn.close()`. */
  closeDataConnection(): void {
    this.#closeListener();
    this.#ftp.dataSocket = undefined;
    this.#dataRaw = undefined;
  }

  /**
   * Stops the running transfer: resets its data connection (TCP RST, so the
   * server sees a failed transfer rather than a complete one) without
   * failing the control connection.
   */
  abortData(): void {
    this.#closeListener();
    const raw = this.#dataRaw;
    const socket = this.#ftp.dataSocket;
    if (raw !== undefined && !raw.destroyed) {
      try {
        raw.resetAndDestroy();
      } catch {
        raw.destroy();
      }
    }
    socket?.destroy();
  }

  /**
   * Runs `cmd` (`RETR f`, `LIST`, …) over the open data connection, piping what
   * arrives into `sink`; resolves to the final reply.
   */
  async download(cmd: string, sink: Writable, control: TransferControl): Promise<string> {
    return this.#transfer(control, () =>
      downloadTo(sink, { ftp: this.#ftp, tracker: new ProgressTracker(), command: cmd, remotePath: "", type: "download" }),
    );
  }

  /**
   * Runs `cmd` (`STOR f`, `APPE f`) over the open data connection, piping
   * `source` into it (a local file's buffers then serve again once the
   * connection has sent them); resolves to the final reply.
   */
  async upload(cmd: string, source: Readable, control: TransferControl): Promise<string> {
    const sink = this.#ftp.dataSocket;
    if (source instanceof FileSource && sink !== undefined) source.sendsTo(sink);
    return this.#transfer(control, () => {
      // basic-ftp sends `${command} ${remotePath}`: the command goes as given, `STOU` without a trailing space
      this.#ftp.sendInstead(`${cmd} `, cmd);
      return uploadFrom(source, { ftp: this.#ftp, tracker: new ProgressTracker(), command: cmd, remotePath: "", type: "upload" });
    });
  }

  async #transfer(control: TransferControl, run: () => Promise<FTPResponse>): Promise<string> {
    const ftp = this.#ftp;
    if (ftp.closed && !ftp.holdsReplies) throw this.#closedError();
    const state: TransferState = { begun: false, skipped: false, finalSeen: false };
    const listener = this.#listener;
    if (listener !== undefined) {
      state.dataReady = () => this.#accepted(listener);
      // basic-ftp wants a data connection before the command: a stand-in until the server's comes
      ftp.dataSocket ??= new net.Socket();
    }
    ftp.transfer = state;
    control.abort = () => {
      this.abortData();
    };
    try {
      const res = await run();
      // the transfer ended normally but the caller's side failed (storlines met a line over maxline)
      if (control.failure !== undefined) throw control.failure.error;
      return res.message;
    } catch (e) {
      const error = control.failure !== undefined ? control.failure.error : this.#transferError(e);
      if (!state.finalSeen) await this.#resync();
      throw error;
    } finally {
      ftp.transfer = undefined;
      control.abort = undefined;
      this.#closeListener();
    }
  }

  #transferError(e: unknown): unknown {
    const code = (e as { code?: unknown }).code;
    if (code === "ERR_STREAM_PREMATURE_CLOSE" && this.#dataError !== undefined) return sslErrorFromNode(this.#dataError, this.#host);
    return this.#translate(e);
  }

  /**
   * After a transfer failed before the server's closing reply: wait for that
   * reply so the next command gets its own. If it does not come in time, the
   * session cannot be trusted and is closed.
   */
  async #resync(): Promise<void> {
    const ftp = this.#ftp;
    if (ftp.closed) return;
    const waitMs = this.#options.timeoutMs > 0 ? this.#options.timeoutMs : RESYNC_WAIT_MS;
    let timer: NodeJS.Timeout | undefined;
    const handler: ResponseHandler = (res, task) => {
      if (res instanceof FTPError || !(res instanceof Error)) {
        if (res instanceof FTPError || res.code >= 200) task.resolve(res);
      } else task.reject(res);
    };
    const pending = ftp.handle(undefined, handler).then(
      () => true,
      () => false,
    );
    const expired = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), waitMs);
    });
    const ok = await Promise.race([pending, expired]);
    clearTimeout(timer);
    if (!ok) ftp.close();
  }

  /** Closes both connections at once, as Python's `close()`. Idempotent. */
  close(): void {
    this.#ftp.close();
  }
}
