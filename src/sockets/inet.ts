/**
 * IP address text ↔ packed bytes, as Python's `socket.inet_aton inet_ntoa
 * inet_pton inet_ntop` (which are glibc's): the same accepted forms, the same
 * output, the same errors.
 *
 * @example
 * ```ts
 * import { inet_aton, inet_ntop, AF_INET6 } from "stdnet/socket";
 * inet_aton("127.1");                 // Uint8Array [127, 0, 0, 1], as glibc reads it
 * inet_ntop(AF_INET6, new Uint8Array(16)); // "::"
 * ```
 * @module
 */
import { AF_INET, AF_INET6 } from "./constants.js";
import { OSError, ValueError, errno } from "./errors.js";

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}
function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  return -1;
}
function isSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}

const MAX_U32 = 0xffffffff;

/** glibc's inet_aton: 1 to 4 parts, each decimal, 0-octal or 0x-hex; the last fills the rest. */
function parseAton(text: string): number | null {
  const parts: number[] = [];
  let i = 0;
  const n = text.length;
  let c = n > 0 ? text.charCodeAt(0) : 0;
  let val = 0;
  for (;;) {
    if (!isDigit(c)) return null;
    // strtoul(cp, &end, 0)
    let base = 10;
    if (c === 0x30) {
      const next = i + 1 < n ? text.charCodeAt(i + 1) : 0;
      if ((next === 0x78 || next === 0x58) && i + 2 < n && hexValue(text.charCodeAt(i + 2)) >= 0) {
        base = 16;
        i += 2;
      } else {
        base = 8;
      }
    }
    val = 0;
    let overflow = false;
    for (; i < n; i++) {
      const d = hexValue(text.charCodeAt(i));
      if (d < 0 || d >= base) break;
      val = val * base + d;
      if (val > Number.MAX_SAFE_INTEGER) overflow = true;
    }
    if (overflow || val > MAX_U32) return null;
    c = i < n ? text.charCodeAt(i) : 0;
    if (c === 0x2e) {
      if (parts.length >= 3 || val > 0xff) return null;
      parts.push(val);
      i++;
      c = i < n ? text.charCodeAt(i) : 0;
    } else {
      break;
    }
  }
  if (i < n && !isSpace(c)) return null;
  const limits = [MAX_U32, 0xffffff, 0xffff, 0xff];
  if (val > limits[parts.length]!) return null;
  let result = val;
  for (let k = 0; k < parts.length; k++) result += parts[k]! * 2 ** (8 * (3 - k));
  return result;
}

/**
 * Packs an IPv4 address in any form glibc's `inet_aton` accepts
 * (`"127.0.0.1"`, `"127.1"`, `"0x7f.1"`). Throws `OSError` for anything else.
 *
 * @example
 * ```ts
 * inet_aton("192.168.0.1"); // Uint8Array [192, 168, 0, 1]
 * inet_aton("300.1.1.1");   // throws OSError: illegal IP address string passed to inet_aton
 * ```
 */
export function inet_aton(ip_string: string): Buffer {
  const v = parseAton(ip_string);
  if (v === null) throw new OSError("illegal IP address string passed to inet_aton");
  const out = Buffer.allocUnsafe(4);
  out.writeUInt32BE(v, 0);
  return out;
}

/**
 * Unpacks 4 bytes to dotted-quad text. Throws `OSError` for any other length.
 *
 * @example
 * ```ts
 * inet_ntoa(Uint8Array.of(127, 0, 0, 1)); // "127.0.0.1"
 * ```
 */
export function inet_ntoa(packed_ip: Uint8Array): string {
  if (packed_ip.length !== 4) throw new OSError("packed IP wrong length for inet_ntoa");
  return `${packed_ip[0]}.${packed_ip[1]}.${packed_ip[2]}.${packed_ip[3]}`;
}

/** glibc's inet_pton4: exactly four decimal octets, no leading zeros. */
function pton4(text: string, out: Uint8Array, at: number): boolean {
  let octets = 0;
  let sawDigit = false;
  let cur = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (isDigit(c)) {
      if (sawDigit && cur === 0) return false;
      cur = cur * 10 + (c - 0x30);
      if (cur > 255) return false;
      if (!sawDigit) {
        if (++octets > 4) return false;
        sawDigit = true;
      }
    } else if (c === 0x2e && sawDigit) {
      if (octets === 4) return false;
      out[at + octets - 1] = cur;
      cur = 0;
      sawDigit = false;
    } else {
      return false;
    }
  }
  if (octets < 4 || !sawDigit) return false;
  out[at + 3] = cur;
  return true;
}

