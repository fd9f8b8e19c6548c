/**
 * The dashboards against real data: the native stack (Collector, Jaeger, Prometheus, Alertmanager,
 * PostgreSQL), the reference service under the preload, traffic from its load generator; then every panel
 * query of every committed dashboard, its variables resolved the way Grafana resolves them, is sent to the
 * real Prometheus and must return data, every series a query names must exist, exemplars must carry trace
 * ids Jaeger knows, and the span-metric data links must find traces in Jaeger.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Dashboard } from "@grafana/grafana-foundation-sdk/dashboard";
import { parse } from "yaml";
import { ONLY_AFTER_FAILURE } from "../../grafana/src/external-series";
import { seriesNames } from "../../grafana/src/promql-names";
import {
  type Interpolation,
  interpolate,
  panelQueries,
  regexAlternation,
  variableQueries,
} from "../../grafana/src/queries";
import { waitUntil } from "../../scripts/stack/process";
import { DEFAULT_SERVICES, type Stack, startStack } from "../../scripts/stack/stack";
import {
  missingReferenceService,
  type ReferenceService,
  runLoad,
  startReferenceService,
} from "../support/reference-service";
import { committedDashboards, hasData, PromClient, type PromSample } from "./support";

const SERVICE_NAME = "procode-live-dashboards";
const LOAD_SECONDS = 45;
const skip = missingReferenceService();

/**
 * Panels that cannot have data yet because of work outside the dashboards, each with the reason. They are
 * left out of the "every query returns data" test and run as `todo` tests of their own (reported with the
 * reason, not failing the run): once one passes, the gap is closed and its entry goes.
 */
const KNOWN_GAPS: Readonly<Record<string, { series: string; reason: string }>> = {};
const GAP_SERIES = new Set(Object.values(KNOWN_GAPS).map((g) => g.series));

/** Grafana's $__interval and $__rate_interval for a range of `rangeSeconds` and a scrape interval. */
function grafanaIntervals(
  rangeSeconds: number,
  scrapeSeconds: number,
): { step: number; interval: string; rateInterval: string } {
  const step = Math.max(scrapeSeconds, Math.ceil(rangeSeconds / 200));
  const rate = Math.max(step + scrapeSeconds, 4 * scrapeSeconds);
  return { step, interval: `${step}s`, rateInterval: `${rate}s` };
}

function durationSeconds(text: string): number {
  const match = /^(\d+)(ms|s|m|h)$/.exec(text);
  if (!match) throw new Error(`unexpected duration ${text}`);
  const n = Number(match[1]);
  return match[2] === "ms" ? n / 1000 : match[2] === "s" ? n : match[2] === "m" ? n * 60 : n * 3600;
}

