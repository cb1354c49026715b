/**
 * The socket servers of `socketserver`: `TCPServer`, `UDPServer` (a
 * `TCPServer` with datagrams, as in Python), `UnixStreamServer` and
 * `UnixDatagramServer` (which node cannot provide).
 * @module
 */
import { AF_INET, AF_INET6, AF_UNIX, SHUT_WR, SOCK_DGRAM, SOCK_STREAM, SOL_SOCKET, SO_ACCEPTCONN, SO_REUSEADDR, SO_REUSEPORT } from "./constants.js";
import { OSError, errno } from "./errors.js";
import { socket } from "./socket.js";
import type { Address, AddressInput } from "./_address.js";
import { BaseServer, type RequestHandlerClass } from "./_socketserver_base.js";

/** A `UDPServer`'s request, as Python's: the datagram and the server's socket to answer on. */
export type DatagramRequest = readonly [data: Buffer, socket: socket];

/**
 * Calls `start` with the socket's timeout lifted: `handle_request` and
 * `serve_forever` do the waiting (Python selects before it accepts, so the
 * socket's timeout never cuts an accept short). The socket reads its
 * timeout when the call starts, so it is restored at once.
 */
function withoutTimeout<T>(sock: socket, start: () => Promise<T>): Promise<T> {
  const timeout = sock.gettimeout();
  sock.settimeout(null);
  try {
    return start();
  } finally {
    sock.settimeout(timeout);
  }
}

/**
 * Python's `socketserver.TCPServer`: a synchronous TCP server, one request
 * (connection) at a time. Make it with `await TCPServer.create(address,
 * Handler)` (Python's `TCPServer(address, Handler)`); `new TCPServer(…)` is
 * Python's `bind_and_activate=False`: call `await server.server_bind()` and
 * `await server.server_activate()` yourself.
 *
 * @example
 * ```ts
 * await using server = await TCPServer.create(["127.0.0.1", 0], EchoHandler);
 * const [host, port] = server.server_address as AddressV4;
 * await server.serve_forever();
 * ```
 */
export class TCPServer<R = socket> extends BaseServer<R> {
  /** The socket's address family; `AF_INET6` for IPv6. @default AF_INET */
  address_family: number = AF_INET;
  /** The socket type. @default SOCK_STREAM */
  socket_type: number = SOCK_STREAM;
  /** The `listen()` backlog. @default 5 */
  request_queue_size = 5;
  /**
   * Sets `SO_REUSEADDR` before binding. (Node's TCP listeners reuse
   * addresses in TIME_WAIT whatever this says; for UDP it is applied.)
   * @default false
   */
  allow_reuse_address = false;
  /** Sets `SO_REUSEPORT` before binding (recorded only: node 20 cannot apply it). @default false */
  allow_reuse_port = false;

  #socket: socket | null = null;

  /**
   * Python's `TCPServer(server_address, RequestHandlerClass, bind_and_activate=False)`:
   * the socket is made, not bound. Use `TCPServer.create` to bind and listen.
   *
   * @example
   * ```ts
   * const server = new TCPServer(["127.0.0.1", 0], EchoHandler);
   * server.allow_reuse_address = true;
   * await server.server_bind();
   * await server.server_activate();
   * ```
   */
  // eslint-disable-next-line @typescript-eslint/no-useless-constructor -- documents Python's bind_and_activate=False
  constructor(server_address: AddressInput, RequestHandlerClass: RequestHandlerClass<R>) {
    super(server_address, RequestHandlerClass);
  }

  /**
   * Python's `TCPServer(server_address, RequestHandlerClass)`: makes the
   * server, binds and activates it (listens); on failure closes it and
   * rejects with Python's error (`OSError` EADDRINUSE…). Works for every
   * subclass: `await ThreadingTCPServer.create(…)`.
   *
   * @example
   * ```ts
   * const server = await ThreadingTCPServer.create(["127.0.0.1", 0], EchoHandler);
   * ```
   */
  static async create<Req, T extends TCPServer<Req>>(
    this: new (server_address: AddressInput, RequestHandlerClass: RequestHandlerClass<Req>) => T,
    server_address: AddressInput,
    RequestHandlerClass: RequestHandlerClass<Req>,
  ): Promise<T> {
    const server = new this(server_address, RequestHandlerClass);
    try {
      await server.server_bind();
      await server.server_activate();
    } catch (e) {
      await server.server_close();
      throw e;
    }
    return server;
  }

  /** The server's socket, made on first use from `address_family` and `socket_type`. */
  get socket(): socket {
    return (this.#socket ??= new socket(this.address_family, this.socket_type));
  }

  set socket(value: socket) {
    this.#socket = value;
  }

  /**
   * Binds the socket to `server_address` (setting `SO_REUSEADDR`/`SO_REUSEPORT`
   * first if asked) and records the address bound. May be overridden.
   *
   * @example
   * ```ts
   * await server.server_bind();
   * ```
   */
  async server_bind(): Promise<void> {
    if (this.allow_reuse_address) this.socket.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1);
    if (this.allow_reuse_port) this.socket.setsockopt(SOL_SOCKET, SO_REUSEPORT, 1);
    await this.socket.bind(this.server_address);
    this.server_address = this.socket.getsockname();
  }

  /**
   * Listens with `request_queue_size`. Node binds a TCP socket when it
   * listens, so this is where EADDRINUSE comes, and `server_address` is
   * updated here with the port really bound.
   *
   * @example
   * ```ts
   * await server.server_activate();
   * ```
   */
  override async server_activate(): Promise<void> {
    await this.socket.listen(this.request_queue_size);
    this.server_address = this.socket.getsockname();
  }

