/**
 * What `BaseServer.handle_error` prints: Python's report of an exception
 * raised while a request was handled, a traceback in Python's layout built
 * from the JavaScript stack (most recent call last, causes first).
 * @module
 */
import { repr } from "./repr.js";
import type { Address } from "./_address.js";

/** Python's rule of 40 dashes around the report. */
const RULE = "-".repeat(40);

/** How many `cause` links are followed, as a guard against cycles. */
const MAX_CAUSES = 10;

const FRAME = /^\s*at (?:(.+?) \()?(.+?):(\d+):\d+\)?$/;

/** One exception as Python's `traceback.print_exception` lays it out, without its causes. */
function formatOne(e: unknown): string {
  if (!(e instanceof Error)) return `Traceback (most recent call last):\n  (a non-Error value was thrown)\n${String(e)}\n`;
  const frames: string[] = [];
  for (const line of (e.stack ?? "").split("\n")) {
    const m = FRAME.exec(line);
    if (m === null) continue;
    frames.push(`  File "${m[2]!}", line ${m[3]!}, in ${m[1] ?? "<module>"}`);
  }
  frames.reverse();
  const last = e.message === "" ? e.name : `${e.name}: ${e.message}`;
  return `Traceback (most recent call last):\n${frames.map((f) => f + "\n").join("")}${last}\n`;
}

/**
 * The traceback of `e` and of its chain of causes, oldest first, joined by
 * Python's "The above exception was the direct cause …" line.
 */
export function formatException(e: unknown): string {
  const chain: unknown[] = [e];
  let cur: unknown = e;
  while (chain.length <= MAX_CAUSES && cur instanceof Error && cur.cause !== undefined && !chain.includes(cur.cause)) {
    cur = cur.cause;
    chain.push(cur);
  }
  return chain
    .reverse()
    .map(formatOne)
    .join("\nThe above exception was the direct cause of the following exception:\n\n");
}

/** How Python's `print()` shows a client address: a tuple as its repr, a string as is. */
function printAddress(address: Address): string {
  return typeof address === "string" ? address : repr(address);
}

/**
 * The text Python's `BaseServer.handle_error` writes to stderr for an
 * exception raised while the request from `client_address` was handled.
 */
export function formatRequestError(client_address: Address, error: unknown): string {
  return (
    `${RULE}\nException occurred during processing of request from ${printAddress(client_address)}\n` +
    `${formatException(error)}${RULE}\n`
  );
}
