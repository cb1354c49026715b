/**
 * `stdnet/urllib/request` — Python's `urllib.request`: `urlopen` and
 * `Request` for http:, https:, file:, data: and ftp: URLs, with Python's
 * redirects, proxies from the environment, and errors.
 *
 * @example
 * ```ts
 * import { urlopen, Request, urlretrieve } from "stdnet/urllib/request";
 * const r = await urlopen("http://127.0.0.1:8000/", null, { timeout: 10 });
 * console.log(r.status, r.headers.get("Content-Type"), (await r.read()).toString());
 * const post = new Request("http://127.0.0.1:8000/api", Buffer.from("{}"), { "Content-Type": "application/json" });
 * await urlretrieve("http://127.0.0.1:8000/big.bin", "big.bin");
 * ```
 *
 * Differences from Python:
 * - `urlopen`, `urlretrieve` and reading return Promises.
 * - The opener is fixed (Python's default handlers in their order): no
 *   `build_opener`/`install_opener`, no auth or cookie handlers.
 * - Proxies: HTTP through a proxy and HTTPS through a CONNECT tunnel, as Python.
 * - Connections: a request without a body and with an idempotent method
 *   (GET, HEAD, PUT, DELETE, OPTIONS, TRACE), over http: or over https:
 *   with the default context (no `context` given), goes over a connection
 *   kept from an earlier call to the same origin, and keeps its own for the
 *   next (undici's keep-alive times; idle connections do not keep the
 *   process alive). Python opens one per call and sends `Connection:
 *   close`, as stdnet still does for everything else (a body, a `context`
 *   of the caller's, a tunnel) and when the caller sets a `Connection` header. A request that a kept connection
 *   drops before any of the response arrived (the server closed it
 *   meanwhile) is sent again on a new connection.
 * - A response's `msg` stays its `HTTPMessage` (Python's urlopen overwrites it with the reason).
 * - `mimetypes` for file: URLs is a fixed table of common extensions (Python reads the system's).
 * - `cafile`/`capath`/`cadefault` are gone (removed from Python too): pass a `context`.
 * @module
 */
export { urlopen, USER_AGENT, HTTPRedirectHandler, type UrlopenOptions } from "./_open.js";
export { Request, request_host, type RequestData, type RequestOptions } from "./_requestobj.js";
export { urlretrieve, urlcleanup, type ReportHook } from "./_retrieve.js";
export { getproxies, getproxies_environment, proxy_bypass, proxy_bypass_environment } from "./_proxies.js";
export { addinfourl } from "./_addinfourl.js";
export { URLError, HTTPError, ContentTooShortError, type UrlResponse } from "./error.js";

import { quote, unquote } from "./_quoting.js";

/**
 * Python's `pathname2url` on POSIX: a local path quoted for a URL.
 *
 * @example
 * ```ts
 * pathname2url("/tmp/a b.txt"); // "/tmp/a%20b.txt"
 * ```
 */
export function pathname2url(pathname: string): string {
  return quote(pathname);
}

/**
 * Python's `url2pathname` on POSIX: a URL path unquoted to a local path.
 *
 * @example
 * ```ts
 * url2pathname("/tmp/a%20b.txt"); // "/tmp/a b.txt"
 * ```
 */
export function url2pathname(pathname: string): string {
  return unquote(pathname);
}
