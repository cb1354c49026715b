/**
 * A local file read for an upload into a few buffers used again and again.
 * Node's file stream reads each chunk into fresh memory, which stays taken
 * until a GC: uploading 128 MiB so cost 9,000-16,000 page faults and most of
 * the client's CPU time (Python's ftplib, whose each block is freed as it
 * is sent, takes one). A buffer is read into again once the data connection
 * has handed all its bytes to the kernel: what this stream pushed, less what
 * it still holds and what the connection has still to write.
 * @module
 */
import type { FileHandle } from "node:fs/promises";
import { Readable, type Writable } from "node:stream";
import { fromNodeError } from "../sockets/errors.js";

/** A buffer of the pool and where its bytes end in the stream (0 when it holds none). */
interface Slot {
  buffer: Buffer;
  end: number;
}

/** Past this many buffers (a connection that stopped writing), reads take fresh memory. */
const MAX_SLOTS = 64;

/**
 * The bytes of an open file, from its start; its buffers are reused only
 * once `sendsTo` has named the Writable they go to (until then, and for
 * whoever else reads it, every chunk is fresh memory).
 *
 * @example
 * ```ts
 * const source = new FileSource(await open("big.bin"), 256 * 1024);
 * source.sendsTo(dataSocket);
 * source.pipe(dataSocket);
 * ```
 */
export class FileSource extends Readable {
  readonly #handle: FileHandle;
  readonly #chunk: number;
  readonly #slots: Slot[] = [];
  #sink: Writable | undefined;
  #position = 0;
  /** Bytes pushed so far. */
  #pushed = 0;

  constructor(handle: FileHandle, chunkBytes: number) {
    super({ highWaterMark: chunkBytes });
    this.#handle = handle;
    this.#chunk = chunkBytes;
  }

  /** Names the Writable this stream is piped into (its buffers are reused from then on). */
  sendsTo(sink: Writable): void {
    this.#sink = sink;
  }

  override _read(): void {
    const slot = this.#freeSlot();
    this.#handle.read(slot.buffer, 0, slot.buffer.length, this.#position).then(
      ({ bytesRead }) => {
        if (this.destroyed) return;
        if (bytesRead === 0) {
          this.push(null);
          return;
        }
        this.#position += bytesRead;
        this.#pushed += bytesRead;
        slot.end = this.#pushed;
        this.push(slot.buffer.subarray(0, bytesRead));
      },
      (e: unknown) => {
        if (!this.destroyed) this.destroy(fromNodeError(e));
      },
    );
  }

  /** A buffer whose bytes the sink has written (or a new one). */
  #freeSlot(): Slot {
    const sink = this.#sink;
    if (sink !== undefined) {
      const written = this.#pushed - this.readableLength - sink.writableLength;
      for (const slot of this.#slots) if (slot.end <= written) return slot;
    }
    const slot = { buffer: Buffer.allocUnsafeSlow(this.#chunk), end: 0 };
    if (sink !== undefined && this.#slots.length < MAX_SLOTS) this.#slots.push(slot);
    return slot;
  }
}
