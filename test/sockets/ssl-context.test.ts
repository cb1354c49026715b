import { describe, expect, it } from "vitest";
import { SSLContext, PROTOCOL_TLS_CLIENT, CERT_NONE, SSLCertVerificationError, sslErrorFromNode } from "stdnet/ssl";
import { ValueError, OSError } from "../../src/sockets/errors.js";

describe("SSLContext", () => {
  it("refuses CERT_NONE while check_hostname is on, as Python", () => {
    const ctx = new SSLContext(PROTOCOL_TLS_CLIENT);
    expect(() => (ctx.verify_mode = CERT_NONE)).toThrow(ValueError);
    ctx.check_hostname = false;
    ctx.verify_mode = CERT_NONE;
    expect(ctx.verify_mode).toBe(CERT_NONE);
  });
  it("a verification failure is an SSLError, an OSError and a ValueError", () => {
    const node = Object.assign(new Error("self-signed certificate"), { code: "DEPTH_ZERO_SELF_SIGNED_CERT" });
    const e = sslErrorFromNode(node);
    expect(e).toBeInstanceOf(SSLCertVerificationError);
    expect(e).toBeInstanceOf(OSError);
    expect(e).toBeInstanceOf(ValueError);
    expect(e.message).toBe("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: self-signed certificate");
  });
});
