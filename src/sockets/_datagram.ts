/**
 * A UDP socket over node:dgram with Python's semantics: datagrams queue
 * until `recvfrom` takes them (bounded as the kernel's receive buffer is:
 * past it, new datagrams are dropped, as UDP drops them), a datagram longer
 * than the size asked for is cut to it (the rest is lost, as in C).
 * @module
 */
import * as dgram from "node:dgram";
import { BlockingIOError, OSError, badFileDescriptor, errno, fromNodeError } from "./errors.js";
import { Signal } from "./_wait.js";

/** Bytes of datagrams queued unread before new ones are dropped. */
export const DATAGRAM_QUEUE_BYTES = 4 * 1024 * 1024;

/** A received datagram and where it came from. */
export interface Datagram {
  data: Buffer;
  address: string;
  port: number;
}

/** One node:dgram socket with a receive queue. */
export class DatagramEndpoint {
  readonly sock: dgram.Socket;
  #queue: Datagram[] = [];
  #queued = 0;
  readonly #signal = new Signal();
  #error: Error | null = null;
  #closed = false;
  #bound: Promise<void> | null = null;
  #connected = false;
  /** Datagrams dropped because the queue was full. */
  dropped = 0;

  constructor(ipv6: boolean) {
    this.sock = dgram.createSocket({ type: ipv6 ? "udp6" : "udp4" });
    this.sock.on("message", (data: Buffer, rinfo: dgram.RemoteInfo) => {
      if (this.#queued + data.length > DATAGRAM_QUEUE_BYTES) {
        this.dropped++;
        return;
      }
      this.#queue.push({ data, address: rinfo.address, port: rinfo.port });
      this.#queued += data.length;
      this.#wake();
    });
    this.sock.on("error", (e) => {
      this.#error = fromNodeError(e);
      this.#wake();
    });
  }

  #wake(): void {
    this.#signal.notify();
  }

  /** Whether `bind` (ours or node's implicit one) has been started. */
  get bound(): boolean {
    return this.#bound !== null;
  }

  /** Binds; resolves when bound, rejects with Python's error (EADDRINUSE…). */
  bind(host: string, port: number, reuseAddr: boolean): Promise<void> {
    this.#bound ??= new Promise<void>((resolve, reject) => {
      const onError = (e: Error): void => reject(fromNodeError(e));
      this.sock.once("error", onError);
      this.sock.bind({ address: host, port, exclusive: !reuseAddr }, () => {
        this.sock.off("error", onError);
        resolve();
      });
    });
    return this.#bound;
  }

  /** Sets the default peer, as `connect` on a UDP socket does. */
  connect(host: string, port: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.sock.connect(port, host, (err?: Error) => {
        if (err) reject(fromNodeError(err));
        else {
          this.#bound ??= Promise.resolve();
          this.#connected = true;
          resolve();
        }
      });
    });
  }

  /** Sends one datagram; resolves with its length. */
  send(data: Uint8Array, host: string | undefined, port: number | undefined): Promise<number> {
    if (this.#closed) return Promise.reject(badFileDescriptor());
    if (host === undefined && !this.#connected) return Promise.reject(new OSError(errno.EDESTADDRREQ));
    return new Promise<number>((resolve, reject) => {
      const done = (err: Error | null): void => {
        if (err) reject(fromNodeError(err));
        else resolve(data.length);
      };
      this.#bound ??= Promise.resolve();
      if (host === undefined || port === undefined) this.sock.send(data, done);
      else this.sock.send(data, port, host, done);
    });
  }

  /** The next datagram, cut to `n` bytes; `timeoutSec` 0 is non-blocking. */
  async recv(n: number, timeoutSec: number | null, peek = false): Promise<Datagram> {
    if (this.#bound !== null) await this.#bound;
    for (;;) {
      if (this.#closed) throw badFileDescriptor();
      const first = this.#queue[0];
      if (first !== undefined) {
        if (!peek) {
          this.#queue.shift();
          this.#queued -= first.data.length;
        }
        return first.data.length > n ? { ...first, data: first.data.subarray(0, n) } : first;
      }
      if (this.#error !== null) {
        const e = this.#error;
        this.#error = null;
        throw e;
      }
      if (timeoutSec === 0) throw new BlockingIOError(errno.EAGAIN);
      await this.#signal.wait(timeoutSec);
    }
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#queue = [];
    this.#wake();
    try {
      this.sock.close();
    } catch {
      // never bound: nothing to close
    }
  }
}
