/**
 * `npm run bench [family …] [-- --write]`: runs every bench/*.bench.ts (or
 * the named ones), prints each workload's figures with the ratio of stdnet
 * (the first row) to each peer, and with --write puts the tables into
 * BENCHMARKS.md between the family's markers. Each family runs in a
 * process of its own, so that what one leaves behind (heap, pools, sockets)
 * does not weigh on the next.
 */
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { createRequire } from "node:module";
import { cpus } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { BenchFamily, BenchTable } from "./_harness.js";

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const write = args.includes("--write");
const wanted = args.filter((a) => !a.startsWith("--"));

function format(value: number): string {
  if (value >= 100) return Math.round(value).toLocaleString("en-US");
  return value.toPrecision(3);
}

function render(tables: BenchTable[]): string {
  const out: string[] = [];
  for (const t of tables) {
    const ours = t.rows[0];
    out.push(`**${t.workload}** (${t.unit}, higher is better)`, "");
    out.push("| subject | figure | stdnet ÷ subject |", "|---|---:|---:|");
    for (const row of t.rows) {
      const ratio = ours === undefined || row === ours ? "—" : `${(ours.value / row.value).toFixed(2)}×`;
      out.push(`| ${row.subject} | ${format(row.value)} | ${ratio} |`);
    }
    out.push("");
  }
  return out.join("\n");
}

const files = readdirSync(here)
  .filter((f) => f.endsWith(".bench.ts"))
  .filter((f) => wanted.length === 0 || wanted.includes(f.replace(/\.bench\.ts$/, "")))
  .sort();

const benchmarksPath = join(here, "..", "BENCHMARKS.md");

/**
 * stdnet is measured as its users run it: the compiled package in dist/,
 * built here first, which the benches' `stdnet/…` imports resolve to. Not
 * the sources through tsx: its transform redefines each class's `name`
 * (esbuild's keepNames), after which V8 no longer specializes `instanceof`
 * on those classes but calls its generic builtin (see BENCHMARKS.md).
 */
if (process.execArgv.some((a) => a.startsWith("--conditions") || a === "-C")) {
  console.error("bench: run without the source condition (npm run bench), so that stdnet is measured as built");
  process.exit(2);
}
if (process.env.STDNET_BENCH_BUILT !== "1") {
  const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
  const build = spawnSync(process.execPath, [tsc, "-p", join(here, "..", "tsconfig.build.json")], { stdio: "inherit" });
  if (build.status !== 0) process.exit(build.status ?? 1);
  process.env.STDNET_BENCH_BUILT = "1";
}
if (files.length > 1) {
  for (const file of files) {
    const family = file.replace(/\.bench\.ts$/, "");
    const child = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), family, ...args.filter((a) => a.startsWith("--"))], { stdio: "inherit" });
    if (child.status !== 0) process.exit(child.status ?? 1);
  }
  process.exit(0);
}
for (const file of files) {
  const family = file.replace(/\.bench\.ts$/, "");
  const mod = (await import(pathToFileURL(join(here, file)).href)) as { run: BenchFamily };
  console.log(`\n## ${family}\n`);
  const tables = await mod.run();
  const text = render(tables);
  console.log(text);
  if (write && existsSync(benchmarksPath)) {
    const begin = `<!-- bench:${family}:begin -->`;
    const end = `<!-- bench:${family}:end -->`;
    const stamp = `_Measured ${new Date().toISOString().slice(0, 10)} on ${cpus().length} × ${cpus()[0]?.model ?? "CPU"}, Node ${process.version}._\n\n`;
    let doc = readFileSync(benchmarksPath, "utf8");
    const block = `${begin}\n${stamp}${text}\n${end}`;
    const i = doc.indexOf(begin);
    const j = doc.indexOf(end);
    doc = i >= 0 && j > i ? doc.slice(0, i) + block + doc.slice(j + end.length) : `${doc.trimEnd()}\n\n## ${family}\n\n${block}\n`;
    writeFileSync(benchmarksPath, doc);
  }
}
