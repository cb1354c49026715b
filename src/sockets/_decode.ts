/**
 * Python's `bytes.decode(codec, errors)` for ASCII and UTF-8, the codecs
 * pickle reads text with and socket files and ftplib's text transfers most
 * often use: where the bytes are not valid, the same error span
 * as CPython's decoder (the "maximal subpart" of an ill-formed sequence), the
 * same message, and Python's error handlers: 'strict', 'ignore', 'replace',
 * 'backslashreplace', 'surrogateescape' and 'surrogatepass'.
 *
 * Valid UTF-8 of more than 32 bytes takes V8's native decoder; shorter
 * strings, and bytes it refuses (ill-formed sequences, or encoded surrogates,
 * which 'surrogatepass' lets through), are walked here.
 * @module
 */
import { isAscii } from "node:buffer";
import { withoutStack } from "./_nostack.js";

/** A decoding failure: the type of Python's exception, and its text (`str(exc)`) as the message. */
export class DecodeError extends Error {
  constructor(
    message: string,
    readonly type: "UnicodeDecodeError" | "ValueError" | "TypeError" | "LookupError",
  ) {
    super(message);
  }
}

/**
 * A DecodeError without a stack trace (the bytes are the cause; refusals must stay cheap).
 *
 * @example
 * ```ts
 * throw decodeError("Trailing \\ in string", "ValueError");
 * ```
 */
export function decodeError(message: string, type: DecodeError["type"] = "UnicodeDecodeError"): DecodeError {
  return withoutStack(() => new DecodeError(message, type));
}

/**
 * Python's UnicodeDecodeError text for bytes [from, to) of `data` (positions
 * counted from `origin`, the start of the object being decoded).
 *
 * @example
 * ```ts
 * spanMessage("utf-8", Uint8Array.of(0x80), 0, 0, 1, "invalid start byte");
 * // "'utf-8' codec can't decode byte 0x80 in position 0: invalid start byte"
 * ```
 */
export function spanMessage(codec: string, data: Uint8Array, origin: number, from: number, to: number, reason: string): string {
  const at = from - origin;
  return to - from === 1
    ? `'${codec}' codec can't decode byte 0x${data[from]!.toString(16).padStart(2, "0")} in position ${at}: ${reason}`
    : `'${codec}' codec can't decode bytes in position ${at}-${to - origin - 1}: ${reason}`;
}

/** The codecs decoded here. */
export type DecodeCodec = "ascii" | "utf_8";

const fatalUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** Python's error handlers for decoding, by name. */
const HANDLERS = new Set(["strict", "ignore", "replace", "backslashreplace", "surrogateescape", "surrogatepass"]);
/** Handlers Python has for encoding only: given a decoding error they raise TypeError. */
const ENCODE_ONLY = new Set(["xmlcharrefreplace", "namereplace"]);

/**
 * Decodes data[start, end) as Python's `bytes.decode(codec, errors)` does.
 * Throws DecodeError with Python's message where Python raises, positions
 * counted from `origin` (the start of what Python was given, when that
 * began before `start`).
 *
 * @example
 * ```ts
 * decodeText(Uint8Array.of(0x61, 0xff), 0, 2, "utf_8", "backslashreplace"); // "a\\xff"
 * ```
 */
export function decodeText(data: Uint8Array, start: number, end: number, codec: DecodeCodec, errors: string, origin = start): string {
  if (codec === "utf_8") {
    // short strings: the loop below costs less than a call into the native decoder
    if (end - start <= 32) return walk(data, start, end, codec, errors, origin);
    try {
      return nativeUtf8(data.subarray(start, end));
    } catch {
      return walk(data, start, end, codec, errors, origin);
    }
  }
  let i = start;
  while (i < end && data[i]! < 0x80) i++;
  if (i === end) return end - start <= 32 ? latin1Chars(data, start, end) : fatalUtf8.decode(data.subarray(start, end));
  return walk(data, start, end, codec, errors, origin);
}

const STREAM = { stream: true };
/** From this many bytes node makes a latin-1 string one of its own, outside V8's heap. */
const EXTERNAL_MIN = 1 << 20;
const streamUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * Valid UTF-8 as text through node's decoders (throws where it is not
 * valid): ASCII by the one-shot decode (~8 µs for 64 KiB here), anything
 * else by the streaming one and a flush, which for 64 KiB of mixed or CJK
 * text took half to two fifths of the one-shot decode's time. ASCII of a
 * MiB or more is read as latin-1 (the same text), which node keeps outside
 * V8's heap: 0.19 ms for 1 MiB where the decoder's string took 0.9, most of
 * it the kernel giving V8 fresh pages for it.
 */
