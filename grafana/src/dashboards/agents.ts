/**
 * Agents: executions by agent type, success rate, duration, executions in progress and errors, from the
 * agent.execution.duration histogram (one observation per run, error_type set when it failed) and the
 * agent.executions.active counter; agent and tool spans link to their traces.
 */
import type * as dashboard from "@grafana/grafana-foundation-sdk/dashboard";
import { GEN_AI_OPERATION_EXECUTE_TOOL, GEN_AI_OPERATION_INVOKE_AGENT } from "../../../src/semconv";
import { dashboardBuilder, finalize } from "../dashboard";
import { SPAN_METRICS } from "../external-series";
import { traceSearchLink } from "../links";
import { heatmapPanel, row, statPanel, timeseriesPanel } from "../panels";
import { quantile, rate, sel, successPercent, sumBy } from "../promql";
import { rule } from "../recording-rules";
import * as s from "../series";
import { appVariables } from "../variables";

const FAILED = `${s.label.errorType}!=""`;
const AGENT_SPANS = `${s.label.operation}="${GEN_AI_OPERATION_INVOKE_AGENT}"`;
const AGENT_AND_TOOL_SPANS = `${s.label.operation}=~"${GEN_AI_OPERATION_INVOKE_AGENT}|${GEN_AI_OPERATION_EXECUTE_TOOL}"`;

export function agentsDashboard(): dashboard.Dashboard {
  const t = s.label.agentType;
  const runs = s.agentDuration;
  const errorRatio = rule("job_agent_type:agent_execution_errors:ratio_rate5m");

  const b = dashboardBuilder(
    "procode-agents",
    "ProCode / Agents",
    "Agent executions of the ProCode agent service: how many by type, how many succeed, how long they take, " +
      "how many run now and how they fail.",
    ["agents"],
  ).variables(appVariables());

  b.withRow(row("Executions"))
    .withPanel(
      statPanel({
        title: "Executions",
        description: "Agent executions finished per second.",
        unit: "ops",
        queries: [{ expr: sumBy([], rate(sel(runs.count))) }],
      }),
    )
    .withPanel(
      statPanel({
        title: "Success rate (worst type)",
        description:
          "Share of the executions of the worst agent type that finished without an error over 5 minutes " +
          "(recording rule job_agent_type:agent_execution_errors:ratio_rate5m, what the agent alerts evaluate).",
        unit: "percent",
        decimals: 1,
        thresholds: [],
        queries: [{ expr: `100 * (1 - max(${errorRatio}{job=~"$service"}))` }],
      }),
    )
    .withPanel(
      statPanel({
        title: "Duration p95",
        description: "95th percentile agent execution duration, all types.",
        unit: "s",
        queries: [{ expr: quantile(0.95, runs) }],
      }),
    )
    .withPanel(
      statPanel({
        title: "In progress",
        description: "Agent executions running now (agent.executions.active).",
        unit: "short",
        queries: [{ expr: sumBy([], sel(s.agentActive)) }],
      }),
    )
    .withPanel(
      timeseriesPanel({
        title: "Executions by type",
        description: "Agent executions finished per second by agent type.",
        unit: "ops",
        stack: true,
        queries: [{ expr: sumBy([t], rate(sel(runs.count))), legend: `{{${t}}}` }],
      }),
    )
    .withPanel(
      timeseriesPanel({
        title: "Success rate by type",
        description:
          "Share of each agent type's executions that finished without an error over 5 minutes (recording rule; " +
          "100 % where a type had no failures), and over the chosen instances at the dashboard's resolution.",
        unit: "percent",
        max: 100,
        queries: [
          { expr: `100 * (1 - ${errorRatio}{job=~"$service"})`, legend: `{{job}} {{${t}}} (5m)` },
          {
            expr: successPercent(
              sumBy([t], rate(sel(runs.count, FAILED))),
              sumBy([t], rate(sel(runs.count))),
            ),
            legend: `{{${t}}}`,
          },
        ],
      }),
    );

  b.withRow(row("Duration and concurrency"))
    .withPanel(
      timeseriesPanel({
        title: "Duration by type",
        description:
          "p50 and p95 agent execution duration by agent type, and the p95 of the invoke_agent spans, whose dots " +
          "are exemplars: click one to open the run's trace in Jaeger.",
        unit: "s",
        queries: [
          { expr: quantile(0.5, runs, [t]), legend: `{{${t}}} p50` },
          { expr: quantile(0.95, runs, [t]), legend: `{{${t}}} p95` },
          {
            expr: quantile(0.95, SPAN_METRICS.duration, ["span_name"], AGENT_SPANS),
            legend: "{{span_name}} p95 of spans",
            exemplar: true,
          },
        ],
      }),
    )
    .withPanel(
      heatmapPanel({
        title: "Duration distribution",
        description: "Agent execution duration histogram over time (bucket rates).",
        unit: "s",
        queries: [{ expr: sumBy(["le"], rate(sel(runs.bucket))) }],
      }),
    )
    .withPanel(
      timeseriesPanel({
        title: "In progress by type",
        description: "Agent executions running now by agent type.",
        unit: "short",
        stack: true,
        queries: [{ expr: sumBy([t], sel(s.agentActive)), legend: `{{${t}}}` }],
      }),
    )
    .withPanel(
      timeseriesPanel({
        title: "Errors by type",
        description:
          "Failed agent executions per second by agent type and error type (a class name or status code).",
        unit: "ops",
        stack: true,
        bars: true,
        queries: [
          {
            expr: sumBy([t, s.label.errorType], rate(sel(runs.count, FAILED))),
            legend: `{{${t}}} {{${s.label.errorType}}}`,
          },
        ],
      }),
    );

  b.withRow(row("Agent and tool spans"))
    .withPanel(
      timeseriesPanel({
        title: "Agent and tool spans",
        description:
          "invoke_agent and execute_tool spans per second by span name, from the Collector's span metrics. " +
          "Click a series to search its traces in Jaeger.",
        unit: "ops",
        links: [traceSearchLink()],
        queries: [
          {
            expr: sumBy(["service_name", "span_name"], rate(sel(SPAN_METRICS.calls, AGENT_AND_TOOL_SPANS))),
            legend: "{{span_name}}",
          },
        ],
      }),
    )
    .withPanel(
      timeseriesPanel({
        title: "Agent and tool spans p95",
        description:
          "95th percentile duration of agent and tool spans by span name; exemplars and series link to Jaeger.",
        unit: "s",
        links: [traceSearchLink()],
        queries: [
          {
            expr: quantile(0.95, SPAN_METRICS.duration, ["service_name", "span_name"], AGENT_AND_TOOL_SPANS),
            legend: "{{span_name}}",
            exemplar: true,
          },
        ],
      }),
    );

  return finalize(b);
}
