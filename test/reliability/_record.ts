/**
 * Reliability figures: each reliability test records what it tried and what
 * came of it; `npm run test:reliability` prints them and writes RELIABILITY.md
 * (test/reliability/report.ts).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const RESULTS_DIR = join(dirname(fileURLToPath(import.meta.url)), ".results");

/** One table of figures: a title, column names and rows. */
export interface FigureTable {
  title: string;
  columns: string[];
  rows: (string | number)[][];
}

/** Saves a test file's tables under test/reliability/.results/<name>.json. */
export function recordFigures(name: string, tables: FigureTable[]): void {
  mkdirSync(RESULTS_DIR, { recursive: true });
  writeFileSync(join(RESULTS_DIR, `${name}.json`), JSON.stringify(tables, null, 2));
}
