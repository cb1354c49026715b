import fc from "fast-check";
import { describe, expect, it } from "vitest";
import DataStream from "nodemailer/lib/smtp-connection/data-stream";
import { stuffMessage } from "../../../src/protocols/_smtpdata.js";

/** What nodemailer's DataStream makes of `message`. */
function viaDataStream(message: Uint8Array): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const stream = new DataStream();
    const chunks: Buffer[] = [];
    stream.on("data", (c: Buffer) => chunks.push(c));
    stream.on("end", () => resolve(Buffer.concat(chunks)));
    stream.on("error", reject);
    stream.end(Buffer.from(message));
  });
}

// Bytes that matter to stuffing, often; anything else sometimes.
const byte = fc.oneof(fc.constantFrom(0x0d, 0x0a, 0x2e, 0x41), fc.integer({ min: 0, max: 255 }));

describe("stuffMessage()", () => {
  it("produces exactly what nodemailer's DataStream produces", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(byte, { maxLength: 64 }), async (bytes) => {
        const message = Uint8Array.from(bytes);
        expect(stuffMessage(message).equals(await viaDataStream(message))).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it("produces what DataStream produces for long messages of many lines, whatever their line ends", async () => {
    // lines of up to 100 bytes, some starting with ".", each ended by CRLF, LF, CR or nothing
    const line = fc.tuple(fc.boolean(), fc.string({ maxLength: 100 }), fc.constantFrom("\r\n", "\n", "\r", "\r\n", ""));
    await fc.assert(
      fc.asyncProperty(fc.array(line, { minLength: 50, maxLength: 400 }), async (lines) => {
        const message = Buffer.from(lines.map(([dot, text, end]) => (dot ? "." : "") + text + end).join(""), "latin1");
        expect(stuffMessage(message).equals(await viaDataStream(message))).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it("reads a Uint8Array that is a window on a larger buffer as its own bytes", () => {
    const whole = Buffer.from("xx.a\nb\r.c\r\nyy", "latin1");
    const view = new Uint8Array(whole.buffer, whole.byteOffset + 2, whole.length - 4);
    expect(stuffMessage(view).toString("latin1")).toBe("..a\r\nb\r\n..c\r\n.\r\n");
  });

  it("doubles leading dots, makes bare CR and LF into CRLF and ends with CRLF.CRLF", () => {
    expect(stuffMessage(Buffer.from(".a\nb\r.c\r\n..d")).toString()).toBe("..a\r\nb\r\n..c\r\n...d\r\n.\r\n");
    expect(stuffMessage(Buffer.alloc(0)).toString()).toBe("\r\n.\r\n");
    expect(stuffMessage(Buffer.from("x\r\n")).toString()).toBe("x\r\n.\r\n");
  });
});
