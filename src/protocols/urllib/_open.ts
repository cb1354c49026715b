/**
 * What Python's default opener does for `urlopen`, as one pipeline: the
 * ProxyHandler, HTTP(S)Handler (`do_request_` + `do_open`), HTTPErrorProcessor,
 * HTTPRedirectHandler, HTTPDefaultErrorHandler, FileHandler, DataHandler,
 * FTPHandler and UnknownHandler, in Python's order and with Python's messages.
 * @module
 */
import { lookup } from "node:dns/promises";
import { open as openFile } from "node:fs/promises";
import { networkInterfaces } from "node:os";
import { getdefaulttimeout } from "../../sockets/_defaulttimeout.js";
import { OSError, PyTypeError, fromNodeError, oserror } from "../../sockets/errors.js";
import type { SSLContext } from "../../sockets/ssl.js";
import { HTTPConnection } from "../http/_connection.js";
import { HTTPSConnection } from "../http/_https.js";
import { HTTPMessage } from "../http/_message.js";
import { Engine, type EngineOptions } from "../http/_undici.js";
import type { HTTPResponse } from "../http/_response.js";
import { addinfourl, bufferSource, fileSource } from "./_addinfourl.js";
import { guess_type } from "./_mimetypes.js";
import { getproxies, proxy_bypass_environment } from "./_proxies.js";
import { quote, unquote, unquote_to_bytes } from "./_quoting.js";
import { Request, type RequestData } from "./_requestobj.js";
import { _parse_proxy, _splithost, _splitport, _splittype } from "./_splitters.js";
import { urljoin, urlparse, urlunparse } from "./_urlsplit.js";
import { HTTPError, URLError, type UrlResponse } from "./error.js";

/**
 * Python's `OpenerDirector.addheaders`: the User-agent urllib sends.
 *
 * @example
 * ```ts
 * USER_AGENT; // "Python-urllib/3.11"
 * ```
 */
export const USER_AGENT = "Python-urllib/3.11";

/**
 * Python's `HTTPRedirectHandler` limits (read-only here).
 *
 * @example
 * ```ts
 * HTTPRedirectHandler.max_redirections; // 10
 * ```
 */
export const HTTPRedirectHandler = Object.freeze({
  /** How often one URL may be visited in a redirect chain. */
  max_repeats: 4,
  /** How many redirects one chain may take. */
  max_redirections: 10,
  inf_msg: "The HTTP server returned a redirect error that would lead to an infinite loop.\nThe last 30x error message was:\n",
});

const PUNCTUATION = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** Python's keyword arguments of `urlopen`. */
export interface UrlopenOptions {
  /** Seconds for each wait; `socket.getdefaulttimeout()` when omitted. */
  timeout?: number | null;
  /** The TLS context for https: URLs; a verifying default context when omitted. */
  context?: SSLContext | null;
}

/** Python's `str.title()` for header names: each run of letters capitalised (the usual names remembered). */
function title(name: string): string {
  let t = titles.get(name);
  if (t === undefined) {
    t = name.toLowerCase().replace(/(^|[^a-z])([a-z])/g, (_m, pre: string, c: string) => pre + c.toUpperCase());
    if (titles.size >= 256) titles.clear();
    titles.set(name, t);
  }
  return t;
}
const titles = new Map<string, string>();

function messageFrom(text: string): HTTPMessage {
  const pairs: [string, string][] = [];
  for (const line of text.split("\n")) {
    const colon = line.indexOf(":");
    if (colon > 0) pairs.push([line.slice(0, colon), line.slice(colon + 1).replace(/^[ \t]+/, "")]);
  }
  return new HTTPMessage(pairs);
}

/**
 * The proxies of Python's global opener: its ProxyHandler reads them from
 * the environment once, when the first urlopen builds the opener, and
 * `urlcleanup()` drops the opener (see `_forgetOpener`).
 */
let openerProxies: Record<string, string> | undefined;

