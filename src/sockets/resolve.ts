/**
 * Name lookup as Python's `socket` does it: host names to addresses and
 * back (through the system resolver, /etc/hosts included), and services
 * to ports (/etc/services).
 *
 * @example
 * ```ts
 * import { gethostbyname, getaddrinfo, getservbyname, SOCK_STREAM } from "stdnet/socket";
 * await gethostbyname("localhost");                  // "127.0.0.1"
 * await getaddrinfo("localhost", 80, 0, SOCK_STREAM); // [[2, 1, 6, "", ["127.0.0.1", 80]]]
 * getservbyname("http", "tcp");                      // 80
 * ```
 *
 * Differences from Python: the lookups that may wait on the network return
 * Promises; `getservbyname`/`getservbyport` read /etc/services and stay synchronous.
 * @module
 */
import * as dns from "node:dns";
import { readFileSync } from "node:fs";
import { hostname as osHostname } from "node:os";
import { isIP } from "node:net";
import {
  AF_INET,
  AF_INET6,
  AF_UNSPEC,
  AI_CANONNAME,
  AI_NUMERICHOST,
  AI_PASSIVE,
  IPPROTO_TCP,
  IPPROTO_UDP,
  NI_DGRAM,
  NI_NAMEREQD,
  NI_NUMERICHOST,
  NI_NUMERICSERV,
  SOCK_DGRAM,
  SOCK_RAW,
  SOCK_STREAM,
} from "./constants.js";
import { OSError, OverflowError, PyTypeError, fromNodeError, gaierror, herror } from "./errors.js";
import type { Address } from "./_address.js";

/**
 * This machine's host name, as Python's `socket.gethostname()`.
 *
 * @example
 * ```ts
 * gethostname(); // "vm"
 * ```
 */
export function gethostname(): string {
  return osHostname();
}

async function lookupAll(host: string, family: 0 | 4 | 6): Promise<dns.LookupAddress[]> {
  try {
    return await dns.promises.lookup(host, { all: true, family, verbatim: true });
  } catch (e) {
    throw fromNodeError(e);
  }
}

/**
 * The IPv4 address of a host name (a numeric address is returned as it is).
 * Rejects with `gaierror` (-2, "Name or service not known") for an unknown name.
 *
 * @example
 * ```ts
 * await gethostbyname("localhost"); // "127.0.0.1"
 * ```
 */
export async function gethostbyname(hostname: string): Promise<string> {
  if (isIP(hostname) === 4) return hostname;
  const [first] = await lookupAll(hostname, 4);
  if (first === undefined) throw new gaierror(-5, "No address associated with hostname");
  return first.address;
}

/**
 * Python's `gethostbyname_ex`: `[hostname, aliaslist, ipaddrlist]` (IPv4).
 *
 * @example
 * ```ts
 * await gethostbyname_ex("localhost"); // ["localhost", [], ["127.0.0.1"]]
 * ```
 */
export async function gethostbyname_ex(hostname: string): Promise<[hostname: string, aliaslist: string[], ipaddrlist: string[]]> {
  if (isIP(hostname) === 4) return [hostname, [], [hostname]];
  const addresses = await lookupAll(hostname, 4);
  const ips = [...new Set(addresses.map((a) => a.address))];
  return [hostname, [], ips];
}

/**
 * Python's `gethostbyaddr`: `[hostname, aliaslist, ipaddrlist]` for an
 * address (or a name, looked up first). Rejects with `herror` (1,
 * "Unknown host") when the address has no name.
 *
 * @example
 * ```ts
 * await gethostbyaddr("127.0.0.1"); // ["localhost", [], ["127.0.0.1"]]
 * ```
 */
export async function gethostbyaddr(ip_address: string): Promise<[hostname: string, aliaslist: string[], ipaddrlist: string[]]> {
  let ip = ip_address;
  if (isIP(ip) === 0) {
    const [first] = await lookupAll(ip, 0);
    if (first === undefined) throw new gaierror(-2, "Name or service not known");
    ip = first.address;
  }
  try {
    const { hostname } = await dns.promises.lookupService(ip, 0);
    if (hostname === ip) throw new herror(1, "Unknown host");
    return [hostname, [], [ip]];
  } catch (e) {
    if (e instanceof herror) throw e;
    throw new herror(1, "Unknown host", { cause: e });
  }
}

