/**
 * The run-dir copy of prometheus/prometheus.yml for a native Prometheus whose neighbours listen on other ports
 * than the committed defaults: scrape and alerting targets substituted, rule files made absolute, optionally a
 * fast global interval for tests. The committed file stays the single source; compose.yaml uses it unchanged.
 */
import { dirname, isAbsolute, resolve } from "node:path";
import { parse, stringify } from "yaml";

export interface PrometheusConfigRewrite {
  /** "host:port" as written in the config -> the address to use instead; `null` drops the target. */
  targets: Readonly<Record<string, string | null>>;
  /** Replaces rule_files (absolute paths or globs); default: the file's own, made absolute. */
  ruleFiles?: readonly string[];
  /** Global scrape_interval (per-job intervals and timeouts removed so every job uses it), e.g. "1s". */
  scrapeInterval?: string;
  /** Global evaluation_interval, e.g. "1s". */
  evaluationInterval?: string;
  /** Scrape jobs appended to scrape_configs (e.g. a test's own service). */
  extraScrapeConfigs?: readonly Record<string, unknown>[];
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function isRecord(value: unknown): value is Record<string, Json> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function substituteTargets(node: Json, targets: PrometheusConfigRewrite["targets"], seen: Set<string>): Json {
  if (Array.isArray(node)) return node.map((item) => substituteTargets(item, targets, seen));
  if (!isRecord(node)) return node;
  const out: Record<string, Json> = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === "targets" && Array.isArray(value)) {
      out[key] = value.flatMap((target) => {
        if (typeof target !== "string" || !(target in targets)) return [target];
        seen.add(target);
        const replacement = targets[target];
        return replacement === null || replacement === undefined ? [] : [replacement];
      });
    } else {
      out[key] = substituteTargets(value, targets, seen);
    }
  }
  return out;
}

/** Rewrites the YAML text of a Prometheus config read from `sourcePath`; returns YAML text. */
export function rewritePrometheusConfig(
  text: string,
  sourcePath: string,
  rewrite: PrometheusConfigRewrite,
): string {
  const parsed: unknown = parse(text);
  if (!isRecord(parsed)) throw new Error(`${sourcePath}: not a YAML mapping`);
  const seen = new Set<string>();
  const config = substituteTargets(parsed, rewrite.targets, seen) as Record<string, Json>;

  const base = dirname(resolve(sourcePath));
  const ownRules = Array.isArray(config.rule_files) ? config.rule_files : [];
  const rules =
    rewrite.ruleFiles ??
    ownRules.map((p) => (typeof p === "string" && !isAbsolute(p) ? resolve(base, p) : p));
  config.rule_files = [...rules] as Json[];

  const global: Record<string, Json> = isRecord(config.global) ? { ...config.global } : {};
  if (rewrite.scrapeInterval !== undefined) {
    global.scrape_interval = rewrite.scrapeInterval;
    global.scrape_timeout = rewrite.scrapeInterval;
    if (Array.isArray(config.scrape_configs)) {
      config.scrape_configs = config.scrape_configs.map((job) => {
        if (!isRecord(job)) return job;
        const { scrape_interval: _interval, scrape_timeout: _timeout, ...rest } = job;
        return rest;
      });
    }
  }
  if (rewrite.evaluationInterval !== undefined) global.evaluation_interval = rewrite.evaluationInterval;
  config.global = global;

  // Alertmanager entries left without targets would only log errors: drop them.
  if (isRecord(config.alerting) && Array.isArray(config.alerting.alertmanagers)) {
    const alertmanagers = config.alerting.alertmanagers.filter(
      (am) =>
        !isRecord(am) ||
        !Array.isArray(am.static_configs) ||
        am.static_configs.some((sc) => isRecord(sc) && Array.isArray(sc.targets) && sc.targets.length > 0),
    );
    config.alerting = { ...config.alerting, alertmanagers };
  }
  if (rewrite.extraScrapeConfigs !== undefined) {
    const jobs = Array.isArray(config.scrape_configs) ? config.scrape_configs : [];
    config.scrape_configs = [...jobs, ...(rewrite.extraScrapeConfigs as Json[])];
  }
  return `# Generated from ${sourcePath} by scripts/stack/prometheus-config.ts; do not edit.\n${stringify(config)}`;
}
