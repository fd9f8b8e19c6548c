import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { Dashboard } from "@grafana/grafana-foundation-sdk/dashboard";
import { parse } from "yaml";
import { allowedSeries, catalogueSeries } from "../../grafana/src/allowed-series";
import { EXTERNAL_SERIES, SPAN_METRICS } from "../../grafana/src/external-series";
import { lintDashboard } from "../../grafana/src/lint";
import { COLLECTOR_CONFIG, REPO_ROOT } from "../../grafana/src/paths";
import { seriesNames } from "../../grafana/src/promql-names";
import {
  type Interpolation,
  interpolate,
  panelQueries,
  regexAlternation,
  variableQueries,
} from "../../grafana/src/queries";
import { loadRecordingRules } from "../../grafana/src/recording-rules";
import { prometheusBaseName } from "../../src/catalogue/prometheus-names";
import { type BarePrometheus, committedDashboards, startBarePrometheus } from "./support";

/** The provisioned Jaeger datasource's trace-to-metrics queries (they are PromQL too). */
function tracesToMetricsQueries(): string[] {
  const doc = parse(
    readFileSync(join(REPO_ROOT, "grafana/provisioning/datasources/datasources.yml"), "utf8"),
  ) as {
    datasources: { uid: string; jsonData?: { tracesToMetrics?: { queries?: { query: string }[] } } }[];
  };
  const jaeger = doc.datasources.find((d) => d.uid === "jaeger");
  return (jaeger?.jsonData?.tracesToMetrics?.queries ?? []).map((q) => q.query);
}

describe("PromQL names (the Prometheus project's grammar)", () => {
  it("reads metric names and exact __name__ matchers, once each", () => {
    assert.deepEqual(
      seriesNames(
        'sum(rate(a_total{x="1"}[5m])) / on() group_left sum(b) + {__name__="c"} + a_total offset 5m',
      ),
      { names: ["a_total", "b", "c"], problems: [] },
    );
    assert.deepEqual(
      seriesNames('histogram_quantile(0.9, sum by (le) (rate(h_bucket{job=~"(a|b)"}[1m])))').names,
      ["h_bucket"],
    );
  });

  it("reports selectors that name no exact series, and parse errors", () => {
    assert.match(seriesNames('rate({job="a"}[5m])').problems[0] ?? "", /names no series/);
    assert.match(seriesNames('{__name__=~"a.*"}').problems[0] ?? "", /by a pattern/);
    assert.match(seriesNames("sum(rate(a[5m])").problems[0] ?? "", /parse error/);
  });
});

describe("the allowed series", () => {
  it("include every catalogue entry's series, and the allow-list overlaps neither catalogue nor rules", () => {
    const catalogue = catalogueSeries();
    for (const name of [
      "http_server_request_duration_seconds_bucket",
      "llm_cost_usd_total",
      "app_info",
      "quota_usage_percent",
    ]) {
      assert.ok(catalogue.has(name), name);
    }
    const rules = new Set(loadRecordingRules().map((r) => r.record));
    for (const name of EXTERNAL_SERIES) {
      assert.ok(!catalogue.has(name), `${name} is the catalogue's: keep it out of the allow-list`);
      assert.ok(!rules.has(name), `${name} is a recording rule: keep it out of the allow-list`);
    }
  });

  it("the span-metric names follow from the Collector config's span_metrics connector", () => {
    const config = parse(readFileSync(COLLECTOR_CONFIG, "utf8")) as {
      connectors: Record<string, { namespace?: string; histogram?: { unit?: string } }>;
    };
    const connector = config.connectors.span_metrics;
    assert.ok(connector, "otel-collector/config.yaml has a span_metrics connector");
    const namespace = connector.namespace ?? "traces.span.metrics";
    const unit = connector.histogram?.unit ?? "ms";
    const calls = prometheusBaseName({ name: `${namespace}.calls`, unit: "1", kind: "counter" });
    const duration = prometheusBaseName({ name: `${namespace}.duration`, unit, kind: "histogram" });
    assert.equal(SPAN_METRICS.calls, calls);
    assert.deepEqual(SPAN_METRICS.duration, {
      bucket: `${duration}_bucket`,
      sum: `${duration}_sum`,
      count: `${duration}_count`,
    });
  });
});

