/**
 * A throwaway self-signed certificate made with openssl at test time, for
 * TLS servers on loopback. Valid for "localhost" and 127.0.0.1.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface TestCert {
  /** The directory holding the files; removed by `cleanup()`. */
  dir: string;
  certfile: string;
  keyfile: string;
  cert: Buffer;
  key: Buffer;
  cleanup(): void;
}

/** Makes a fresh self-signed certificate for `commonName` (default "localhost"). */
export function makeTestCert(commonName = "localhost"): TestCert {
  const dir = mkdtempSync(join(tmpdir(), "stdnet-cert-"));
  const certfile = join(dir, "cert.pem");
  const keyfile = join(dir, "key.pem");
  execFileSync(
    "openssl",
    [
      "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
      "-keyout", keyfile, "-out", certfile,
      "-subj", `/CN=${commonName}`,
      "-addext", `subjectAltName=DNS:${commonName},IP:127.0.0.1,IP:::1`,
    ],
    { stdio: "ignore" },
  );
  return {
    dir,
    certfile,
    keyfile,
    cert: readFileSync(certfile),
    key: readFileSync(keyfile),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
