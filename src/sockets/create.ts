/**
 * Python's convenience constructors `create_connection` and `create_server`.
 *
 * @example
 * ```ts
 * import { create_connection, create_server } from "stdnet/socket";
 * await using server = await create_server(["127.0.0.1", 0]);
 * await using client = await create_connection(server.getsockname() as [string, number], 5);
 * ```
 * @module
 */
import { AF_INET, AF_INET6, IPPROTO_IPV6, IPV6_V6ONLY, SOCK_STREAM, SOL_SOCKET, SO_REUSEADDR, SO_REUSEPORT } from "./constants.js";
import { OSError, ValueError } from "./errors.js";
import { getaddrinfo } from "./resolve.js";
import { socket } from "./socket.js";
import type { AddressInput, AddressV4 } from "./_address.js";
import { getdefaulttimeout } from "./_defaulttimeout.js";
import { repr } from "./repr.js";

/**
 * Connects to `[host, port]`, trying each address the name resolves to, as
 * Python's `create_connection(address, timeout, source_address)`; the
 * socket keeps `timeout` (seconds; `undefined` is the default timeout, `null` none).
 * Rejects with the last address's error.
 *
 * @example
 * ```ts
 * const s = await create_connection(["localhost", 50007], 5);
 * ```
 */
export async function create_connection(
  address: readonly [host: string, port: number],
  timeout?: number | null,
  source_address?: AddressV4 | null,
): Promise<socket> {
  const [host, port] = address;
  const infos = await getaddrinfo(host, port, 0, SOCK_STREAM);
  let lastError: unknown = new OSError("getaddrinfo returns an empty list");
  for (const [family, type, proto, , sockaddr] of infos) {
    const s = new socket(family, type, proto);
    try {
      s.settimeout(timeout === undefined ? getdefaulttimeout() : timeout);
      if (source_address != null) await s.bind(source_address);
      await s.connect(sockaddr);
      return s;
    } catch (e) {
      lastError = e;
      s.close();
    }
  }
  throw lastError;
}

/** The options of `create_server`, as Python's keyword arguments. */
export interface CreateServerOptions {
  /** `AF_INET` or `AF_INET6`. @default AF_INET */
  family?: number;
  /** The listen backlog. @default 128 */
  backlog?: number | null;
  /** Set SO_REUSEPORT. @default false */
  reuse_port?: boolean;
  /** With AF_INET6, accept IPv4 connections too. @default false */
  dualstack_ipv6?: boolean;
}

/**
 * Python's `create_server(address, *, family, backlog, reuse_port,
 * dualstack_ipv6)`: a TCP socket bound to `address` and listening.
 *
 * @example
 * ```ts
 * const server = await create_server(["", 8080]);
 * const [conn, addr] = await server.accept();
 * ```
 */
export async function create_server(address: AddressInput, options: CreateServerOptions = {}): Promise<socket> {
  const family = options.family ?? AF_INET;
  if (options.dualstack_ipv6 === true && family !== AF_INET6) {
    throw new ValueError("dualstack_ipv6 requires AF_INET6 family");
  }
  const s = new socket(family, SOCK_STREAM);
  try {
    s.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1);
    if (options.reuse_port === true) s.setsockopt(SOL_SOCKET, SO_REUSEPORT, 1);
    if (family === AF_INET6) s.setsockopt(IPPROTO_IPV6, IPV6_V6ONLY, options.dualstack_ipv6 === true ? 0 : 1);
    await s.bind(address);
    await s.listen(options.backlog ?? 128);
    return s;
  } catch (e) {
    s.close();
    if (e instanceof OSError && e.errno !== null) {
      const where = repr(address);
      throw new OSError(e.errno, `${e.strerror} (while attempting to bind on address ${where})`, { cause: e });
    }
    throw e;
  }
}