describe("every dashboard query", () => {
  let prometheus: BarePrometheus | undefined;
  before(async () => {
    prometheus = await startBarePrometheus();
  });
  after(async () => {
    await prometheus?.stop();
  });

  it("names only series of the catalogue, the recording rules or the allow-list (committed files)", () => {
    const allowed = allowedSeries();
    const problems = committedDashboards().flatMap(({ dashboard }) => lintDashboard(dashboard, allowed));
    assert.deepEqual(
      problems.map((p) => `${p.where}: ${p.problem}`),
      [],
    );
    for (const expr of tracesToMetricsQueries()) {
      const { names, problems: parseProblems } = seriesNames(expr.replace("$__tags", 'service_name="x"'));
      assert.deepEqual(parseProblems, [], expr);
      for (const name of names)
        assert.ok(allowed.has(name), `${name} in the Jaeger datasource's trace-to-metrics queries`);
    }
  });

  it("uses recording rules where the alerts share an expression, and each one it names exists", () => {
    const rules = new Set(loadRecordingRules().map((r) => r.record));
    const used = new Set(
      committedDashboards().flatMap(({ dashboard }) =>
        panelQueries(dashboard).flatMap((q) => seriesNames(interpolate(q.expr, standIns(dashboard))).names),
      ),
    );
    const usedRules = [...used].filter((n) => rules.has(n));
    assert.ok(usedRules.length >= 6, `recording rules used: ${usedRules.join(", ")}`);
  });

  it("parses and type-checks in the real Prometheus, sent as Grafana sends it (range or instant)", async () => {
    assert.ok(prometheus);
    const client = prometheus.client;
    const now = Math.floor(Date.now() / 1000);
    const failures: string[] = [];
    let sent = 0;
    for (const { file, dashboard } of committedDashboards()) {
      const variables = Object.fromEntries(
        (dashboard.templating.list ?? []).map((v) => [v.name, regexAlternation(["a", "b.c"])]),
      );
      for (const q of panelQueries(dashboard)) {
        const expr = interpolate(q.expr, { ...STAND_INS, variables });
        try {
          if (q.instant) await client.query(expr, now);
          else await client.queryRange(expr, now - 3600, now, 60);
          sent++;
        } catch (error) {
          failures.push(`${file} / ${q.panel} / ${q.refId}: ${(error as Error).message}\n    ${expr}`);
        }
      }
      for (const v of variableQueries(dashboard)) {
        try {
          await client.query(interpolate(v.selector, { ...STAND_INS, variables }), now);
          sent++;
        } catch (error) {
          failures.push(`${file} / $${v.variable}: ${(error as Error).message}`);
        }
      }
    }
    for (const expr of tracesToMetricsQueries()) {
      try {
        await client.query(expr.replace("$__tags", 'service_name="x"'), now);
        sent++;
      } catch (error) {
        failures.push(`Jaeger trace-to-metrics: ${(error as Error).message}\n    ${expr}`);
      }
    }
    assert.deepEqual(failures, []);
    assert.ok(sent > 100, `queries sent: ${sent}`);
  });

  it("the real Prometheus refuses what the guard refuses (the check can fail)", async () => {
    assert.ok(prometheus);
    await assert.rejects(prometheus.client.query("sum(rate(a[5m])", 0), /bad_data/);
    await assert.rejects(prometheus.client.query('histogram_quantile(0.9, "x")', 0), /bad_data/);
  });
});

const STAND_INS = { rateInterval: "1m", interval: "15s", range: "1h" } as const;

function standIns(dashboard: Dashboard): Interpolation {
  return {
    ...STAND_INS,
    variables: Object.fromEntries((dashboard.templating.list ?? []).map((v) => [v.name, ".+"])),
  };
}
