/**
 * Where the dashboards-as-code inputs and outputs live, found from the repository root (the nearest
 * directory above this file holding package.json), so the generator and the tests work from src or build.
 */
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";

function findRepoRoot(start: string): string {
  let dir = start;
  for (;;) {
    if (existsSync(join(dir, "package.json")) && existsSync(join(dir, "grafana"))) return dir;
    const parent = dirname(dir);
    if (parent === dir)
      throw new Error(`grafana: no repository root (package.json + grafana/) above ${start}`);
    dir = parent;
  }
}

export const REPO_ROOT = findRepoRoot(__dirname);
/** The generated, committed dashboard JSON files. */
export const DASHBOARDS_DIR = join(REPO_ROOT, "grafana", "dashboards");
/** The recording and alerting rules the dashboards may reference (recording rules only). */
export const RULES_DIR = join(REPO_ROOT, "prometheus", "rules");
export const COLLECTOR_CONFIG = join(REPO_ROOT, "otel-collector", "config.yaml");
export const COMPOSE_FILE = join(REPO_ROOT, "compose.yaml");
