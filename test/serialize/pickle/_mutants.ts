/**
 * Damaged pickles for the fuzz tests: valid pickles with one to three edits
 * each (a byte replaced by any byte or by an opcode, removed, inserted,
 * nudged by one, or a run of the pickle's own bytes copied elsewhere),
 * from a fixed seed so that every run tests the same ones.
 */

/** The opcodes an edit may write: the ones a damaged pickle most often meets. */
const OPCODES = Buffer.from("(.012NKMJ\x8a\x8bX\x8c\x8dCB\x8e\x96])}\x8f\x94qrhjaesu\x90\x91\x85\x86\x87t\x88\x89\x95GR\x93cILFSVUTpgld\x80", "latin1");

/** `count` damaged copies of the `seeds` (xorshift from `seed`). */
export function mutants(seeds: readonly Buffer[], count: number, seed: number): Buffer[] {
  let state = seed;
  const rand = (n: number): number => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) % n;
  };
  const out: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const bytes = [...seeds[rand(seeds.length)]!];
    for (let edits = 1 + rand(3); edits > 0; edits--) {
      const at = rand(bytes.length);
      const kind = rand(6);
      if (kind === 0) bytes[at] = rand(256);
      else if (kind === 1) bytes[at] = OPCODES[rand(OPCODES.length)]!;
      else if (kind === 2) bytes.splice(at, 1);
      else if (kind === 3) bytes.splice(at, 0, OPCODES[rand(OPCODES.length)]!);
      else if (kind === 4) bytes[at] = (bytes[at]! + (rand(2) === 0 ? 1 : 255)) & 0xff;
      else {
        const from = rand(bytes.length);
        bytes.splice(at, 0, ...bytes.slice(from, from + rand(8)));
      }
    }
    out.push(Buffer.from(bytes));
  }
  return out;
}