/** glibc's inet_pton6: hex groups of up to 4 digits, one "::", an optional IPv4 tail. */
function pton6(text: string): Uint8Array | null {
  const out = new Uint8Array(16);
  let i = 0;
  const n = text.length;
  if (n > 0 && text.charCodeAt(0) === 0x3a) {
    if (n < 2 || text.charCodeAt(1) !== 0x3a) return null;
    i = 1;
  }
  let tp = 0;
  let colonp = -1;
  let curtok = i;
  let sawXdigit = false;
  let val = 0;
  let digits = 0;
  for (; i < n; i++) {
    const c = text.charCodeAt(i);
    const d = hexValue(c);
    if (d >= 0) {
      if (++digits > 4) return null;
      val = (val << 4) | d;
      sawXdigit = true;
      continue;
    }
    if (c === 0x3a) {
      curtok = i + 1;
      if (!sawXdigit) {
        if (colonp >= 0) return null;
        colonp = tp;
        continue;
      }
      if (i + 1 >= n) return null;
      if (tp + 2 > 16) return null;
      out[tp++] = (val >> 8) & 0xff;
      out[tp++] = val & 0xff;
      sawXdigit = false;
      digits = 0;
      val = 0;
      continue;
    }
    if (c === 0x2e && tp + 4 <= 16 && pton4(text.slice(curtok), out, tp)) {
      tp += 4;
      sawXdigit = false;
      break;
    }
    return null;
  }
  if (sawXdigit) {
    if (tp + 2 > 16) return null;
    out[tp++] = (val >> 8) & 0xff;
    out[tp++] = val & 0xff;
  }
  if (colonp >= 0) {
    if (tp === 16) return null;
    const moved = tp - colonp;
    for (let k = 1; k <= moved; k++) {
      out[16 - k] = out[colonp + moved - k]!;
      out[colonp + moved - k] = 0;
    }
    tp = 16;
  }
  return tp === 16 ? out : null;
}

/**
 * Packs an address of the family (`AF_INET` or `AF_INET6`), strictly, as
 * glibc's `inet_pton`. Throws `OSError` for a malformed address.
 *
 * @example
 * ```ts
 * inet_pton(AF_INET6, "::1"); // 15 zero bytes and a 1
 * ```
 */
export function inet_pton(address_family: number, ip_string: string): Buffer {
  if (address_family === AF_INET) {
    const out = Buffer.alloc(4);
    if (!pton4(ip_string, out, 0)) throw new OSError("illegal IP address string passed to inet_pton");
    return out;
  }
  if (address_family === AF_INET6) {
    const out = pton6(ip_string);
    if (out === null) throw new OSError("illegal IP address string passed to inet_pton");
    return Buffer.from(out.buffer, out.byteOffset, 16);
  }
  throw new OSError(errno.EAFNOSUPPORT);
}

/** glibc's inet_ntop6: the longest run of two or more zero words becomes "::". */
function ntop6(b: Uint8Array): string {
  const words: number[] = [];
  for (let k = 0; k < 16; k += 2) words.push((b[k]! << 8) | b[k + 1]!);
  let bestBase = -1;
  let bestLen = 0;
  let curBase = -1;
  let curLen = 0;
  for (let k = 0; k < 8; k++) {
    if (words[k] === 0) {
      if (curBase < 0) {
        curBase = k;
        curLen = 1;
      } else {
        curLen++;
      }
    } else if (curBase >= 0) {
      if (bestBase < 0 || curLen > bestLen) {
        bestBase = curBase;
        bestLen = curLen;
      }
      curBase = -1;
    }
  }
  if (curBase >= 0 && (bestBase < 0 || curLen > bestLen)) {
    bestBase = curBase;
    bestLen = curLen;
  }
  if (bestBase >= 0 && bestLen < 2) bestBase = -1;
  let text = "";
  for (let k = 0; k < 8; k++) {
    if (bestBase >= 0 && k >= bestBase && k < bestBase + bestLen) {
      if (k === bestBase) text += ":";
      continue;
    }
    if (k !== 0) text += ":";
    if (k === 6 && bestBase === 0 && (bestLen === 6 || (bestLen === 5 && words[5] === 0xffff))) {
      text += `${b[12]}.${b[13]}.${b[14]}.${b[15]}`;
      break;
    }
    text += words[k]!.toString(16);
  }
  if (bestBase >= 0 && bestBase + bestLen === 8) text += ":";
  return text;
}

/**
 * Unpacks an address of the family to text, as glibc's `inet_ntop`.
 * Throws `ValueError` for a wrong length or an unknown family.
 *
 * @example
 * ```ts
 * inet_ntop(AF_INET, Uint8Array.of(10, 0, 0, 1)); // "10.0.0.1"
 * ```
 */
export function inet_ntop(address_family: number, packed_ip: Uint8Array): string {
  if (address_family === AF_INET) {
    if (packed_ip.length !== 4) throw new ValueError("invalid length of packed IP address string");
    return inet_ntoa(packed_ip);
  }
  if (address_family === AF_INET6) {
    if (packed_ip.length !== 16) throw new ValueError("invalid length of packed IP address string");
    return ntop6(packed_ip);
  }
  throw new ValueError(`unknown address family ${address_family}`);
}
