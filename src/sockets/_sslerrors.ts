/**
 * Python's `ssl` exception tree, and the one table that turns node:tls
 * failures into it.
 * @module
 */
import { OSError, ValueError, addBase, fromNodeError, type OSErrorOptions } from "./errors.js";

/**
 * Python's `ssl.SSLError`: a failure of the TLS layer. `reason` is OpenSSL's
 * short reason (`CERTIFICATE_VERIFY_FAILED`, `WRONG_VERSION_NUMBER`, …).
 *
 * @example
 * ```ts
 * try { await ctx.wrap_socket(sock, { server_hostname: "example.org" }); }
 * catch (e) { if (e instanceof SSLError) console.log(e.reason); }
 * ```
 */
export class SSLError extends OSError {
  static {
    this.prototype.name = "SSLError";
  }
  constructor(errnoOrMessage?: number | string, strerrorText?: string, options?: OSErrorOptions) {
    super(errnoOrMessage, strerrorText, options);
    // Python's str() of an SSLError is its text alone, without "[Errno N]".
    if (this.strerror !== null) this.message = this.strerror;
  }
  /** OpenSSL's library name, as Python's `library` (`SSL`). */
  library: string | null = null;
  /** OpenSSL's reason, as Python's `reason`. */
  reason: string | null = null;
}

/**
 * Python's `ssl.SSLCertVerificationError` (also `ssl.CertificateError`): the
 * peer's certificate failed verification. It is both an `SSLError` and a
 * `ValueError`, as in Python.
 *
 * @example
 * ```ts
 * // connecting to a server with a self-signed certificate:
 * // SSLCertVerificationError: [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: self-signed certificate
 * ```
 */
export class SSLCertVerificationError extends SSLError {
  static {
    this.prototype.name = "SSLCertVerificationError";
  }
  /** OpenSSL's X509_V_ERR number. */
  verify_code = 0;
  /** OpenSSL's text for `verify_code`. */
  verify_message = "";
}
addBase(SSLCertVerificationError, ValueError);

/** Python's alias `ssl.CertificateError`. */
export const CertificateError = SSLCertVerificationError;

/**
 * Python's `ssl.SSLZeroReturnError`: the TLS connection was closed cleanly.
 *
 * @example
 * ```ts
 * if (e instanceof SSLZeroReturnError) console.log("peer closed TLS");
 * ```
 */
export class SSLZeroReturnError extends SSLError {
  static {
    this.prototype.name = "SSLZeroReturnError";
  }
}

/**
 * Python's `ssl.SSLEOFError`: the connection ended in violation of the protocol.
 *
 * @example
 * ```ts
 * if (e instanceof SSLEOFError) console.log("EOF in the middle of TLS");
 * ```
 */
export class SSLEOFError extends SSLError {
  static {
    this.prototype.name = "SSLEOFError";
  }
}

// node:tls verification codes → OpenSSL's X509_V_ERR number and text.
const VERIFY_ERRORS: Readonly<Record<string, readonly [number, string]>> = {
  DEPTH_ZERO_SELF_SIGNED_CERT: [18, "self-signed certificate"],
  SELF_SIGNED_CERT_IN_CHAIN: [19, "self-signed certificate in certificate chain"],
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: [20, "unable to get local issuer certificate"],
  UNABLE_TO_GET_ISSUER_CERT: [2, "unable to get issuer certificate"],
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: [21, "unable to verify the first certificate"],
  CERT_HAS_EXPIRED: [10, "certificate has expired"],
  CERT_NOT_YET_VALID: [9, "certificate is not yet valid"],
  CERT_REVOKED: [23, "certificate revoked"],
  CERT_UNTRUSTED: [27, "certificate not trusted"],
  CERT_REJECTED: [28, "certificate rejected"],
  INVALID_CA: [24, "invalid CA certificate"],
};

function verificationError(verifyCode: number, verifyMessage: string, cause: unknown): SSLCertVerificationError {
  const e = new SSLCertVerificationError(
    1,
    `[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: ${verifyMessage}`,
    { cause },
  );
  e.library = "SSL";
  e.reason = "CERTIFICATE_VERIFY_FAILED";
  e.verify_code = verifyCode;
  e.verify_message = verifyMessage;
  return e;
}

/**
 * The Python error for a node:tls failure: certificate problems become
 * `SSLCertVerificationError` with OpenSSL's `verify_code`, other OpenSSL
 * errors `SSLError` with its `reason`, socket errors the `OSError` Python raises.
 *
 * @example
 * ```ts
 * tlsSocket.on("error", (e) => { throw sslErrorFromNode(e, "example.org"); });
 * ```
 */
export function sslErrorFromNode(e: unknown, hostname?: string): Error {
  if (e instanceof OSError) return e;
  if (!(e instanceof Error)) return new SSLError(String(e));
  const code = (e as { code?: unknown }).code;
  if (typeof code === "string") {
    if (code === "ERR_TLS_CERT_ALTNAME_INVALID") {
      const reported = (e as { host?: unknown }).host;
      const host = typeof reported === "string" ? reported : (hostname ?? "");
      return verificationError(62, `Hostname mismatch, certificate is not valid for '${host}'.`, e);
    }
    const verify = VERIFY_ERRORS[code];
    if (verify !== undefined) return verificationError(verify[0], verify[1], e);
    if (code.startsWith("ERR_SSL_")) {
      const reason = code.slice("ERR_SSL_".length);
      const err = new SSLError(1, `[SSL: ${reason}] ${reason.toLowerCase().replaceAll("_", " ")}`, { cause: e });
      err.library = "SSL";
      err.reason = reason;
      return err;
    }
    if (code === "ECONNRESET" && /before secure TLS connection/.test(e.message)) {
      const err = new SSLEOFError(8, "EOF occurred in violation of protocol", { cause: e });
      err.reason = "UNEXPECTED_EOF_WHILE_READING";
      return err;
    }
  }
  return fromNodeError(e);
}
