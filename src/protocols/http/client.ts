/**
 * `stdnet/http/client` — Python's `http.client` over undici: one keep-alive
 * connection per `HTTPConnection`, Python's request state machine, headers,
 * validation and exceptions.
 *
 * @example
 * ```ts
 * import { HTTPConnection } from "stdnet/http/client";
 * const conn = new HTTPConnection("localhost:8080", undefined, { timeout: 10 });
 * await conn.request("GET", "/index.html");
 * const resp = await conn.getresponse();
 * console.log(resp.status, resp.reason, (await resp.read()).length);
 * conn.close();
 * ```
 *
 * The state machine, as in Python's module:
 * ```
 *  Idle --putrequest()--> Request-started --putheader()*--endheaders()/request()--> Request-sent
 *  Request-sent --getresponse()--> Idle (+ the response, which must be read before the next getresponse())
 * ```
 * `request()` in Request-started/Request-sent raises `CannotSendRequest`; `getresponse()`
 * outside Request-sent, or while the last response is unread, raises `ResponseNotReady`.
 *
 * Differences from Python:
 * - `request`, `endheaders`, `send`, `getresponse` and the response's reads return Promises.
 * - The connection opens lazily at the first request (`connect()` only prepares it);
 *   connection errors reject `request()`.
 * - undici writes the request: header names Python adds are sent as Python spells them,
 *   but undici lower-cases `host` and `content-length` and adds `connection: keep-alive`; `Transfer-Encoding:
 *   chunked` and the chunk framing are produced by undici (no hand-made framing through `send`);
 *   a multi-line header value (Python's `\r\n\t` join) is sent folded into spaces.
 * - After `endheaders()` without a body, the request goes out when `send()` has supplied the
 *   announced Content-Length (or at `getresponse()`), not header-first.
 * - Header values with control characters other than CR/LF are refused (`ValueError`) where Python sends them.
 * - `version` is always 11; limits: the whole response head is capped at `_MAXLINE` bytes
 *   (`LineTooLong`), not each line.
 * - `set_tunnel` sends its CONNECT through undici (HTTP/1.1 where Python says HTTP/1.0).
 * - The timeout is per wait, as Python's, with two approximations: sending the request and
 *   waiting for the first byte of the answer share one timer (Python's `sendall` and `recv`
 *   have one each), and a wait is seen to have run out up to one timeout late when bytes
 *   of the response head were arriving before it (undici reports the head only once whole).
 * @module
 */
export { HTTPConnection, HTTP_PORT, HTTPS_PORT, type HTTPConnectionOptions } from "./_connection.js";
export { HTTPSConnection, type HTTPSConnectionOptions } from "./_https.js";
export type { RequestBody, HeaderValue } from "./_requestchecks.js";
export { HTTPResponse } from "./_response.js";
export { HTTPMessage } from "./_message.js";
export { HTTPStatus, responses, type HTTPStatusMember } from "./_status.js";
export {
  HTTPException,
  NotConnected,
  InvalidURL,
  UnknownProtocol,
  UnknownTransferEncoding,
  UnimplementedFileMode,
  IncompleteRead,
  ImproperConnectionState,
  CannotSendRequest,
  CannotSendHeader,
  ResponseNotReady,
  BadStatusLine,
  LineTooLong,
  RemoteDisconnected,
  error,
  _MAXLINE,
  _MAXHEADERS,
} from "./_errors.js";
