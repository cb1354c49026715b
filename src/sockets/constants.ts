/**
 * The constants of Python's `socket` module, with their Linux values (the
 * numbers CPython on Linux has).
 *
 * @example
 * ```ts
 * import { socket, AF_INET, SOCK_STREAM, SOL_SOCKET, SO_REUSEADDR } from "stdnet/socket";
 * const s = new socket(AF_INET, SOCK_STREAM);
 * s.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1);
 * ```
 * @module
 */

/** Unspecified address family. */
export const AF_UNSPEC = 0;

/** IPv4 addresses: `[host, port]`. */
export const AF_INET = 2;

/** IPv6 addresses: `[host, port, flowinfo, scope_id]`. */
export const AF_INET6 = 10;

/** Unix domain sockets: a path. */
export const AF_UNIX = 1;

/** A byte stream: TCP or a Unix stream socket. */
export const SOCK_STREAM = 1;

/** Datagrams: UDP. */
export const SOCK_DGRAM = 2;

/** Raw sockets (listed by `getaddrinfo`; not creatable here). */
export const SOCK_RAW = 3;

/** The socket level of `setsockopt`/`getsockopt`. */
export const SOL_SOCKET = 1;

/** Allow binding an address in TIME_WAIT (node's TCP servers always do). */
export const SO_REUSEADDR = 2;

/** Allow several sockets to bind the same port. */
export const SO_REUSEPORT = 15;

/** Send TCP keep-alive probes. */
export const SO_KEEPALIVE = 9;

/** Receive buffer size. */
export const SO_RCVBUF = 8;

/** Send buffer size. */
export const SO_SNDBUF = 7;

/** The socket's type (read-only). */
export const SO_TYPE = 3;

/** The pending error (read-only). */
export const SO_ERROR = 4;

/** Allow sending to broadcast addresses (UDP). */
export const SO_BROADCAST = 6;

/** Linger on close. */
export const SO_LINGER = 13;

/** Whether the socket listens (read-only). */
export const SO_ACCEPTCONN = 30;

/** The IP level. */
export const IPPROTO_IP = 0;

/** The TCP protocol, and the TCP level of `setsockopt`. */
export const IPPROTO_TCP = 6;

/** The UDP protocol. */
export const IPPROTO_UDP = 17;

/** The IPv6 level of `setsockopt`. */
export const IPPROTO_IPV6 = 41;

/** An AF_INET6 socket that does not accept IPv4. */
export const IPV6_V6ONLY = 26;

/** Disable Nagle's algorithm. */
export const TCP_NODELAY = 1;

/** Seconds idle before keep-alive probes. */
export const TCP_KEEPIDLE = 4;

/** Seconds between keep-alive probes. */
export const TCP_KEEPINTVL = 5;

/** Keep-alive probes before the connection drops. */
export const TCP_KEEPCNT = 6;

/** `shutdown`: no more receptions. */
export const SHUT_RD = 0;

/** `shutdown`: no more transmissions (sends FIN). */
export const SHUT_WR = 1;

/** `shutdown`: both. */
export const SHUT_RDWR = 2;

/** The largest listen backlog. */
export const SOMAXCONN = 4096;

/** `getaddrinfo`: an address to bind. */
export const AI_PASSIVE = 1;

/** `getaddrinfo`: fill in the canonical name. */
export const AI_CANONNAME = 2;

/** `getaddrinfo`: the host is a numeric address; no lookup. */
export const AI_NUMERICHOST = 4;

/** `getaddrinfo`: the port is numeric. */
export const AI_NUMERICSERV = 1024;

/** `getaddrinfo`: only families configured on this host. */
export const AI_ADDRCONFIG = 32;

/** `getaddrinfo`: IPv4-mapped IPv6 addresses. */
export const AI_V4MAPPED = 8;

/** `getaddrinfo`: with AI_V4MAPPED, both kinds. */
export const AI_ALL = 16;

/** `getnameinfo`: the numeric host. */
export const NI_NUMERICHOST = 1;

/** `getnameinfo`: the numeric port. */
export const NI_NUMERICSERV = 2;

/** `getnameinfo`: the short host name. */
export const NI_NOFQDN = 4;

/** `getnameinfo`: fail when the host has no name. */
export const NI_NAMEREQD = 8;

/** `getnameinfo`: a UDP service. */
export const NI_DGRAM = 16;

/** `recv` flag: look without taking. */
export const MSG_PEEK = 2;

/** `recv` flag: wait for the whole count. */
export const MSG_WAITALL = 256;

/** `recv`/`send` flag: do not wait. */
export const MSG_DONTWAIT = 64;

/** 0.0.0.0 as an integer. */
export const INADDR_ANY = 0;

/** 127.0.0.1 as an integer. */
export const INADDR_LOOPBACK = 2130706433;

/** 255.255.255.255 as an integer. */
export const INADDR_BROADCAST = 4294967295;

/** The integer of no address. */
export const INADDR_NONE = 4294967295;

/** The IP time to live. */
export const IP_TTL = 2;

/** The multicast time to live. */
export const IP_MULTICAST_TTL = 33;

/** Loop multicast back to this host. */
export const IP_MULTICAST_LOOP = 34;

/** Join a multicast group. */
export const IP_ADD_MEMBERSHIP = 35;

/**
 * Whether IPv6 is usable, as Python's `socket.has_ipv6`.
 *
 * @example
 * ```ts
 * if (has_ipv6) await s.bind(["::1", 0]);
 * ```
 */
export const has_ipv6 = true;
