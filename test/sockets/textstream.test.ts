/**
 * The decoder under socket text files and ftplib's text transfers, chunk by
 * chunk against CPython's incremental decoders (what TextIOWrapper runs):
 * the same text from each chunk, and where the bytes are bad the same
 * UnicodeDecodeError text, positions and all.
 */
import { describe, expect, it } from "vitest";
import { pythonJson } from "../helpers/python.js";
import { TextStreamDecoder, UnicodeDecodeError } from "../../src/sockets/_textstream.js";
import type { Codec } from "../../src/sockets/_codecs.js";
import { PyTypeError } from "../../src/sockets/errors.js";

/** Streams as lists of chunks (hex); each is decoded chunk by chunk, the last chunk final. */
const STREAMS: string[][] = [
  // characters of 2, 3 and 4 bytes split at every point, and whole
  ["61c3", "a962"],
  ["e2", "82", "ac"],
  ["e282", "ac41"],
  ["f0", "9f98", "80"],
  ["f09f", "9880", "f09f98"],
  ["c3a9e282acf09f9880"],
  // ill-formed: a bad start, a bad continuation across a chunk's end, a sequence that can never be valid held or not
  ["61ff62"],
  ["6162", "e2", "41"],
  ["e0", "80"],
  ["61e080", "62"],
  ["ed", "a080"],
  ["f4", "90"],
  ["c0af"],
  ["6161616161", "f09f98"],
  ["c3"],
  ["41", "", "c3", "a9", ""],
  // a long chunk (V8's decoder takes it) with an error past 32 bytes, and one that is valid
  ["61".repeat(40) + "e9" + "61".repeat(5)],
  ["61".repeat(40) + "e282", "ac" + "62".repeat(40)],
  // a held character completed, then an error further in the chunk (its position counted from the held bytes);
  // a held start that the chunk does not continue, and one followed by more than one character's worth
  ["61e2", "82ac62ff"],
  ["61".repeat(40) + "f0", "9f9880" + "62".repeat(40) + "ff"],
  ["f0", "41e282ac"],
  ["e2", "41", "42"],
  // a BOM stays a character, as in Python's utf-8 codec
  ["efbbbf61"],
  // ASCII and latin-1 bytes past 0x7f
  ["636166e9"],
];

/** Each codec with each of Python's handlers (the ones for encoding only raise TypeError where bytes are bad). */
const ENCODINGS: [Codec, string][] = (["utf_8", "ascii", "latin_1"] as const).flatMap((codec) =>
  ["strict", "replace", "ignore", "backslashreplace", "surrogateescape", "surrogatepass", "xmlcharrefreplace"].map((errors): [Codec, string] => [codec, errors]),
);

/** Per chunk: the text, or the error's text (and nothing after it). */
type Outcome = { text: string } | { error: string };

function ours(encoding: Codec, errors: string, chunks: readonly string[]): Outcome[] {
  const d = new TextStreamDecoder(encoding, errors);
  const out: Outcome[] = [];
  for (let i = 0; i < chunks.length; i++) {
    try {
      out.push({ text: d.decode(Buffer.from(chunks[i]!, "hex"), i === chunks.length - 1) });
    } catch (e) {
      if (!(e instanceof UnicodeDecodeError || e instanceof PyTypeError)) throw e;
      out.push({ error: `${e.name}: ${e.message}` });
      break;
    }
  }
  return out;
}

describe("TextStreamDecoder decodes chunks as CPython's incremental decoders", () => {
  it("gives CPython's text for each chunk and its UnicodeDecodeError text where the bytes are bad", () => {
    const theirs = pythonJson<Outcome[][][]>(
      String.raw`
import codecs, json, sys
data = json.loads(sys.stdin.read())
out = []
for encoding, errors in data["encodings"]:
    row = []
    for chunks in data["streams"]:
        d = codecs.getincrementaldecoder(encoding)(errors)
        got = []
        for i, h in enumerate(chunks):
            try:
                got.append({"text": d.decode(bytes.fromhex(h), i == len(chunks) - 1)})
            except (UnicodeDecodeError, TypeError) as e:
                got.append({"error": type(e).__name__ + ": " + str(e)})
                break
        row.append(got)
    out.append(row)
print(json.dumps(out))
`,
      JSON.stringify({ encodings: ENCODINGS, streams: STREAMS }),
    );
    ENCODINGS.forEach(([encoding, errors], i) => {
      STREAMS.forEach((chunks, j) => {
        expect(ours(encoding, errors, chunks), `${encoding} ${errors} ${chunks.join(" | ")}`).toEqual(theirs[i]![j]);
      });
    });
  });
});
