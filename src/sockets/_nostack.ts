/**
 * Errors made without a stack trace, for refusals of bad input that must
 * stay cheap (a fuzzed pickle or a stream of bad bytes may make thousands).
 * @module
 */

/**
 * The error `make` returns, made without capturing a stack trace.
 *
 * @example
 * ```ts
 * const e = withoutStack(() => new RangeError("bad length"));
 * ```
 */
export function withoutStack<E extends Error>(make: () => E): E {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return make();
  } finally {
    Error.stackTraceLimit = limit;
  }
}