function nativeUtf8(bytes: Uint8Array): string {
  if (isAscii(bytes)) return bytes.length >= EXTERNAL_MIN ? latin1(bytes) : fatalUtf8.decode(bytes);
  // (a decoder that throws starts afresh: node resets it)
  return streamUtf8.decode(bytes, STREAM) + streamUtf8.decode();
}

/**
 * Bytes as latin-1 text, a byte a character, by node's native reader. (Not
 * TextDecoder("latin1"): by the Encoding Standard that label is
 * windows-1252, which node 20 decodes as latin-1 by mistake and later
 * versions correctly.)
 *
 * @example
 * ```ts
 * latin1(Uint8Array.of(0x61, 0xe9)); // "aé"
 * ```
 */
export function latin1(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("latin1");
}

/** Bytes below 0x100 as the characters of those code points. */
function latin1Chars(data: Uint8Array, start: number, end: number): string {
  let s = "";
  for (let k = start; k < end; k += 4096) s += String.fromCharCode.apply(null, data.subarray(k, Math.min(end, k + 4096)) as unknown as number[]);
  return s;
}

/** What the last step read: the length of a well-formed sequence, or the end of an ill-formed one's span and why. */
let stepLength = 0;
let failEnd = 0;
let failReason = "";

/**
 * The code point of the well-formed UTF-8 sequence at data[i], a lead byte
 * (its length then in `stepLength`), or -1: ill-formed, its span data[i, failEnd) and
 * `failReason` as CPython's decoder gives them.
 */
function utf8Step(d: Uint8Array, i: number, end: number): number {
  const c = d[i]!;
  const left = end - i;
  if (c < 0xc2 || c > 0xf4) return fail(i, 1, "invalid start byte");
  if (c < 0xe0) {
    if (left < 2) return fail(i, left, "unexpected end of data");
    if ((d[i + 1]! & 0xc0) !== 0x80) return fail(i, 1, "invalid continuation byte");
    stepLength = 2;
    return ((c & 0x1f) << 6) | (d[i + 1]! & 0x3f);
  }
  // the second byte's range narrows after E0 and ED (no overlongs, no surrogates), F0 and F4 (no overlongs, nothing past U+10FFFF)
  if (left >= 2) {
    const c2 = d[i + 1]!;
    if (c2 < (c === 0xe0 ? 0xa0 : c === 0xf0 ? 0x90 : 0x80) || c2 > (c === 0xed ? 0x9f : c === 0xf4 ? 0x8f : 0xbf)) return fail(i, 1, "invalid continuation byte");
  }
  if (c < 0xf0) {
    if (left < 3) return fail(i, left, "unexpected end of data");
    if ((d[i + 2]! & 0xc0) !== 0x80) return fail(i, 2, "invalid continuation byte");
    stepLength = 3;
    return ((c & 0x0f) << 12) | ((d[i + 1]! & 0x3f) << 6) | (d[i + 2]! & 0x3f);
  }
  if (left >= 3 && (d[i + 2]! & 0xc0) !== 0x80) return fail(i, 2, "invalid continuation byte");
  if (left < 4) return fail(i, left, "unexpected end of data");
  if ((d[i + 3]! & 0xc0) !== 0x80) return fail(i, 3, "invalid continuation byte");
  stepLength = 4;
  return ((c & 0x07) << 18) | ((d[i + 1]! & 0x3f) << 12) | ((d[i + 2]! & 0x3f) << 6) | (d[i + 3]! & 0x3f);
}

/**
 * Decodes well-formed UTF-8 data[start, end) into `out` as UTF-16 code
 * units, allocating nothing; with `surrogatepass`, an encoded lone surrogate
 * is its code unit. Returns how many units (`out` must have room for
 * end - start), or -1 at anything ill-formed, whose error the caller's
 * general path words.
 *
 * @example
 * ```ts
 * utf8Units(Uint8Array.of(0x61, 0xc3, 0xa9), 0, 3, new Uint16Array(3), false); // 2 ("a", "é")
 * ```
 */
export function utf8Units(d: Uint8Array, start: number, end: number, out: Uint16Array, surrogatepass: boolean): number {
  let k = 0;
  let i = start;
  while (i < end) {
    const c = d[i]!;
    if (c < 0x80) {
      out[k++] = c;
      i++;
      continue;
    }
    const cp = utf8Step(d, i, end);
    if (cp >= 0x10000) {
      out[k++] = 0xd800 + ((cp - 0x10000) >> 10);
      out[k++] = 0xdc00 + ((cp - 0x10000) & 0x3ff);
    } else if (cp >= 0) out[k++] = cp;
    else {
      const cu = surrogatepass ? encodedSurrogate(d, i, end) : -1;
      if (cu < 0) return -1;
      out[k++] = cu;
      stepLength = 3;
    }
    i += stepLength;
  }
  return k;
}

