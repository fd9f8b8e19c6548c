/**
 * Small PromQL builders for the expressions the dashboards repeat, so each panel reads as what it shows.
 * `$__rate_interval` is Grafana's: at least four scrape intervals, so a rate never sees fewer than two points.
 */
import type { HistogramSeries } from "./series";
import { APP_SCOPE } from "./variables";

export const RATE_INTERVAL = "$__rate_interval";
export const RANGE = "$__range";

/** `metric{<scope>, <extra>}`; the scope defaults to the service/instance variables. */
export function sel(metric: string, extra = "", scope: string = APP_SCOPE): string {
  const matchers = [scope, extra].filter((m) => m !== "").join(", ");
  return matchers === "" ? metric : `${metric}{${matchers}}`;
}

export function rate(selector: string, window: string = RATE_INTERVAL): string {
  return `rate(${selector}[${window}])`;
}

export function increase(selector: string, window: string = RANGE): string {
  return `increase(${selector}[${window}])`;
}

/** `sum by (labels) (inner)`, or `sum(inner)` with no labels. */
export function sumBy(labels: readonly string[], inner: string): string {
  return labels.length === 0 ? `sum(${inner})` : `sum by (${labels.join(", ")}) (${inner})`;
}

/** The q-quantile of a histogram over the chosen instances, grouped by `labels`. */
export function quantile(
  q: number,
  h: HistogramSeries,
  labels: readonly string[] = [],
  extra = "",
  scope?: string,
): string {
  return `histogram_quantile(${q}, ${sumBy(["le", ...labels], rate(sel(h.bucket, extra, scope)))})`;
}

/**
 * 100 * part / whole per group, 0 where a group has traffic but no `part` series yet (a counter that has
 * never been incremented does not exist): `(part or whole * 0) / whole`.
 */
export function percentOf(part: string, whole: string): string {
  return `100 * (${part} or ${whole} * 0) / ${whole}`;
}

/** 100 * (1 - failed / all) per group: the success rate, 100 % where a group has no failures. */
export function successPercent(failed: string, all: string): string {
  return `100 * (1 - (${failed} or ${all} * 0) / ${all})`;
}