/**
 * Python's `getfqdn`: the fully qualified name of `name` (this host by default).
 *
 * @example
 * ```ts
 * await getfqdn("127.0.0.1"); // "localhost"
 * ```
 */
export async function getfqdn(name = ""): Promise<string> {
  let n = name.trim();
  if (n === "" || n === "0.0.0.0" || n === "::") n = gethostname();
  try {
    const [host, aliases] = await gethostbyaddr(n);
    for (const candidate of [host, ...aliases]) if (candidate.includes(".")) return candidate;
    return host;
  } catch (e) {
    if (e instanceof OSError) return n;
    throw e;
  }
}

/** One entry of `getaddrinfo`: Python's `(family, type, proto, canonname, sockaddr)`. */
export type AddrInfo = readonly [family: number, type: number, proto: number, canonname: string, sockaddr: Address];

const SOCKET_KINDS: readonly (readonly [number, number])[] = [
  [SOCK_STREAM, IPPROTO_TCP],
  [SOCK_DGRAM, IPPROTO_UDP],
  [SOCK_RAW, 0],
];

/**
 * Python's `getaddrinfo(host, port, family=0, type=0, proto=0, flags=0)`:
 * every address of `host` with every socket kind asked for, in the
 * resolver's order. `host` `null` is the loopback (or, with `AI_PASSIVE`,
 * the wildcard); `port` may be a service name.
 *
 * @example
 * ```ts
 * for (const [family, type, proto, , sockaddr] of await getaddrinfo("localhost", 8080, AF_INET, SOCK_STREAM)) {
 *   console.log(family, type, proto, sockaddr); // 2 1 6 ["127.0.0.1", 8080]
 * }
 * ```
 */
export async function getaddrinfo(
  host: string | null,
  port: string | number | null,
  family = AF_UNSPEC,
  type = 0,
  proto = 0,
  flags = 0,
): Promise<AddrInfo[]> {
  if (family !== AF_UNSPEC && family !== AF_INET && family !== AF_INET6) {
    throw new gaierror(-6, "ai_family not supported");
  }
  let portNumber = 0;
  if (typeof port === "number") {
    if (!Number.isInteger(port)) throw new PyTypeError("getaddrinfo() argument 2 must be integer or string");
    portNumber = port;
  } else if (typeof port === "string") {
    if (/^\d+$/.test(port)) portNumber = Number(port);
    else {
      const found = lookupService(port, type === SOCK_DGRAM ? "udp" : "tcp");
      if (found === undefined) throw new gaierror(-8, "Servname not supported for ai_socktype");
      portNumber = found;
    }
  }
  const nodeFamily = family === AF_INET ? 4 : family === AF_INET6 ? 6 : 0;
  let addresses: { address: string; family: number }[];
  if (host === null || host === "") {
    const passive = (flags & AI_PASSIVE) !== 0;
    addresses = [];
    if (nodeFamily !== 4) addresses.push({ address: passive ? "::" : "::1", family: 6 });
    if (nodeFamily !== 6) addresses.push({ address: passive ? "0.0.0.0" : "127.0.0.1", family: 4 });
  } else if (isIP(host) !== 0) {
    const v = isIP(host);
    if (nodeFamily !== 0 && nodeFamily !== v) throw new gaierror(-9, "Address family for hostname not supported");
    addresses = [{ address: host, family: v }];
  } else if ((flags & AI_NUMERICHOST) !== 0) {
    throw new gaierror(-2, "Name or service not known");
  } else {
    addresses = await lookupAll(host, nodeFamily);
  }
  const kinds = SOCKET_KINDS.filter(([t, p]) => (type === 0 || t === type) && (proto === 0 || p === proto || type !== 0));
  const result: AddrInfo[] = [];
  const seen = new Set<string>();
  let first = true;
  for (const a of addresses) {
    if (seen.has(a.address)) continue;
    seen.add(a.address);
    const fam = a.family === 6 ? AF_INET6 : AF_INET;
    const sockaddr: Address = fam === AF_INET6 ? [a.address, portNumber, 0, 0] : [a.address, portNumber];
    for (const [t, p] of kinds) {
      const canon = first && (flags & AI_CANONNAME) !== 0 && host !== null ? host : "";
      first = false;
      result.push([fam, t, proto !== 0 ? proto : p, canon, sockaddr]);
    }
  }
  return result;
}

