import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { parse } from "yaml";
import { repoRoot } from "../../scripts/stack/binaries";
import {
  RUNTIME_EVENTLOOP_DELAY_P99,
  RUNTIME_EVENTLOOP_UTILIZATION,
  RUNTIME_HEAP_USED,
} from "../../src/catalogue/catalogue";
import { ALL_INSTRUMENTS } from "../../src/catalogue/instruments";
import { prometheusSeries } from "../../src/catalogue/prometheus-names";
import { promqlMetricNames } from "./promql-names";
import { loadRules, loadRuleTests, type Rule } from "./rule-files";
import { ALERTMANAGER_SELF_SERIES, PROMETHEUS_SELF_SERIES } from "./self-series";

const rules = loadRules();
const alerts = rules.filter((r): r is Rule & { alert: string } => r.alert !== undefined);
const tests = loadRuleTests();

/** Static label values of a rule (templated ones, like service, vary per series). */
function staticLabels(rule: Rule): Record<string, string> {
  return Object.fromEntries(Object.entries(rule.labels).filter(([, v]) => !v.includes("{{")));
}

function matches(expected: Readonly<Record<string, string>>, rule: Rule & { alert: string }): boolean {
  return Object.entries(staticLabels(rule)).every(([k, v]) => expected[k] === v);
}

