/**
 * One connected byte stream (a node:net or node:tls socket) with Python's
 * receive semantics on top: bytes that arrive are queued until the program
 * asks for them, up to a high-water mark past which the node socket is
 * paused (back-pressure, never loss); `recv(n)` takes at most n bytes as soon
 * as any are there; end of stream is an empty buffer; a write resolves when
 * node has handed the bytes to the kernel.
 * @module
 */
import type { Socket as NetSocket } from "node:net";
import { BlockingIOError, BrokenPipeError, badFileDescriptor, errno, fromNodeError } from "./errors.js";
import { Signal, waitFor, type Settle } from "./_wait.js";
import { keepFreedHeap } from "./_heap.js";

/** Bytes queued unread before the node socket is paused. */
export const RECV_HIGH_WATER_MARK = 1024 * 1024;

/** node's read size: a chunk this large means bulk traffic, whose freed reads glibc should keep (see keepFreedHeap). */
const FULL_READ = 64 * 1024;

const EMPTY = Buffer.alloc(0);

/** How a failure of node's is turned into Python's error (TLS sockets map theirs). */
export type ErrorMapper = (e: unknown) => Error;

/** A write whose completion (node's callback) may be waited for, or not. */
class PendingWrite {
  finished = false;
  error: Error | null = null;
  #settle: Settle<undefined> | null = null;

  done(error: Error | null): void {
    this.finished = true;
    this.error = error;
    if (this.#settle === null) return;
    if (error === null) this.#settle.resolve(undefined);
    else this.#settle.reject(error);
  }

  wait(timeoutSec: number | null): Promise<void> {
    if (this.finished) return this.error === null ? Promise.resolve() : Promise.reject(this.error);
    return waitFor<undefined>(timeoutSec, (settle) => {
      this.#settle = settle;
      return () => {
        this.#settle = null;
      };
    });
  }
}

/** Python's receive and send semantics over one node stream socket. */
export class StreamConnection {
  readonly sock: NetSocket;
  #chunks: Buffer[] = [];
  #head = 0;
  #size = 0;
  #eof = false;
  #error: Error | null = null;
  #paused = false;
  #readShut = false;
  #writeShut = false;
  #destroyed = false;
  readonly #signal = new Signal();
  readonly #mapError: ErrorMapper;

