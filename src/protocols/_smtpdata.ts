/**
 * The DATA section on the wire, found in one scan (memchr from CR to LF) and
 * built into one buffer: lines
 * that start with "." get a second one (RFC 5321 4.5.2, Python's
 * `_quote_periods`), a bare CR or LF becomes CRLF, and "CRLF.CRLF" ends it —
 * byte for byte what nodemailer's DataStream produces (the tests compare
 * them), without a stream per message.
 * @module
 */

const CR = 0x0d;
const LF = 0x0a;
const DOT = 0x2e;

/** The end of the DATA section, after data ending in LF, in CR, or in anything else (or nothing). */
const END_AFTER_LF = Buffer.from(".\r\n", "latin1");
const END_AFTER_CR = Buffer.from("\n.\r\n", "latin1");
const END = Buffer.from("\r\n.\r\n", "latin1");

/** What goes in before a byte of the message: an LF, an LF and a ".", a CR, a ".". */
const PUT_LF = 0;
const PUT_LF_DOT = 1;
const PUT_CR = 2;
const PUT_DOT = 3;

/**
 * The bytes to send after a 354 for `message`, terminator included.
 *
 * @example
 * ```ts
 * stuffMessage(Buffer.from(".a\nb")); // ="..a\r\nb\r\n.\r\n"
 * ```
 */
export function stuffMessage(message: Uint8Array): Buffer {
  const m = Buffer.isBuffer(message) ? message : Buffer.from(message.buffer, message.byteOffset, message.byteLength);
  const n = m.length;
  // Where bytes go in, in order: before index at[k], the bytes of kind[k].
  // Only a CR, an LF, or a "." that starts the data calls for one, so the
  // scan jumps from CR to LF with indexOf (memchr) and looks at neighbours.
  const at: number[] = [];
  const kind: number[] = [];
  if (n > 0 && m[0] === DOT) {
    at.push(0);
    kind.push(PUT_DOT);
  }
  let cr = m.indexOf(CR);
  let lf = m.indexOf(LF);
  while (cr >= 0 || lf >= 0) {
    if (cr >= 0 && (lf < 0 || cr < lf)) {
      // a CR without its LF gets one; a "." after it then starts a line
      const next = cr + 1;
      if (next < n && m[next] !== LF) {
        at.push(next);
        kind.push(m[next] === DOT ? PUT_LF_DOT : PUT_LF);
      }
      cr = m.indexOf(CR, next);
    } else {
      // an LF without its CR gets one; a "." after it starts a line
      if (lf === 0 || m[lf - 1] !== CR) {
        at.push(lf);
        kind.push(PUT_CR);
      }
      if (m[lf + 1] === DOT) {
        at.push(lf + 1);
        kind.push(PUT_DOT);
      }
      lf = m.indexOf(LF, lf + 1);
    }
  }
  let extra = 0;
  for (const k of kind) extra += k === PUT_LF_DOT ? 2 : 1;
  const last = n > 0 ? (m[n - 1] as number) : -1;
  const end = last === LF ? END_AFTER_LF : last === CR ? END_AFTER_CR : END;
  const out = Buffer.allocUnsafe(n + extra + end.length);
  let o = 0;
  let start = 0;
  for (let k = 0; k < at.length; k++) {
    const p = at[k] as number;
    o += m.copy(out, o, start, p);
    start = p;
    const put = kind[k];
    if (put === PUT_LF) {
      out[o++] = LF;
    } else if (put === PUT_LF_DOT) {
      out[o++] = LF;
      out[o++] = DOT;
    } else {
      out[o++] = put === PUT_CR ? CR : DOT;
    }
  }
  o += m.copy(out, o, start, n);
  end.copy(out, o);
  return out;
}
