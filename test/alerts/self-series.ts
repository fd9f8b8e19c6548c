/**
 * Series of the monitoring components themselves that the rules read (besides `up`), as the pinned Debian
 * packages expose them: Prometheus 2.42 and Alertmanager 0.25. rules.test.ts allows exactly these; the live
 * tests check that the running servers really expose them. The Collector's otelcol_* names are checked against
 * otel-collector/README.md instead, which lists what the pinned Collector exports.
 */
export const PROMETHEUS_SELF_SERIES: readonly string[] = [
  "prometheus_config_last_reload_successful",
  "prometheus_notifications_alertmanagers_discovered",
  "prometheus_notifications_errors_total",
  "prometheus_notifications_sent_total",
  "prometheus_rule_evaluation_failures_total",
  "prometheus_target_scrape_pool_exceeded_label_limits_total",
  "prometheus_target_scrapes_exceeded_body_size_limit_total",
  "prometheus_target_scrapes_exceeded_sample_limit_total",
];

export const ALERTMANAGER_SELF_SERIES: readonly string[] = [
  "alertmanager_config_last_reload_successful",
  "alertmanager_notifications_failed_total",
  "alertmanager_notifications_total",
];

/** The metric names (families) of a Prometheus text exposition. */
export function exposedMetricNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const line of text.split("\n")) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]/.exec(line);
    if (m?.[1]) names.add(m[1]);
  }
  return names;
}
