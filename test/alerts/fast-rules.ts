/**
 * The committed rule files with time compressed for live tests: every duration (`for:`, range selectors,
 * subquery ranges and steps, `offset`) divided by a factor, so a 2-minute `for:` passes in seconds when
 * Prometheus scrapes and evaluates every second and the service exports every second. Expressions, thresholds,
 * labels and annotations are untouched; thresholds that count events per window (RateLimitSpike: more than
 * 100 in the window) then need the load to scale by the same factor.
 */
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { durationSeconds } from "./rule-files";

/** A duration in seconds as the shortest exact Prometheus duration ("8s", "1500ms", "96m"). */
export function formatDuration(seconds: number): string {
  const ms = Math.round(seconds * 1000);
  if (ms <= 0) throw new Error(`duration too short after compression: ${seconds}s`);
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

const DURATION = String.raw`(?:\d+(?:ms|[smhdwy]))+`;

/** The PromQL expression with every range, subquery and offset duration divided by `factor`. */
export function compressExpr(expr: string, factor: number): string {
  const scale = (d: string): string => formatDuration(durationSeconds(d) / factor);
  return expr
    .replace(
      new RegExp(String.raw`\[(${DURATION})(?::(${DURATION})?)?\]`, "g"),
      (_m, range: string, step?: string) => {
        const colon = _m.includes(":");
        return `[${scale(range)}${colon ? `:${step === undefined ? "" : scale(step)}` : ""}]`;
      },
    )
    .replace(new RegExp(String.raw`\boffset\s+(${DURATION})`, "g"), (_m, d: string) => `offset ${scale(d)}`);
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function isRecord(value: unknown): value is Record<string, Json> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** One rule file's YAML text, compressed. */
export function compressRuleFile(text: string, factor: number, source: string): string {
  const doc: unknown = parse(text);
  if (!isRecord(doc) || !Array.isArray(doc.groups)) throw new Error(`${source}: no groups`);
  const groups = doc.groups.map((group) => {
    if (!isRecord(group) || !Array.isArray(group.rules)) return group;
    const rules = group.rules.map((rule) => {
      if (!isRecord(rule) || typeof rule.expr !== "string") return rule;
      const out: Record<string, Json> = { ...rule, expr: compressExpr(rule.expr, factor) };
      if (typeof rule.for === "string") out.for = formatDuration(durationSeconds(rule.for) / factor);
      return out;
    });
    const interval =
      typeof group.interval === "string"
        ? { interval: formatDuration(durationSeconds(group.interval) / factor) }
        : {};
    return { ...group, ...interval, rules };
  });
  return `# ${source} with every duration divided by ${factor} (test/alerts/fast-rules.ts); do not edit.\n${stringify({ ...doc, groups })}`;
}

/** Writes a compressed copy of every `*.yml` of `rulesDir` into `outDir`; returns the written paths. */
export function writeFastRules(rulesDir: string, outDir: string, factor: number): string[] {
  return readdirSync(rulesDir)
    .filter((f) => f.endsWith(".yml"))
    .sort()
    .map((file) => {
      const out = join(outDir, file);
      writeFileSync(
        out,
        compressRuleFile(readFileSync(join(rulesDir, file), "utf8"), factor, `prometheus/rules/${file}`),
      );
      return out;
    });
}
