/**
 * The splitting half of Python's `urllib.parse`: `urlsplit`, `urlparse`,
 * their inverses, `urljoin`, `urldefrag`, and the named-tuple results with
 * `username password hostname port` (a line-by-line port of CPython 3.11).
 * @module
 */
import { ValueError } from "../../sockets/errors.js";
import { repr } from "../../sockets/repr.js";

/**
 * Schemes whose URLs may be relative (Python's `uses_relative`).
 *
 * @example
 * ```ts
 * uses_relative.includes("https"); // true
 * ```
 */
export const uses_relative: readonly string[] = ["", "ftp", "http", "gopher", "nntp", "imap", "wais", "file", "https", "shttp", "mms", "prospero", "rtsp", "rtsps", "rtspu", "sftp", "svn", "svn+ssh", "ws", "wss"];
/**
 * Schemes whose URLs carry a network location (Python's `uses_netloc`).
 *
 * @example
 * ```ts
 * uses_netloc.includes("git+ssh"); // true
 * ```
 */
export const uses_netloc: readonly string[] = ["", "ftp", "http", "gopher", "nntp", "telnet", "imap", "wais", "file", "mms", "https", "shttp", "snews", "prospero", "rtsp", "rtsps", "rtspu", "rsync", "svn", "svn+ssh", "sftp", "nfs", "git", "git+ssh", "ws", "wss"];
/**
 * Schemes whose paths may carry `;params` (Python's `uses_params`).
 *
 * @example
 * ```ts
 * uses_params.includes("sip"); // true
 * ```
 */
export const uses_params: readonly string[] = ["", "ftp", "hdl", "prospero", "http", "imap", "https", "shttp", "rtsp", "rtsps", "rtspu", "sip", "sips", "mms", "sftp", "tel"];

const RELATIVE = new Set(uses_relative);
const NETLOC = new Set(uses_netloc);
const PARAMS = new Set(uses_params);
const SCHEME_CHARS = /^[A-Za-z0-9+\-.]*$/;
// WHATWG "C0 control or space": stripped from both ends of a URL.
const C0_OR_SPACE_START = /^[\x00-\x20]+/;
const C0_OR_SPACE_BOTH = /^[\x00-\x20]+|[\x00-\x20]+$/g;
const UNSAFE_BYTES = /[\t\r\n]/g;

/** The fields every netloc-carrying result derives from `netloc`. */
export interface NetlocFields {
  /** The user name before `@`, or `null`. */
  readonly username: string | null;
  /** The password after `user:`, or `null`. */
  readonly password: string | null;
  /** The host, lower-cased (an IPv6 zone keeps its case), or `null`. */
  readonly hostname: string | null;
  /** The port as a number, or `null`; a bad port throws `ValueError` as Python's does. */
  readonly port: number | null;
}

/** Python's `SplitResult`: a readonly 5-tuple that also carries its field names. */
export type SplitResult = readonly [scheme: string, netloc: string, path: string, query: string, fragment: string] &
  NetlocFields & {
    readonly scheme: string;
    readonly netloc: string;
    readonly path: string;
    readonly query: string;
    readonly fragment: string;
    /** The URL put back together (`urlunsplit(this)`). */
    geturl(): string;
    /** A copy with some fields replaced, as namedtuple's `_replace`. */
    _replace(fields: Partial<Record<"scheme" | "netloc" | "path" | "query" | "fragment", string>>): SplitResult;
  };

/** Python's `ParseResult`: a readonly 6-tuple that also carries its field names. */
export type ParseResult = readonly [scheme: string, netloc: string, path: string, params: string, query: string, fragment: string] &
  NetlocFields & {
    readonly scheme: string;
    readonly netloc: string;
    readonly path: string;
    readonly params: string;
    readonly query: string;
    readonly fragment: string;
    /** The URL put back together (`urlunparse(this)`). */
    geturl(): string;
    /** A copy with some fields replaced, as namedtuple's `_replace`. */
    _replace(fields: Partial<Record<"scheme" | "netloc" | "path" | "params" | "query" | "fragment", string>>): ParseResult;
  };

/** Python's `DefragResult`: `[url, fragment]` with names. */
export type DefragResult = readonly [url: string, fragment: string] & {
  readonly url: string;
  readonly fragment: string;
  /** The URL with its fragment put back. */
  geturl(): string;
};

function userinfo(netloc: string): [string | null, string | null] {
  const at = netloc.lastIndexOf("@");
  if (at < 0) return [null, null];
  const info = netloc.slice(0, at);
  const colon = info.indexOf(":");
  return colon < 0 ? [info, null] : [info.slice(0, colon), info.slice(colon + 1)];
}