/** Python's `urlcleanup` dropping `_opener`: the next urlopen reads the proxies again. */
export function _forgetOpener(): void {
  openerProxies = undefined;
}

function applyProxy(req: Request): void {
  const proxies = (openerProxies ??= getproxies());
  const proxy = proxies[req.type];
  if (proxy === undefined) return;
  const origType = req.type;
  const [parsedType, user, password, rawHostport] = _parse_proxy(proxy);
  const proxyType = parsedType ?? origType;
  // Python's proxy_bypass reads no_proxy afresh
  if (req.host && proxy_bypass_environment(req.host)) return;
  if (user && password) {
    const creds = Buffer.from(`${unquote(user)}:${unquote(password)}`).toString("base64");
    req.add_header("Proxy-authorization", "Basic " + creds);
  }
  req.set_proxy(unquote(rawHostport), proxyType);
}

/** urllib's http: connection: one request with `Connection: close` (see Engine.forOneRequest). */
class OneRequestConnection extends HTTPConnection {
  protected override _newEngine(options: EngineOptions): Engine {
    return Engine.forOneRequest(options);
  }
}

/** urlopen's http: connection for a request that may go over a kept connection (see Engine.reusing). */
class ReusingConnection extends HTTPConnection {
  protected override _newEngine(options: EngineOptions): Engine {
    return Engine.reusing(options);
  }
}

/** The same for https: under the default context (no `context` given), whose connections are all alike. */
class ReusingHTTPSConnection extends HTTPSConnection {
  protected override _newEngine(options: EngineOptions): Engine {
    return Engine.reusing(options, true);
  }
}

/** Methods that may be sent again (RFC 9110 §9.2.2) when a kept connection turns out closed. */
const IDEMPOTENT = new Set(["GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"]);

/**
 * Whether urlopen sends `req` over a connection kept from an earlier call
 * (and keeps it for the next) instead of Python's one connection per call
 * with `Connection: close`: http:, or https: with the default context;
 * no tunnel, no body, an idempotent method, and no `Connection` header of the caller's.
 */
function mayReuse(req: Request, data: unknown, context: SSLContext | null): boolean {
  const scheme = req.type === "http" || (req.type === "https" && context === null);
  return scheme && req._tunnel_host === null && data === null && IDEMPOTENT.has(req.get_method()) && !req.has_header("Connection");
}

async function httpOpen(req: Request, context: SSLContext | null): Promise<HTTPResponse> {
  const host = req.host;
  if (!host) throw new URLError("no host given");
  // AbstractHTTPHandler.do_request_
  const data = req.data as RequestData | string | null;
  if (data !== null) {
    if (typeof data === "string") {
      throw new PyTypeError("POST data should be bytes, an iterable of bytes, or a file object. It cannot be of type str.");
    }
    if (!req.has_header("Content-type")) req.add_unredirected_header("Content-type", "application/x-www-form-urlencoded");
    if (!req.has_header("Content-length") && !req.has_header("Transfer-encoding")) {
      const length = HTTPConnection._get_content_length(data, req.get_method());
      if (length !== null) req.add_unredirected_header("Content-length", String(length));
      else req.add_unredirected_header("Transfer-encoding", "chunked");
    }
  }
  let selHost = host;
  if (req.has_proxy()) {
    const [, sel] = _splittype(req.selector);
    selHost = _splithost(sel)[0] ?? host;
  }
  if (!req.has_header("Host")) req.add_unredirected_header("Host", selHost);
  if (!req.has_header("User-agent")) req.add_unredirected_header("User-agent", USER_AGENT);
  // AbstractHTTPHandler.do_open
  const reuse = mayReuse(req, data, context);
  const options = { timeout: req.timeout };
  let h: HTTPConnection;
  if (req.type === "https") h = reuse ? new ReusingHTTPSConnection(host, null, options) : new HTTPSConnection(host, null, { ...options, context });
  else h = reuse ? new ReusingConnection(host, null, options) : new OneRequestConnection(host, null, options);
  const merged = new Map(req.unredirected_hdrs);
  for (const [k, v] of req.headers) if (!merged.has(k)) merged.set(k, v);
  // undici writes `connection: keep-alive` itself for a request that may reuse
  if (!reuse) merged.set("Connection", "close");
  const titled = new Map([...merged].map(([k, v]) => [title(k), v]));
  if (req._tunnel_host !== null) {
    // Proxy-Authorization goes to the proxy with CONNECT, not to the origin server.
    const tunnelHeaders: Record<string, string> = {};
    const auth = titled.get("Proxy-Authorization");
    if (auth !== undefined) {
      tunnelHeaders["Proxy-Authorization"] = auth;
      titled.delete("Proxy-Authorization");
    }
    h.set_tunnel(req._tunnel_host, null, tunnelHeaders);
  }
  const headers: [string, string][] = [...titled];
  let r: HTTPResponse;
  try {
    try {
      await h.request(req.get_method(), req.selector, data, headers, { encode_chunked: req.has_header("Transfer-encoding") });
    } catch (e) {
      if (e instanceof OSError) throw new URLError(e);
      throw e;
    }
    r = await h.getresponse();
  } catch (e) {
    h.close();
    throw e;
  }
  h._close_socket();
  r.url = req.get_full_url();
  return r;
}

