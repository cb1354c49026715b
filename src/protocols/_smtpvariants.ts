/**
 * smtplib's `SMTP_SSL` (TLS from the first byte, port 465) and `LMTP`
 * (LHLO, port 2003, a reply per recipient after the data).
 * @module
 */
import type { ConnectionOptions } from "node:tls";
import { create_default_context, type SSLContext } from "../sockets/ssl.js";
import { SMTP } from "./_smtpclient.js";
import type { SMTPOptions } from "./_smtpsession.js";

/**
 * The SMTP-over-TLS port, 465.
 *
 * @example
 * ```ts
 * new SMTP_SSL().default_port === SMTP_SSL_PORT; // true
 * ```
 */
export const SMTP_SSL_PORT = 465;
/**
 * The LMTP port, 2003.
 *
 * @example
 * ```ts
 * new LMTP("127.0.0.1"); // connects to port LMTP_PORT
 * ```
 */
export const LMTP_PORT = 2003;

/**
 * `SMTP_SSL`'s keyword arguments.
 *
 * @example
 * ```ts
 * new SMTP_SSL("smtp.example.org", 465, null, { context: create_default_context(), timeout: 10 });
 * ```
 */
export interface SMTP_SSLOptions extends SMTPOptions {
  /** The TLS context. @default ssl.create_default_context() */
  context?: SSLContext | null;
}

/**
 * Python's `smtplib.SMTP_SSL`: SMTP over TLS from the first byte (port 465).
 *
 * @example
 * ```ts
 * await using s = new SMTP_SSL("smtp.example.org", 465, null, { context: create_default_context() });
 * await s.login("me", "secret");
 * ```
 */
export class SMTP_SSL extends SMTP {
  /** The TLS context. */
  readonly context: SSLContext;

  constructor(host = "", port = 0, local_hostname: string | null = null, options: SMTP_SSLOptions = {}) {
    super(host, port, local_hostname, options);
    this.context = options.context ?? create_default_context();
  }

  override get default_port(): number {
    return SMTP_SSL_PORT;
  }

  protected override implicitTLS(host: string): ConnectionOptions {
    return this.context.tlsClientOptions(host);
  }
}

/**
 * Python's `smtplib.LMTP`: LHLO instead of EHLO, port 2003, one reply per recipient after the data.
 *
 * @example
 * ```ts
 * await using s = new LMTP("127.0.0.1", 2003);
 * await s.sendmail("a@example.org", ["b@example.org"], msg);
 * ```
 */
export class LMTP extends SMTP {
  constructor(host = "", port = LMTP_PORT, local_hostname: string | null = null, options: SMTPOptions = {}) {
    super(host, port, local_hostname, options);
  }

  override get ehlo_msg(): string {
    return "lhlo";
  }

  protected override get lmtp(): boolean {
    return true;
  }
}
