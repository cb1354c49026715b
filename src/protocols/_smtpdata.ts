/**
 * The DATA section on the wire, built in one pass into one buffer: lines
 * that start with "." get a second one (RFC 5321 4.5.2, Python's
 * `_quote_periods`), a bare CR or LF becomes CRLF, and "CRLF.CRLF" ends it —
 * byte for byte what nodemailer's DataStream produces (the tests compare
 * them), without a stream per message.
 * @module
 */

const CR = 0x0d;
const LF = 0x0a;
const DOT = 0x2e;

/**
 * The bytes to send after a 354 for `message`, terminator included.
 *
 * @example
 * ```ts
 * stuffMessage(Buffer.from(".a\nb")); // ="..a\r\nb\r\n.\r\n"
 * ```
 */
export function stuffMessage(message: Uint8Array): Buffer {
  const n = message.length;
  // First pass: how many bytes the insertions add.
  let extra = 0;
  let prev = -1; // -1: start of data, which counts as the start of a line
  for (let i = 0; i < n; i++) {
    const byte = message[i] as number;
    if (prev === CR && byte !== LF) extra += byte === DOT ? 2 : 1;
    else if (byte === LF && prev !== CR) extra += 1;
    else if (byte === DOT && (prev === LF || prev === -1)) extra += 1;
    prev = byte;
  }
  const tail = prev === LF ? 3 : prev === CR ? 4 : 5;
  const out = Buffer.allocUnsafe(n + extra + tail);
  // Second pass: copy runs between insertions.
  let o = 0;
  let start = 0;
  prev = -1;
  for (let i = 0; i < n; i++) {
    const byte = message[i] as number;
    let insert = 0; // 1: LF, 2: LF + ".", 3: CR, 4: "."
    if (prev === CR && byte !== LF) insert = byte === DOT ? 2 : 1;
    else if (byte === LF && prev !== CR) insert = 3;
    else if (byte === DOT && (prev === LF || prev === -1)) insert = 4;
    if (insert !== 0) {
      if (i > start) {
        out.set(message.subarray(start, i), o);
        o += i - start;
      }
      if (insert === 1) out[o++] = LF;
      else if (insert === 2) {
        out[o++] = LF;
        out[o++] = DOT;
      } else if (insert === 3) out[o++] = CR;
      else out[o++] = DOT;
      start = i;
    }
    prev = byte;
  }
  if (n > start) {
    out.set(message.subarray(start, n), o);
    o += n - start;
  }
  if (prev === LF) {
    out[o++] = DOT;
  } else if (prev === CR) {
    out[o++] = LF;
    out[o++] = DOT;
  } else {
    out[o++] = CR;
    out[o++] = LF;
    out[o++] = DOT;
  }
  out[o++] = CR;
  out[o++] = LF;
  return out;
}
