/**
 * API keys: requests by organization and outcome, rate-limit hits, monthly quota usage, the top consumers and
 * refused requests, from the api_key.requests, rate_limit.exceeded and quota.usage instruments.
 */
import type * as dashboard from "@grafana/grafana-foundation-sdk/dashboard";
import { dashboardBuilder, finalize } from "../dashboard";
import { barGaugePanel, row, statPanel, tablePanel, timeseriesPanel } from "../panels";
import { increase, percentOf, rate, sel, sumBy } from "../promql";
import { rule } from "../recording-rules";
import * as s from "../series";
import { appVariables } from "../variables";

const ACCEPTED = `${s.label.apiKeyStatus}="accepted"`;
const REFUSED = `${s.label.apiKeyStatus}!="accepted"`;
const QUOTA_THRESHOLDS: readonly (readonly [number, string])[] = [
  [80, "orange"],
  [95, "red"],
];

export function apiKeysDashboard(): dashboard.Dashboard {
  const org = s.label.organization;
  const status = s.label.apiKeyStatus;
  const req = s.apiKeyRequests;

  const b = dashboardBuilder(
    "procode-api-keys",
    "ProCode / API keys",
    "API-key traffic of the ProCode agent service: who calls, how much, who hits rate limits and quotas, and " +
      "which requests are refused (invalid, revoked, rate limited, over quota).",
    ["api-keys"],
  ).variables(appVariables());

  b.withRow(row("Requests"))
    .withPanel(
      statPanel({
        title: "Requests",
        description: "API-key-authenticated requests per second, every outcome.",
        unit: "reqps",
        queries: [{ expr: sumBy([], rate(sel(req))) }],
      }),
    )
    .withPanel(
      statPanel({
        title: "Refused",
        description: "Share of requests refused: invalid or revoked key, rate limited, or over quota.",
        unit: "percent",
        decimals: 1,
        thresholds: [
          [5, "orange"],
          [20, "red"],
        ],
        queries: [{ expr: percentOf(sumBy([], rate(sel(req, REFUSED))), sumBy([], rate(sel(req)))) }],
      }),
    )
    .withPanel(
      statPanel({
        title: "Rate-limit hits (5m)",
        description:
          "Requests refused by a per-minute rate limit or the monthly quota over the last 5 minutes, worst service: " +
          "what RateLimitSpike evaluates (recording rule job:rate_limit_exceeded:increase5m).",
        unit: "short",
        thresholds: [[100, "red"]],
        queries: [{ expr: `max(${rule("job:rate_limit_exceeded:increase5m")}{job=~"$service"})` }],
      }),
    )
    .withPanel(
      statPanel({
        title: "Highest quota usage",
        description: "The monthly quota used by the organization closest to its limit.",
        unit: "percent",
        thresholds: QUOTA_THRESHOLDS,
        queries: [{ expr: `max(${sel(s.quotaUsage)})` }],
      }),
    )
    .withPanel(
      timeseriesPanel({
        title: "Requests by organization",
        description: "Requests per second by organization, every outcome.",
        unit: "reqps",
        stack: true,
        queries: [{ expr: sumBy([org], rate(sel(req))), legend: `{{${org}}}` }],
      }),
    )
    .withPanel(
      timeseriesPanel({
        title: "Requests by outcome",
        description:
          "Requests per second over 5 minutes by API key status: accepted, invalid, revoked, rate_limited, " +
          "over_quota (recording rule).",
        unit: "reqps",
        stack: true,
        queries: [
          {
            expr: `sum by (${status}) (${rule("job_api_key_status:api_key_requests:rate5m")}{job=~"$service"})`,
            legend: `{{${status}}}`,
          },
        ],
      }),
    );

  b.withRow(row("Limits and quotas"))
    .withPanel(
      timeseriesPanel({
        title: "Rate-limit hits",
        description:
          "Requests refused by a limit per second, by organization and limit type (per_minute, monthly).",
        unit: "reqps",
        stack: true,
        bars: true,
        queries: [
          {
            expr: sumBy([org, s.label.rateLimitType], rate(sel(s.rateLimitExceeded))),
            legend: `{{${org}}} {{${s.label.rateLimitType}}}`,
          },
        ],
      }),
    )
    .withPanel(
      barGaugePanel({
        title: "Quota usage",
        description: "Monthly quota used by each organization.",
        unit: "percent",
        min: 0,
        max: 100,
        thresholds: QUOTA_THRESHOLDS,
        queries: [
          {
            expr: `sort_desc(max by (${org}) (${rule("job_organization_id:quota_usage_percent:max")}{job=~"$service"}))`,
            legend: `{{${org}}}`,
          },
        ],
      }),
    );

  b.withRow(row("Consumers and refusals"))
    .withPanel(
      tablePanel({
        title: "Top consumers",
        description: "The ten API keys with the most accepted requests over the dashboard's time range.",
        unit: "short",
        sortBy: "Requests",
        transformations: [
          {
            id: "organize",
            options: { excludeByName: { Time: true }, renameByName: { Value: "Requests" } },
          },
        ],
        queries: [{ expr: `topk(10, ${sumBy([org, s.label.apiKey], increase(sel(req, ACCEPTED)))})` }],
      }),
    )
    .withPanel(
      timeseriesPanel({
        title: "Refused requests by reason",
        description: "API key errors: refused requests per second by organization and reason.",
        unit: "reqps",
        stack: true,
        bars: true,
        queries: [
          { expr: sumBy([org, status], rate(sel(req, REFUSED))), legend: `{{${org}}} {{${status}}}` },
        ],
      }),
    );

  return finalize(b);
}
