/**
 * Python's `socket.socket` on node:net (TCP, Unix stream) and node:dgram (UDP).
 *
 * ```
 *   new socket() ──bind()──► bound ──listen()──► listening ──accept()──► [conn, address]
 *        │                     │
 *        └─────connect()───────┴──► connected ──recv/send/sendall/shutdown──► close()
 * ```
 *
 * @example
 * ```ts
 * import { socket, AF_INET, SOCK_STREAM } from "stdnet/socket";
 * await using s = new socket(AF_INET, SOCK_STREAM);
 * await s.connect(["127.0.0.1", 50007]);
 * await s.sendall(new TextEncoder().encode("Hello"));
 * const data = await s.recv(1024);
 * ```
 *
 * Differences from Python:
 * - Calls that wait on the network return Promises: `connect accept recv recv_into
 *   recvfrom send sendall sendto listen`; the rest are synchronous.
 * - node binds and listens a TCP socket in one step, so `bind` only checks and
 *   records the address, and `listen` (which awaits) raises what Python's `bind`
 *   would (EADDRINUSE…). Until then `getsockname()` shows the port asked for.
 *   UDP sockets bind at once; `await s.bind(…)` to see the error there.
 * - `AF_UNIX` datagram sockets and `SOCK_RAW` are not available on node.
 * @module
 */
import * as net from "node:net";
import { inspect } from "node:util";
import {
  AF_INET,
  AF_INET6,
  AF_UNIX,
  IPPROTO_TCP,
  IPPROTO_IPV6,
  IPV6_V6ONLY,
  MSG_DONTWAIT,
  MSG_PEEK,
  MSG_WAITALL,
  SHUT_RD,
  SHUT_RDWR,
  SHUT_WR,
  SOCK_DGRAM,
  SOCK_STREAM,
  SOL_SOCKET,
  SO_ACCEPTCONN,
  SO_BROADCAST,
  SO_ERROR,
  SO_KEEPALIVE,
  SO_RCVBUF,
  SO_REUSEADDR,
  SO_SNDBUF,
  SO_TYPE,
  SOMAXCONN,
  TCP_NODELAY,
} from "./constants.js";
import {
  BlockingIOError,
  BrokenPipeError,
  OSError,
  PyTypeError,
  ValueError,
  badFileDescriptor,
  errno,
  fromNodeError,
} from "./errors.js";
import { type Address, type AddressInput, fromNode, toEndpoint, toPath } from "./_address.js";
import { DatagramEndpoint } from "./_datagram.js";
import { Listener } from "./_listener.js";
import { StreamConnection } from "./_stream.js";
import { waitFor } from "./_wait.js";
import { getdefaulttimeout } from "./_defaulttimeout.js";
import { makeFile, type MakefileOptions, type SocketFileFor, type SocketIO } from "./makefile.js";

export type { Address, AddressInput, AddressV4, AddressV6 } from "./_address.js";

function isBytes(x: unknown): x is Uint8Array {
  return x instanceof Uint8Array;
}

function requireBytes(data: unknown): Uint8Array {
  if (!isBytes(data)) {
    const name = typeof data === "string" ? "str" : data === null ? "NoneType" : typeof data;
    throw new PyTypeError(`a bytes-like object is required, not '${name}'`);
  }
  return data;
}

function checkTimeout(value: number | null): number | null {
  if (value === null) return null;
  if (typeof value !== "number" || Number.isNaN(value)) throw new PyTypeError("Timeout value must be int, float or None");
  if (value < 0) throw new ValueError("Timeout value out of range");
  return value;
}

/**
 * Python's `socket.socket(family = AF_INET, type = SOCK_STREAM, proto = 0)`.
 * `await using s = new socket()` closes it at the end of the block, as
 * Python's `with` does.
 *
 * @example
 * ```ts
 * const server = new socket(AF_INET, SOCK_STREAM);
 * server.bind(["127.0.0.1", 0]);
 * await server.listen(5);
 * const [conn, addr] = await server.accept();
 * ```
 */
