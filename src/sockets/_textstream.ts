/**
 * Decoding text that arrives in chunks, as Python's incremental decoders
 * (the ones under `socket.makefile("r")` and ftplib's text transfers) do it:
 * the start of a character split across chunks waits for the rest, and bytes
 * that are not valid raise `UnicodeDecodeError` with CPython's message, its
 * position counted in the bytes that chunk's decode was given (the held-back
 * start of a character, then the chunk), as Python's.
 * @module
 */
import { ValueError } from "./errors.js";
import { DecodeError, decodeText, incompleteTail } from "./_decode.js";

/**
 * Python's `UnicodeDecodeError` (a `ValueError`): bytes that are not valid in the encoding.
 *
 * @example
 * ```ts
 * try { await textFile.read(); } catch (e) { if (e instanceof UnicodeDecodeError) {} }
 * ```
 */
export class UnicodeDecodeError extends ValueError {
  static {
    this.prototype.name = "UnicodeDecodeError";
  }
}

/** The encodings decoded here, by Python's canonical names. */
export type StreamEncoding = "utf-8" | "latin-1" | "ascii";

const EMPTY = new Uint8Array(0);

/**
 * One stream's decoder: `decode(chunk)` for each chunk in turn, then
 * `decode(empty, true)` at the end of the stream.
 *
 * @example
 * ```ts
 * const d = new TextStreamDecoder("utf-8", "strict");
 * d.decode(Uint8Array.of(0x61, 0xe2, 0x82), false); // "a"
 * d.decode(Uint8Array.of(0xac), false); // "€"
 * d.decode(Uint8Array.of(0xff), true); // throws UnicodeDecodeError: 'utf-8' codec can't decode byte 0xff in position 0: invalid start byte
 * ```
 */
export class TextStreamDecoder {
  readonly #encoding: StreamEncoding;
  readonly #errors: "strict" | "replace";
  /** The start of a UTF-8 character that the next chunk completes. */
  #held: Uint8Array = EMPTY;

  constructor(encoding: StreamEncoding, errors: "strict" | "replace") {
    this.#encoding = encoding;
    this.#errors = errors;
  }

  /** The text of `chunk` (after what was held back); `final` at the end of the stream, where nothing may stay held. */
  decode(chunk: Uint8Array, final: boolean): string {
    if (this.#encoding === "latin-1") return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString("latin1");
    let data = chunk;
    if (this.#held.length > 0) {
      data = new Uint8Array(this.#held.length + chunk.length);
      data.set(this.#held);
      data.set(chunk, this.#held.length);
    }
    const end = this.#encoding === "utf-8" && !final ? data.length - incompleteTail(data, data.length) : data.length;
    let text: string;
    try {
      text = decodeText(data, 0, end, this.#encoding === "utf-8" ? "utf_8" : "ascii", this.#errors);
    } catch (e) {
      if (e instanceof DecodeError) throw new UnicodeDecodeError(e.message);
      throw e;
    }
    this.#held = end < data.length ? data.slice(end) : EMPTY;
    return text;
  }
}
