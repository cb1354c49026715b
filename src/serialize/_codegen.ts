/**
 * Whether this host lets code be generated from strings (it may not: `node
 * --disallow-code-generation-from-strings`, some edge runtimes). struct
 * interprets its layouts and pickle fills dicts the ordinary way where it does not.
 *
 * @example
 * ```ts
 * const packer = canGenerateCode() ? compilePacker(layout) : interpretPacker(layout);
 * ```
 */
export function canGenerateCode(): boolean {
  try {
    // eslint-disable-next-line @typescript-eslint/no-implied-eval
    return (new Function("return 1") as () => number)() === 1;
  } catch {
    return false;
  }
}
