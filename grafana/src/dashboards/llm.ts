/**
 * LLM: calls by provider, errors (rate and type), tokens by model, cost over time, latency distribution and
 * time to first chunk, from the GenAI client instruments; LLM spans link to their traces.
 */
import type * as dashboard from "@grafana/grafana-foundation-sdk/dashboard";
import { dashboardBuilder, finalize } from "../dashboard";
import { SPAN_METRICS } from "../external-series";
import { traceSearchLink } from "../links";
import { barGaugePanel, heatmapPanel, row, statPanel, timeseriesPanel } from "../panels";
import { increase, quantile, rate, sel, sumBy } from "../promql";
import { rule } from "../recording-rules";
import * as s from "../series";
import { appVariables } from "../variables";

/** GenAI client spans (`{operation} {model}`, kind CLIENT); agent and tool spans are INTERNAL. */
const LLM_SPANS = `span_kind="SPAN_KIND_CLIENT", ${s.label.operation}!=""`;

export function llmDashboard(): dashboard.Dashboard {
  const calls = rule("job_gen_ai_provider_name:gen_ai_client_operations:rate5m");
  const errorRatio = rule("job_gen_ai_provider_name:gen_ai_client_operation_errors:ratio_rate5m");
  const quantiles = rule(
    "job_gen_ai_provider_name_quantile:gen_ai_client_operation_duration_seconds:histogram_quantile_rate5m",
  );
  const tokens = rule(
    "job_gen_ai_provider_name_gen_ai_request_model_gen_ai_token_type:gen_ai_client_token_usage:rate5m",
  );
  const cost = rule("job_gen_ai_provider_name_gen_ai_request_model:llm_cost_usd:rate5m");
  const p = s.label.provider;
  const m = s.label.model;

  const b = dashboardBuilder(
    "procode-llm",
    "ProCode / LLM",
    "LLM calls of the ProCode agent service (GenAI semantic conventions): traffic and errors by provider, " +
      "tokens and cost by model, latency and time to first chunk.",
    ["llm"],
  ).variables(appVariables());

  b.withRow(row("Calls and errors"))
    .withPanel(
      statPanel({
        title: "LLM calls",
        description: "LLM calls per second over the last 5 minutes, all providers.",
        unit: "reqps",
        queries: [{ expr: `sum(${calls}{job=~"$service"})` }],
      }),
    )
    .withPanel(
      statPanel({
        title: "Error ratio (worst provider)",
        description:
          "Share of failed LLM calls over the last 5 minutes for the worst provider: the share condition of the LLMProviderErrors warning.",
        unit: "percentunit",
        decimals: 1,
        thresholds: [
          [0.05, "orange"],
          [0.1, "red"],
        ],
        queries: [{ expr: `max(${errorRatio}{job=~"$service"})` }],
      }),
    )
    .withPanel(
      statPanel({
        title: "Cost in range",
        description: "LLM spend over the dashboard's time range, from the repository's price table.",
        unit: "currencyUSD",
        decimals: 4,
        queries: [{ expr: `sum(${increase(sel(s.llmCost))})` }],
      }),
    )
    .withPanel(
      statPanel({
        title: "Tokens in range",
        description: "Input and output tokens over the dashboard's time range.",
        unit: "short",
        queries: [{ expr: `sum(${increase(sel(s.genAiTokens.sum))})` }],
      }),
    )
    .withPanel(
      timeseriesPanel({
        title: "Calls by provider",
        description:
          "LLM calls per second by provider and operation (one gen_ai.client.operation.duration observation per call).",
        unit: "reqps",
        stack: true,
        queries: [
          {
            expr: sumBy([p, s.label.operation], rate(sel(s.genAiDuration.count))),
            legend: `{{${p}}} {{${s.label.operation}}}`,
          },
        ],
      }),
    )
    .withPanel(
      timeseriesPanel({
        title: "Error rate by provider",
        description:
          "Share of each provider's calls that failed over 5 minutes (recording rule; 0 where a provider had no failures).",
        unit: "percentunit",
        min: 0,
        queries: [{ expr: `${errorRatio}{job=~"$service"}`, legend: `{{job}} {{${p}}}` }],
      }),
    )
    .withPanel(
      timeseriesPanel({
        title: "Errors by type",
        description:
          "Failed LLM calls per second by provider and error type (rate_limit, timeout, server_error, malformed_response, ...).",
        unit: "reqps",
        stack: true,
        bars: true,
        queries: [
          {
            expr: sumBy([p, s.label.errorType], rate(sel(s.llmErrors))),
            legend: `{{${p}}} {{${s.label.errorType}}}`,
          },
        ],
      }),
    );

  b.withRow(row("Tokens and cost"))
    .withPanel(
      timeseriesPanel({
        title: "Tokens by model",
        description:
          "Tokens per second by model and token type (input, output), over 5 minutes (recording rule).",
        unit: "short",
        stack: true,
        queries: [
          {
            expr: `sum by (${m}, ${s.label.tokenType}) (${tokens}{job=~"$service"})`,
            legend: `{{${m}}} {{${s.label.tokenType}}}`,
          },
        ],
      }),
    )
    .withPanel(
      timeseriesPanel({
        title: "Cost over time",
        description: "LLM spend rate in US dollars per hour by provider and model (recording rule × 3600).",
        unit: "currencyUSD",
        stack: true,
        queries: [
          { expr: `3600 * sum by (${p}, ${m}) (${cost}{job=~"$service"})`, legend: `{{${p}}} {{${m}}}` },
        ],
      }),
    )
    .withPanel(
      barGaugePanel({
        title: "Cost by model in range",
        description: "LLM spend per model over the dashboard's time range.",
        unit: "currencyUSD",
        decimals: 4,
        width: 24,
        height: 6,
        queries: [{ expr: `sort_desc(${sumBy([m], increase(sel(s.llmCost)))})`, legend: `{{${m}}}` }],
      }),
    );

  b.withRow(row("Latency"))
    .withPanel(
      timeseriesPanel({
        title: "Latency by provider",
        description:
          "p50, p95 and p99 LLM call duration by provider over 5 minutes (recording rule), and the p95 of the LLM " +
          "client spans, whose dots are exemplars: click one to open the call's trace in Jaeger.",
        unit: "s",
        queries: [
          { expr: `${quantiles}{job=~"$service"}`, legend: `{{${p}}} p{{quantile}}` },
          {
            expr: quantile(0.95, SPAN_METRICS.duration, [p], LLM_SPANS),
            legend: `{{${p}}} p95 of spans`,
            exemplar: true,
          },
        ],
      }),
    )
    .withPanel(
      heatmapPanel({
        title: "Latency distribution",
        description: "LLM call duration histogram over time (bucket rates).",
        unit: "s",
        queries: [{ expr: sumBy(["le"], rate(sel(s.genAiDuration.bucket))) }],
      }),
    )
    .withPanel(
      timeseriesPanel({
        title: "Time to first chunk",
        description: "Time until the first chunk of a streamed response arrives, p50 and p95 by provider.",
        unit: "s",
        queries: [
          { expr: quantile(0.5, s.genAiTimeToFirstChunk, [p]), legend: `{{${p}}} p50` },
          { expr: quantile(0.95, s.genAiTimeToFirstChunk, [p]), legend: `{{${p}}} p95` },
        ],
      }),
    )
    .withPanel(
      timeseriesPanel({
        title: "LLM spans p95 by operation",
        description:
          "95th percentile duration of GenAI client spans by span name, from the Collector's span metrics. " +
          "Click a series to search its traces in Jaeger.",
        unit: "s",
        links: [traceSearchLink()],
        queries: [
          {
            expr: quantile(0.95, SPAN_METRICS.duration, ["service_name", "span_name"], LLM_SPANS),
            legend: "{{span_name}}",
            exemplar: true,
          },
        ],
      }),
    );

  return finalize(b);
}
