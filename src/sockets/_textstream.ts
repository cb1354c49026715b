/**
 * Decoding text that arrives in chunks, as Python's incremental decoders
 * (the ones under `socket.makefile("r")` and ftplib's text transfers) do it:
 * the start of a character split across chunks waits for the rest, and bytes
 * that are not valid raise `UnicodeDecodeError` with CPython's message, its
 * position counted in the bytes that chunk's decode was given (the held-back
 * start of a character, then the chunk), as Python's.
 * @module
 */
import { LookupError, PyTypeError, UnicodeError, ValueError } from "./errors.js";
import type { Codec } from "./_codecs.js";
import { DecodeError, decodeText, incompleteTail } from "./_decode.js";

/**
 * Python's `UnicodeDecodeError` (a `UnicodeError`, so a `ValueError`): bytes that are not valid in the encoding.
 *
 * @example
 * ```ts
 * try { await textFile.read(); } catch (e) { if (e instanceof UnicodeDecodeError) {} }
 * ```
 */
export class UnicodeDecodeError extends UnicodeError {
  static {
    this.prototype.name = "UnicodeDecodeError";
  }
}

const EMPTY = new Uint8Array(0);

/**
 * One stream's decoder: `decode(chunk)` for each chunk in turn, then
 * `decode(empty, true)` at the end of the stream.
 *
 * @example
 * ```ts
 * const d = new TextStreamDecoder("utf_8", "strict");
 * d.decode(Uint8Array.of(0x61, 0xe2, 0x82), false); // "a"
 * d.decode(Uint8Array.of(0xac), false); // "€"
 * d.decode(Uint8Array.of(0xff), true); // throws UnicodeDecodeError: 'utf-8' codec can't decode byte 0xff in position 0: invalid start byte
 * ```
 */
export class TextStreamDecoder {
  readonly #codec: Codec;
  readonly #errors: string;
  /** The start of a UTF-8 character that the next chunk completes. */
  #held: Uint8Array = EMPTY;

  /** `errors` is any of Python's handlers: the ones for encoding only are refused when bytes need one, as in Python. */
  constructor(codec: Codec, errors: string) {
    this.#codec = codec;
    this.#errors = errors;
  }

  /** The text of `chunk` (after what was held back); `final` at the end of the stream, where nothing may stay held. */
  decode(chunk: Uint8Array, final: boolean): string {
    if (this.#codec === "latin_1") return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString("latin1");
    const held = this.#held;
    this.#held = EMPTY;
    if (held.length === 0) return this.#decodeFrom(chunk, 0, 0, final);
    // the held character completed by the chunk's first bytes, and the chunk decoded where it lies (not copied),
    // its positions counted from the held bytes' start
    const need = (held[0]! >= 0xf0 ? 4 : held[0]! >= 0xe0 ? 3 : 2) - held.length;
    const first = chunk.length >= need ? wholeCharacter(joined(held, chunk.subarray(0, need))) : undefined;
    if (first !== undefined) return first + this.#decodeFrom(chunk, need, -held.length, final);
    // not one valid character: the two decoded as one, as Python's decoder sees them
    return this.#decodeFrom(joined(held, chunk), 0, 0, final);
  }

  /** The text of data[from, …), holding back an incomplete character at its end unless `final`; positions counted from `origin`. */
  #decodeFrom(data: Uint8Array, from: number, origin: number, final: boolean): string {
    const end = this.#codec === "utf_8" && !final ? data.length - incompleteTail(data, data.length) : data.length;
    let text: string;
    try {
      text = decodeText(data, from, end, this.#codec === "utf_8" ? "utf_8" : "ascii", this.#errors, origin);
    } catch (e) {
      throw e instanceof DecodeError ? pythonError(e) : e;
    }
    this.#held = end < data.length ? data.slice(end) : EMPTY;
    return text;
  }
}

/** Python's exception for a decoding failure. */
function pythonError(e: DecodeError): Error {
  switch (e.type) {
    case "UnicodeDecodeError":
      return new UnicodeDecodeError(e.message);
    case "TypeError":
      return new PyTypeError(e.message);
    case "LookupError":
      return new LookupError(e.message);
    case "ValueError":
      return new ValueError(e.message);
  }
}

/** a then b, in one new array. */
function joined(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** The one character that `bytes` are in UTF-8, or undefined when they are not one valid character. */
function wholeCharacter(bytes: Uint8Array): string | undefined {
  try {
    return decodeText(bytes, 0, bytes.length, "utf_8", "strict");
  } catch (e) {
    if (e instanceof DecodeError) return undefined;
    throw e;
  }
}