describe("alert rules: shape", () => {
  it("has the seed's alerts and the pipeline, meta and SLO alerts", () => {
    const names = new Set(alerts.map((a) => a.alert));
    for (const name of [
      "ServiceDown",
      "HTTPHighErrorRate",
      "DatabaseConnectionFailure",
      "LLMProviderErrors",
      "HTTPHighResponseTime",
      "HighMemoryUsage",
      "RateLimitSpike",
      "DiskSpaceLow",
      "ScrapeTargetDown",
      "CollectorRefusingData",
      "CollectorExportFailing",
      "CollectorQueueFilling",
      "PrometheusErrorSendingAlerts",
      "Watchdog",
      "ChatAvailabilityErrorBudgetBurn",
      "ChatLatencyErrorBudgetBurn",
      "LLMErrorBudgetBurn",
    ])
      assert.ok(names.has(name), `missing alert ${name}`);
  });

  it("gives every alert a CamelCase name, a severity, a service label, a summary and a description with labels and value", () => {
    for (const a of alerts) {
      const where = `${a.file}: ${a.alert}`;
      assert.match(a.alert, /^[A-Z][A-Za-z0-9]+$/, where);
      assert.ok(["critical", "warning", "none"].includes(a.labels.severity ?? ""), `${where}: severity`);
      assert.ok(
        (a.labels.service ?? "") !== "",
        `${where}: service label (Alertmanager groups and inhibits by it)`,
      );
      assert.ok((a.annotations.summary ?? "") !== "", `${where}: summary`);
      const description = a.annotations.description ?? "";
      assert.ok(description !== "", `${where}: description`);
      if (a.alert !== "Watchdog") {
        assert.match(description, /\{\{ \$labels\.\w+ \}\}/, `${where}: description names no label`);
        assert.match(description, /\{\{ \$value/, `${where}: description shows no value`);
      }
    }
  });

  it("names recording rules level:metric:operations", () => {
    for (const r of rules.filter((x) => x.record !== undefined))
      assert.match(
        r.record ?? "",
        /^[a-z][a-z0-9_]*:[a-z][a-z0-9_]*:[a-z][a-z0-9_]*$/,
        `${r.file}: ${r.record}`,
      );
  });
});

describe("alert rules at two severities and the inhibition of alertmanager/alertmanager.yml", () => {
  const isRecord = (v: unknown): v is Record<string, unknown> =>
    typeof v === "object" && v !== null && !Array.isArray(v);
  const strings = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);
  const config: unknown = parse(readFileSync(join(repoRoot(), "alertmanager", "alertmanager.yml"), "utf8"));
  const inhibitRules = (isRecord(config) && Array.isArray(config.inhibit_rules) ? config.inhibit_rules : [])
    .filter(isRecord)
    .map((r) => ({
      source: strings(r.source_matchers),
      target: strings(r.target_matchers),
      equal: strings(r.equal),
    }));
  const severityRule = inhibitRules.find(
    (r) => r.source.join() === 'severity="critical"' && r.target.join() === 'severity="warning"',
  );
  const equal = new Set(severityRule?.equal ?? []);
  const names = [...new Set(alerts.map((a) => a.alert))];
  const severitiesOf = (name: string): Set<string> =>
    new Set(alerts.filter((a) => a.alert === name).map((a) => a.labels.severity ?? ""));
  const twoSeverities = names.filter((n) => {
    const s = severitiesOf(n);
    return s.has("critical") && s.has("warning");
  });

  it("writes an alert that exists at two severities as one name (LLMProviderErrors, the SLO burn-rate alerts)", () => {
    for (const name of [
      "LLMProviderErrors",
      "ChatAvailabilityErrorBudgetBurn",
      "ChatLatencyErrorBudgetBurn",
      "LLMErrorBudgetBurn",
    ])
      assert.ok(twoSeverities.includes(name), `${name} is not at both warning and critical`);
    for (const name of twoSeverities) {
      const urls = new Set(alerts.filter((a) => a.alert === name).map((a) => a.annotations.runbook_url));
      assert.equal(urls.size, 1, `${name}: one runbook for both severities`);
    }
  });

  it("has one inhibition, critical over warning of the same alert and service: it never mutes a critical", () => {
    assert.equal(inhibitRules.length, 1, JSON.stringify(inhibitRules));
    assert.ok(severityRule, "no inhibit rule from severity=critical to severity=warning");
    assert.ok(equal.has("alertname") && equal.has("service"), `equal: ${[...equal].join(", ")}`);
  });

  it("inhibits on every label that tells two series of such an alert apart, and on none that differs between its severities", () => {
    for (const name of twoSeverities) {
      const own = alerts.filter((a) => a.alert === name);
      // Labels the rules set themselves: severity, and for the SLO alerts long_window and short_window.
      const ruleLabels = new Set(own.flatMap((a) => Object.keys(staticLabels(a))));
      const differing = [...ruleLabels].filter(
        (k) => new Set(own.map((a) => staticLabels(a)[k] ?? "")).size > 1,
      );
      assert.deepEqual(
        differing.filter((k) => equal.has(k)),
        [],
        `${name}: the critical could never inhibit the warning`,
      );
      // The labels its firing series carry in the promtool tests, less `job` (`service` is a copy of it) and
      // the labels every rule of the alert selects with one value (the SLO alerts' slo="...").
      const seen = new Set(
        tests.flatMap((t) =>
          t.alertCases
            .filter((c) => c.alertname === name)
            .flatMap((c) => c.expected.flatMap((e) => Object.keys(e))),
        ),
      );
      assert.ok(seen.size > 0, `${name}: no promtool case shows its labels`);
      const pinned = (k: string): boolean => {
        const values = own.map((a) =>
          [...a.expr.matchAll(new RegExp(`\\b${k}="([^"]*)"`, "g"))].map((m) => m[1]),
        );
        return (
          values.every((v) => v.length > 0 && new Set(v).size === 1) && new Set(values.flat()).size === 1
        );
      };
      const identity = [...seen].filter(
        (k) => !ruleLabels.has(k) && k !== "job" && k !== "alertname" && !pinned(k),
      );
      assert.deepEqual(
        identity.filter((k) => !equal.has(k)),
        [],
        `${name}: a critical for one series would inhibit the warning of another`,
      );
    }
  });
});

describe("alert rules: promtool tests cover every alert", () => {
  for (const a of alerts) {
    const label = `${a.alert} ${JSON.stringify(staticLabels(a))} (for ${a.forSeconds}s)`;
    it(`${label}: fires at a case whose previous evaluation is silent, and has a case where it must not fire`, () => {
      const own = tests.filter((t) => t.ruleFiles.some((f) => f.endsWith(`/${a.file}`)));
      assert.ok(own.length > 0, `no promtool test file loads ${a.file}`);
      const boundary = own.some((t) =>
        t.alertCases.some((fire) => {
          if (fire.alertname !== a.alert || !fire.expected.some((e) => matches(e, a))) return false;
          if (a.forSeconds === 0) return true;
          return t.alertCases.some(
            (before) =>
              before.alertname === a.alert &&
              before.evalSeconds === fire.evalSeconds - t.evaluationIntervalSeconds &&
              !before.expected.some((e) => matches(e, a)),
          );
        }),
      );
      assert.ok(boundary, `${label}: no test checks it one evaluation before firing and at firing`);
      if (a.alert === "Watchdog") return; // always fires, by design
      const silent = own.some(
        (t) =>
          t.alertCases.every((c) => c.alertname !== a.alert || c.expected.length === 0) &&
          t.alertCases.some(
            (c) => c.alertname === a.alert && c.evalSeconds >= a.forSeconds + t.evaluationIntervalSeconds,
          ),
      );
      assert.ok(silent, `${a.alert}: no test where it must stay silent for longer than its for:`);
    });
  }
});

describe("alert rules: series", () => {
  const catalogue = new Set(
    [
      ...ALL_INSTRUMENTS,
      RUNTIME_EVENTLOOP_DELAY_P99,
      RUNTIME_EVENTLOOP_UTILIZATION,
      RUNTIME_HEAP_USED,
    ].flatMap((spec) => prometheusSeries(spec)),
  );
  const recorded = new Set(rules.flatMap((r) => (r.record !== undefined ? [r.record] : [])));
  const collectorReadme = readFileSync(join(repoRoot(), "otel-collector", "README.md"), "utf8");

  it("reads only catalogue series, recording rules, and the monitoring components' own series", () => {
    const unknown: string[] = [];
    for (const r of rules) {
      for (const name of promqlMetricNames(r.expr)) {
        if (catalogue.has(name) || recorded.has(name) || name === "up") continue;
        if (PROMETHEUS_SELF_SERIES.includes(name) || ALERTMANAGER_SELF_SERIES.includes(name)) continue;
        if (name.startsWith("otelcol_") && new RegExp(`\`${name}\``).test(collectorReadme)) continue;
        unknown.push(`${r.file}: ${r.alert ?? r.record}: ${name}`);
      }
    }
    assert.deepEqual(unknown, []);
  });

  it("extracts metric names, not functions, labels or durations", () => {
    assert.deepEqual(
      promqlMetricNames(
        'sum by (job, le) (rate(a_total{x="y",le=~"1|2"}[5m] offset 1h)) / on (job) group_left () b:c:d > 1e9 and bool up',
      ),
      ["a_total", "b:c:d", "up"],
    );
    assert.throws(() => promqlMetricNames('rate({__name__=~"x_.*"}[5m])'), /__name__/);
  });
});
