/**
 * What `storbinary` and `storlines` accept in place of Python's open file,
 * and the streams they hand the engine: a node Readable, an (async) iterable
 * of chunks, a Uint8Array, or a path to a local file (opened before anything
 * is sent, so a missing file fails cleanly).
 * @module
 */
import { open, type FileHandle } from "node:fs/promises";
import { Readable } from "node:stream";
import { fromNodeError } from "../sockets/errors.js";
import type { TransferControl } from "./_ftpengine.js";
import { FileSource } from "./_ftpfile.js";
import { LineWriter } from "./_ftplines.js";
import type { Codec } from "../sockets/_codecs.js";
import { encodeText } from "../sockets/_encode.js";

/** Data to upload: a stream, chunks, bytes, or the path of a local file. */
export type StorSource = Readable | AsyncIterable<Uint8Array | string> | Iterable<Uint8Array> | Uint8Array | string;

/** Called with each block after it is handed to the data connection; may return a Promise to hold the upload. */
export type BlockCallback = (block: Buffer) => unknown;

/** How far ahead a file is read, in bytes: large reads keep the data connection busy. */
const FILE_READ_BYTES = 1 << 20;

/** An opened source: its chunks, and how to release it. */
export interface OpenedSource {
  /** The source as a node stream when it already is one (or a file), else `undefined`. */
  readable: Readable | undefined;
  chunks: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>;
  close(): Promise<void>;
}

function isIterable(x: unknown): x is Iterable<Uint8Array> {
  return typeof x === "object" && x !== null && Symbol.iterator in x;
}

/**
 * Opens what `storbinary`/`storlines` were given. A path is opened now, so a
 * missing file rejects with Python's `OSError` before any command is sent.
 *
 * @example
 * ```ts
 * const src = await openSource("local.bin");
 * try { for await (const c of src.chunks) void c; } finally { await src.close(); }
 * ```
 */
export async function openSource(fp: StorSource, readBytes = FILE_READ_BYTES): Promise<OpenedSource> {
  if (typeof fp === "string") {
    let handle: FileHandle;
    try {
      handle = await open(fp, "r");
    } catch (e) {
      throw fromNodeError(e);
    }
    const stream = new FileSource(handle, readBytes);
    return {
      readable: stream,
      chunks: stream,
      close: async () => {
        stream.destroy();
        await handle.close().catch(() => undefined);
      },
    };
  }
  if (fp instanceof Uint8Array) return { readable: undefined, chunks: [fp], close: () => Promise.resolve() };
  if (fp instanceof Readable) return { readable: fp, chunks: fp, close: () => Promise.resolve() };
  if (isIterable(fp)) return { readable: undefined, chunks: fp, close: () => Promise.resolve() };
  return { readable: undefined, chunks: fp, close: () => Promise.resolve() };
}

/**
 * A chunk of the source as bytes: a str in the session's codec, strictly.
 * One it cannot hold stops the transfer with UnicodeEncodeError (rather than
 * bytes mangled), the error the caller gets.
 */
function toBuffer(chunk: Uint8Array | string, codec: Codec, control: TransferControl): Buffer {
  if (typeof chunk !== "string") return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  try {
    return encodeText(chunk, codec, "strict");
  } catch (e) {
    control.failure ??= { error: e };
    throw e;
  }
}

/** Calls the user's callback; what it throws is what the transfer rejects with. */
async function report(callback: BlockCallback, block: Buffer, control: TransferControl): Promise<void> {
  try {
    await callback(block);
  } catch (e) {
    control.failure ??= { error: e };
    control.abort?.();
    throw e;
  }
}

/**
 * The stream `storbinary` uploads: the source's bytes, with `callback` called
 * for each block of at most `blocksize` bytes as Python's calls it after each
 * `sendall`. Without a callback a stream source passes through untouched.
 *
 * @example
 * ```ts
 * const s = binaryStream(await openSource(bytes), 8192, (b) => console.log(b.length), {}, "utf_8");
 * ```
 */
export function binaryStream(
  src: OpenedSource,
  blocksize: number,
  callback: BlockCallback | null | undefined,
  control: TransferControl,
  codec: Codec,
): Readable {
  if (callback == null && src.readable !== undefined && !src.readable.readableObjectMode) return src.readable;
  async function* blocks(): AsyncGenerator<Buffer> {
    for await (const raw of src.chunks) {
      const chunk = toBuffer(raw, codec, control);
      if (callback == null) {
        if (chunk.length > 0) yield chunk;
        continue;
      }
      for (let off = 0; off < chunk.length; off += blocksize) {
        const block = chunk.subarray(off, Math.min(off + blocksize, chunk.length));
        yield block;
        await report(callback, block, control);
      }
    }
  }
  return Readable.from(blocks(), { objectMode: false, highWaterMark: FILE_READ_BYTES });
}

/**
 * The stream `storlines` uploads: the source cut into lines, each sent ending
 * in CRLF, `callback` called with each line as sent. A line over `maxline`
 * ends the stream after the lines before it, its error left in `control`.
 *
 * @example
 * ```ts
 * const s = lineStream(await openSource(Buffer.from("a\nb\n")), 8192, undefined, {}, "utf_8");
 * ```
 */
export function lineStream(
  src: OpenedSource,
  maxline: number,
  callback: BlockCallback | null | undefined,
  control: TransferControl,
  codec: Codec,
): Readable {
  const writer = new LineWriter(maxline);
  async function* lines(): AsyncGenerator<Buffer> {
    for await (const raw of src.chunks) {
      const batch = writer.push(toBuffer(raw, codec, control));
      if (batch.lines.length > 0) {
        yield batch.lines.length === 1 ? batch.lines[0]! : Buffer.concat(batch.lines);
        if (callback != null) for (const line of batch.lines) await report(callback, line, control);
      }
      if (batch.failure !== undefined) {
        // Python sends the lines before, raises, and closes the data connection
        // normally: end the upload there and fail the call with the error
        control.failure ??= { error: batch.failure };
        return;
      }
    }
    const last = writer.end();
    if (last.length > 0) {
      yield last[0]!;
      if (callback != null) await report(callback, last[0]!, control);
    }
  }
  return Readable.from(lines(), { objectMode: false, highWaterMark: FILE_READ_BYTES });
}
