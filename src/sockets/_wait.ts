/**
 * Waiting with Python's socket timeouts: a wait that ends when its event
 * comes, or rejects with `TimeoutError("timed out")` after the socket's
 * timeout, with its timer always cleared.
 * @module
 */
import { timedOut } from "./errors.js";

/** What a wait calls to end itself. */
export interface Settle<T> {
  resolve(value: T): void;
  reject(reason: Error): void;
}

/**
 * Starts `begin`, which arranges to call `settle` and returns a function
 * that undoes its arrangement (removes listeners); rejects with
 * `TimeoutError` after `timeoutSec` seconds (`null` waits forever), calling
 * `onTimeout` first.
 */
export function waitFor<T>(
  timeoutSec: number | null,
  begin: (settle: Settle<T>) => () => void,
  onTimeout?: () => void,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    let done = false;
    let undo: () => void = () => undefined;
    const finish = (): boolean => {
      if (done) return false;
      done = true;
      if (timer !== undefined) clearTimeout(timer);
      undo();
      return true;
    };
    undo = begin({
      resolve: (v) => {
        if (finish()) resolve(v);
      },
      reject: (e) => {
        if (finish()) reject(e);
      },
    });
    if (done) {
      undo();
      return;
    }
    if (timeoutSec !== null) {
      timer = setTimeout(() => {
        if (!finish()) return;
        onTimeout?.();
        reject(timedOut());
      }, timeoutSec * 1000);
    }
  });
}

/**
 * A condition that waits can block on: `wait()` resolves at the next
 * `notify()`, or rejects with `TimeoutError` after `timeoutSec`.
 */
export class Signal {
  #waiters: (() => void)[] = [];

  /** Wakes every wait. */
  notify(): void {
    const waiters = this.#waiters;
    if (waiters.length === 0) return;
    this.#waiters = [];
    for (const w of waiters) w();
  }

  /** Waits for the next `notify()`. */
  wait(timeoutSec: number | null): Promise<void> {
    if (timeoutSec === null) {
      // The hot path: no timer, nothing to undo.
      return new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
    return waitFor<undefined>(timeoutSec, (settle) => {
      const waiter = (): void => settle.resolve(undefined);
      this.#waiters.push(waiter);
      return () => {
        const i = this.#waiters.indexOf(waiter);
        if (i >= 0) this.#waiters.splice(i, 1);
      };
    });
  }
}
