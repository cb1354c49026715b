/**
 * http.client's tables and exception tree against python3's: every
 * HTTPStatus member and `responses` entry, each exception's bases and
 * message, and HTTPMessage's lookups.
 */
import { describe, expect, it } from "vitest";
import * as client from "stdnet/http/client";
import { HTTPMessage, HTTPStatus, IncompleteRead, LineTooLong, RemoteDisconnected, responses } from "stdnet/http/client";
import { ConnectionResetError, OSError } from "stdnet/socket";
import { pythonJson } from "../../helpers/python.js";

const NAMES = [
  "HTTPException", "NotConnected", "InvalidURL", "UnknownProtocol", "UnknownTransferEncoding", "UnimplementedFileMode",
  "IncompleteRead", "ImproperConnectionState", "CannotSendRequest", "CannotSendHeader", "ResponseNotReady",
  "BadStatusLine", "LineTooLong", "RemoteDisconnected",
] as const;

const oracle = pythonJson<{
  statuses: [number, string, string, string][];
  responses: Record<string, string>;
  isa: Record<string, string[]>;
  messages: string[];
  msg: unknown[];
}>(String.raw`
import json, http.client as c
from http import HTTPStatus
names = ${JSON.stringify(NAMES)}
isa = {n: [m for m in names + ["ConnectionResetError", "OSError"] if issubclass(getattr(c, n), getattr(c, m, None) or __builtins__.__dict__[m])] for n in names}
msg = c.parse_headers(__import__("io").BytesIO(b"Content-Type: text/html; charset=UTF-8\r\nSet-Cookie: a=1\r\nset-cookie: b=2\r\nX-Empty:\r\n\r\n"))
print(json.dumps({
  "statuses": [[s.value, s.name, s.phrase, s.description] for s in HTTPStatus],
  "responses": {str(k): v for k, v in c.responses.items()},
  "isa": isa,
  "messages": [repr(c.IncompleteRead(b"abc", 7)), repr(c.IncompleteRead(b"")), str(c.LineTooLong("header line")), str(c.RemoteDisconnected("Remote end closed connection without response"))],
  "msg": [msg.get("content-type"), msg.get("SET-COOKIE"), msg.get_all("Set-Cookie"), msg.get("missing"), msg.get_all("missing"), list(msg.keys()), list(msg.values()),
          msg.get_content_type(), msg.get_content_charset(), msg.get_content_maintype(), msg.get_content_subtype(), msg.get("x-empty"), len(msg), "set-cookie" in msg],
}))
`);

describe("http.client's tables and errors equal python3's", () => {
  it("HTTPStatus has every member with Python's name, phrase and description", () => {
    expect(HTTPStatus.members().map((m) => [m.value, m.name, m.phrase, m.description])).toEqual(oracle.statuses);
    expect(HTTPStatus.NOT_FOUND!.value).toBe(404);
    expect(HTTPStatus.of(418).phrase).toBe("I'm a Teapot");
    expect(() => HTTPStatus.of(999)).toThrow(RangeError);
  });

  it("responses maps every code to Python's phrase", () => {
    expect(Object.fromEntries(Object.entries(responses))).toEqual(oracle.responses);
  });

  it("each exception has Python's bases (RemoteDisconnected is also a ConnectionResetError)", () => {
    const classes = client as unknown as Record<string, new (...args: never[]) => Error>;
    const extra: Record<string, new (...args: never[]) => Error> = { ConnectionResetError, OSError };
    const samples: Record<string, Error> = {
      UnknownProtocol: new client.UnknownProtocol("HTTP/9"),
      IncompleteRead: new IncompleteRead(Buffer.alloc(0)),
      BadStatusLine: new client.BadStatusLine("x"),
      LineTooLong: new LineTooLong("header line"),
      RemoteDisconnected: new RemoteDisconnected("Remote end closed connection without response"),
    };
    const ours: Record<string, string[]> = {};
    for (const n of NAMES) {
      const Cls = classes[n]!;
      const e = samples[n] ?? new Cls();
      expect(e.name).toBe(n);
      ours[n] = [...NAMES, "ConnectionResetError", "OSError"].filter((m) => e instanceof (classes[m] ?? extra[m]!));
    }
    expect(ours).toEqual(oracle.isa);
  });

  it("messages read as Python's repr/str", () => {
    expect([
      new IncompleteRead(Buffer.from("abc"), 7).message,
      new IncompleteRead(Buffer.alloc(0)).message,
      new LineTooLong("header line").message,
      new RemoteDisconnected("Remote end closed connection without response").message,
    ]).toEqual(oracle.messages);
  });

  it("HTTPMessage looks headers up as Python's parse_headers() result does", () => {
    const msg = new HTTPMessage([
      ["Content-Type", "text/html; charset=UTF-8"],
      ["Set-Cookie", "a=1"],
      ["set-cookie", "b=2"],
      ["X-Empty", ""],
    ]);
    expect([
      msg.get("content-type"), msg.get("SET-COOKIE"), msg.get_all("Set-Cookie"), msg.get("missing"), msg.get_all("missing"), msg.keys(), msg.values(),
      msg.get_content_type(), msg.get_content_charset(), msg.get_content_maintype(), msg.get_content_subtype(), msg.get("x-empty"), msg.length, msg.has("set-cookie"),
    ]).toEqual(oracle.msg);
  });
});
