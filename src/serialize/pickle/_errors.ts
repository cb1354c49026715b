/**
 * pickle's exception tree, as Python's: `PickleError` is the base of
 * `PicklingError` (dumps met something it cannot write) and
 * `UnpicklingError` (loads met bytes that are not a valid, allowed pickle).
 */
import { withoutStack } from "../../sockets/_nostack.js";

/**
 * Python's `pickle.PickleError`: the common base of pickle's errors.
 *
 * @example
 * ```ts
 * try { loads(new Uint8Array([0x80, 0x05])); } catch (e) { console.log(e instanceof PickleError); } // true
 * ```
 */
export class PickleError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "PickleError";
  }
}

/**
 * Python's `pickle.PicklingError`: `dumps` met a value it cannot write.
 *
 * @example
 * ```ts
 * try { dumps(() => 1); } catch (e) { console.log((e as Error).message); } // "Can't pickle <function>: ..."
 * ```
 */
export class PicklingError extends PickleError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "PicklingError";
  }
}

/**
 * Python's `pickle.UnpicklingError`: `loads` met truncated, malformed or
 * forbidden data. It is the only error `loads` throws for any input.
 *
 * @example
 * ```ts
 * try { loads(Buffer.from("cos\nsystem\n.")); } catch (e) { console.log((e as Error).message); } // "global 'os.system' is forbidden"
 * ```
 */
export class UnpicklingError extends PickleError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "UnpicklingError";
  }
}

/**
 * An UnpicklingError about malformed data, made without capturing a stack
 * trace: the data is the cause, not the code path, and a parser facing
 * hostile input must not spend more on each refusal than on the parse.
 */
export function dataError(message: string, options?: ErrorOptions): UnpicklingError {
  return withoutStack(() => new UnpicklingError(message, options));
}

/** CPython's text for PERSID/BINPERSID when no persistent_load was given. */
export const NO_PERSISTENT_LOAD = "A load persistent id instruction was encountered,\nbut no persistent_load function was specified.";
