/**
 * Socket addresses as Python spells them: `[host, port]` for AF_INET,
 * `[host, port, flowinfo, scope_id]` for AF_INET6, a path for AF_UNIX; their
 * checks, with Python's errors, and their conversion from node's.
 * @module
 */
import { AF_INET, AF_INET6, AF_UNIX } from "./constants.js";
import { OverflowError, PyTypeError } from "./errors.js";

/** An IPv4 address, as Python's `(host, port)`. */
export type AddressV4 = readonly [host: string, port: number];
/** An IPv6 address, as Python's `(host, port, flowinfo, scope_id)`. */
export type AddressV6 = readonly [host: string, port: number, flowinfo: number, scope_id: number];
/** Any socket address: a `[host, port]` tuple (with flowinfo and scope_id for IPv6) or a Unix path. */
export type Address = AddressV4 | AddressV6 | string;
/** What a call that takes an address accepts: for IPv6 the last two items may be left out. */
export type AddressInput = Address | readonly [host: string, port: number, flowinfo?: number, scope_id?: number];

/** A checked TCP/UDP endpoint. */
export interface Endpoint {
  host: string;
  port: number;
}

/** Checks an address for `family` and splits it, with Python's errors; `''` is "any" when binding. */
export function toEndpoint(family: number, address: AddressInput, call: string, binding: boolean): Endpoint {
  if (family === AF_UNIX) throw new PyTypeError("AF_UNIX address is a path");
  const familyName = family === AF_INET6 ? "AF_INET6" : "AF_INET";
  if (!Array.isArray(address)) {
    throw new PyTypeError(`${familyName} address must be tuple, not ${typeof address === "string" ? "str" : typeof address}`);
  }
  const tuple = address as readonly unknown[];
  if (family === AF_INET && tuple.length !== 2) {
    throw new PyTypeError(`AF_INET address must be a pair (host, port)`);
  }
  if (family === AF_INET6 && (tuple.length < 2 || tuple.length > 4)) {
    throw new PyTypeError(`AF_INET6 address must be a tuple (host, port[, flowinfo[, scopeid]])`);
  }
  const [host, port] = tuple;
  if (typeof host !== "string") throw new PyTypeError(`str, bytes or bytearray expected, not ${typeof host}`);
  if (typeof port !== "number" || !Number.isInteger(port)) {
    throw new PyTypeError(`'${typeof port}' object cannot be interpreted as an integer`);
  }
  if (port < 0 || port > 65535) throw new OverflowError(`${call}(): port must be 0-65535.`);
  let h = host;
  if (h === "") h = binding ? (family === AF_INET6 ? "::" : "0.0.0.0") : family === AF_INET6 ? "::1" : "127.0.0.1";
  else if (h === "<broadcast>") h = "255.255.255.255";
  else if (family === AF_INET6 && h.startsWith("[") && h.endsWith("]")) h = h.slice(1, -1);
  return { host: h, port };
}

/** Checks an AF_UNIX address (a path). */
export function toPath(address: AddressInput): string {
  if (typeof address !== "string") {
    throw new PyTypeError(`a bytes-like object is required, not '${Array.isArray(address) ? "tuple" : typeof address}'`);
  }
  return address;
}

/** Node's view of an endpoint → Python's tuple for the family. */
export function fromNode(family: number, host: string | undefined, port: number | undefined): Address {
  const h = host ?? (family === AF_INET6 ? "::" : "0.0.0.0");
  const p = port ?? 0;
  return family === AF_INET6 ? [h, p, 0, 0] : [h, p];
}