async function redirect(req: Request, fp: HTTPResponse, code: number, msg: string, headers: HTTPMessage, context: SSLContext | null): Promise<UrlResponse | null> {
  let newurl = headers.get("location") ?? headers.get("uri");
  if (newurl === null) return null;
  const parts = urlparse(newurl);
  if (!["http", "https", "ftp", ""].includes(parts.scheme)) {
    throw new HTTPError(newurl, code, `${msg} - Redirection to url '${newurl}' is not allowed`, headers, fp);
  }
  newurl = urlunparse(!parts.path && parts.netloc ? parts._replace({ path: "/" }) : parts);
  newurl = quote(newurl, PUNCTUATION, "iso-8859-1");
  newurl = urljoin(req.full_url, newurl);
  // HTTPRedirectHandler.redirect_request
  const m = req.get_method();
  if (!((REDIRECTS.has(code) && (m === "GET" || m === "HEAD")) || ([301, 302, 303].includes(code) && m === "POST"))) {
    throw new HTTPError(req.full_url, code, msg, headers, fp);
  }
  newurl = newurl.replaceAll(" ", "%20");
  const newheaders: [string, string][] = [...req.headers].filter(([k]) => !["content-length", "content-type"].includes(k.toLowerCase()));
  const next = new Request(newurl, null, newheaders, { origin_req_host: req.origin_req_host, unverifiable: true });
  let visited = req.redirect_dict;
  if (visited !== null) {
    if ((visited.get(newurl) ?? 0) >= HTTPRedirectHandler.max_repeats || visited.size >= HTTPRedirectHandler.max_redirections) {
      throw new HTTPError(req.full_url, code, HTTPRedirectHandler.inf_msg + msg, headers, fp);
    }
  } else {
    visited = new Map();
    req.redirect_dict = visited;
  }
  next.redirect_dict = visited;
  visited.set(newurl, (visited.get(newurl) ?? 0) + 1);
  await fp.read();
  fp.close();
  next.timeout = req.timeout;
  return openRequest(next, context);
}

function localNames(): Set<string> {
  const names = new Set(["127.0.0.1", "::1"]);
  for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) names.add(a.address);
  return names;
}

