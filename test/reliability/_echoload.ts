/**
 * The load generator the echo load tests share: `clients` concurrent
 * connections, each sending `messages` messages of random sizes (a seeded
 * generator, so a failure replays) and checking every byte comes back in order.
 */
import { create_connection, MSG_WAITALL, type AddressV4 } from "stdnet/socket";

/** A cheap deterministic generator (xorshift32) in [0, 1). */
export function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

export interface EchoLoadResult {
  /** One line per client whose echo was wrong. */
  failures: string[];
  /** Bytes echoed (each way). */
  bytes: number;
  seconds: number;
}

/** Runs the load against an echo server at `address`; `seed` offsets each client's generator. */
export async function echoLoad(address: AddressV4, clients: number, messages: number, maxBytes: number, seed = 1, timeout = 60): Promise<EchoLoadResult> {
  const t0 = Date.now();
  let bytes = 0;
  const outcomes = await Promise.all(
    Array.from({ length: clients }, async (_, id) => {
      const random = rng(seed + id);
      const s = await create_connection(address, timeout);
      try {
        for (let m = 0; m < messages; m++) {
          const size = 1 + Math.floor(random() * maxBytes);
          const message = Buffer.allocUnsafe(size);
          for (let i = 0; i < size; i++) message[i] = (id * 31 + m * 7 + i) & 0xff;
          await s.sendall(message);
          const back = await s.recv(size, MSG_WAITALL);
          if (!back.equals(message)) return `client ${id} message ${m}: ${back.length} of ${size} bytes, content differs`;
          bytes += size;
        }
        return null;
      } finally {
        s.close();
      }
    }),
  );
  return { failures: outcomes.filter((f) => f !== null), bytes, seconds: (Date.now() - t0) / 1000 };
}
