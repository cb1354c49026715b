/**
 * `struct.error`, the one exception class of the struct module, kept in its
 * own file so that the parser, the value checks and the compiled code can all
 * throw it without importing the public face.
 */

/**
 * Python's `struct.error`: a bad format string, a value that does not fit its
 * code, the wrong number of values, or a buffer of the wrong size.
 *
 * @example
 * ```ts
 * import { pack, error } from "stdnet/struct";
 * try {
 *   pack(">h", 70000);
 * } catch (e) {
 *   if (e instanceof error) console.log(e.message); // 'h' format requires -32768 <= number <= 32767
 * }
 * ```
 */
export class error extends Error {
  static {
    this.prototype.name = "error";
  }
}