async function fileOpen(req: Request): Promise<addinfourl> {
  const url = req.selector;
  if (url.startsWith("//") && url[2] !== "/" && req.host && req.host !== "localhost") {
    throw new URLError("file:// scheme is supported only on localhost");
  }
  // FileHandler.open_local_file
  let host = req.host;
  const filename = req.selector;
  const localfile = unquote(filename);
  let fh;
  try {
    fh = await openFile(localfile, "r");
    const stats = await fh.stat();
    if (stats.isDirectory()) throw oserror(21, { filename: localfile });
    const mtype = guess_type(filename);
    const headers = messageFrom(`Content-type: ${mtype ?? "text/plain"}\nContent-length: ${stats.size}\nLast-modified: ${stats.mtime.toUTCString()}\n`);
    let port: string | null = null;
    if (host) [host, port] = _splitport(host);
    let local = !host;
    if (!local && port === null && host) {
      try {
        const addr = (await lookup(host, { family: 4 })).address;
        local = localNames().has(addr);
      } catch {
        local = false;
      }
    }
    if (local) {
      const origurl = host ? `file://${host}${filename}` : `file://${filename}`;
      const out = new addinfourl(fileSource(fh), headers, origurl);
      fh = undefined;
      return out;
    }
  } catch (e) {
    if (e instanceof OSError) throw new URLError(e);
    const translated = fromNodeError(e);
    const errno = translated instanceof OSError ? translated.errno : null;
    throw new URLError(errno !== null ? oserror(errno, { cause: e, filename: localfile }) : translated);
  } finally {
    await fh?.close();
  }
  throw new URLError("file not on local host");
}

function dataOpen(req: Request): addinfourl {
  const url = req.full_url;
  const colon = url.indexOf(":");
  const rest = url.slice(colon + 1);
  const comma = rest.indexOf(",");
  if (comma < 0) throw new URLError("data URL has no ','");
  let mediatype = rest.slice(0, comma);
  let data: Uint8Array = unquote_to_bytes(rest.slice(comma + 1));
  if (mediatype.endsWith(";base64")) {
    const text = Buffer.from(data).toString("latin1").replace(/[^A-Za-z0-9+/=]/g, "");
    data = Buffer.from(text, "base64");
    mediatype = mediatype.slice(0, -7);
  }
  if (!mediatype) mediatype = "text/plain;charset=US-ASCII";
  const headers = messageFrom(`Content-type: ${mediatype}\nContent-length: ${data.length}\n`);
  return new addinfourl(bufferSource(data), headers, url);
}

/** Opens a prepared Request through the whole pipeline (proxies, scheme, errors, redirects). */
export async function openRequest(req: Request, context: SSLContext | null): Promise<UrlResponse> {
  applyProxy(req);
  switch (req.type) {
    case "http":
    case "https": {
      const r = await httpOpen(req, context);
      const code = r.status;
      if (code >= 200 && code < 300) return r;
      if (REDIRECTS.has(code)) {
        const next = await redirect(req, r, code, r.reason, r.headers, context);
        if (next !== null) return next;
      }
      throw new HTTPError(req.full_url, code, r.reason, r.headers, r);
    }
    case "file":
      return fileOpen(req);
    case "data":
      return dataOpen(req);
    case "ftp": {
      const { ftpOpen } = await import("./_ftpopen.js");
      return ftpOpen(req);
    }
    default:
      throw new URLError(`unknown url type: ${req.type}`);
  }
}

/**
 * Python's `urlopen`: fetch a URL (a string or a `Request`) and resolve to
 * its response. Status >= 400 (and redirects that cannot be followed) reject
 * with `HTTPError`; failures to connect with `URLError`. A request with no
 * body and an idempotent method reuses a connection an earlier call kept
 * (see the module doc).
 *
 * @example
 * ```ts
 * const r = await urlopen("http://127.0.0.1:8000/", null, { timeout: 10 });
 * console.log(r.status, r.headers.get("content-type"), (await r.read()).length);
 * ```
 */
export async function urlopen(url: string | Request, data: RequestData | null = null, options: UrlopenOptions = {}): Promise<UrlResponse> {
  const req = typeof url === "string" ? new Request(url, data) : url;
  if (typeof url !== "string" && data !== null) req.data = data;
  req.timeout = options.timeout === undefined ? getdefaulttimeout() : options.timeout;
  return openRequest(req, options.context ?? null);
}
