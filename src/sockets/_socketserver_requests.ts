/**
 * The request a server is waiting for. Python waits with `select()` for the
 * listening socket to become readable and only then calls `get_request()`.
 * Node has no readiness wait, so the server starts `get_request()` itself and
 * keeps its promise here: a wait that ends first (poll interval, timeout,
 * `shutdown()`) leaves the request where it is, and the next wait takes it,
 * as the kernel's queue would have kept it.
 * @module
 */
import type { Address } from "./_address.js";

/** What one `get_request()` came to. */
export type Outcome<R> = { ok: true; request: R; client_address: Address } | { ok: false; error: unknown };

/** A `get_request()` under way, and the waits that want to hear when it settles. */
interface Pending<R> {
  outcome: Outcome<R> | null;
  readonly waiters: Set<() => void>;
}

/** At most one `get_request()` in flight, shared by every wait of one server. */
export class RequestSlot<R> {
  #pending: Pending<R> | null = null;
  readonly #wakers = new Set<() => void>();

  /**
   * Waits until a request (or a failure to get one) is there, `timeoutSec`
   * passes, or `wakeAll()` is called; starts `get_request` if none is in
   * flight. Resolves to nothing: `take()` then says what came.
   */
  wait(get_request: () => Promise<[R, Address]>, timeoutSec: number | null): Promise<void> {
    const pending = (this.#pending ??= start(get_request));
    if (pending.outcome !== null) return Promise.resolve();
    return new Promise<void>((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const done = (): void => {
        if (timer !== undefined) clearTimeout(timer);
        pending.waiters.delete(done);
        this.#wakers.delete(done);
        resolve();
      };
      pending.waiters.add(done);
      this.#wakers.add(done);
      if (timeoutSec !== null) timer = setTimeout(done, Math.max(0, timeoutSec * 1000));
    });
  }

  /** Takes what `get_request` came to, if it has settled; null otherwise (or if another wait took it). */
  take(): Outcome<R> | null {
    const outcome = this.#pending?.outcome ?? null;
    if (outcome !== null) this.#pending = null;
    return outcome;
  }

  /** Ends every wait now (shutdown, close). */
  wakeAll(): void {
    for (const w of [...this.#wakers]) w();
  }

  /**
   * Forgets the request in flight; `onTaken` gets it if it was (or once it
   * is) a request, so that it can be closed. Resolves once `onTaken` ran,
   * or at once if the request is still to come.
   */
  async drop(onTaken: (request: R) => Promise<void>): Promise<void> {
    const pending = this.#pending;
    this.#pending = null;
    if (pending === null) return;
    const close = async (): Promise<void> => {
      if (pending.outcome?.ok === true) await onTaken(pending.outcome.request);
    };
    if (pending.outcome !== null) {
      await close();
    } else {
      pending.waiters.add(() => {
        close().catch(() => undefined);
      });
    }
  }
}

function start<R>(get_request: () => Promise<[R, Address]>): Pending<R> {
  const pending: Pending<R> = { outcome: null, waiters: new Set() };
  const settle = (o: Outcome<R>): void => {
    pending.outcome = o;
    const waiters = [...pending.waiters];
    pending.waiters.clear();
    for (const w of waiters) w();
  };
  let got: Promise<[R, Address]>;
  try {
    got = get_request();
  } catch (e) {
    got = Promise.reject(e instanceof Error ? e : new Error(String(e)));
  }
  got.then(
    ([request, client_address]) => settle({ ok: true, request, client_address }),
    (error: unknown) => settle({ ok: false, error }),
  );
  return pending;
}
