/**
 * Python's `urllib.request.Request`: a URL, optional data, headers stored
 * under Python's `str.capitalize()` spelling (`Content-type`), and the
 * method rule (POST when there is data).
 * @module
 */
import { ValueError } from "../../sockets/errors.js";
import { unquote } from "./_quoting.js";
import { _splithost, _splittag, _splittype, _splitport, unwrap } from "./_splitters.js";

/** Data a request may carry: bytes, or chunks of bytes (sent chunked). */
export type RequestData = Uint8Array | Iterable<Uint8Array> | AsyncIterable<Uint8Array>;

/** Python's keyword arguments of `Request`. */
export interface RequestOptions {
  /** The host of the origin transaction (RFC 2965); the URL's host by default. */
  origin_req_host?: string | null;
  /** Whether the user could not approve the request (a redirect, an image). @default false */
  unverifiable?: boolean;
  /** The method; GET, or POST when there is data, by default. */
  method?: string | null;
}

/** Python's `str.capitalize()`: first character upper-case, the rest lower-case. */
export function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1).toLowerCase();
}

/**
 * Python's `request_host`: the host of a request, port stripped, lower-cased.
 *
 * @example
 * ```ts
 * request_host(new Request("http://Example.org:8080/")); // "example.org"
 * ```
 */
export function request_host(request: Request): string {
  const url = request.full_url;
  let host = _splithost(_splittype(url)[1])[0] ?? "";
  if (host === "") host = request.get_header("Host", "") ?? "";
  return _splitport(host)[0].toLowerCase();
}

/**
 * Python's `Request`: what `urlopen` fetches.
 *
 * @example
 * ```ts
 * const req = new Request("http://127.0.0.1:8000/api", Buffer.from("{}"), { "Content-Type": "application/json" }, { method: "PUT" });
 * req.get_method();               // "PUT"
 * req.get_header("Content-type"); // "application/json"
 * ```
 */
export class Request {
  /** Headers that follow redirects, keyed as `str.capitalize()` spells them. */
  headers: Map<string, string> = new Map();
  /** Headers for this hop only (Host, Content-length, …). */
  unredirected_hdrs: Map<string, string> = new Map();
  origin_req_host: string;
  unverifiable: boolean;
  /** The method given, if any (see `get_method`). */
  method: string | null;
  /** The URL's scheme ("http", "file", …). */
  type!: string;
  /** The URL's host (with port), unquoted. */
  host!: string | null;
  /** What goes on the request line: the path (or the whole URL through a proxy). */
  selector!: string;
  /** The URL's fragment, or `null`. */
  fragment: string | null = null;
  /** Seconds for each wait, set by `urlopen`. */
  timeout: number | null = null;
  /** The visited URLs of a redirect chain (Python's `redirect_dict`). */
  redirect_dict: Map<string, number> | null = null;
  _tunnel_host: string | null = null;
  #fullUrl = "";
  #data: RequestData | null = null;

  constructor(
    url: string,
    data: RequestData | null = null,
    headers: Readonly<Record<string, string>> | Iterable<readonly [string, string]> = {},
    options: RequestOptions = {},
  ) {
    this.full_url = url;
    this.data = data;
    const entries = Symbol.iterator in headers ? [...(headers)] : Object.entries(headers);
    for (const [k, v] of entries) this.add_header(k, v);
    this.origin_req_host = options.origin_req_host ?? request_host(this);
    this.unverifiable = options.unverifiable ?? false;
    this.method = options.method ?? null;
  }

  /** The URL, fragment included. Setting it re-parses it, as Python's property. */
  get full_url(): string {
    return this.fragment ? `${this.#fullUrl}#${this.fragment}` : this.#fullUrl;
  }

  set full_url(url: string) {
    [this.#fullUrl, this.fragment] = _splittag(unwrap(url));
    this.#parse();
  }

  /** The data; setting different data drops a Content-length header, as Python. */
  get data(): RequestData | null {
    return this.#data;
  }

  set data(data: RequestData | null) {
    if (data !== this.#data) {
      this.#data = data;
      if (this.has_header("Content-length")) this.remove_header("Content-length");
    }
  }

  #parse(): void {
    const [type, rest] = _splittype(this.#fullUrl);
    if (type === null) throw new ValueError(`unknown url type: '${this.full_url}'`);
    this.type = type;
    const [host, selector] = _splithost(rest);
    this.host = host === null ? null : unquote(host);
    this.selector = selector;
  }

  /**
   * The method: the one given, else POST with data and GET without.
   *
   * @example
   * ```ts
   * new Request("http://h/", Buffer.from("x")).get_method(); // "POST"
   * ```
   */
  get_method(): string {
    return this.method ?? (this.data !== null ? "POST" : "GET");
  }

  /**
   * The URL with its fragment, as Python's `get_full_url()`.
   *
   * @example
   * ```ts
   * req.get_full_url();
   * ```
   */
  get_full_url(): string {
    return this.full_url;
  }

  /**
   * Routes the request through a proxy (Python's `set_proxy`).
   *
   * @example
   * ```ts
   * req.set_proxy("proxy:3128", "http");
   * ```
   */
  set_proxy(host: string, type: string): void {
    if (this.type === "https" && this._tunnel_host === null) {
      this._tunnel_host = this.host;
    } else {
      this.type = type;
      this.selector = this.full_url;
    }
    this.host = host;
  }

  /**
   * Whether the request goes through a proxy.
   *
   * @example
   * ```ts
   * req.has_proxy(); // false
   * ```
   */
  has_proxy(): boolean {
    return this.selector === this.full_url;
  }

  /**
   * Adds a header (its name stored as `key.capitalize()`).
   *
   * @example
   * ```ts
   * req.add_header("user-agent", "stdnet"); // stored as "User-agent"
   * ```
   */
  add_header(key: string, val: string): void {
    this.headers.set(capitalize(key), val);
  }

  /**
   * Adds a header that is not repeated on redirects.
   *
   * @example
   * ```ts
   * req.add_unredirected_header("Authorization", "Basic …");
   * ```
   */
  add_unredirected_header(key: string, val: string): void {
    this.unredirected_hdrs.set(capitalize(key), val);
  }

  /**
   * Whether a header is set (exact stored spelling, as Python).
   *
   * @example
   * ```ts
   * req.has_header("Content-type");
   * ```
   */
  has_header(header_name: string): boolean {
    return this.headers.has(header_name) || this.unredirected_hdrs.has(header_name);
  }

  /**
   * A header's value, or `default_`.
   *
   * @example
   * ```ts
   * req.get_header("User-agent", "none");
   * ```
   */
  get_header<T = null>(header_name: string, default_: T = null as T): string | T {
    return this.headers.get(header_name) ?? this.unredirected_hdrs.get(header_name) ?? default_;
  }

  /**
   * Removes a header from both sets.
   *
   * @example
   * ```ts
   * req.remove_header("Content-length");
   * ```
   */
  remove_header(header_name: string): void {
    this.headers.delete(header_name);
    this.unredirected_hdrs.delete(header_name);
  }

  /**
   * All headers, the redirected ones winning, as Python's `header_items()`.
   *
   * @example
   * ```ts
   * req.header_items(); // [["Content-type", "text/plain"], …]
   * ```
   */
  header_items(): [string, string][] {
    return [...new Map([...this.unredirected_hdrs, ...this.headers])];
  }
}
