/**
 * The recording rules in prometheus/rules/*.yml, read at generation time so a dashboard can use a shared
 * expression by its rule name and generation fails when that rule is renamed or removed.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { RULES_DIR } from "./paths";

export interface RecordingRule {
  readonly record: string;
  readonly expr: string;
  readonly file: string;
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/** Every recording rule of every `*.yml`/`*.yaml` file in `dir` (alerting rules are skipped). */
export function loadRecordingRules(dir: string = RULES_DIR): RecordingRule[] {
  let files: string[];
  try {
    files = readdirSync(dir)
      .filter((f) => /\.ya?ml$/.test(f))
      .sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw err;
  }
  const rules: RecordingRule[] = [];
  for (const file of files) {
    const doc = asRecord(parse(readFileSync(join(dir, file), "utf8")));
    const groups = doc?.groups;
    if (!Array.isArray(groups)) throw new Error(`grafana: ${file}: no top-level "groups" list`);
    for (const group of groups) {
      const groupRules = asRecord(group)?.rules;
      if (!Array.isArray(groupRules)) continue;
      for (const rule of groupRules) {
        const r = asRecord(rule);
        if (typeof r?.record === "string" && typeof r.expr === "string") {
          rules.push({ record: r.record, expr: r.expr, file });
        }
      }
    }
  }
  return rules;
}

/** The recording rule names, for the allowed-series check. */
export function recordingRuleNames(dir: string = RULES_DIR): Set<string> {
  return new Set(loadRecordingRules(dir).map((r) => r.record));
}

/** Returns `name` when a recording rule of that name exists; throws (failing generation) otherwise. */
export function rule(name: string, rules: readonly RecordingRule[] = loadRecordingRules()): string {
  if (!rules.some((r) => r.record === name)) {
    throw new Error(`grafana: recording rule "${name}" not found in ${RULES_DIR}`);
  }
  return name;
}
