/**
 * The old URL splitters urllib.request still relies on (`_splittype`,
 * `_splithost`, `_splittag`, `_splitport`, `_splituser`, `_splitpasswd`,
 * `unwrap`, `_parse_proxy`), ported from CPython 3.11's `urllib.parse`.
 * @module
 */
import { ValueError } from "../../sockets/errors.js";

/** `unwrap('<URL:type://host/path>')` → `'type://host/path'`. */
export function unwrap(url: string): string {
  url = url.trim();
  if (url.startsWith("<") && url.endsWith(">")) url = url.slice(1, -1).trim();
  if (url.startsWith("URL:")) url = url.slice(4).trim();
  return url;
}

/** `'type:opaquestring'` → `['type', 'opaquestring']` (scheme lower-cased), or `[null, url]`. */
export function _splittype(url: string): [string | null, string] {
  const m = /^([^/:]+):([^]*)$/.exec(url);
  return m === null ? [null, url] : [m[1]!.toLowerCase(), m[2]!];
}

/** `'//host[:port]/path'` → `['host[:port]', '/path']`, or `[null, url]`. */
export function _splithost(url: string): [string | null, string] {
  const m = /^\/\/([^/#?]*)([^]*)$/.exec(url);
  if (m === null) return [null, url];
  let path = m[2]!;
  if (path && !path.startsWith("/")) path = "/" + path;
  return [m[1]!, path];
}

/** `'/path#tag'` → `['/path', 'tag']`, or `[url, null]`. */
export function _splittag(url: string): [string, string | null] {
  const i = url.lastIndexOf("#");
  return i < 0 ? [url, null] : [url.slice(0, i), url.slice(i + 1)];
}

/** `'host:port'` → `['host', 'port']`, or `[host, null]`. */
export function _splitport(host: string): [string, string | null] {
  const m = /^([^]*):([0-9]*)$/.exec(host);
  if (m === null) return [host, null];
  return [m[1]!, m[2] ? m[2] : null];
}

/** `'user[:passwd]@host[:port]'` → `['user[:passwd]', 'host[:port]']`. */
export function _splituser(host: string): [string | null, string] {
  const i = host.lastIndexOf("@");
  return i < 0 ? [null, host] : [host.slice(0, i), host.slice(i + 1)];
}

/** `'user:passwd'` → `['user', 'passwd']`. */
export function _splitpasswd(user: string): [string, string | null] {
  const i = user.indexOf(":");
  return i < 0 ? [user, null] : [user.slice(0, i), user.slice(i + 1)];
}

/** Python's `_parse_proxy`: `[scheme, user, password, hostport]` of a proxy setting. */
export function _parse_proxy(proxy: string): [string | null, string | null, string | null, string] {
  const [parsedScheme, rScheme] = _splittype(proxy);
  let scheme = parsedScheme;
  let authority: string;
  if (!rScheme.startsWith("/")) {
    scheme = null;
    authority = proxy;
  } else {
    if (!rScheme.startsWith("//")) throw new ValueError(`proxy URL with no authority: '${proxy}'`);
    let end: number;
    if (rScheme.includes("@")) end = rScheme.indexOf("/", rScheme.indexOf("@"));
    else end = rScheme.indexOf("/", 2);
    authority = end < 0 ? rScheme.slice(2) : rScheme.slice(2, end);
  }
  const [userinfo, hostport] = _splituser(authority);
  let user: string | null = null;
  let password: string | null = null;
  if (userinfo !== null) [user, password] = _splitpasswd(userinfo);
  return [scheme, user, password, hostport];
}
