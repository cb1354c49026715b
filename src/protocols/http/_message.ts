/**
 * Python's `http.client.HTTPMessage` (an `email.message.Message` holding
 * headers): names keep their case and order, lookups ignore case, repeated
 * headers are all kept.
 * @module
 */

/**
 * The headers of a response, as Python's `HTTPMessage`.
 *
 * @example
 * ```ts
 * const msg = new HTTPMessage([["Set-Cookie", "a=1"], ["set-cookie", "b=2"]]);
 * msg.get("SET-COOKIE");     // "a=1"
 * msg.get_all("set-cookie"); // ["a=1", "b=2"]
 * ```
 */
export class HTTPMessage implements Iterable<string> {
  readonly #headers: [string, string][];

  /** Builds a message from `[name, value]` pairs, in order. */
  constructor(headers: Iterable<readonly [string, string]> = []) {
    this.#headers = [];
    for (const [k, v] of headers) this.#headers.push([k, v]);
  }

  /**
   * The first value of a header, or `failobj` (default `null`), as Python's `msg.get(name)` / `msg[name]`.
   *
   * @example
   * ```ts
   * resp.msg.get("content-type"); // "text/html; charset=utf-8"
   * ```
   */
  get<T = null>(name: string, failobj: T = null as T): string | T {
    const lower = name.toLowerCase();
    for (const [k, v] of this.#headers) if (k.toLowerCase() === lower) return v;
    return failobj;
  }

  /**
   * Every value of a header in order, or `failobj` (default `null`) when there is none.
   *
   * @example
   * ```ts
   * resp.msg.get_all("set-cookie"); // ["a=1", "b=2"]
   * ```
   */
  get_all<T = null>(name: string, failobj: T = null as T): string[] | T {
    const lower = name.toLowerCase();
    const out: string[] = [];
    for (const [k, v] of this.#headers) if (k.toLowerCase() === lower) out.push(v);
    return out.length > 0 ? out : failobj;
  }

  /**
   * Whether the header is present (Python's `name in msg`).
   *
   * @example
   * ```ts
   * msg.has("Content-Length"); // true
   * ```
   */
  has(name: string): boolean {
    const lower = name.toLowerCase();
    return this.#headers.some(([k]) => k.toLowerCase() === lower);
  }

  /**
   * Header names in order, repeats included.
   *
   * @example
   * ```ts
   * msg.keys(); // ["Content-Type", "Content-Length"]
   * ```
   */
  keys(): string[] {
    return this.#headers.map(([k]) => k);
  }

  /**
   * Header values in order.
   *
   * @example
   * ```ts
   * msg.values(); // ["text/plain", "5"]
   * ```
   */
  values(): string[] {
    return this.#headers.map(([, v]) => v);
  }

  /**
   * `[name, value]` pairs in order, as Python's `msg.items()`.
   *
   * @example
   * ```ts
   * for (const [k, v] of msg.items()) console.log(k, v);
   * ```
   */
  items(): [string, string][] {
    return this.#headers.map(([k, v]) => [k, v]);
  }

  /** The number of header fields (Python's `len(msg)`). */
  get length(): number {
    return this.#headers.length;
  }

  /** Iterates over header names, as Python's `for name in msg`. */
  [Symbol.iterator](): Iterator<string> {
    return this.keys()[Symbol.iterator]();
  }

  /**
   * Adds a header at the end (Python's `msg[name] = value`, which appends).
   *
   * @example
   * ```ts
   * msg.add_header("X-Trace", "1");
   * ```
   */
  add_header(name: string, value: string): void {
    this.#headers.push([name, value]);
  }

  /**
   * Removes every occurrence of a header (Python's `del msg[name]`).
   *
   * @example
   * ```ts
   * msg.del("Set-Cookie");
   * ```
   */
  del(name: string): void {
    const lower = name.toLowerCase();
    for (let i = this.#headers.length - 1; i >= 0; i--) if (this.#headers[i]![0].toLowerCase() === lower) this.#headers.splice(i, 1);
  }

  /**
   * The `type/subtype` of Content-Type, lower-cased; `text/plain` when absent or malformed, as Python.
   *
   * @example
   * ```ts
   * msg.get_content_type(); // "text/html"
   * ```
   */
  get_content_type(): string {
    const value = this.get("content-type");
    if (value === null) return "text/plain";
    const ctype = (value.split(";")[0] ?? "").trim().toLowerCase();
    return ctype.split("/").length === 2 ? ctype : "text/plain";
  }

  /**
   * The main type of `get_content_type()`.
   *
   * @example
   * ```ts
   * msg.get_content_maintype(); // "text"
   * ```
   */
  get_content_maintype(): string {
    return this.get_content_type().split("/")[0]!;
  }

  /**
   * The subtype of `get_content_type()`.
   *
   * @example
   * ```ts
   * msg.get_content_subtype(); // "html"
   * ```
   */
  get_content_subtype(): string {
    return this.get_content_type().split("/")[1]!;
  }

  /**
   * A parameter of a header (Content-Type by default), unquoted, or `failobj`.
   *
   * @example
   * ```ts
   * msg.get_param("charset"); // "utf-8"
   * ```
   */
  get_param<T = null>(param: string, failobj: T = null as T, header = "content-type"): string | T {
    const value = this.get(header);
    if (value === null) return failobj;
    const wanted = param.toLowerCase();
    for (const part of value.split(";").slice(1)) {
      const eq = part.indexOf("=");
      const name = (eq < 0 ? part : part.slice(0, eq)).trim().toLowerCase();
      if (name !== wanted) continue;
      if (eq < 0) return "";
      let v = part.slice(eq + 1).trim();
      if (v.length >= 2 && v.startsWith('"') && v.endsWith('"')) v = v.slice(1, -1).replace(/\\(.)/g, "$1");
      return v;
    }
    return failobj;
  }

  /**
   * The charset parameter of Content-Type, lower-cased, or `failobj`.
   *
   * @example
   * ```ts
   * msg.get_content_charset(); // "utf-8"
   * ```
   */
  get_content_charset<T = null>(failobj: T = null as T): string | T {
    const charset = this.get_param("charset", null);
    return charset === null ? failobj : charset.toLowerCase();
  }

  /**
   * The header lines matching a name, as Python's `getallmatchingheaders` (each `Name: value`).
   *
   * @example
   * ```ts
   * msg.getallmatchingheaders("set-cookie"); // ["Set-Cookie: a=1"]
   * ```
   */
  getallmatchingheaders(name: string): string[] {
    const lower = name.toLowerCase();
    return this.#headers.filter(([k]) => k.toLowerCase() === lower).map(([k, v]) => `${k}: ${v}`);
  }

  /**
   * The headers as text, `Name: value` lines and a blank line, as Python's `str(msg)`.
   *
   * @example
   * ```ts
   * msg.as_string(); // "Content-Type: text/plain\nContent-Length: 5\n\n"
   * ```
   */
  as_string(): string {
    return this.#headers.map(([k, v]) => `${k}: ${v}\n`).join("") + "\n";
  }

  /** The same as `as_string()`. */
  toString(): string {
    return this.as_string();
  }
}
