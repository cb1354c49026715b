/**
 * `stdnet/urllib/parse` — Python's `urllib.parse`: split, join and quote
 * URLs exactly as CPython 3.11 does (its results are tested against python3's).
 *
 * @example
 * ```ts
 * import { urlparse, urljoin, urlencode, parse_qs } from "stdnet/urllib/parse";
 * const u = urlparse("https://user:pw@Example.org:8443/a/b;p?q=1#top");
 * console.log(u.scheme, u.hostname, u.port, u.path); // https example.org 8443 /a/b
 * console.log(urljoin(u.geturl(), "../c"));           // https://user:pw@Example.org:8443/c
 * console.log(urlencode({ q: "a b", n: 2 }), parse_qs("a=1&a=2")); // q=a+b&n=2 { a: [ '1', '2' ] }
 * ```
 *
 * Differences from Python:
 * - Results are readonly arrays that also carry the field names
 *   (`r[1] === r.netloc`); `_replace` and `geturl()` work as on namedtuples.
 * - URLs are strings: the bytes forms (`ParseResultBytes`…) are left out;
 *   `quote`/`quote_plus`/`unquote_to_bytes` accept `Uint8Array` as Python's accept bytes.
 * - Codecs: `utf-8` (default), `latin-1` and `ascii`.
 * - `parse_qs` returns a null-prototype object; `urlencode`'s second argument
 *   may be an options object (`{ doseq, safe, quote_via }`) in place of `doseq`.
 * @module
 */
export {
  urlsplit,
  urlparse,
  urlunsplit,
  urlunparse,
  urljoin,
  urldefrag,
  uses_relative,
  uses_netloc,
  uses_params,
  type SplitResult,
  type ParseResult,
  type DefragResult,
  type NetlocFields,
} from "./_urlsplit.js";
export {
  quote,
  quote_plus,
  quote_from_bytes,
  unquote,
  unquote_plus,
  unquote_to_bytes,
  urlencode,
  parse_qs,
  parse_qsl,
  UnicodeError,
  type ParseQsOptions,
  type UrlencodeOptions,
  type QueryValue,
  type QuoteVia,
} from "./_quoting.js";
