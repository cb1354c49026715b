/**
 * `stdnet/ssl` — the client/server wrapping part of Python's `ssl` module,
 * over node:tls.
 *
 * @example
 * ```ts
 * import { create_connection } from "stdnet/socket";
 * import { create_default_context } from "stdnet/ssl";
 * const ctx = create_default_context();
 * await using tcp = await create_connection(["example.org", 443]);
 * await using s = await ctx.wrap_socket(tcp, { server_hostname: "example.org" });
 * console.log(s.version()); // "TLSv1.3"
 * ```
 *
 * Differences from Python:
 * - `wrap_socket` returns a Promise: on a connected socket it performs the handshake.
 * - Contexts use node's bundled CA roots as "the system's default certificates".
 * @module
 */
export {
  SSLContext,
  create_default_context,
  PROTOCOL_TLS,
  PROTOCOL_TLS_CLIENT,
  PROTOCOL_TLS_SERVER,
  CERT_NONE,
  CERT_OPTIONAL,
  CERT_REQUIRED,
  Purpose,
  TLSVersion,
  type TLSVersionValue,
  type DefaultContextOptions,
} from "./_sslcontext.js";
export { SSLSocket, type WrapSocketOptions, type PeerCertificate } from "./_sslsocket.js";
export { SSLSession } from "./_sslsession.js";
export {
  SSLError,
  SSLCertVerificationError,
  CertificateError,
  SSLZeroReturnError,
  SSLEOFError,
  sslErrorFromNode,
} from "./_sslerrors.js";
