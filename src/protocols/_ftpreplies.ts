/**
 * Reading FTP replies as Python's ftplib does: the 150, 227, 229 and 257
 * parsers, and `sanitize`, the `repr()` of a line for debug output with the
 * password starred out.
 * @module
 */
import { error_proto, error_reply } from "./_ftperrors.js";
import { repr } from "../sockets/repr.js";

/**
 * The size a `150` reply announces (`150 … (1234 bytes)`), or `null`
 * (Python's `ftplib.parse150`).
 *
 * @example
 * ```ts
 * parse150("150 Opening BINARY mode data connection for f (42 bytes)"); // 42
 * ```
 */
export function parse150(resp: string): number | null {
  if (!resp.startsWith("150")) throw new error_reply(resp);
  const m = /^150 .* \((\d+) bytes\)/i.exec(resp);
  return m?.[1] === undefined ? null : Number(m[1]);
}

/**
 * The host and port of a `227` reply to PASV (Python's `ftplib.parse227`).
 *
 * @example
 * ```ts
 * parse227("227 Entering Passive Mode (127,0,0,1,4,1)"); // ["127.0.0.1", 1025]
 * ```
 */
export function parse227(resp: string): [host: string, port: number] {
  if (!resp.startsWith("227")) throw new error_reply(resp);
  const m = /(\d+),(\d+),(\d+),(\d+),(\d+),(\d+)/.exec(resp);
  if (m === null) throw new error_proto(resp);
  const n = m.slice(1).map(Number);
  return [`${n[0]}.${n[1]}.${n[2]}.${n[3]}`, n[4]! * 256 + n[5]!];
}

/**
 * The port of a `229` reply to EPSV, with the control connection's peer as
 * host (Python's `ftplib.parse229`).
 *
 * @example
 * ```ts
 * parse229("229 Entering Extended Passive Mode (|||6446|)", ["::1", 21]); // ["::1", 6446]
 * ```
 */
export function parse229(resp: string, peer: readonly [string, number]): [host: string, port: number] {
  if (!resp.startsWith("229")) throw new error_reply(resp);
  const left = resp.indexOf("(");
  if (left < 0) throw new error_proto(resp);
  const right = resp.indexOf(")", left + 1);
  if (right < 0) throw new error_proto(resp);
  const delim = resp.charAt(left + 1);
  if (delim !== resp.charAt(right - 1)) throw new error_proto(resp);
  const parts = resp.slice(left + 1, right).split(delim);
  if (parts.length !== 5) throw new error_proto(resp);
  const port = Number.parseInt(parts[3]!, 10);
  if (Number.isNaN(port)) throw new error_proto(resp);
  return [peer[0], port];
}

/**
 * The directory name in a `257` reply to MKD or PWD, with doubled quotes
 * undone (Python's `ftplib.parse257`).
 *
 * @example
 * ```ts
 * parse257('257 "/a ""b""" is the current directory'); // '/a "b"'
 * ```
 */
export function parse257(resp: string): string {
  if (!resp.startsWith("257")) throw new error_reply(resp);
  if (resp.slice(3, 5) !== ' "') return "";
  let dirname = "";
  let i = 5;
  const n = resp.length;
  while (i < n) {
    const c = resp.charAt(i);
    i += 1;
    if (c === '"') {
      if (i >= n || resp.charAt(i) !== '"') break;
      i += 1;
    }
    dirname += c;
  }
  return dirname;
}

/**
 * A line as ftplib's debug output shows it: its `repr()`, with the argument
 * of a `PASS` command replaced by stars (Python's `FTP.sanitize`).
 *
 * @example
 * ```ts
 * sanitize("PASS secret"); // "'PASS ******'"
 * ```
 */
export function sanitize(s: string): string {
  const head = s.slice(0, 5);
  if (head === "pass " || head === "PASS ") {
    const i = s.replace(/[\r\n]+$/, "").length;
    s = head + "*".repeat(Math.max(0, i - 5)) + s.slice(i);
  }
  return repr(s);
}
