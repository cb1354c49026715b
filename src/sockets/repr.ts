/**
 * Python's `repr()` of the values a socket program prints — bytes, str,
 * int, float, None, bool, tuples and lists — so that a port of a Python
 * script prints the very same lines.
 *
 * @example
 * ```ts
 * import { repr } from "stdnet/socket";
 * repr(Buffer.from("Echo=>Hello"));   // "b'Echo=>Hello'"
 * repr(["127.0.0.1", 54321]);          // "('127.0.0.1', 54321)"
 * ```
 * @module
 */

import { isPrintable } from "./_printable.js";

/** A value `repr` can print. Arrays print as tuples unless wrapped with `asList`. */
export type Reprable =
  | Uint8Array
  | string
  | number
  | bigint
  | boolean
  | null
  | undefined
  | PyList
  | readonly Reprable[];

/** A JS array marked to print as a Python list (`[...]`) instead of a tuple. */
export interface PyList {
  readonly list: readonly Reprable[];
}

/**
 * Marks an array to print as a Python list.
 *
 * @example
 * ```ts
 * repr(asList([1, 2])); // "[1, 2]"
 * ```
 */
export function asList(items: readonly Reprable[]): PyList {
  return { list: items };
}

function quoteBytes(b: Uint8Array): string {
  let hasSingle = false;
  let hasDouble = false;
  for (const c of b) {
    if (c === 0x27) hasSingle = true;
    else if (c === 0x22) hasDouble = true;
  }
  const q = hasSingle && !hasDouble ? '"' : "'";
  let out = "b" + q;
  for (const c of b) {
    if (c === 0x5c) out += "\\\\";
    else if (c === 0x09) out += "\\t";
    else if (c === 0x0a) out += "\\n";
    else if (c === 0x0d) out += "\\r";
    else if (c === q.charCodeAt(0)) out += "\\" + q;
    else if (c < 0x20 || c >= 0x7f) out += "\\x" + c.toString(16).padStart(2, "0");
    else out += String.fromCharCode(c);
  }
  return out + q;
}

function quoteStr(s: string): string {
  const q = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = q;
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (ch === "\\") out += "\\\\";
    else if (ch === "\t") out += "\\t";
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === q) out += "\\" + q;
    else if (isPrintable(cp)) out += ch;
    else if (cp < 0x100) out += "\\x" + cp.toString(16).padStart(2, "0");
    else if (cp < 0x10000) out += "\\u" + cp.toString(16).padStart(4, "0");
    else out += "\\U" + cp.toString(16).padStart(8, "0");
  }
  return out + q;
}

function reprFloat(x: number): string {
  if (Number.isNaN(x)) return "nan";
  if (x === Infinity) return "inf";
  if (x === -Infinity) return "-inf";
  if (Number.isInteger(x) && Math.abs(x) < 1e16) return Object.is(x, -0) ? "-0.0" : `${x}.0`;
  const s = String(x);
  // JS writes 1e+21 where Python writes 1e+21 too; 1e-7 where Python writes 1e-07.
  return s.replace(/e([+-])(\d)$/, "e$10$2");
}

/**
 * Python's `repr()` of a value: bytes as `b'…'`, strings quoted as Python
 * quotes them, arrays as tuples (`asList` for lists), `null` as `None`.
 * Integral numbers print as ints; pass `{ float: true }` for `1.0`.
 *
 * @example
 * ```ts
 * repr(Buffer.from("it's")); // `b"it's"`
 * repr(null);                // "None"
 * ```
 */
export function repr(value: Reprable, options: { float?: boolean } = {}): string {
  if (value === null || value === undefined) return "None";
  if (value instanceof Uint8Array) return quoteBytes(value);
  if (typeof value === "string") return quoteStr(value);
  if (typeof value === "boolean") return value ? "True" : "False";
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "number") return options.float === true || !Number.isInteger(value) ? reprFloat(value) : String(value);
  if (Array.isArray(value)) {
    const items = (value as readonly Reprable[]).map((v) => repr(v, options));
    return items.length === 1 ? `(${items[0]},)` : `(${items.join(", ")})`;
  }
  return `[${(value as PyList).list.map((v) => repr(v, options)).join(", ")}]`;
}