  /**
   * Closes the socket (and ends a running `serve_forever`).
   *
   * @example
   * ```ts
   * await server.server_close();
   * ```
   */
  override async server_close(): Promise<void> {
    this.#socket?.close();
    await super.server_close();
  }

  /**
   * The socket's file descriptor, as Python's `fileno()`.
   *
   * @example
   * ```ts
   * server.fileno(); // 21
   * ```
   */
  fileno(): number {
    return this.socket.fileno();
  }

  /**
   * Accepts a connection: `[conn, client_address]`.
   *
   * @example
   * ```ts
   * const [conn, address] = await server.get_request();
   * ```
   */
  override async get_request(): Promise<[request: R, client_address: Address]> {
    const [conn, address] = await withoutTimeout(this.socket, () => this.socket.accept());
    return [conn as R, address];
  }

  /**
   * Sends the end of stream (`shutdown(SHUT_WR)`, errors ignored as
   * Python does), then `close_request`.
   *
   * @example
   * ```ts
   * await server.shutdown_request(conn);
   * ```
   */
  override async shutdown_request(request: R): Promise<void> {
    try {
      (request as socket).shutdown(SHUT_WR);
    } catch (e) {
      if (!(e instanceof OSError)) throw e;
    }
    await this.close_request(request);
  }

  /**
   * Closes the connection.
   *
   * @example
   * ```ts
   * await server.close_request(conn);
   * ```
   */
  override close_request(request: R): Promise<void> {
    (request as socket).close();
    return Promise.resolve();
  }

  /** @internal */
  override _socket_timeout(): number | null {
    return this.#socket?.gettimeout() ?? null;
  }

  /** @internal */
  override _check_ready(): void {
    if (this.socket_type === SOCK_STREAM && this.socket.getsockopt(SOL_SOCKET, SO_ACCEPTCONN) === 0) {
      throw new OSError(
        errno.EINVAL,
        `${this.constructor.name} is not listening: make it with \`await ${this.constructor.name}.create(address, Handler)\`, or call \`await server.server_bind()\` and \`await server.server_activate()\` first`,
      );
    }
  }
}

/**
 * Python's `socketserver.UDPServer`: each datagram is a request,
 * `[data, socket]`, answered with `sendto` on the server's socket.
 *
 * @example
 * ```ts
 * class Upper extends DatagramRequestHandler {
 *   override async handle() { await this.wfile.write((await this.rfile.read()).toString().toUpperCase()); }
 * }
 * await using server = await UDPServer.create(["127.0.0.1", 0], Upper);
 * ```
 */
export class UDPServer extends TCPServer<DatagramRequest> {
  override socket_type: number = SOCK_DGRAM;
  /** The largest datagram read; longer ones are cut to it. @default 8192 */
  max_packet_size = 8192;

  /**
   * Receives a datagram: `[[data, socket], client_address]`.
   *
   * @example
   * ```ts
   * const [[data], address] = await server.get_request();
   * ```
   */
  override async get_request(): Promise<[request: DatagramRequest, client_address: Address]> {
    const sock = this.socket;
    const [data, address] = await withoutTimeout(sock, () => sock.recvfrom(this.max_packet_size));
    return [[data, sock], address ?? ""];
  }

  /** No need to listen for UDP. @example await server.server_activate(); */
  override server_activate(): Promise<void> {
    return Promise.resolve();
  }

  /** Nothing to shut down. @example await server.shutdown_request(request); */
  override shutdown_request(request: DatagramRequest): Promise<void> {
    return this.close_request(request);
  }

  /** Nothing to close. @example await server.close_request(request); */
  override close_request(_request: DatagramRequest): Promise<void> {
    return Promise.resolve();
  }

  /** @internal */
  override _check_ready(): void {
    if (this.address_family !== AF_INET && this.address_family !== AF_INET6) return;
    const address = this.socket.getsockname();
    if (typeof address !== "string" && address[1] === 0) {
      throw new OSError(
        errno.EINVAL,
        `${this.constructor.name} is not bound: make it with \`await ${this.constructor.name}.create(address, Handler)\`, or call \`await server.server_bind()\` first`,
      );
    }
  }
}

/**
 * Python's `socketserver.UnixStreamServer`: a `TCPServer` on a Unix socket path.
 *
 * @example
 * ```ts
 * await using server = await UnixStreamServer.create("/tmp/echo.sock", EchoHandler);
 * ```
 */
export class UnixStreamServer extends TCPServer {
  override address_family: number = AF_UNIX;
}

/**
 * Python's `socketserver.UnixDatagramServer`. Node has no Unix datagram
 * sockets, so making one throws `OSError` (EPROTONOSUPPORT) saying so; use
 * `UDPServer` on 127.0.0.1 or `UnixStreamServer` instead.
 *
 * @example
 * ```ts
 * try { await UnixDatagramServer.create("/tmp/d.sock", Handler); } catch (e) { // OSError
 * }
 * ```
 */
export class UnixDatagramServer extends UDPServer {
  override address_family: number = AF_UNIX;

  /** Throws: node cannot make Unix datagram sockets. @example new UnixDatagramServer("/tmp/d.sock", H); // throws OSError */
  constructor(server_address: AddressInput, RequestHandlerClass: RequestHandlerClass<DatagramRequest>) {
    super(server_address, RequestHandlerClass);
    throw new OSError(
      errno.EPROTONOSUPPORT,
      "UnixDatagramServer is not available: node has no Unix datagram sockets (AF_UNIX, SOCK_DGRAM); use UDPServer or UnixStreamServer",
    );
  }
}