function hostinfo(netloc: string): [string, string | null] {
  const hostpart = netloc.slice(netloc.lastIndexOf("@") + 1);
  let hostname: string;
  let port: string;
  const open = hostpart.indexOf("[");
  if (open >= 0) {
    const bracketed = hostpart.slice(open + 1);
    const close = bracketed.indexOf("]");
    hostname = close < 0 ? bracketed : bracketed.slice(0, close);
    const after = close < 0 ? "" : bracketed.slice(close + 1);
    const colon = after.indexOf(":");
    port = colon < 0 ? "" : after.slice(colon + 1);
  } else {
    const colon = hostpart.indexOf(":");
    hostname = colon < 0 ? hostpart : hostpart.slice(0, colon);
    port = colon < 0 ? "" : hostpart.slice(colon + 1);
  }
  return [hostname, port === "" ? null : port];
}

const netlocProto = Object.create(Array.prototype) as object;
Object.defineProperties(netlocProto, {
  username: { get(this: { netloc: string }) { return userinfo(this.netloc)[0]; } },
  password: { get(this: { netloc: string }) { return userinfo(this.netloc)[1]; } },
  hostname: {
    get(this: { netloc: string }) {
      const host = hostinfo(this.netloc)[0];
      if (host === "") return null;
      const pct = host.indexOf("%");
      return pct < 0 ? host.toLowerCase() : host.slice(0, pct).toLowerCase() + host.slice(pct);
    },
  },
  port: {
    get(this: { netloc: string }) {
      const port = hostinfo(this.netloc)[1];
      if (port === null) return null;
      if (!/^[0-9]+$/.test(port)) throw new ValueError(`Port could not be cast to integer value as ${repr(port)}`);
      const n = Number.parseInt(port, 10);
      if (n > 65535) throw new ValueError("Port out of range 0-65535");
      return n;
    },
  },
});

const SPLIT_FIELDS = ["scheme", "netloc", "path", "query", "fragment"] as const;
const PARSE_FIELDS = ["scheme", "netloc", "path", "params", "query", "fragment"] as const;

function namedTuple(fields: readonly string[], proto: object): object {
  const p: object = Object.create(proto) as object;
  fields.forEach((name, i) => {
    Object.defineProperty(p, name, { get(this: readonly string[]) { return this[i]; } });
  });
  return p;
}

const splitProto = namedTuple(SPLIT_FIELDS, netlocProto);
Object.defineProperties(splitProto, {
  geturl: { value(this: SplitResult) { return urlunsplit(this); } },
  _replace: {
    value(this: SplitResult, f: Record<string, string | undefined>) {
      return makeSplit(f.scheme ?? this[0], f.netloc ?? this[1], f.path ?? this[2], f.query ?? this[3], f.fragment ?? this[4]);
    },
  },
});
const parseProto = namedTuple(PARSE_FIELDS, netlocProto);
Object.defineProperties(parseProto, {
  geturl: { value(this: ParseResult) { return urlunparse(this); } },
  _replace: {
    value(this: ParseResult, f: Record<string, string | undefined>) {
      return makeParse(f.scheme ?? this[0], f.netloc ?? this[1], f.path ?? this[2], f.params ?? this[3], f.query ?? this[4], f.fragment ?? this[5]);
    },
  },
});
const defragProto = namedTuple(["url", "fragment"], Array.prototype);
Object.defineProperty(defragProto, "geturl", {
  value(this: DefragResult) {
    return this[1] ? `${this[0]}#${this[1]}` : this[0];
  },
});
// Results with their proto are spread/compared as arrays; keep `toJSON` as plain arrays.
for (const proto of [splitProto, parseProto, defragProto]) {
  Object.defineProperty(proto, "toJSON", { value(this: readonly string[]) { return [...this]; } });
}

function makeSplit(scheme: string, netloc: string, path: string, query: string, fragment: string): SplitResult {
  const t = [scheme, netloc, path, query, fragment];
  Object.setPrototypeOf(t, splitProto);
  return Object.freeze(t) as unknown as SplitResult;
}

function makeParse(scheme: string, netloc: string, path: string, params: string, query: string, fragment: string): ParseResult {
  const t = [scheme, netloc, path, params, query, fragment];
  Object.setPrototypeOf(t, parseProto);
  return Object.freeze(t) as unknown as ParseResult;
}

function parseOctet(s: string): number {
  if (!/^[0-9]{1,3}$/.test(s)) throw new ValueError("bad octet");
  if (s !== "0" && s.startsWith("0")) throw new ValueError("leading zero");
  const n = Number(s);
  if (n > 255) throw new ValueError("octet > 255");
  return n;
}

function isIPv4(s: string): boolean {
  if (s === "" || s.includes("/")) return false;
  const octets = s.split(".");
  if (octets.length !== 4) return false;
  try {
    octets.forEach(parseOctet);
    return true;
  } catch {
    return false;
  }
}

