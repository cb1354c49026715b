/**
 * The struct interpreter: packers and unpackers as plain closures over a
 * layout's fields, for where code generation from strings is disallowed
 * (`node --disallow-code-generation-from-strings`, or hosts that forbid
 * `new Function`). Same checks and results as the compiled code of
 * _struct_compile.ts, through the same helpers of _struct_values.ts, with
 * a dispatch on the code per item: measured two to three times slower.
 */
import type { Field, Layout } from "./_struct_format.js";
import type { IteratorNext, IteratorState, Packer, Unpacker } from "./_struct_compile.js";
import { copyBytes } from "./_slab.js";
import { error } from "./_struct_error.js";
import { bytesArgument, charByte, checkedInteger, float32Value, halfBits, halfValue, intSpec, smallInteger, toDouble, truth, type IntSpec } from "./_struct_values.js";

interface Step extends Field {
  readonly spec: IntSpec | undefined;
}

function steps(layout: Layout): Step[] {
  return layout.fields.map((f) => ({ ...f, spec: "bBhHiIlLqQnNP".includes(f.code) ? intSpec(layout.table, f.code) : undefined }));
}

function packBytes(b: Uint8Array, p: number, v: unknown, f: Field): void {
  const bytes = bytesArgument(v, f.code);
  if (f.code === "p") {
    if (f.size === 0) return;
    const n = Math.min(bytes.length, f.size - 1);
    b.set(bytes.subarray(0, n), p + 1);
    b.fill(0, p + 1 + n, p + f.size);
    b[p] = Math.min(n, 255);
    return;
  }
  const n = Math.min(bytes.length, f.size);
  b.set(bytes.subarray(0, n), p);
  b.fill(0, p + n, p + f.size);
}

function packOne(s: Step, table: Layout["table"], le: boolean, dv: DataView, b: Uint8Array, p: number, v: unknown): void {
  switch (s.code) {
    case "?": b[p] = truth(v) ? 1 : 0; return;
    case "c": b[p] = charByte(v); return;
    case "s": case "p": packBytes(b, p, v, s); return;
    case "e": dv.setUint16(p, halfBits(v), le); return;
    case "f": dv.setFloat32(p, table === "native" ? toDouble(v) : float32Value(v), le); return;
    case "d": dv.setFloat64(p, toDouble(v), le); return;
    default: {
      const spec = s.spec!;
      if (s.size === 8) dv.setBigUint64(p, checkedInteger(v, spec), le);
      else if (s.size === 4) dv.setUint32(p, smallInteger(v, spec) >>> 0, le);
      else if (s.size === 2) dv.setUint16(p, smallInteger(v, spec) & 0xffff, le);
      else b[p] = smallInteger(v, spec);
    }
  }
}

function unpackOne(s: Field, le: boolean, dv: DataView, b: Uint8Array, p: number): unknown {
  switch (s.code) {
    case "b": return dv.getInt8(p);
    case "B": return b[p];
    case "?": return b[p] !== 0;
    case "c": return copyBytes(b, p, 1);
    case "s": return copyBytes(b, p, s.size);
    case "p": {
      if (s.size === 0) throw new error("cannot unpack a '0p' field: it has no length byte (CPython raises SystemError)");
      return copyBytes(b, p + 1, Math.min(b[p]!, s.size - 1));
    }
    case "h": return dv.getInt16(p, le);
    case "H": return dv.getUint16(p, le);
    case "e": return halfValue(dv.getUint16(p, le));
    case "i": return dv.getInt32(p, le);
    case "I": return dv.getUint32(p, le);
    case "f": return dv.getFloat32(p, le);
    case "d": return dv.getFloat64(p, le);
    case "l": return s.size === 4 ? dv.getInt32(p, le) : dv.getBigInt64(p, le);
    case "L": return s.size === 4 ? dv.getUint32(p, le) : dv.getBigUint64(p, le);
    case "q": case "n": return dv.getBigInt64(p, le);
    default: return dv.getBigUint64(p, le);
  }
}

/**
 * The packer of a layout, interpreted.
 *
 * @example
 * ```ts
 * const pack = interpretPacker(parseFormat("<h"));
 * ```
 */
export function interpretPacker(layout: Layout): Packer {
  const fields = steps(layout);
  const { table, little, size } = layout;
  return (dv, b, d, a) => {
    let arg = 0;
    let covered = 0;
    for (const s of fields) {
      b.fill(0, d + covered, d + s.offset);
      for (let j = 0; j < s.count; j++) packOne(s, table, little, dv, b, d + s.offset + j * s.size, a[arg + j]);
      arg += s.count;
      covered = s.offset + s.count * s.size;
    }
    b.fill(0, d + covered, d + size);
  };
}

/**
 * The unpacker of a layout, interpreted.
 *
 * @example
 * ```ts
 * const unpack = interpretUnpacker(parseFormat("<h"));
 * ```
 */
export function interpretUnpacker(layout: Layout): Unpacker {
  const { fields, little, nargs } = layout;
  return (dv, b, d) => {
    const r = new Array<unknown>(nargs);
    let k = 0;
    for (const s of fields) for (let j = 0; j < s.count; j++) r[k++] = unpackOne(s, little, dv, b, d + s.offset + j * s.size);
    return r;
  };
}

/**
 * The `next` of a layout's iterators, interpreted.
 *
 * @example
 * ```ts
 * const next = interpretIteratorNext(parseFormat("<h"));
 * ```
 */
export function interpretIteratorNext(layout: Layout): IteratorNext {
  const unpacker = interpretUnpacker(layout);
  const size = layout.size;
  return function (this: IteratorState) {
    const d = this.pos;
    if (d >= this.end) return { done: true, value: undefined };
    this.pos = d + size;
    return { done: false, value: unpacker(this.dv, this.b, d) };
  };
}
