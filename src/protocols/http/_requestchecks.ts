/**
 * Python's checks and encodings of what goes into a request, before anything
 * is sent: control characters in the method, URL and host; header names and
 * values (no request splitting); latin-1 bodies and header values; `host:port`
 * splitting and the Host header's IDNA and IPv6 forms.
 * @module
 */
import { domainToASCII } from "node:url";
import { ValueError } from "../../sockets/errors.js";
import { repr } from "../../sockets/repr.js";
import { assertEncodable } from "../../sockets/_codecs.js";

export const METHODS_EXPECTING_BODY = new Set(["PATCH", "POST", "PUT"]);
export const DISALLOWED_URL_CHAR = /[\x00-\x20\x7f]/;
export const DISALLOWED_METHOD_CHAR = /[\x00-\x1f]/;
// Python's _is_legal_header_name / _is_illegal_header_value (on latin-1 text).
export const LEGAL_HEADER_NAME = /^[^:\s][^:\r\n]*$/;
export const ILLEGAL_HEADER_VALUE = /\n(?![ \t])|\r(?![ \t\n])/;

/** A request body: bytes, text (sent as latin-1, as Python), or an iterable of chunks (sent chunked). */
export type RequestBody = Uint8Array | string | Iterable<Uint8Array | string> | AsyncIterable<Uint8Array | string>;
/** A header value as Python accepts it: text (latin-1), a number, or bytes. */
export type HeaderValue = string | number | Uint8Array;

/** `text` when `codec` (ASCII or latin-1) can encode it, else Python's UnicodeEncodeError. */
export function encodable(text: string, codec: "ascii" | "latin_1"): string {
  assertEncodable(codec, text);
  return text;
}

export function encodeBody(body: string): Uint8Array {
  if (/[^\x00-\xff]/.test(body)) {
    throw new ValueError(`body (${repr(body.slice(0, 30))}) is not valid Latin-1. Use body.encode('utf-8') if you want to send it encoded in UTF-8.`);
  }
  return Buffer.from(body, "latin1");
}

export function isIterable(x: unknown): x is Iterable<unknown> | AsyncIterable<unknown> {
  return typeof x === "object" && x !== null && (Symbol.iterator in x || Symbol.asyncIterator in x);
}

export async function* chunksOf(body: Iterable<Uint8Array | string> | AsyncIterable<Uint8Array | string>): AsyncGenerator<Uint8Array> {
  for await (const part of body) {
    const bytes = typeof part === "string" ? encodeBody(part) : part;
    if (bytes.length > 0) yield bytes;
  }
}

export function parsePort(text: string): number | null {
  const t = text.trim().replaceAll("_", "");
  if (!/^[+-]?\d+$/.test(t) || /^_|_$|__/.test(text.trim())) return null;
  return Number.parseInt(t, 10);
}

export function stripIPv6Zone(hostHeader: string): string {
  // Python's _strip_ipv6_iface: "[fe80::1%eth0]" → "[fe80::1]".
  const m = /^\[([^\]%]*)%[^\]]*\](.*)$/.exec(hostHeader);
  return m === null ? hostHeader : `[${m[1]!}]${m[2]!}`;
}

export function asciiHost(host: string): string {
  if (/^[\x00-\x7f]*$/.test(host)) return host;
  const idna = domainToASCII(host);
  if (idna === "") throw new ValueError(`encoding with 'idna' codec failed: ${repr(host)}`);
  return idna;
}