// Python's ipaddress.IPv6Address(s) succeeds (scope id allowed).
function isIPv6(s: string): boolean {
  if (s.includes("/")) return false;
  const pct = s.indexOf("%");
  let addr = s;
  if (pct >= 0) {
    const scope = s.slice(pct + 1);
    if (scope === "" || scope.includes("%")) return false;
    addr = s.slice(0, pct);
  }
  if (addr === "") return false;
  const parts = addr.split(":");
  if (parts.length < 3) return false;
  const last = parts[parts.length - 1]!;
  if (last.includes(".")) {
    if (!isIPv4(last)) return false;
    parts.pop();
    parts.push("0", "0");
  }
  if (parts.length > 9) return false;
  let skip = -1;
  for (let i = 1; i < parts.length - 1; i++) {
    if (parts[i] === "") {
      if (skip >= 0) return false;
      skip = i;
    }
  }
  const hextets: string[] = [];
  if (skip >= 0) {
    let hi = skip;
    let lo = parts.length - skip - 1;
    if (parts[0] === "") {
      hi -= 1;
      if (hi) return false;
    }
    if (parts[parts.length - 1] === "") {
      lo -= 1;
      if (lo) return false;
    }
    if (8 - (hi + lo) < 1) return false;
    hextets.push(...parts.slice(0, hi), ...parts.slice(parts.length - lo));
  } else {
    if (parts.length !== 8 || parts[0] === "" || parts[7] === "") return false;
    hextets.push(...parts);
  }
  return hextets.every((h) => /^[0-9A-Fa-f]{1,4}$/.test(h));
}

function checkBracketedHost(hostname: string): void {
  if (hostname.startsWith("v")) {
    if (!/^v[a-fA-F0-9]+\.[^\n]+$/.test(hostname)) {
      throw new ValueError("IPvFuture address is invalid");
    }
    return;
  }
  if (isIPv4(hostname)) throw new ValueError("An IPv4 address cannot be in brackets");
  if (!isIPv6(hostname)) throw new ValueError(`${repr(hostname)} does not appear to be an IPv4 or IPv6 address`);
}