export class socket {
  /** The address family: `AF_INET`, `AF_INET6` or `AF_UNIX`. */
  readonly family: number;
  /** The socket type: `SOCK_STREAM` or `SOCK_DGRAM`. */
  readonly type: number;
  /** The protocol number (0 for the default). */
  readonly proto: number;

  #timeout: number | null = getdefaulttimeout();
  #closed = false;
  #ioRefs = 1;
  #bound: { host: string; port: number } | { path: string } | null = null;
  #listener: Listener | null = null;
  #conn: StreamConnection | null = null;
  #connecting: Promise<void> | null = null;
  #dgram: DatagramEndpoint | null = null;
  #options = new Map<string, number | Uint8Array>();

  constructor(family: number = AF_INET, type: number = SOCK_STREAM, proto = 0) {
    if (family !== AF_INET && family !== AF_INET6 && family !== AF_UNIX) {
      throw new OSError(errno.EAFNOSUPPORT);
    }
    if (type !== SOCK_STREAM && type !== SOCK_DGRAM) throw new OSError(errno.ESOCKTNOSUPPORT ?? 94);
    if (family === AF_UNIX && type === SOCK_DGRAM) {
      // node has no Unix datagram sockets.
      throw new OSError(errno.EPROTONOSUPPORT, "Unix datagram sockets are not supported on node");
    }
    this.family = family;
    this.type = type;
    this.proto = proto;
    if (type === SOCK_DGRAM) this.#dgram = new DatagramEndpoint(family === AF_INET6);
  }

  /** @internal Wraps a connection node already made (accept, create_connection, ssl). */
  static _fromConnection(family: number, conn: StreamConnection): socket {
    const s = new socket(family, SOCK_STREAM);
    s.#conn = conn;
    return s;
  }

  /** @internal Whether the socket listens (ssl wraps accepted connections then). */
  get _listening(): boolean {
    return this.#listener !== null;
  }

  /**
   * @internal Takes the connection out of a connected stream socket (for
   * ssl's wrapping); the socket is closed, as Python's `detach` leaves it.
   */
  _detachConnection(): StreamConnection {
    const conn = this.#requireConn();
    this.#conn = null;
    this.#closed = true;
    return conn;
  }

  /** @internal Replaces the connection (ssl's handshake on `connect`). */
  protected _replaceConnection(conn: StreamConnection): void {
    this.#conn = conn;
  }

  #check(): void {
    if (this.#closed) throw badFileDescriptor();
  }

  #requireConn(): StreamConnection {
    this.#check();
    if (this.#conn === null) {
      if (this.#dgram !== null) throw new OSError(errno.EDESTADDRREQ);
      throw new OSError(errno.ENOTCONN);
    }
    return this.#conn;
  }

