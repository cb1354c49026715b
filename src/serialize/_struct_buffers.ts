/**
 * What struct accepts as a buffer, an offset and a format, with Python's
 * messages when it is something else; and the DataView/Uint8Array pair kept
 * over the last buffer unpacked, so that unpacking many records from one
 * buffer makes its views once.
 */
import { error } from "./_struct_error.js";

/**
 * Anything that holds bytes: a `Uint8Array` (Buffer included), another typed array or DataView, or an ArrayBuffer.
 *
 * @example
 * ```ts
 * import { unpack, type BytesLike } from "stdnet/struct";
 * const header: BytesLike = new ArrayBuffer(4);
 * unpack("<I", header); // [0]
 * ```
 */
export type BytesLike = ArrayBufferView | ArrayBufferLike;

/** Views over a whole ArrayBuffer, and which buffer they view. */
export interface Views {
  buffer: ArrayBufferLike | undefined;
  view: DataView;
  bytes: Uint8Array;
}

/**
 * The views over the last buffer unpacked. Node's small Buffers share 8 KiB
 * pools, so consecutive calls usually find their buffer here.
 */
export const viewed: Views = { buffer: undefined, view: new DataView(new ArrayBuffer(0)), bytes: new Uint8Array(0) };

/** Buffers up to this size stay viewed until another buffer comes; larger ones only until the current job ends. */
const KEEP_VIEWED_MAX = 65536;
let releaseQueued = false;

function release(): void {
  releaseQueued = false;
  if (viewed.buffer !== undefined && viewed.buffer.byteLength > KEEP_VIEWED_MAX) {
    viewed.buffer = undefined;
    viewed.view = new DataView(new ArrayBuffer(0));
    viewed.bytes = new Uint8Array(0);
  }
}

/**
 * Points `viewed` at `buffer`. A large buffer is let go when the current job
 * ends, so that struct never keeps a big buffer alive that its owner dropped.
 *
 * @example
 * ```ts
 * if (source.buffer !== viewed.buffer) view(source.buffer);
 * ```
 */
export function view(buffer: ArrayBufferLike): void {
  viewed.buffer = buffer;
  viewed.view = new DataView(buffer);
  viewed.bytes = new Uint8Array(buffer);
  if (buffer.byteLength > KEEP_VIEWED_MAX && !releaseQueued) {
    releaseQueued = true;
    queueMicrotask(release);
  }
}

/**
 * Python's name for the type of a JavaScript value, for messages.
 *
 * @example
 * ```ts
 * typeName("x"); // "string"
 * ```
 */
export function typeName(v: unknown): string {
  if (v === null) return "NoneType";
  if (typeof v === "object" || typeof v === "function") return (v as { constructor?: { name?: string } }).constructor?.name ?? "object";
  return typeof v;
}

/**
 * The bytes of a bytes-like value as a Uint8Array over the same memory.
 *
 * @example
 * ```ts
 * asBytes(new ArrayBuffer(4)).length; // 4
 * ```
 */
export function asBytes(buffer: unknown): Uint8Array {
  if (buffer instanceof Uint8Array) return buffer;
  if (ArrayBuffer.isView(buffer)) return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  if (buffer instanceof ArrayBuffer || (typeof SharedArrayBuffer !== "undefined" && buffer instanceof SharedArrayBuffer)) return new Uint8Array(buffer);
  throw new error(`a bytes-like object is required, not '${typeName(buffer)}'`);
}

/**
 * An offset argument as an integer, as Python's `__index__`.
 *
 * @example
 * ```ts
 * asOffset(-2); // -2
 * ```
 */
export function asOffset(offset: unknown): number {
  if (typeof offset === "number" && Number.isInteger(offset)) return offset;
  if (typeof offset === "bigint") return Number(offset);
  throw new error(`'${typeName(offset)}' object cannot be interpreted as an integer`);
}

/**
 * A format argument as text: a string of ASCII characters, or bytes.
 *
 * @example
 * ```ts
 * formatText(Uint8Array.of(60, 105)); // "<i"
 * ```
 */
export function formatText(format: unknown): string {
  if (typeof format === "string") {
    if (!/^[\x00-\x7f]*$/.test(format)) throw new error("bad char in struct format");
    return format;
  }
  if (format instanceof Uint8Array) {
    let text = "";
    for (const c of format) text += String.fromCharCode(c);
    return text;
  }
  throw new error(`Struct() argument 1 must be a str or bytes object, not ${typeName(format)}`);
}
