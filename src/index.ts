/**
 * `stdnet` — Python's internet stack on Node.js, every module as a namespace.
 *
 * @example
 * ```ts
 * import { socket, struct, pickle } from "stdnet";
 * const record = struct.pack("<iId", 1, 2, 3.5);
 * const blob = pickle.dumps({ id: 1, tags: ["a"] });
 * const s = new socket.socket(socket.AF_INET, socket.SOCK_STREAM);
 * ```
 * @module
 */
export * as socket from "./sockets/index.js";
export * as ssl from "./sockets/ssl.js";
export * as socketserver from "./sockets/socketserver.js";
export * as struct from "./serialize/struct.js";
export * as pickle from "./serialize/pickle/index.js";
export * as ftplib from "./protocols/ftplib.js";
export * as smtplib from "./protocols/smtplib.js";
export * as email from "./protocols/email.js";
export * as http_client from "./protocols/http/client.js";
export * as urllib_request from "./protocols/urllib/request.js";
export * as urllib_parse from "./protocols/urllib/parse.js";
export * as urllib_error from "./protocols/urllib/error.js";