  /** The timeout of the next call: 0 for MSG_DONTWAIT. */
  #waitTimeout(flags: number): number | null {
    return (flags & MSG_DONTWAIT) !== 0 ? 0 : this.#timeout;
  }

  /**
   * Records the local address; a UDP socket binds at once (await the result
   * to see a bind error here; otherwise the next call raises it). For TCP the
   * real bind happens at `listen` or `connect`, which raise its errors.
   *
   * @example
   * ```ts
   * s.bind(["", 50007]); // all interfaces, as in Python
   * ```
   */
  bind(address: AddressInput): Promise<void> {
    this.#check();
    if (this.#bound !== null || this.#listener !== null || this.#conn !== null) {
      throw new OSError(errno.EINVAL);
    }
    if (this.family === AF_UNIX) {
      this.#bound = { path: toPath(address) };
      return Promise.resolve();
    }
    const endpoint = toEndpoint(this.family, address, "bind", true);
    this.#bound = endpoint;
    if (this.#dgram === null) return Promise.resolve();
    const result = this.#dgram.bind(endpoint.host, endpoint.port, this.#options.get(`${SOL_SOCKET}:${SO_REUSEADDR}`) !== undefined);
    result.catch(() => undefined);
    return result;
  }

  /**
   * Binds (if `bind` was called, to its address; otherwise to an ephemeral
   * port on all interfaces) and listens. Rejects with what Python's `bind`
   * or `listen` raises: `OSError` EADDRINUSE (98), EACCES (13), …
   *
   * @example
   * ```ts
   * s.bind(["127.0.0.1", 0]);
   * await s.listen(5);
   * console.log(s.getsockname()); // ["127.0.0.1", 41235]
   * ```
   */
  async listen(backlog: number = Math.min(128, SOMAXCONN)): Promise<void> {
    this.#check();
    if (this.type !== SOCK_STREAM) throw new OSError(errno.EOPNOTSUPP);
    if (this.#listener !== null) return;
    if (this.#conn !== null) throw new OSError(errno.EINVAL);
    const bound = this.#bound ?? (this.family === AF_UNIX ? null : { host: this.family === AF_INET6 ? "::" : "0.0.0.0", port: 0 });
    if (bound === null) throw new OSError(errno.EINVAL);
    const target =
      "path" in bound
        ? { path: bound.path }
        : { host: bound.host, port: bound.port, ipv6Only: this.#options.get(`${IPPROTO_IPV6}:${IPV6_V6ONLY}`) === 1 };
    this.#listener = await Listener.open(target, Math.max(0, Math.min(backlog, SOMAXCONN)));
    if (this.#closed) this.#listener.close();
  }

  /**
   * Waits for a connection; resolves to `[conn, address]`.
   *
   * @example
   * ```ts
   * const [conn, [host, port]] = await server.accept();
   * ```
   */
  async accept(): Promise<[conn: socket, address: Address]> {
    this.#check();
    if (this.#listener === null) throw new OSError(errno.EINVAL);
    const sock = await this.#listener.accept(this.#timeout);
    const conn = socket._fromConnection(this.family, new StreamConnection(sock));
    this.#applyStreamOptions(sock);
    const address: Address = this.family === AF_UNIX ? "" : fromNode(this.family, sock.remoteAddress, sock.remotePort);
    return [conn, address];
  }

  #applyStreamOptions(sock: net.Socket): void {
    const nodelay = this.#options.get(`${IPPROTO_TCP}:${TCP_NODELAY}`);
    if (nodelay !== undefined) sock.setNoDelay(nodelay !== 0);
    const keepalive = this.#options.get(`${SOL_SOCKET}:${SO_KEEPALIVE}`);
    if (keepalive !== undefined) sock.setKeepAlive(keepalive !== 0);
  }

  /**
   * Connects to `address`. Rejects with `ConnectionRefusedError` (111),
   * `gaierror` for an unknown host, `TimeoutError` after the timeout; on a
   * non-blocking socket, with `BlockingIOError` (115) while the connection
   * goes on in the background.
   *
   * @example
   * ```ts
   * await s.connect(["localhost", 50007]);
   * ```
   */
  async connect(address: AddressInput): Promise<void> {
    this.#check();
    if (this.#dgram !== null) {
      const { host, port } = toEndpoint(this.family, address, "connect", false);
      await this.#dgram.connect(host, port);
      return;
    }
    if (this.#conn !== null) throw new OSError(errno.EISCONN);
    if (this.#listener !== null) throw new OSError(errno.EINVAL);
    if (this.#connecting !== null) {
      throw new (this.#timeout === 0 ? BlockingIOError : OSError)(errno.EALREADY);
    }
    let options: net.NetConnectOpts;
    if (this.family === AF_UNIX) {
      options = { path: toPath(address), allowHalfOpen: true };
    } else {
      const { host, port } = toEndpoint(this.family, address, "connect", false);
      options = { host, port, family: this.family === AF_INET6 ? 6 : 4, allowHalfOpen: true };
      if (this.#bound !== null && "host" in this.#bound) {
        options.localAddress = this.#bound.host;
        if (this.#bound.port !== 0) options.localPort = this.#bound.port;
      }
    }
    const sock = net.connect(options);
    const connecting = waitFor<undefined>(
      this.#timeout === 0 ? null : this.#timeout,
      (settle) => {
        const onConnect = (): void => settle.resolve(undefined);
        const onError = (e: Error): void => settle.reject(fromNodeError(e));
        sock.once("connect", onConnect);
        sock.once("error", onError);
        return () => {
          sock.off("connect", onConnect);
          sock.off("error", onError);
        };
      },
      () => sock.destroy(),
    ).then(
      () => {
        this.#connecting = null;
        if (this.#closed) {
          sock.destroy();
          return;
        }
        this.#conn = new StreamConnection(sock);
        this.#applyStreamOptions(sock);
      },
      (e: unknown) => {
        this.#connecting = null;
        sock.destroy();
        throw e;
      },
    );
    this.#connecting = connecting;
    if (this.#timeout === 0) {
      connecting.catch(() => undefined);
      throw new BlockingIOError(errno.EINPROGRESS);
    }
    await connecting;
  }

  /**
   * Python's `connect_ex`: connects, resolving to 0 or to the errno of the
   * failure instead of rejecting.
   *
   * @example
   * ```ts
   * if ((await s.connect_ex(["127.0.0.1", 1])) === 111) console.log("refused");
   * ```
   */
  async connect_ex(address: AddressInput): Promise<number> {
    try {
      await this.connect(address);
      return 0;
    } catch (e) {
      if (e instanceof OSError && e.errno !== null) return e.errno;
      throw e;
    }
  }

  /**
   * Receives at most `bufsize` bytes: as soon as any are there; an empty
   * buffer at end of stream. Flags: `MSG_PEEK`, `MSG_WAITALL`, `MSG_DONTWAIT`.
   *
   * @example
   * ```ts
   * const data = await s.recv(1024);
   * if (data.length === 0) console.log("peer closed");
   * ```
   */
  recv(bufsize: number, flags = 0): Promise<Buffer> {
    // The hot path of every stream program: a connected socket hands the
    // call straight to its connection, with no extra Promise in between.
    const conn = this.#conn;
    if (conn !== null && !this.#closed && this.#dgram === null && bufsize > 0 && Number.isInteger(bufsize)) {
      return conn.recv(bufsize, this.#waitTimeout(flags), (flags & MSG_WAITALL) !== 0, (flags & MSG_PEEK) !== 0);
    }
    return this.#recvSlow(bufsize, flags);
  }

  async #recvSlow(bufsize: number, flags: number): Promise<Buffer> {
    if (!Number.isInteger(bufsize)) throw new PyTypeError(`'${typeof bufsize}' object cannot be interpreted as an integer`);
    if (bufsize < 0) throw new ValueError("negative buffersize in recv");
    this.#check();
    if (this.#dgram !== null) {
      return (await this.#dgram.recv(bufsize, this.#waitTimeout(flags), (flags & MSG_PEEK) !== 0)).data;
    }
    if (this.#connecting !== null && this.#timeout !== 0) await this.#connecting;
    return this.#requireConn().recv(bufsize, this.#waitTimeout(flags), (flags & MSG_WAITALL) !== 0, (flags & MSG_PEEK) !== 0);
  }

  /**
   * Receives into `buffer` (at most `nbytes`, or its length); resolves to the count.
   *
   * @example
   * ```ts
   * const buf = new Uint8Array(4096);
   * const n = await s.recv_into(buf);
   * ```
   */
  async recv_into(buffer: Uint8Array, nbytes = 0, flags = 0): Promise<number> {
    if (nbytes < 0) throw new ValueError("negative buffersize in recv_into");
    if (nbytes > buffer.length) throw new ValueError("buffer too small for requested bytes");
    const data = await this.recv(nbytes === 0 ? buffer.length : nbytes, flags);
    buffer.set(data, 0);
    return data.length;
  }

  /**
   * Receives a datagram (or stream bytes) and the sender's address.
   *
   * @example
   * ```ts
   * const [data, [host, port]] = await udp.recvfrom(65535);
   * ```
   */
  async recvfrom(bufsize: number, flags = 0): Promise<[data: Buffer, address: Address | null]> {
    if (bufsize < 0) throw new ValueError("negative buffersize in recvfrom");
    this.#check();
    if (this.#dgram !== null) {
      const d = await this.#dgram.recv(bufsize, this.#waitTimeout(flags), (flags & MSG_PEEK) !== 0);
      return [d.data, fromNode(this.family, d.address, d.port)];
    }
    return [await this.recv(bufsize, flags), null];
  }

  /**
   * Sends bytes; resolves to the count sent (all of them: node takes the whole buffer).
   *
   * @example
   * ```ts
   * const n = await s.send(Buffer.from("ping"));
   * ```
   */
  async send(data: Uint8Array, flags = 0): Promise<number> {
    const bytes = requireBytes(data);
    this.#check();
    if (this.#dgram !== null) return this.#dgram.send(bytes, undefined, undefined);
    if (this.#connecting !== null && this.#timeout !== 0) await this.#connecting;
    // Python: sending on a stream socket that never connected is EPIPE.
    if (this.#conn === null && this.#connecting === null) throw new BrokenPipeError(errno.EPIPE);
    await this.#requireConn().sendall(bytes, this.#waitTimeout(flags));
    return bytes.length;
  }

  /**
   * Sends every byte; resolves once node has handed them all to the kernel,
   * so the buffer may be reused then.
   *
   * @example
   * ```ts
   * await s.sendall(new TextEncoder().encode("Hello network world"));
   * ```
   */
  sendall(data: Uint8Array, flags = 0): Promise<void> {
    const conn = this.#conn;
    if (conn !== null && !this.#closed && data instanceof Uint8Array) return conn.sendall(data, this.#waitTimeout(flags));
    return this.send(data, flags).then(() => undefined);
  }

  /**
   * Sends a datagram to `address` (UDP).
   *
   * @example
   * ```ts
   * await udp.sendto(Buffer.from("hi"), ["127.0.0.1", 9999]);
   * ```
   */
  async sendto(data: Uint8Array, address: AddressInput): Promise<number> {
    const bytes = requireBytes(data);
    this.#check();
    if (this.#dgram === null) {
      if (this.#conn !== null) throw new OSError(errno.EISCONN);
      throw new OSError(errno.EPIPE);
    }
    const { host, port } = toEndpoint(this.family, address, "sendto", false);
    return this.#dgram.send(bytes, host, port);
  }

  /**
   * Shuts down reception (`SHUT_RD`), transmission (`SHUT_WR`: the peer's
   * recv sees the end) or both (`SHUT_RDWR`).
   *
   * @example
   * ```ts
   * s.shutdown(SHUT_WR); // "I have finished sending"
   * ```
   */
  shutdown(how: number): void {
    if (how !== SHUT_RD && how !== SHUT_WR && how !== SHUT_RDWR) throw new OSError(errno.EINVAL);
    this.#requireConn().shutdown(how !== SHUT_WR, how !== SHUT_RD);
  }

  /**
   * Closes the socket. Files made by `makefile` keep the connection open
   * until they are closed too, as in Python. Closing twice does nothing.
   *
   * @example
   * ```ts
   * s.close();
   * await s.recv(1); // rejects: [Errno 9] Bad file descriptor
   * ```
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#listener?.close();
    this.#dgram?.close();
    this.#release();
  }

  #release(): void {
    this.#ioRefs--;
    if (this.#ioRefs === 0) this.#conn?.close();
  }

  /** Closes the socket: `await using s = new socket()` plays Python's `with`. */
  [Symbol.asyncDispose](): Promise<void> {
    this.close();
    return Promise.resolve();
  }

  /**
   * Sets the timeout of blocking calls in seconds; `null` waits forever, 0
   * makes the socket non-blocking.
   *
   * @example
   * ```ts
   * s.settimeout(2.5);
   * ```
   */
  settimeout(value: number | null): void {
    this.#timeout = checkTimeout(value);
  }

  /**
   * The timeout in seconds, or `null`.
   *
   * @example
   * ```ts
   * s.gettimeout(); // null
   * ```
   */
  gettimeout(): number | null {
    return this.#timeout;
  }

  /**
   * `setblocking(false)` is `settimeout(0)`; `setblocking(true)` is `settimeout(null)`.
   *
   * @example
   * ```ts
   * s.setblocking(false);
   * ```
   */
  setblocking(flag: boolean): void {
    this.#timeout = flag ? null : 0;
  }

  /**
   * Whether calls wait (`false` only for timeout 0).
   *
   * @example
   * ```ts
   * s.getblocking(); // true
   * ```
   */
  getblocking(): boolean {
    return this.#timeout !== 0;
  }

  /**
   * The local address.
   *
   * @example
   * ```ts
   * const [host, port] = s.getsockname() as AddressV4;
   * ```
   */
  getsockname(): Address {
    this.#check();
    if (this.#conn !== null) {
      if (this.family === AF_UNIX) return "";
      return fromNode(this.family, this.#conn.sock.localAddress, this.#conn.sock.localPort);
    }
    if (this.#listener !== null) {
      const a = this.#listener.server.address();
      if (typeof a === "string") return a;
      if (a !== null) return fromNode(this.family, a.address, a.port);
    }
    if (this.#dgram !== null && this.#dgram.bound) {
      try {
        const a = this.#dgram.sock.address();
        return fromNode(this.family, a.address, a.port);
      } catch {
        // the bind is still under way
      }
    }
    if (this.#bound !== null) return "path" in this.#bound ? this.#bound.path : fromNode(this.family, this.#bound.host, this.#bound.port);
    return this.family === AF_UNIX ? "" : fromNode(this.family, undefined, undefined);
  }

  /**
   * The peer's address; `OSError` ENOTCONN (107) when not connected.
   *
   * @example
   * ```ts
   * const [host, port] = conn.getpeername() as AddressV4;
   * ```
   */
  getpeername(): Address {
    this.#check();
    if (this.#dgram !== null) {
      try {
        const a = this.#dgram.sock.remoteAddress();
        return fromNode(this.family, a.address, a.port);
      } catch {
        throw new OSError(errno.ENOTCONN);
      }
    }
    const conn = this.#conn;
    if (conn === null || conn.sock.destroyed) throw new OSError(errno.ENOTCONN);
    if (this.family === AF_UNIX) return conn.sock.remoteAddress ?? "";
    return fromNode(this.family, conn.sock.remoteAddress, conn.sock.remotePort);
  }

  /**
   * Sets a socket option. Those node can apply are applied (`TCP_NODELAY`,
   * `SO_KEEPALIVE`, `SO_BROADCAST`, `SO_RCVBUF`/`SO_SNDBUF` on UDP,
   * `IPV6_V6ONLY` before listen); every value is kept for `getsockopt`.
   *
   * @example
   * ```ts
   * s.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1);
   * s.setsockopt(IPPROTO_TCP, TCP_NODELAY, 1);
   * ```
   */
  setsockopt(level: number, optname: number, value: number | boolean | Uint8Array): void {
    this.#check();
    const v = typeof value === "boolean" ? (value ? 1 : 0) : value;
    this.#options.set(`${level}:${optname}`, v);
    const on = typeof v === "number" ? v !== 0 : v.length > 0;
    const sock = this.#conn?.sock;
    if (level === IPPROTO_TCP && optname === TCP_NODELAY) sock?.setNoDelay(on);
    else if (level === SOL_SOCKET && optname === SO_KEEPALIVE) sock?.setKeepAlive(on);
    else if (this.#dgram !== null && level === SOL_SOCKET && this.#dgram.bound && typeof v === "number") {
      if (optname === SO_BROADCAST) this.#dgram.sock.setBroadcast(on);
      else if (optname === SO_RCVBUF) this.#dgram.sock.setRecvBufferSize(v);
      else if (optname === SO_SNDBUF) this.#dgram.sock.setSendBufferSize(v);
    }
  }

  /**
   * Reads a socket option: the value set, or the kernel's default for the
   * options a program usually asks (`SO_TYPE`, `SO_ERROR`, `SO_ACCEPTCONN`, …).
   *
   * @example
   * ```ts
   * s.getsockopt(SOL_SOCKET, SO_TYPE); // 1 (SOCK_STREAM)
   * ```
   */
  getsockopt(level: number, optname: number, buflen?: number): number | Uint8Array {
    this.#check();
    if (level === SOL_SOCKET && optname === SO_TYPE) return this.type;
    if (level === SOL_SOCKET && optname === SO_ERROR) return 0;
    if (level === SOL_SOCKET && optname === SO_ACCEPTCONN) return this.#listener !== null ? 1 : 0;
    const v = this.#options.get(`${level}:${optname}`);
    if (this.#dgram !== null && this.#dgram.bound && level === SOL_SOCKET) {
      if (optname === SO_RCVBUF) return this.#dgram.sock.getRecvBufferSize();
      if (optname === SO_SNDBUF) return this.#dgram.sock.getSendBufferSize();
    }
    const n = v ?? 0;
    if (buflen !== undefined && typeof n === "number") {
      const out = Buffer.alloc(buflen);
      if (buflen >= 4) out.writeInt32LE(n, 0);
      return out;
    }
    return n;
  }

  /**
   * A file object over the connected socket, as Python's `makefile`:
   * `'rb'`, `'wb'`, `'rwb'` give binary files, `'r'`, `'w'`, `'rw'` text files.
   *
   * @example
   * ```ts
   * const f = sock.makefile("rwb");
   * await f.write(Buffer.from("HELLO\r\n"));
   * await f.flush();
   * const line = await f.readline();
   * ```
   */
  makefile<M extends string = "r">(mode: M = "r" as M, options: MakefileOptions = {}): SocketFileFor<M> {
    const conn = this.#requireConn();
    this.#ioRefs++;
    let released = false;
    const io: SocketIO = {
      conn,
      timeout: () => this.#timeout,
      release: () => {
        if (released) return;
        released = true;
        this.#release();
      },
    };
    return makeFile(io, mode, options) as SocketFileFor<M>;
  }

  /**
   * The file descriptor node uses, or -1 once closed (or when node has none).
   *
   * @example
   * ```ts
   * s.fileno(); // 17
   * ```
   */
  fileno(): number {
    if (this.#closed) return -1;
    const handle: unknown =
      this.#conn !== null
        ? Reflect.get(this.#conn.sock, "_handle")
        : this.#listener !== null
          ? Reflect.get(this.#listener.server, "_handle")
          : undefined;
    const fd: unknown = handle !== null && typeof handle === "object" ? Reflect.get(handle, "fd") : undefined;
    return typeof fd === "number" ? fd : -1;
  }

  /** Python's repr: `<socket.socket fd=…, family=2, type=1, proto=0, laddr=(…)>`. */
  toString(): string {
    if (this.#closed) return `<socket.socket [closed] fd=-1, family=${this.family}, type=${this.type}, proto=${this.proto}>`;
    let text = `<socket.socket fd=${this.fileno()}, family=${this.family}, type=${this.type}, proto=${this.proto}`;
    try {
      text += `, laddr=${formatAddress(this.getsockname())}`;
      text += `, raddr=${formatAddress(this.getpeername())}`;
    } catch {
      // not connected: no raddr
    }
    return `${text}>`;
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

function formatAddress(a: Address): string {
  if (typeof a === "string") return `'${a}'`;
  return `(${a.map((x) => (typeof x === "string" ? `'${x}'` : String(x))).join(", ")})`;
}
