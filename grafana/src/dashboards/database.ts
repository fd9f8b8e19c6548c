/**
 * Database: connection pool (connections by state, usage against the pool's maximum, waiting requests),
 * query rate and duration, and errors, from the db.client.* instruments the pg instrumentation records;
 * database client spans link to their traces.
 */
import type * as dashboard from "@grafana/grafana-foundation-sdk/dashboard";
import { dashboardBuilder, finalize } from "../dashboard";
import { SPAN_METRICS } from "../external-series";
import { traceSearchLink } from "../links";
import { heatmapPanel, row, statPanel, timeseriesPanel } from "../panels";
import { percentOf, quantile, rate, sel, sumBy } from "../promql";
import * as s from "../series";
import { appVariables } from "../variables";

const USED = `${s.label.dbState}="used"`;
const DB_SPANS = `${s.label.dbSystem}!=""`;

export function databaseDashboard(): dashboard.Dashboard {
  const pool = s.label.dbPool;
  const op = s.label.dbOperation;
  const q = s.dbDuration;

  const b = dashboardBuilder(
    "procode-database",
    "ProCode / Database",
    "PostgreSQL as the ProCode agent service sees it: the connection pool, query rate and duration, and errors.",
    ["database"],
  ).variables(appVariables());

  b.withRow(row("Connection pool"))
    .withPanel(
      statPanel({
        title: "Connections in use",
        description: "Pool connections checked out right now (db.client.connection.count, state used).",
        unit: "short",
        queries: [{ expr: sumBy([], sel(s.dbConnections, USED)) }],
      }),
    )
    .withPanel(
      statPanel({
        title: "Pool usage",
        description: "Connections in use as a share of the pools' maximum size.",
        unit: "percent",
        thresholds: [
          [75, "orange"],
          [90, "red"],
        ],
        queries: [
          { expr: `100 * ${sumBy([], sel(s.dbConnections, USED))} / ${sumBy([], sel(s.dbConnectionsMax))}` },
        ],
      }),
    )
    .withPanel(
      statPanel({
        title: "Query rate",
        description: "Database operations per second.",
        unit: "ops",
        queries: [{ expr: sumBy([], rate(sel(q.count))) }],
      }),
    )
    .withPanel(
      statPanel({
        title: "Query p95",
        description: "95th percentile database operation duration.",
        unit: "s",
        queries: [{ expr: quantile(0.95, q) }],
      }),
    )
    .withPanel(
      timeseriesPanel({
        title: "Connections by state",
        description: "Pool connections by state (idle, used), per pool, against the pool's maximum.",
        unit: "short",
        width: 8,
        queries: [
          {
            expr: sumBy([pool, s.label.dbState], sel(s.dbConnections)),
            legend: `{{${pool}}} {{${s.label.dbState}}}`,
          },
          { expr: sumBy([pool], sel(s.dbConnectionsMax)), legend: `{{${pool}}} max` },
        ],
      }),
    )
    .withPanel(
      timeseriesPanel({
        title: "Pool usage by pool",
        description: "Connections in use as a share of each pool's maximum.",
        unit: "percent",
        width: 8,
        min: 0,
        max: 100,
        queries: [
          {
            expr: `100 * ${sumBy([pool], sel(s.dbConnections, USED))} / ${sumBy([pool], sel(s.dbConnectionsMax))}`,
            legend: `{{${pool}}}`,
          },
        ],
      }),
    )
    .withPanel(
      timeseriesPanel({
        title: "Requests waiting for a connection",
        description:
          "Queries waiting for a free pool connection: above zero for long means the pool is too small.",
        unit: "short",
        width: 8,
        queries: [{ expr: sumBy([pool], sel(s.dbPending)), legend: `{{${pool}}}` }],
      }),
    );

  b.withRow(row("Queries"))
    .withPanel(
      timeseriesPanel({
        title: "Query rate by operation",
        description: "Database operations per second by operation and table.",
        unit: "ops",
        stack: true,
        queries: [
          {
            expr: sumBy([op, s.label.dbCollection], rate(sel(q.count))),
            legend: `{{${op}}} {{${s.label.dbCollection}}}`,
          },
        ],
      }),
    )
    .withPanel(
      timeseriesPanel({
        title: "Query duration",
        description:
          "p50, p95 and p99 database operation duration, and the p99 of the database client spans, whose dots are " +
          "exemplars: click one to open the query's trace in Jaeger.",
        unit: "s",
        queries: [
          { expr: quantile(0.5, q), legend: "p50" },
          { expr: quantile(0.95, q), legend: "p95" },
          { expr: quantile(0.99, q), legend: "p99" },
          {
            expr: quantile(0.99, SPAN_METRICS.duration, [], DB_SPANS),
            legend: "p99 of spans",
            exemplar: true,
          },
        ],
      }),
    )
    .withPanel(
      heatmapPanel({
        title: "Query duration distribution",
        description: "Database operation duration histogram over time (bucket rates).",
        unit: "s",
        queries: [{ expr: sumBy(["le"], rate(sel(q.bucket))) }],
      }),
    )
    .withPanel(
      timeseriesPanel({
        title: "Query p95 by operation",
        description: "95th percentile duration by operation and table.",
        unit: "s",
        queries: [
          {
            expr: quantile(0.95, q, [op, s.label.dbCollection]),
            legend: `{{${op}}} {{${s.label.dbCollection}}}`,
          },
        ],
      }),
    );

  // Errors come from the database client spans: @opentelemetry/instrumentation-pg 0.77.0 sets error.type on the
  // duration metric only for callback-style queries, not for the promise-style ones pg.Pool users make, so
  // db_client_operation_duration_seconds_count{error_type!=""} stays empty; the spans carry status ERROR.
  const dbSpanErrors = sel(SPAN_METRICS.calls, `${DB_SPANS}, status_code="STATUS_CODE_ERROR"`);
  b.withRow(row("Errors"))
    .withPanel(
      timeseriesPanel({
        title: "Query error ratio",
        description:
          "Share of database client spans with status ERROR, by operation (0 % where an operation had no " +
          "failures), from the Collector's span metrics. Click a series to search its traces in Jaeger.",
        unit: "percent",
        min: 0,
        links: [traceSearchLink()],
        queries: [
          {
            expr: percentOf(
              sumBy(["service_name", "span_name"], rate(dbSpanErrors)),
              sumBy(["service_name", "span_name"], rate(sel(SPAN_METRICS.calls, DB_SPANS))),
            ),
            legend: "{{span_name}}",
          },
        ],
      }),
    )
    .withPanel(
      timeseriesPanel({
        title: "Failed queries",
        description:
          "Failed database operations per second by operation, from the database client spans with status ERROR. " +
          "Click a series to search its traces in Jaeger (the error type is on the span).",
        unit: "ops",
        stack: true,
        bars: true,
        links: [traceSearchLink()],
        queries: [
          {
            expr: sumBy(["service_name", "span_name"], rate(dbSpanErrors)),
            legend: "{{span_name}}",
          },
        ],
      }),
    )
    .withPanel(
      timeseriesPanel({
        title: "Database spans p95",
        description:
          "95th percentile duration of database client spans by span name, from the Collector's span metrics. " +
          "Click a series to search its traces in Jaeger.",
        unit: "s",
        width: 24,
        links: [traceSearchLink()],
        queries: [
          {
            expr: quantile(0.95, SPAN_METRICS.duration, ["service_name", "span_name"], DB_SPANS),
            legend: "{{span_name}}",
            exemplar: true,
          },
        ],
      }),
    );

  return finalize(b);
}
