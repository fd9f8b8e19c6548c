/**
 * The rule files of prometheus/rules/ and the promtool test files of prometheus/tests/, read as data.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { repoRoot } from "../../scripts/stack/binaries";

export interface Rule {
  readonly file: string;
  readonly group: string;
  readonly record?: string;
  readonly alert?: string;
  readonly expr: string;
  /** Seconds; 0 when the rule has no `for:`. */
  readonly forSeconds: number;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
}

export interface AlertCase {
  readonly evalSeconds: number;
  readonly alertname: string;
  /** Label sets of the alerts expected to fire (empty: none). */
  readonly expected: readonly Readonly<Record<string, string>>[];
}

export interface RuleTest {
  readonly file: string;
  readonly name: string;
  readonly ruleFiles: readonly string[];
  readonly evaluationIntervalSeconds: number;
  readonly alertCases: readonly AlertCase[];
}

export const rulesDir = (): string => join(repoRoot(), "prometheus", "rules");
export const ruleTestsDir = (): string => join(repoRoot(), "prometheus", "tests");

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function strings(value: unknown, where: string): Record<string, string> {
  if (value === undefined) return {};
  if (!isRecord(value)) throw new Error(`${where}: expected a mapping`);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) out[k] = String(v);
  return out;
}

/** A Prometheus duration ("1h30m", "90s", "3d") in seconds. */
export function durationSeconds(text: string): number {
  const units: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400, w: 604800, y: 31536000 };
  const parts = [...text.matchAll(/(\d+)(ms|s|m|h|d|w|y)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join("") !== text)
    throw new Error(`not a duration: "${text}"`);
  return parts.reduce((sum, p) => sum + Number(p[1]) * (units[p[2] ?? "s"] ?? 0), 0);
}

function yamlFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith(".yml"))
    .sort();
}

/** Parses the text of one rule file. */
export function parseRuleFile(text: string, file: string): Rule[] {
  const doc: unknown = parse(text);
  if (!isRecord(doc) || !Array.isArray(doc.groups)) throw new Error(`${file}: no top-level groups`);
  const rules: Rule[] = [];
  for (const group of doc.groups) {
    if (!isRecord(group) || typeof group.name !== "string" || !Array.isArray(group.rules))
      throw new Error(`${file}: a group without name or rules`);
    for (const r of group.rules) {
      if (!isRecord(r) || typeof r.expr !== "string")
        throw new Error(`${file}/${group.name}: a rule without expr`);
      const where = `${file}/${group.name}/${String(r.alert ?? r.record)}`;
      rules.push({
        file,
        group: group.name,
        ...(typeof r.record === "string" ? { record: r.record } : {}),
        ...(typeof r.alert === "string" ? { alert: r.alert } : {}),
        expr: r.expr,
        forSeconds: typeof r.for === "string" ? durationSeconds(r.for) : 0,
        labels: strings(r.labels, `${where} labels`),
        annotations: strings(r.annotations, `${where} annotations`),
      });
    }
  }
  return rules;
}

/** Every rule of prometheus/rules/*.yml. */
export function loadRules(dir: string = rulesDir()): Rule[] {
  return yamlFiles(dir).flatMap((file) => parseRuleFile(readFileSync(join(dir, file), "utf8"), file));
}

/** Every promtool test group of prometheus/tests/*.yml. */
export function loadRuleTests(dir: string = ruleTestsDir()): RuleTest[] {
  const tests: RuleTest[] = [];
  for (const file of yamlFiles(dir)) {
    const doc: unknown = parse(readFileSync(join(dir, file), "utf8"));
    if (!isRecord(doc) || !Array.isArray(doc.tests)) throw new Error(`${file}: no tests`);
    const ruleFiles = Array.isArray(doc.rule_files) ? doc.rule_files.map(String) : [];
    const evaluationIntervalSeconds = durationSeconds(String(doc.evaluation_interval ?? "1m"));
    for (const t of doc.tests) {
      if (!isRecord(t)) continue;
      const cases = Array.isArray(t.alert_rule_test) ? t.alert_rule_test : [];
      tests.push({
        file,
        name: String(t.name ?? "(unnamed)"),
        ruleFiles,
        evaluationIntervalSeconds,
        alertCases: cases.filter(isRecord).map((c) => ({
          evalSeconds: durationSeconds(String(c.eval_time)),
          alertname: String(c.alertname),
          expected: (Array.isArray(c.exp_alerts) ? c.exp_alerts : [])
            .filter(isRecord)
            .map((e) => strings(e.exp_labels, `${file}: exp_labels`)),
        })),
      });
    }
  }
  return tests;
}
