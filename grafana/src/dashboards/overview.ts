/**
 * Overview: the service's golden signals (request rate, errors, latency, saturation), its server operations
 * as the Collector's span metrics see them (with links to their traces), and process resources.
 */
import type * as dashboard from "@grafana/grafana-foundation-sdk/dashboard";
import { dashboardBuilder, finalize } from "../dashboard";
import { SPAN_METRICS } from "../external-series";
import { traceSearchLink } from "../links";
import { heatmapPanel, row, statPanel, tablePanel, timeseriesPanel } from "../panels";
import { percentOf, quantile, rate, sel, sumBy } from "../promql";
import { rule } from "../recording-rules";
import * as s from "../series";
import { appVariables } from "../variables";

const SERVER_SPANS = `span_kind="SPAN_KIND_SERVER"`;
const FIVE_XX = `${s.label.status}=~"5.."`;

/** SLI error ratio over `window` divided by the SLO's error budget (recording rules of slo.yml). */
function burnRate(window: "5m" | "1h"): string {
  const sli = rule(`job_slo:sli_error:ratio_rate${window}`);
  return `${sli}{job=~"$service"} / on (slo) group_left () ${rule("slo:error_budget:ratio")}`;
}

export function overviewDashboard(): dashboard.Dashboard {
  const requests = rule("job:http_server_requests:rate5m");
  const errorRatio = rule("job:http_server_requests_5xx:ratio_rate5m");
  const quantiles = rule("job_quantile:http_server_request_duration_seconds:histogram_quantile_rate5m");

  const b = dashboardBuilder(
    "procode-overview",
    "ProCode / Overview",
    "Golden signals of the ProCode agent service: traffic, errors, latency and saturation, the server operations " +
      "derived from spans (click a series to open its traces in Jaeger) and process resources.",
    ["overview"],
  ).variables(appVariables());

  b.withRow(row("Golden signals"))
    .withPanel(
      statPanel({
        title: "Request rate",
        description:
          "HTTP requests per second over the last 5 minutes, all chosen services (recording rule job:http_server_requests:rate5m).",
        unit: "reqps",
        queries: [{ expr: `sum(${requests}{job=~"$service"})` }],
      }),
    )
    .withPanel(
      statPanel({
        title: "Error rate (5xx)",
        description:
          "Share of requests answered with a 5xx status over the last 5 minutes, worst chosen service: the value the HTTPHighErrorRate alert evaluates.",
        unit: "percentunit",
        decimals: 2,
        thresholds: [
          [0.01, "orange"],
          [0.05, "red"],
        ],
        queries: [{ expr: `max(${errorRatio}{job=~"$service"})` }],
      }),
    )
    .withPanel(
      statPanel({
        title: "Latency p95",
        description:
          "95th percentile of HTTP request duration over the last 5 minutes, worst chosen service: the value the HTTPHighResponseTime alert evaluates.",
        unit: "s",
        thresholds: [
          [1, "orange"],
          [2, "red"],
        ],
        queries: [{ expr: `max(${quantiles}{job=~"$service", quantile="0.95"})` }],
      }),
    )
    .withPanel(
      statPanel({
        title: "Active requests",
        description: "HTTP requests being served right now (http.server.active_requests).",
        unit: "short",
        queries: [{ expr: `sum(${sel(s.httpActive)})` }],
      }),
    )
    .withPanel(
      timeseriesPanel({
        title: "Request rate by route and status",
        description: "HTTP requests per second by route template and response status code.",
        unit: "reqps",
        stack: true,
        queries: [
          {
            expr: sumBy([s.label.route, s.label.status], rate(sel(s.httpDuration.count))),
            legend: `{{${s.label.route}}} {{${s.label.status}}}`,
          },
        ],
      }),
    )
    .withPanel(
      timeseriesPanel({
        title: "Error rate (5xx) by route",
        description:
          "Share of each route's requests answered with a 5xx status (0 % where a route has traffic and no errors).",
        unit: "percent",
        min: 0,
        queries: [
          {
            expr: percentOf(
              sumBy([s.label.route], rate(sel(s.httpDuration.count, FIVE_XX))),
              sumBy([s.label.route], rate(sel(s.httpDuration.count))),
            ),
            legend: `{{${s.label.route}}}`,
          },
        ],
      }),
    )
    .withPanel(
      timeseriesPanel({
        title: "Latency p50 / p95 / p99",
        description:
          "HTTP request duration quantiles over the chosen instances, and the p99 of the server spans from the " +
          "Collector's span metrics, whose dots are exemplars: click one to open its trace in Jaeger.",
        unit: "s",
        queries: [
          { expr: quantile(0.5, s.httpDuration), legend: "p50" },
          { expr: quantile(0.95, s.httpDuration), legend: "p95" },
          { expr: quantile(0.99, s.httpDuration), legend: "p99" },
          {
            expr: quantile(0.99, SPAN_METRICS.duration, [], SERVER_SPANS),
            legend: "p99 of server spans",
            exemplar: true,
          },
        ],
      }),
    )
    .withPanel(
      heatmapPanel({
        title: "Latency distribution",
        description: "HTTP request duration histogram over time (bucket rates).",
        unit: "s",
        queries: [{ expr: sumBy(["le"], rate(sel(s.httpDuration.bucket))) }],
      }),
    )
    .withPanel(
      timeseriesPanel({
        title: "Active requests by method",
        description: "HTTP requests in flight by method, per instance.",
        unit: "short",
        queries: [
          {
            expr: sumBy(["instance", s.label.method], sel(s.httpActive)),
            legend: `{{instance}} {{${s.label.method}}}`,
          },
        ],
      }),
    )
    .withPanel(
      timeseriesPanel({
        title: "Request rate by service (as alerted)",
        description:
          "HTTP requests per second per service from the recording rule the alerts use (5-minute window).",
        unit: "reqps",
        queries: [{ expr: `${requests}{job=~"$service"}`, legend: "{{job}}" }],
      }),
    );

  b.withRow(row("Service level objectives"))
    .withPanel(
      statPanel({
        title: "Error budget burn (1h), worst SLO",
        description:
          "How fast the worst SLO spends its error budget over the last hour: 1 spends exactly the budget over the " +
          "SLO window, 14.4 pages (the multi-window burn-rate alerts of prometheus/rules/slo.yml).",
        unit: "x",
        decimals: 2,
        thresholds: [
          [1, "orange"],
          [14.4, "red"],
        ],
        queries: [{ expr: `max(${burnRate("1h")})` }],
      }),
    )
    .withPanel(
      timeseriesPanel({
        title: "Error budget burn rate by SLO",
        description:
          "Error ratio of each SLO's indicator divided by its error budget (1 − objective), over 5 minutes and 1 hour.",
        unit: "x",
        width: 18,
        height: 4,
        queries: [
          { expr: burnRate("5m"), legend: "{{job}} {{slo}} 5m" },
          { expr: burnRate("1h"), legend: "{{job}} {{slo}} 1h" },
        ],
      }),
    );

  b.withRow(row("Operations (from spans)"))
    .withPanel(
      timeseriesPanel({
        title: "Server operations rate",
        description:
          "Server spans per second by operation, from the Collector's span metrics (every span, before sampling). " +
          "Click a series to search its traces in Jaeger.",
        unit: "ops",
        width: 8,
        links: [traceSearchLink()],
        queries: [
          {
            expr: sumBy(["service_name", "span_name"], rate(sel(SPAN_METRICS.calls, SERVER_SPANS))),
            legend: "{{span_name}}",
          },
        ],
      }),
    )
    .withPanel(
      timeseriesPanel({
        title: "Server operation latency p95",
        description:
          "95th percentile duration of server spans by operation; exemplars and series link to Jaeger.",
        unit: "s",
        width: 8,
        links: [traceSearchLink()],
        queries: [
          {
            expr: quantile(0.95, SPAN_METRICS.duration, ["service_name", "span_name"], SERVER_SPANS),
            legend: "{{span_name}}",
            exemplar: true,
          },
        ],
      }),
    )
    .withPanel(
      timeseriesPanel({
        title: "Server operation error ratio",
        description:
          "Share of server spans with status ERROR by operation (0 % where an operation has no errors).",
        unit: "percent",
        width: 8,
        min: 0,
        links: [traceSearchLink()],
        queries: [
          {
            expr: percentOf(
              sumBy(
                ["service_name", "span_name"],
                rate(sel(SPAN_METRICS.calls, `${SERVER_SPANS}, status_code="STATUS_CODE_ERROR"`)),
              ),
              sumBy(["service_name", "span_name"], rate(sel(SPAN_METRICS.calls, SERVER_SPANS))),
            ),
            legend: "{{span_name}}",
          },
        ],
      }),
    );

  b.withRow(row("Resources"))
    .withPanel(
      timeseriesPanel({
        title: "CPU",
        description: "Process CPU time per second (1 = one core busy) by instance.",
        unit: "percentunit",
        width: 8,
        queries: [{ expr: sumBy(["instance"], rate(sel(s.processCpu))), legend: "{{instance}}" }],
      }),
    )
    .withPanel(
      timeseriesPanel({
        title: "Memory",
        description: "Resident set size and V8 heap used, by instance.",
        unit: "bytes",
        width: 8,
        queries: [
          { expr: sumBy(["instance"], sel(s.processRss)), legend: "RSS {{instance}}" },
          { expr: sumBy(["instance"], sel(s.heapUsed)), legend: "heap used {{instance}}" },
        ],
      }),
    )
    .withPanel(
      timeseriesPanel({
        title: "Event loop",
        description: "Event loop delay (p99) by instance: a blocked loop delays every request.",
        unit: "s",
        width: 8,
        queries: [{ expr: sumBy(["instance"], sel(s.eventLoopDelayP99)), legend: "{{instance}}" }],
      }),
    )
    .withPanel(
      timeseriesPanel({
        title: "Event loop utilization",
        description: "Share of time the event loop was busy, by instance.",
        unit: "percentunit",
        width: 8,
        min: 0,
        max: 1,
        queries: [{ expr: sumBy(["instance"], sel(s.eventLoopUtilization)), legend: "{{instance}}" }],
      }),
    )
    .withPanel(
      timeseriesPanel({
        title: "Open file descriptors",
        description: "Open file descriptors by instance.",
        unit: "short",
        width: 8,
        queries: [{ expr: sumBy(["instance"], sel(s.processFds)), legend: "{{instance}}" }],
      }),
    )
    .withPanel(
      timeseriesPanel({
        title: "Disk free",
        description: "Free space on the filesystem holding the service's data (100 × (1 − utilization)).",
        unit: "percent",
        width: 8,
        min: 0,
        max: 100,
        queries: [
          {
            expr: `100 * (1 - ${sumBy(["instance", s.label.mountpoint], sel(s.filesystemUtilization))})`,
            legend: `{{instance}} {{${s.label.mountpoint}}}`,
          },
        ],
      }),
    )
    .withPanel(
      timeseriesPanel({
        title: "Health checks",
        description: "Last result of each background health check: 1 healthy, 0.5 degraded, 0 unhealthy.",
        unit: "short",
        min: 0,
        max: 1,
        queries: [
          {
            expr: `min by (${s.label.healthCheck}) (${sel(s.healthStatus)})`,
            legend: `{{${s.label.healthCheck}}}`,
          },
        ],
      }),
    )
    .withPanel(
      tablePanel({
        title: "Instances",
        description: "The running instances: version, environment, runtime and uptime.",
        unit: "short",
        sortBy: "Uptime",
        transformations: [
          { id: "merge", options: {} },
          {
            id: "organize",
            options: {
              excludeByName: { Time: true, "Value #A": true },
              renameByName: { "Value #B": "Uptime" },
            },
          },
        ],
        queries: [
          {
            expr: `max by (job, instance, ${s.label.serviceVersion}, ${s.label.environment}, ${s.label.runtimeVersion}) (${sel(s.appInfo)})`,
          },
          { expr: sumBy(["job", "instance"], sel(s.processUptime)) },
        ],
      }).overrideByName("Uptime", [{ id: "unit", value: "s" }]),
    );

  return finalize(b);
}
