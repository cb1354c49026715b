/**
 * Filling dicts that repeat the str keys of the dict before them (a list
 * of records): after the same keys come twice in a row, a small function
 * generated for them stores each value under a constant key, which V8 does
 * several times faster than a store under a key it must look up each time.
 * Generated functions are kept by key list (a bounded cache); where code
 * cannot be generated from strings, every dict takes the ordinary path.
 */
import { canGenerateCode } from "../_codegen.js";

/** Stores the values at s[f + 1], s[f + 3], … under the filler's keys. */
type Filler = (o: Record<string, unknown>, s: readonly unknown[], f: number) => void;

/** Dicts with more keys than this (in one SETITEMS) take the ordinary path. */
const MAX_KEYS = 32;
/** At most this many fillers are kept; the cache starts afresh when full. */
const CACHE_SIZE = 256;

const fillers = new Map<string, Filler>();
let codegen: boolean | undefined;

/** The filler of `keys`, or undefined where one cannot (or must not) be made. */
function fillerOf(keys: readonly string[]): Filler | undefined {
  // "__proto__" must become an own property, which a plain store does not do
  if (keys.includes("__proto__")) return undefined;
  const id = JSON.stringify(keys);
  let filler = fillers.get(id);
  if (filler === undefined) {
    codegen ??= canGenerateCode();
    if (!codegen) return undefined;
    if (fillers.size >= CACHE_SIZE) fillers.clear();
    // JSON.stringify makes each key a JS string literal, whatever it holds
    const body = keys.map((k, i) => `o[${JSON.stringify(k)}] = s[f + ${2 * i + 1}];`).join("\n");
    // eslint-disable-next-line @typescript-eslint/no-implied-eval
    filler = new Function("o", "s", "f", body) as Filler;
    fillers.set(id, filler);
  }
  return filler;
}

/** The keys of the last dict filled, and their filler once they have come twice in a row. */
export class DictShapes {
  private keys: string[] = [];
  private filler: Filler | undefined;
  private tried = false;

  /**
   * Fills `d` from the key/value pairs stack[from..to) (every key a str)
   * when the keys are those of the last dict; returns whether it did.
   */
  fill(d: Record<string, unknown>, stack: readonly unknown[], from: number, to: number): boolean {
    const n = (to - from) >> 1;
    const keys = this.keys;
    let same = n === keys.length && n > 1;
    for (let i = 0; same && i < n; i++) same = stack[from + 2 * i] === keys[i];
    if (!same) {
      this.keys = n > 1 && n <= MAX_KEYS ? Array.from({ length: n }, (_, i) => stack[from + 2 * i] as string) : [];
      this.filler = undefined;
      this.tried = false;
      return false;
    }
    if (!this.tried) {
      this.tried = true;
      this.filler = fillerOf(keys);
      // the keys of the dicts to come: a GET fetches a key the first dict met as a string of its
      // own (loads' memo decodes a str again at its first GET), and equal strings that are not
      // one object take V8's StringEqual builtin at each test (4% of a records loads' time)
      for (let i = 0; i < n; i++) keys[i] = stack[from + 2 * i] as string;
    }
    if (this.filler === undefined) return false;
    this.filler(d, stack, from);
    return true;
  }
}
