/**
 * Writes grafana/dashboards/*.json from the dashboard definitions (`node build/grafana/src/generate.js`), or,
 * with `--check`, writes nothing and exits 1 when a committed file differs from what the generator produces.
 * Either way a dashboard whose queries name a series outside the catalogue, the recording rules and the
 * allow-list, or do not parse, stops the run.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { allowedSeries } from "./allowed-series";
import { DASHBOARDS } from "./dashboards";
import { lintDashboard } from "./lint";
import { DASHBOARDS_DIR, REPO_ROOT } from "./paths";
import { toStableJson } from "./serialize";

export interface GeneratedFile {
  readonly file: string;
  readonly content: string;
}

/** Every dashboard as the exact bytes to commit; throws listing every query problem. */
export function generateAll(): GeneratedFile[] {
  const allowed = allowedSeries();
  const problems: string[] = [];
  const files = DASHBOARDS.map((spec) => {
    const built = spec.build();
    for (const p of lintDashboard(built, allowed)) problems.push(`${p.where}: ${p.problem}\n    ${p.expr}`);
    return { file: spec.file, content: toStableJson(built) };
  });
  if (problems.length > 0)
    throw new Error(`grafana: ${problems.length} query problem(s):\n  ${problems.join("\n  ")}`);
  return files;
}

/** The files whose committed content differs from `files`, plus committed dashboards nothing generates. */
export function differences(files: readonly GeneratedFile[], dir: string = DASHBOARDS_DIR): string[] {
  const out: string[] = [];
  for (const { file, content } of files) {
    let committed: string | undefined;
    try {
      committed = readFileSync(join(dir, file), "utf8");
    } catch {
      committed = undefined;
    }
    if (committed === undefined) out.push(`${file}: missing`);
    else if (committed !== content) out.push(`${file}: differs from the generator's output`);
  }
  const generated = new Set(files.map((f) => f.file));
  for (const file of readdirSync(dir).filter((f) => f.endsWith(".json"))) {
    if (!generated.has(file)) out.push(`${file}: committed but not generated`);
  }
  return out;
}

function main(argv: readonly string[]): number {
  const files = generateAll();
  if (argv.includes("--check")) {
    const diff = differences(files);
    if (diff.length > 0) {
      console.error(
        `grafana: the committed dashboards are stale; run npm run build && node build/grafana/src/generate.js\n  ${diff.join("\n  ")}`,
      );
      return 1;
    }
    console.log(`grafana: ${files.length} dashboards match their generator`);
    return 0;
  }
  mkdirSync(DASHBOARDS_DIR, { recursive: true });
  for (const { file, content } of files) writeFileSync(join(DASHBOARDS_DIR, file), content);
  console.log(`grafana: wrote ${files.length} dashboards to ${relative(REPO_ROOT, DASHBOARDS_DIR)}/`);
  return 0;
}

if (require.main === module) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
  }
}