function checkNetloc(netloc: string): void {
  if (netloc === "" || /^[\x00-\x7f]*$/.test(netloc)) return;
  const n = netloc.replace(/[@:#?]/g, "");
  const normalized = n.normalize("NFKC");
  if (n === normalized) return;
  if (/[/?#@:]/.test(normalized)) {
    throw new ValueError(`netloc '${netloc}' contains invalid characters under NFKC normalization`);
  }
}

function splitNetloc(url: string, start: number): [string, string] {
  let delim = url.length;
  for (const c of "/?#") {
    const w = url.indexOf(c, start);
    if (w >= 0 && w < delim) delim = w;
  }
  return [url.slice(start, delim), url.slice(delim)];
}

/**
 * Python's `urlsplit`: `scheme://netloc/path?query#fragment` into a
 * `SplitResult`. Leading C0 controls and spaces are stripped, tabs and
 * newlines removed, as CPython 3.11 does.
 *
 * @example
 * ```ts
 * const r = urlsplit("https://user@Example.org:8080/a?b#c");
 * r.hostname; // "example.org"
 * r.port;     // 8080
 * ```
 */
export function urlsplit(url: string, scheme = "", allow_fragments = true): SplitResult {
  url = url.replace(C0_OR_SPACE_START, "").replace(UNSAFE_BYTES, "");
  scheme = scheme.replace(C0_OR_SPACE_BOTH, "").replace(UNSAFE_BYTES, "");
  let netloc = "";
  let query = "";
  let fragment = "";
  const i = url.indexOf(":");
  if (i > 0 && /^[A-Za-z]/.test(url) && SCHEME_CHARS.test(url.slice(0, i))) {
    scheme = url.slice(0, i).toLowerCase();
    url = url.slice(i + 1);
  }
  if (url.startsWith("//")) {
    [netloc, url] = splitNetloc(url, 2);
    const open = netloc.includes("[");
    const close = netloc.includes("]");
    if (open !== close) throw new ValueError("Invalid IPv6 URL");
    if (open && close) {
      const after = netloc.slice(netloc.indexOf("[") + 1);
      const end = after.indexOf("]");
      checkBracketedHost(end < 0 ? after : after.slice(0, end));
    }
  }
  if (allow_fragments) {
    const h = url.indexOf("#");
    if (h >= 0) {
      fragment = url.slice(h + 1);
      url = url.slice(0, h);
    }
  }
  const q = url.indexOf("?");
  if (q >= 0) {
    query = url.slice(q + 1);
    url = url.slice(0, q);
  }
  checkNetloc(netloc);
  return makeSplit(scheme, netloc, url, query, fragment);
}

function splitParams(url: string): [string, string] {
  let i: number;
  if (url.includes("/")) {
    i = url.indexOf(";", url.lastIndexOf("/"));
    if (i < 0) return [url, ""];
  } else {
    i = url.indexOf(";");
  }
  return [url.slice(0, i), url.slice(i + 1)];
}

/**
 * Python's `urlparse`: like `urlsplit`, with `;params` of the last path
 * segment split off for the schemes in `uses_params`.
 *
 * @example
 * ```ts
 * urlparse("http://h/p;x?q").params; // "x"
 * ```
 */
export function urlparse(url: string, scheme = "", allow_fragments = true): ParseResult {
  const [s, netloc, path, query, fragment] = urlsplit(url, scheme, allow_fragments);
  let p = path;
  let params = "";
  if (PARAMS.has(s) && p.includes(";")) [p, params] = splitParams(p);
  return makeParse(s, netloc, p, params, query, fragment);
}

/**
 * Python's `urlunsplit`: a URL from five parts (any 5-item sequence).
 *
 * @example
 * ```ts
 * urlunsplit(["http", "h", "/p", "q", ""]); // "http://h/p?q"
 * ```
 */
export function urlunsplit(components: readonly [string, string, string, string, string] | readonly string[]): string {
  const [scheme = "", netloc = "", path = "", query = "", fragment = ""] = components;
  let url = path;
  if (netloc || (scheme && NETLOC.has(scheme) && url.slice(0, 2) !== "//")) {
    if (url && url[0] !== "/") url = "/" + url;
    url = "//" + netloc + url;
  }
  if (scheme) url = scheme + ":" + url;
  if (query) url = url + "?" + query;
  if (fragment) url = url + "#" + fragment;
  return url;
}

/**
 * Python's `urlunparse`: a URL from six parts.
 *
 * @example
 * ```ts
 * urlunparse(["http", "h", "/p", "x", "q", "f"]); // "http://h/p;x?q#f"
 * ```
 */
export function urlunparse(components: readonly [string, string, string, string, string, string] | readonly string[]): string {
  const [scheme = "", netloc = "", path = "", params = "", query = "", fragment = ""] = components;
  const url = params ? `${path};${params}` : path;
  return urlunsplit([scheme, netloc, url, query, fragment]);
}

/**
 * Python's `urljoin`: resolve `url` against `base` (RFC 3986, Python's way).
 *
 * @example
 * ```ts
 * urljoin("http://a/b/c/d;p?q", "../g"); // "http://a/b/g"
 * ```
 */
export function urljoin(base: string, url: string, allow_fragments = true): string {
  if (!base) return url;
  if (!url) return base;
  const [bscheme, bnetloc, bpath, bparams, bquery] = urlparse(base, "", allow_fragments);
  const parsed = urlparse(url, bscheme, allow_fragments);
  const scheme = parsed[0];
  let netloc = parsed[1];
  let path = parsed[2];
  let params = parsed[3];
  let query = parsed[4];
  const fragment = parsed[5];
  if (scheme !== bscheme || !RELATIVE.has(scheme)) return url;
  if (NETLOC.has(scheme)) {
    if (netloc) return urlunparse([scheme, netloc, path, params, query, fragment]);
    netloc = bnetloc;
  }
  if (!path && !params) {
    path = bpath;
    params = bparams;
    if (!query) query = bquery;
    return urlunparse([scheme, netloc, path, params, query, fragment]);
  }
  const baseParts = bpath.split("/");
  if (baseParts[baseParts.length - 1] !== "") baseParts.pop();
  let segments: string[];
  if (path.startsWith("/")) {
    segments = path.split("/");
  } else {
    segments = [...baseParts, ...path.split("/")];
    if (segments.length > 2) {
      segments = [segments[0]!, ...segments.slice(1, -1).filter((s) => s !== ""), segments[segments.length - 1]!];
    }
  }
  const resolved: string[] = [];
  for (const seg of segments) {
    if (seg === "..") resolved.pop();
    else if (seg !== ".") resolved.push(seg);
  }
  const lastSeg = segments[segments.length - 1];
  if (lastSeg === "." || lastSeg === "..") resolved.push("");
  return urlunparse([scheme, netloc, resolved.join("/") || "/", params, query, fragment]);
}

/**
 * Python's `urldefrag`: `[url without fragment, fragment]`.
 *
 * @example
 * ```ts
 * urldefrag("http://h/p#top").fragment; // "top"
 * ```
 */
export function urldefrag(url: string): DefragResult {
  let defrag = url;
  let frag = "";
  if (url.includes("#")) {
    const [s, n, p, a, q, f] = urlparse(url);
    defrag = urlunparse([s, n, p, a, q, ""]);
    frag = f;
  }
  const t = [defrag, frag];
  Object.setPrototypeOf(t, defragProto);
  return Object.freeze(t) as unknown as DefragResult;
}