describe("dashboards on real data", { skip: skip ?? false }, () => {
  let stack: Stack | undefined;
  let service: ReferenceService | undefined;
  let prom: PromClient;
  let start = 0;
  let end = 0;
  let scrapeSeconds = 1;

  before(
    async () => {
      stack = await startStack({
        services: [...DEFAULT_SERVICES, "postgres"],
        prometheus: { scrapeInterval: "1s", evaluationInterval: "1s" },
        collector: {
          // Faster span metrics and sampling decisions, and every trace kept, so a test of a minute sees
          // everything (production: 15s flushes, 30s decisions, 10 % of the uneventful traces).
          env: {
            SPANMETRICS_FLUSH_INTERVAL: "1s",
            TRACES_DECISION_WAIT: "2s",
            TRACES_SAMPLING_PERCENT: "100",
          },
        },
      });
      assert.ok(stack.prometheus);
      prom = new PromClient(stack.prometheus.url);
      const config = parse(await prom.config()) as { global: { scrape_interval: string } };
      scrapeSeconds = durationSeconds(config.global.scrape_interval);
      start = Math.floor(Date.now() / 1000);
      service = await startReferenceService(stack, SERVICE_NAME);
      await runLoad(service, LOAD_SECONDS);
      // Every recording rule the dashboards read, and the app's series, have been scraped and evaluated.
      await waitUntil(
        "the service's telemetry in Prometheus",
        async () => {
          const now = Date.now() / 1000;
          const ready = await Promise.all(
            ["app_info", "job:http_server_requests:rate5m", "traces_span_metrics_calls_total"].map((name) =>
              prom.hasSeries(`${name}{job="${SERVICE_NAME}"}`, now - 60, now),
            ),
          );
          return ready.every(Boolean);
        },
        { deadlineMs: 60_000, intervalMs: 1_000 },
      );
      end = Math.floor(Date.now() / 1000) + 1;
    },
    { timeout: 300_000 },
  );
  after(async () => {
    await service?.stop();
    await stack?.stop();
  });

  /** Resolves the dashboard's variables in order (each may read the ones before) and chooses All. */
  async function resolveVariables(d: Dashboard): Promise<Interpolation> {
    const { interval, rateInterval } = grafanaIntervals(end - start, scrapeSeconds);
    const filled: Interpolation = { variables: {}, interval, rateInterval, range: `${end - start}s` };
    const variables: Record<string, string> = {};
    for (const v of variableQueries(d)) {
      const selector = interpolate(v.selector, { ...filled, variables });
      const values = await prom.labelValues(v.label, selector, start, end);
      assert.ok(values.length > 0, `${d.uid}: $${v.variable} (${selector}) has no values`);
      variables[v.variable] = regexAlternation(values);
    }
    return { ...filled, variables };
  }

  it("resolves every variable, and the application variables find the service", async () => {
    for (const { dashboard } of committedDashboards()) {
      const filled = await resolveVariables(dashboard);
      if (dashboard.uid !== "procode-pipeline") {
        assert.match(filled.variables.service ?? "", new RegExp(SERVICE_NAME), dashboard.uid);
        assert.match(filled.variables.environment ?? "", /live-test/, dashboard.uid);
      }
    }
  });

  it("every panel query returns data, sent as Grafana sends it", async (t) => {
    const empty: string[] = [];
    let sent = 0;
    for (const { file, dashboard } of committedDashboards()) {
      const filled = await resolveVariables(dashboard);
      const { step } = grafanaIntervals(end - start, scrapeSeconds);
      for (const q of panelQueries(dashboard)) {
        if (KNOWN_GAPS[`${file} / ${q.panel}`]) continue;
        const expr = interpolate(q.expr, filled);
        const data = q.instant ? await prom.query(expr, end) : await prom.queryRange(expr, start, end, step);
        sent++;
        if (!hasData(data)) empty.push(`${file} / ${q.panel} / ${q.refId}: no data\n    ${expr}`);
      }
    }
    assert.deepEqual(empty, [], `${empty.length} of ${sent} queries returned no data`);
    t.diagnostic(`${sent} panel queries, each with data`);
  });

  it("every series a query names exists in Prometheus", async () => {
    const names = new Set<string>();
    for (const { dashboard } of committedDashboards()) {
      const filled = await resolveVariables(dashboard);
      for (const q of panelQueries(dashboard))
        for (const n of seriesNames(interpolate(q.expr, filled)).names) names.add(n);
    }
    const absent: string[] = [];
    for (const name of [...names].sort()) {
      if (ONLY_AFTER_FAILURE.has(name) || GAP_SERIES.has(name)) continue;
      if (!(await prom.hasSeries(name, start, end))) absent.push(name);
    }
    assert.deepEqual(
      absent,
      [],
      `series named by the dashboards but absent after traffic (of ${names.size})`,
    );
  });

  for (const [panel, gap] of Object.entries(KNOWN_GAPS)) {
    it(`known gap: ${panel} returns data`, { todo: gap.reason }, async () => {
      const [file, title] = panel.split(" / ");
      const dashboard = committedDashboards().find((c) => c.file === file)?.dashboard;
      assert.ok(dashboard, file);
      const filled = await resolveVariables(dashboard);
      const { step } = grafanaIntervals(end - start, scrapeSeconds);
      for (const q of panelQueries(dashboard).filter((p) => p.panel === title)) {
        assert.ok(
          hasData(await prom.queryRange(interpolate(q.expr, filled), start, end, step)),
          `${panel} / ${q.refId}`,
        );
      }
      assert.ok(await prom.hasSeries(gap.series, start, end), gap.series);
    });
  }

  it("exemplar queries get exemplars whose trace ids open traces in Jaeger", async () => {
    assert.ok(stack?.jaeger);
    const traceIds = new Set<string>();
    const withoutExemplars: string[] = [];
    for (const { file, dashboard } of committedDashboards()) {
      const filled = await resolveVariables(dashboard);
      for (const q of panelQueries(dashboard).filter((p) => p.exemplar)) {
        const series = await prom.queryExemplars(interpolate(q.expr, filled), start, end);
        const ids = series
          .flatMap((s) => s.exemplars.map((e) => e.labels.trace_id))
          .filter((id): id is string => !!id);
        if (ids.length === 0) withoutExemplars.push(`${file} / ${q.panel}`);
        for (const id of ids) traceIds.add(id);
      }
    }
    assert.deepEqual(withoutExemplars, [], "histogram queries without exemplars");
    const sample = [...traceIds].slice(0, 20);
    let found = 0;
    for (const id of sample) {
      const response = await fetch(`${stack.jaeger.queryUrl}/api/traces/${id}`, {
        signal: AbortSignal.timeout(10_000),
      });
      await response.body?.cancel();
      if (response.ok) found++;
    }
    assert.equal(found, sample.length, `exemplar trace ids found in Jaeger: ${found} of ${sample.length}`);
  });

  it("span-metric data links find the service's traces of that operation in Jaeger", async () => {
    assert.ok(stack?.jaeger);
    const overview = committedDashboards().find((c) => c.file === "overview.json")?.dashboard;
    assert.ok(overview);
    const filled = await resolveVariables(overview);
    const q = panelQueries(overview).find((p) => p.panel === "Server operations rate");
    assert.ok(q);
    const data = await prom.query(interpolate(q.expr, filled), end);
    const operations = (data.result as PromSample[]).map((s) => s.metric);
    assert.ok(operations.length > 0);
    for (const labels of operations) {
      const url = new URL(`${stack.jaeger.queryUrl}/api/traces`);
      url.searchParams.set("service", labels.service_name ?? "");
      url.searchParams.set("operation", labels.span_name ?? "");
      url.searchParams.set("lookback", "1h");
      url.searchParams.set("limit", "1");
      const body = (await (await fetch(url, { signal: AbortSignal.timeout(10_000) })).json()) as {
        data: unknown[];
      };
      assert.ok(body.data.length > 0, `no trace in Jaeger for ${labels.service_name} / ${labels.span_name}`);
    }
  });
});