  constructor(sock: NetSocket, mapError: ErrorMapper = fromNodeError) {
    this.sock = sock;
    this.#mapError = mapError;
    sock.on("data", this.#onData);
    sock.on("end", this.#onEnd);
    sock.on("error", this.#onError);
    sock.on("close", this.#onClose);
    if (sock.isPaused()) sock.resume();
  }

  readonly #onData = (chunk: Buffer): void => {
    if (this.#readShut) return;
    if (chunk.length >= FULL_READ) keepFreedHeap();
    this.#chunks.push(chunk);
    this.#size += chunk.length;
    if (this.#size >= RECV_HIGH_WATER_MARK && !this.#paused) {
      this.#paused = true;
      this.sock.pause();
    }
    this.#wake();
  };

  readonly #onEnd = (): void => {
    this.#eof = true;
    this.#wake();
  };

  readonly #onError = (e: Error): void => {
    this.#error ??= this.#mapError(e);
    this.#wake();
  };

  readonly #onClose = (): void => {
    this.#eof = true;
    this.#destroyed = true;
    this.#wake();
  };

  /**
   * Hands the node socket back (for a TLS upgrade): stops listening to it and
   * puts any bytes not yet taken back into it, so nothing is lost.
   */
  detach(): NetSocket {
    this.sock.removeListener("data", this.#onData);
    this.sock.removeListener("end", this.#onEnd);
    this.sock.removeListener("error", this.#onError);
    this.sock.removeListener("close", this.#onClose);
    this.sock.pause();
    for (let i = this.#chunks.length - 1; i >= this.#head; i--) this.sock.unshift(this.#chunks[i]!);
    this.#chunks = [];
    this.#head = 0;
    this.#size = 0;
    this.#destroyed = true;
    this.#wake();
    return this.sock;
  }

  /** Bytes received and not yet taken. */
  get buffered(): number {
    return this.#size;
  }

  /** Whether the peer ended its side (or the connection is gone) and every byte was taken. */
  get atEnd(): boolean {
    return this.#size === 0 && (this.#eof || this.#readShut);
  }

  #wake(): void {
    const pending = this.#pending;
    if (pending !== null) {
      // The common case, one recv waiting with no timeout: hand it its bytes
      // (or its end, or its error) here, with no second wake-up.
      if (this.#size > 0 && (!pending.waitAll || this.#size >= pending.n || this.#eof || this.#error !== null)) {
        this.#pending = null;
        pending.resolve(this.#take(pending.n, pending.peek, pending.waitAll));
      } else if (this.#size === 0 && this.#error !== null) {
        this.#pending = null;
        pending.reject(this.#error);
      } else if (this.#size === 0 && (this.#eof || this.#readShut)) {
        this.#pending = null;
        pending.resolve(EMPTY);
      }
    }
    this.#signal.notify();
  }

  /** The recv waiting without a timeout, served straight from the socket's events. */
  #pending: {
    n: number;
    waitAll: boolean;
    peek: boolean;
    resolve: (data: Buffer) => void;
    reject: (e: Error) => void;
  } | null = null;

  /** Waits for any change: data, end, error. */
  #changed(timeoutSec: number | null): Promise<void> {
    return this.#signal.wait(timeoutSec);
  }

  /** Takes up to `n` queued bytes (n > 0, at least one queued), or peeks at them. */
  #take(n: number, peek: boolean, exact: boolean): Buffer {
    const first = this.#chunks[this.#head]!;
    let out: Buffer;
    if (first.length >= n) {
      out = first.subarray(0, n);
      if (!peek) {
        if (first.length === n) this.#shift();
        else this.#chunks[this.#head] = first.subarray(n);
      }
    } else if (this.#chunks.length - this.#head === 1 || (!exact && first.length >= 16 * 1024)) {
      // One chunk, or a large one: hand it over as it is (no copy); recv
      // may return fewer bytes than asked, as the kernel's does.
      out = first;
      if (!peek) this.#shift();
    } else {
      const total = Math.min(n, this.#size);
      out = Buffer.allocUnsafe(total);
      let filled = 0;
      let i = this.#head;
      while (filled < total) {
        const c = this.#chunks[i]!;
        const want = total - filled;
        if (c.length <= want) {
          c.copy(out, filled);
          filled += c.length;
          i++;
        } else {
          c.copy(out, filled, 0, want);
          if (!peek) this.#chunks[i] = c.subarray(want);
          filled = total;
        }
      }
      if (!peek) {
        this.#head = i;
        this.#compact();
      }
    }
    if (!peek) {
      this.#size -= out.length;
      if (this.#paused && this.#size < RECV_HIGH_WATER_MARK / 2) {
        this.#paused = false;
        if (!this.#destroyed) this.sock.resume();
      }
    }
    return out;
  }

  #shift(): void {
    this.#chunks[this.#head] = EMPTY;
    this.#head++;
    this.#compact();
  }

  #compact(): void {
    if (this.#head === this.#chunks.length) {
      this.#chunks.length = 0;
      this.#head = 0;
    } else if (this.#head > 64 && this.#head * 2 > this.#chunks.length) {
      this.#chunks = this.#chunks.slice(this.#head);
      this.#head = 0;
    }
  }

  /**
   * Python's `recv(n)`: at most `n` bytes as soon as any are there, an empty
   * buffer at end of stream. `timeoutSec` 0 is non-blocking; `waitAll` keeps
   * waiting until `n` bytes or the end (MSG_WAITALL); `peek` leaves them queued.
   */
  recv(n: number, timeoutSec: number | null, waitAll = false, peek = false): Promise<Buffer> {
    if (n === 0) return Promise.resolve(EMPTY);
    // Bytes already here: no waiting, no async machinery.
    if (this.#size > 0 && (!waitAll || this.#size >= n)) return Promise.resolve(this.#take(n, peek, waitAll));
    if (timeoutSec === null && this.#pending === null && this.#size === 0 && this.#error === null && !this.#eof && !this.#readShut) {
      return new Promise<Buffer>((resolve, reject) => {
        this.#pending = { n, waitAll, peek, resolve, reject };
      });
    }
    return this.#recvWaiting(n, timeoutSec, waitAll, peek);
  }

  async #recvWaiting(n: number, timeoutSec: number | null, waitAll: boolean, peek: boolean): Promise<Buffer> {
    for (;;) {
      if (this.#size > 0 && (!waitAll || this.#size >= n || this.#eof || this.#error !== null)) {
        return this.#take(n, peek, waitAll);
      }
      if (this.#size === 0 && this.#error !== null) throw this.#error;
      if (this.#eof || this.#readShut) return this.#size > 0 ? this.#take(n, peek, waitAll) : EMPTY;
      if (timeoutSec === 0) throw new BlockingIOError(errno.EAGAIN);
      await this.#changed(timeoutSec);
    }
  }

  /**
   * Takes bytes up to and including the first `\n` (or `limit` bytes, or the
   * rest at end of stream): the fast path of a binary file's `readline`.
   */
  async readline(limit: number, timeoutSec: number | null): Promise<Buffer> {
    let scanned = 0;
    for (;;) {
      let seen = 0;
      for (let i = this.#head; i < this.#chunks.length; i++) {
        const c = this.#chunks[i]!;
        if (seen + c.length > scanned) {
          const from = Math.max(0, scanned - seen);
          const at = c.indexOf(0x0a, from);
          if (at >= 0) return this.#take(Math.min(seen + at + 1, limit), false, true);
        }
        seen += c.length;
      }
      scanned = seen;
      if (this.#size >= limit) return this.#take(limit, false, true);
      if (this.#size === 0 && this.#error !== null) throw this.#error;
      if (this.#eof || this.#readShut || this.#error !== null) return this.#size > 0 ? this.#take(this.#size, false, true) : EMPTY;
      if (timeoutSec === 0) throw new BlockingIOError(errno.EAGAIN);
      await this.#changed(timeoutSec);
    }
  }

  /** Python's `sendall`: resolves once node has handed every byte to the kernel. */
  sendall(data: Uint8Array, timeoutSec: number | null): Promise<void> {
    if (this.#writeShut) return Promise.reject(new BrokenPipeError(errno.EPIPE));
    if (this.#destroyed) return Promise.reject(this.#error ?? badFileDescriptor());
    if (data.length === 0) return Promise.resolve();
    if (timeoutSec === 0 && this.sock.writableNeedDrain) {
      return Promise.reject(new BlockingIOError(errno.EAGAIN));
    }
    if (this.#error !== null) return Promise.reject(this.#error);
    if (this.sock.writableLength > 0 && !this.sock.writableNeedDrain) {
      // node is still writing earlier bytes and has room below its
      // high-water mark: queue a private copy (the caller may reuse its
      // buffer at once, as after Python's sendall) and return without
      // waiting for the kernel. A failure of that write surfaces at the
      // next call, as a send error does in C.
      this.sock.write(Buffer.from(data), (err) => {
        if (err != null) this.#error ??= this.#mapError(err);
      });
      return Promise.resolve();
    }
    const pending = new PendingWrite();
    this.sock.write(data, (err) => {
      pending.done(err == null ? null : (this.#error ?? this.#mapError(err)));
    });
    // node wrote the bytes to the kernel at once: nothing of the caller's
    // buffer is held any more, so the call is complete.
    if (this.sock.writableLength === 0 && pending.error === null) return Promise.resolve();
    return pending.wait(timeoutSec === 0 ? null : timeoutSec);
  }

  /** Python's `shutdown`: `read` stops reception, `write` sends FIN. */
  shutdown(read: boolean, write: boolean): void {
    if (read) {
      this.#readShut = true;
      this.#chunks = [];
      this.#head = 0;
      this.#size = 0;
      if (this.#paused) {
        this.#paused = false;
        this.sock.resume();
      }
      this.#wake();
    }
    if (write && !this.#writeShut) {
      this.#writeShut = true;
      this.sock.end();
    }
  }

  /** Closes the connection: sends what is queued, then FIN, then frees the socket. */
  close(): void {
    if (this.#destroyed) return;
    this.#wake();
    const sock = this.sock;
    if (sock.destroyed) return;
    if (sock.writableLength === 0 || sock.connecting) {
      sock.destroy();
      return;
    }
    // Let node flush what it holds, then free the handle; a peer that never
    // reads cannot keep it forever.
    const timer = setTimeout(() => sock.destroy(), 10_000);
    timer.unref();
    sock.end(() => {
      clearTimeout(timer);
      sock.destroy();
    });
  }

  /** Drops the connection at once (RST where the kernel sends one). */
  abort(): void {
    this.sock.resetAndDestroy();
  }
}