/**
 * Python's `getnameinfo(sockaddr, flags)`: `[host, port]` as text, the
 * service name for a known port unless `NI_NUMERICSERV`.
 *
 * @example
 * ```ts
 * await getnameinfo(["127.0.0.1", 80], NI_NUMERICHOST); // ["127.0.0.1", "http"]
 * ```
 */
export async function getnameinfo(sockaddr: readonly [string, number, ...number[]], flags: number): Promise<[host: string, port: string]> {
  const [host, port] = sockaddr;
  if (isIP(host) === 0) throw new gaierror(-2, "Name or service not known");
  const serviceName = (flags & NI_NUMERICSERV) !== 0 ? undefined : serviceOfPort(port, (flags & NI_DGRAM) !== 0 ? "udp" : "tcp");
  const service = serviceName ?? String(port);
  if ((flags & NI_NUMERICHOST) !== 0) return [host, service];
  try {
    const { hostname } = await dns.promises.lookupService(host, port);
    return [hostname, service];
  } catch (e) {
    if ((flags & NI_NAMEREQD) !== 0) throw new gaierror(-2, "Name or service not known", { cause: e });
    return [host, service];
  }
}

interface ServiceEntry {
  name: string;
  port: number;
  proto: string;
  aliases: string[];
}

let services: ServiceEntry[] | undefined;

function loadServices(): ServiceEntry[] {
  if (services !== undefined) return services;
  let text = "";
  try {
    text = readFileSync("/etc/services", "latin1");
  } catch {
    text = "";
  }
  const entries: ServiceEntry[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.replace(/#.*/, "").trim();
    if (line === "") continue;
    const [name, portProto, ...aliases] = line.split(/\s+/);
    const m = /^(\d+)\/(\w+)$/.exec(portProto ?? "");
    if (name === undefined || m === null) continue;
    entries.push({ name, port: Number(m[1]), proto: m[2]!, aliases });
  }
  services = entries;
  return entries;
}

function lookupService(name: string, proto: string | undefined): number | undefined {
  for (const e of loadServices()) {
    if ((proto === undefined || e.proto === proto) && (e.name === name || e.aliases.includes(name))) return e.port;
  }
  return undefined;
}

function serviceOfPort(port: number, proto: string | undefined): string | undefined {
  for (const e of loadServices()) {
    if (e.port === port && (proto === undefined || e.proto === proto)) return e.name;
  }
  return undefined;
}

/**
 * The port of a service name, from /etc/services, as Python's `getservbyname`.
 * Throws `OSError` ("service/proto not found") for an unknown one.
 *
 * @example
 * ```ts
 * getservbyname("smtp", "tcp"); // 25
 * ```
 */
export function getservbyname(servicename: string, protocolname?: string): number {
  const port = lookupService(servicename, protocolname);
  if (port === undefined) throw new OSError("service/proto not found");
  return port;
}

/**
 * The service name of a port, from /etc/services, as Python's `getservbyport`.
 * Throws `OSError` ("port/proto not found") for an unknown one.
 *
 * @example
 * ```ts
 * getservbyport(21); // "ftp"
 * ```
 */
export function getservbyport(port: number, protocolname?: string): string {
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new OverflowError("getservbyport: port must be 0-65535.");
  const name = serviceOfPort(port, protocolname);
  if (name === undefined) throw new OSError("port/proto not found");
  return name;
}
