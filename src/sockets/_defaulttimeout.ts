/**
 * The module-wide default timeout of new sockets, as Python's
 * `socket.getdefaulttimeout()` / `setdefaulttimeout()`.
 * @module
 */
import { PyTypeError, ValueError } from "./errors.js";

let defaultTimeout: number | null = null;

/**
 * The timeout, in seconds, that new sockets start with (`null`: none).
 *
 * @example
 * ```ts
 * getdefaulttimeout(); // null
 * ```
 */
export function getdefaulttimeout(): number | null {
  return defaultTimeout;
}

/**
 * Sets the timeout new sockets start with, in seconds; `null` for none.
 *
 * @example
 * ```ts
 * setdefaulttimeout(5);
 * ```
 */
export function setdefaulttimeout(timeout: number | null): void {
  if (timeout !== null && (typeof timeout !== "number" || Number.isNaN(timeout))) {
    throw new PyTypeError("Timeout value must be int, float or None");
  }
  if (timeout !== null && timeout < 0) throw new ValueError("Timeout value out of range");
  defaultTimeout = timeout;
}
