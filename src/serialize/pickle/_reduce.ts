/**
 * How `dumps` writes objects that are not one of the value types: a plain
 * object is a dict; anything else needs a reducer (the Pickler's
 * `dispatch_table` or `reducer_override`, or the object's own
 * `__reduce_ex__(protocol)` / `__reduce__()`), which returns what Python's
 * `__reduce__` returns: `[callable, args, state?, listitems?, dictitems?]`,
 * the callable being a `Global`.
 */
import { PicklingError } from "./_errors.js";
import { pyTypeName } from "./_values.js";
import type { Saver } from "./_save.js";

/**
 * What a reducer returns, as Python's `__reduce__`: `[callable, args, state?, listitems?, dictitems?, state_setter?]`
 * (a state_setter is called with `(obj, state)` in place of BUILD).
 *
 * @example
 * ```ts
 * const rv: ReduceValue = [new Global("datetime", "date"), [2024, 1, 31]];
 * ```
 */
export type ReduceValue = readonly [
  callable: unknown,
  args: readonly unknown[],
  state?: unknown,
  listitems?: Iterable<unknown> | null,
  dictitems?: Iterable<readonly [unknown, unknown]> | null,
  state_setter?: unknown,
];

interface Reducible {
  __reduce_ex__?: unknown;
  __reduce__?: unknown;
}

/** Whether an object carries its own `__reduce_ex__` or `__reduce__` method (which `saveObject` would call). */
export function hasReducer(obj: object): boolean {
  const r = obj as Reducible;
  return typeof r.__reduce_ex__ === "function" || typeof r.__reduce__ === "function";
}

/** Saves an object that is not a built-in value type: a dict for a plain object, else through its reducer. */
export function saveObject(saver: Saver, obj: object): void {
  const proto: unknown = Object.getPrototypeOf(obj);
  const table = saver.cfg.dispatchTable;
  if (table !== undefined) {
    const reduce = table.get((obj as { constructor?: unknown }).constructor);
    if (reduce !== undefined) {
      saver.saveReduce(reduce(obj as never), obj);
      return;
    }
  }
  const r = obj as Reducible;
  if (typeof r.__reduce_ex__ === "function") {
    saver.saveReduce((r.__reduce_ex__ as (p: number) => ReduceValue).call(obj, saver.proto), obj);
    return;
  }
  if (typeof r.__reduce__ === "function") {
    saver.saveReduce((r.__reduce__ as () => ReduceValue).call(obj), obj);
    return;
  }
  if (proto === Object.prototype || proto === null) {
    saver.saveDict(obj, obj);
    return;
  }
  throw new PicklingError(`cannot pickle '${pyTypeName(obj)}' object`);
}
