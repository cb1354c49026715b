/**
 * `stdnet/socket` — Python's `socket` module on Node.js.
 *
 * @example
 * ```ts
 * import { socket, AF_INET, SOCK_STREAM } from "stdnet/socket";
 * await using s = new socket(AF_INET, SOCK_STREAM);
 * await s.connect(["localhost", 50007]);
 * await s.sendall(Buffer.from("Hello network world"));
 * console.log(await s.recv(1024));
 * ```
 *
 * Differences from Python:
 * - Calls that wait on the network return Promises (`connect accept recv
 *   recv_into recvfrom send sendall sendto listen`, name lookups, `create_*`).
 * - TCP `bind` records the address; `listen`/`connect` do the binding and
 *   raise its errors (node binds and listens in one step).
 * - Bytes are `Uint8Array` (node's `Buffer` is returned); addresses are
 *   readonly tuples, `[host, port]` or `[host, port, flowinfo, scope_id]`.
 * - `socket.timeout` is `timeout` here (the same class as `TimeoutError`).
 * @module
 */
export * from "./constants.js";
export {
  OSError,
  BlockingIOError,
  ConnectionError,
  BrokenPipeError,
  ConnectionAbortedError,
  ConnectionRefusedError,
  ConnectionResetError,
  TimeoutError,
  TimeoutError as timeout,
  OSError as error,
  gaierror,
  herror,
  ValueError,
  LookupError,
  UnicodeError,
  OverflowError,
  EOFError,
  RuntimeError,
  PyTypeError,
  errno,
  strerror,
  type OSErrorOptions,
} from "./errors.js";
export { socket, type Address, type AddressInput, type AddressV4, type AddressV6 } from "./socket.js";
export { getdefaulttimeout, setdefaulttimeout } from "./_defaulttimeout.js";
export { create_connection, create_server, type CreateServerOptions } from "./create.js";
export {
  gethostname,
  gethostbyname,
  gethostbyname_ex,
  gethostbyaddr,
  getfqdn,
  getaddrinfo,
  getnameinfo,
  getservbyname,
  getservbyport,
  type AddrInfo,
} from "./resolve.js";
export { htonl, htons, ntohl, ntohs } from "./byteorder.js";
export { inet_aton, inet_ntoa, inet_pton, inet_ntop } from "./inet.js";
export {
  SocketFile,
  SocketTextFile,
  UnicodeDecodeError,
  UnicodeEncodeError,
  DEFAULT_BUFFER_SIZE,
  type MakefileOptions,
  type SocketFileFor,
} from "./makefile.js";
export { repr, asList, type Reprable, type PyList } from "./repr.js";
export { EchoServer, serveEcho, type EchoServerOptions } from "./echo.js";