/**
 * How many bytes at the end of data[0, end) begin a UTF-8 sequence that
 * more bytes could complete (0 to 3): what an incremental decoder, as
 * Python's, holds back for the next chunk. A sequence already ill-formed is
 * not held back: its error belongs to this chunk.
 *
 * @example
 * ```ts
 * incompleteTail(Uint8Array.of(0x61, 0xe2, 0x82), 3); // 2 (the start of "€")
 * incompleteTail(Uint8Array.of(0x61, 0xe0, 0x80), 3); // 0 (E0 80 is never valid)
 * ```
 */
export function incompleteTail(d: Uint8Array, end: number): number {
  for (let j = end - 1; j >= 0 && j >= end - 3; j--) {
    if ((d[j]! & 0xc0) === 0x80) continue;
    return d[j]! >= 0x80 && utf8Step(d, j, end) < 0 && failEnd === end && failReason === "unexpected end of data" ? end - j : 0;
  }
  return 0;
}

/** Records an ill-formed span data[i, i + span) and why; returns -1. */
function fail(i: number, span: number, reason: string): number {
  failEnd = i + span;
  failReason = reason;
  return -1;
}

/** The code unit of the UTF-8-encoded surrogate at data[i] ('surrogatepass'), or -1. */
function encodedSurrogate(d: Uint8Array, i: number, end: number): number {
  if (end - i < 3 || (d[i]! & 0xf0) !== 0xe0 || (d[i + 1]! & 0xc0) !== 0x80 || (d[i + 2]! & 0xc0) !== 0x80) return -1;
  const cu = ((d[i]! & 0x0f) << 12) | ((d[i + 1]! & 0x3f) << 6) | (d[i + 2]! & 0x3f);
  return cu >= 0xd800 && cu <= 0xdfff ? cu : -1;
}

/** Each sequence in turn, each error through the handler (short strings, and what V8's decoder refuses). */
function walk(d: Uint8Array, start: number, end: number, codec: DecodeCodec, errors: string, origin: number): string {
  const name = codec === "utf_8" ? "utf-8" : "ascii";
  const units: number[] = [];
  let i = start;
  while (i < end) {
    const c = d[i]!;
    if (c < 0x80) {
      units.push(c);
      i++;
      continue;
    }
    if (codec === "utf_8") {
      const cp = utf8Step(d, i, end);
      if (cp >= 0) {
        if (cp >= 0x10000) units.push(0xd800 + ((cp - 0x10000) >> 10), 0xdc00 + ((cp - 0x10000) & 0x3ff));
        else units.push(cp);
        i += stepLength;
        continue;
      }
    } else fail(i, 1, "ordinal not in range(128)");
    i = handle(d, origin, end, i, name, errors, units);
  }
  if (units.length <= 4096) return String.fromCharCode.apply(null, units);
  let s = "";
  for (let k = 0; k < units.length; k += 4096) s += String.fromCharCode.apply(null, units.slice(k, k + 4096));
  return s;
}

const HEX = "0123456789abcdef";

/** Runs the error handler on the span data[i, failEnd); returns where decoding goes on. */
function handle(d: Uint8Array, origin: number, end: number, i: number, codec: string, errors: string, units: number[]): number {
  const spanEnd = failEnd;
  const raise = (): never => {
    throw decodeError(spanMessage(codec, d, origin, i, spanEnd, failReason));
  };
  if (!HANDLERS.has(errors)) {
    if (ENCODE_ONLY.has(errors)) throw decodeError("don't know how to handle UnicodeDecodeError in error callback", "TypeError");
    throw decodeError(`unknown error handler name '${errors}'`, "LookupError");
  }
  switch (errors) {
    case "ignore":
      return spanEnd;
    case "replace":
      units.push(0xfffd);
      return spanEnd;
    case "backslashreplace":
      for (let k = i; k < spanEnd; k++) units.push(0x5c, 0x78, HEX.charCodeAt(d[k]! >> 4), HEX.charCodeAt(d[k]! & 15));
      return spanEnd;
    case "surrogateescape":
      for (let k = i; k < spanEnd; k++) if (d[k]! < 0x80) raise();
      for (let k = i; k < spanEnd; k++) units.push(0xdc00 + d[k]!);
      return spanEnd;
    case "surrogatepass": {
      const cu = codec === "utf-8" ? encodedSurrogate(d, i, end) : -1;
      if (cu < 0) raise();
      units.push(cu);
      return i + 3;
    }
    default:
      return raise();
  }
}
