/**
 * Python's `http.client` exception tree, with Python's names, fields and
 * messages. `RemoteDisconnected` is both a `ConnectionResetError` and a
 * `BadStatusLine`, as in Python.
 * @module
 */
import { ConnectionResetError, addBase } from "../../sockets/errors.js";

/**
 * Python's `http.client._MAXLINE`: the longest header or status line read.
 *
 * @example
 * ```ts
 * new LineTooLong("header line").message.includes(String(_MAXLINE)); // true
 * ```
 */
export const _MAXLINE = 65536;
/**
 * Python's `http.client._MAXHEADERS`: the most header fields in a response.
 *
 * @example
 * ```ts
 * _MAXHEADERS; // 100
 * ```
 */
export const _MAXHEADERS = 100;

/**
 * Python's `http.client.HTTPException`, the base of this module's errors
 * (also exported as `error`).
 *
 * @example
 * ```ts
 * try { await conn.getresponse(); } catch (e) { if (e instanceof HTTPException) console.log(e.name); }
 * ```
 */
export class HTTPException extends Error {
  static {
    this.prototype.name = "HTTPException";
  }
}

/**
 * Python's `NotConnected`.
 *
 * @example
 * ```ts
 * throw new NotConnected();
 * ```
 */
export class NotConnected extends HTTPException {
  static {
    this.prototype.name = "NotConnected";
  }
}

/**
 * Python's `InvalidURL`: a bad port, or control characters in a URL or host.
 *
 * @example
 * ```ts
 * new HTTPConnection("h:x"); // throws InvalidURL("nonnumeric port: 'x'")
 * ```
 */
export class InvalidURL extends HTTPException {
  static {
    this.prototype.name = "InvalidURL";
  }
}

/**
 * Python's `UnknownProtocol`: a status line with an HTTP version not understood.
 *
 * @example
 * ```ts
 * new UnknownProtocol("HTTP/2.5").version; // "HTTP/2.5"
 * ```
 */
export class UnknownProtocol extends HTTPException {
  static {
    this.prototype.name = "UnknownProtocol";
  }
  readonly version: string;
  constructor(version: string, options?: ErrorOptions) {
    super(version, options);
    this.version = version;
  }
}

/**
 * Python's `UnknownTransferEncoding`.
 *
 * @example
 * ```ts
 * throw new UnknownTransferEncoding();
 * ```
 */
export class UnknownTransferEncoding extends HTTPException {
  static {
    this.prototype.name = "UnknownTransferEncoding";
  }
}

/**
 * Python's `UnimplementedFileMode`.
 *
 * @example
 * ```ts
 * throw new UnimplementedFileMode();
 * ```
 */
export class UnimplementedFileMode extends HTTPException {
  static {
    this.prototype.name = "UnimplementedFileMode";
  }
}

/**
 * Python's `IncompleteRead`: the body ended before its announced length;
 * `partial` holds what arrived, `expected` how many more bytes were due (or `null`).
 * Its message is Python's repr: `IncompleteRead(5 bytes read, 95 more expected)`.
 *
 * @example
 * ```ts
 * try { await resp.read(); } catch (e) { if (e instanceof IncompleteRead) save(e.partial); }
 * ```
 */
export class IncompleteRead extends HTTPException {
  static {
    this.prototype.name = "IncompleteRead";
  }
  readonly partial: Uint8Array;
  readonly expected: number | null;
  constructor(partial: Uint8Array, expected: number | null = null, options?: ErrorOptions) {
    super(`IncompleteRead(${partial.length} bytes read${expected === null ? "" : `, ${expected} more expected`})`, options);
    this.partial = partial;
    this.expected = expected;
  }
}

/**
 * Python's `ImproperConnectionState`: a call out of the HTTPConnection's order.
 *
 * @example
 * ```ts
 * if (e instanceof ImproperConnectionState) conn.close();
 * ```
 */
export class ImproperConnectionState extends HTTPException {
  static {
    this.prototype.name = "ImproperConnectionState";
  }
}

/**
 * Python's `CannotSendRequest`: `putrequest` while a request is being sent
 * or before the last response was read.
 *
 * @example
 * ```ts
 * await conn.request("GET", "/"); await conn.request("GET", "/"); // rejects: CannotSendRequest('Request-sent')
 * ```
 */
export class CannotSendRequest extends ImproperConnectionState {
  static {
    this.prototype.name = "CannotSendRequest";
  }
}

/**
 * Python's `CannotSendHeader`: `putheader`/`endheaders` outside a started request.
 *
 * @example
 * ```ts
 * conn.putheader("X", "1"); // throws CannotSendHeader before putrequest
 * ```
 */
export class CannotSendHeader extends ImproperConnectionState {
  static {
    this.prototype.name = "CannotSendHeader";
  }
}

/**
 * Python's `ResponseNotReady`: `getresponse` with no request sent, or with
 * an earlier response still unread.
 *
 * @example
 * ```ts
 * await conn.getresponse(); // rejects: ResponseNotReady('Idle')
 * ```
 */
export class ResponseNotReady extends ImproperConnectionState {
  static {
    this.prototype.name = "ResponseNotReady";
  }
}

/**
 * Python's `BadStatusLine`: the server answered with something that is not
 * an HTTP status line. `line` is what it sent (`"''"` for nothing).
 *
 * @example
 * ```ts
 * if (e instanceof BadStatusLine) console.log(e.line);
 * ```
 */
export class BadStatusLine extends HTTPException {
  static {
    this.prototype.name = "BadStatusLine";
  }
  readonly line: string;
  constructor(line: string, options?: ErrorOptions) {
    const shown = line === "" ? "''" : line;
    super(shown, options);
    this.line = shown;
  }
}

/**
 * Python's `LineTooLong`: a status or header line past `_MAXLINE` bytes.
 *
 * @example
 * ```ts
 * new LineTooLong("header line").message; // "got more than 65536 bytes when reading header line"
 * ```
 */
export class LineTooLong extends HTTPException {
  static {
    this.prototype.name = "LineTooLong";
  }
  constructor(line_type: string, options?: ErrorOptions) {
    super(`got more than ${_MAXLINE} bytes when reading ${line_type}`, options);
  }
}

/**
 * Python's `RemoteDisconnected`: the server closed the connection without
 * sending a response. It is a `ConnectionResetError` and a `BadStatusLine`.
 *
 * @example
 * ```ts
 * e instanceof ConnectionResetError && e instanceof BadStatusLine; // true for a RemoteDisconnected
 * ```
 */
export class RemoteDisconnected extends ConnectionResetError {
  static {
    this.prototype.name = "RemoteDisconnected";
  }
  /** As `BadStatusLine.line`: `"''"`. */
  readonly line = "''";
}
addBase(RemoteDisconnected, BadStatusLine);
addBase(RemoteDisconnected, HTTPException);

/**
 * Python's `http.client.error`, an alias of `HTTPException`.
 *
 * @example
 * ```ts
 * new error("x") instanceof HTTPException; // true
 * ```
 */
export const error = HTTPException;
