/**
 * The explicit allow-list of series the dashboards may read that do not come from the application's
 * instruments: the span metrics the Collector derives from every span, and the pipeline's own telemetry
 * (the Collector's, Prometheus's and Alertmanager's). Each name was read from the running component at the
 * version the repository pins; the dashboards test checks every query against this list, the catalogue and
 * the recording rules, and the live test checks each of these against what the real stack serves.
 */

/**
 * Span metrics: otel-collector/config.yaml's span_metrics connector, namespace `traces.span.metrics`,
 * histogram unit `s` (labels service_name, span_name, span_kind, status_code and the configured dimensions).
 * The dashboards test re-derives these two names from the Collector config.
 */
export const SPAN_METRICS = {
  calls: "traces_span_metrics_calls_total",
  duration: {
    bucket: "traces_span_metrics_duration_seconds_bucket",
    sum: "traces_span_metrics_duration_seconds_sum",
    count: "traces_span_metrics_duration_seconds_count",
  },
} as const;

/**
 * The Collector's own telemetry (v0.161.0, service::telemetry::metrics with without_units and
 * without_type_suffix, as otel-collector/config.yaml sets): counters carry no `_total`.
 * Labels: receiver/transport, exporter/data_type, processor, otel_signal.
 */
export const COLLECTOR = {
  receiverAcceptedSpans: "otelcol_receiver_accepted_spans",
  receiverRefusedSpans: "otelcol_receiver_refused_spans",
  receiverFailedSpans: "otelcol_receiver_failed_spans",
  receiverAcceptedMetricPoints: "otelcol_receiver_accepted_metric_points",
  receiverRefusedMetricPoints: "otelcol_receiver_refused_metric_points",
  receiverFailedMetricPoints: "otelcol_receiver_failed_metric_points",
  receiverAcceptedLogRecords: "otelcol_receiver_accepted_log_records",
  receiverRefusedLogRecords: "otelcol_receiver_refused_log_records",
  receiverFailedLogRecords: "otelcol_receiver_failed_log_records",
  exporterSentSpans: "otelcol_exporter_sent_spans",
  exporterSendFailedSpans: "otelcol_exporter_send_failed_spans",
  exporterSentMetricPoints: "otelcol_exporter_sent_metric_points",
  exporterSendFailedMetricPoints: "otelcol_exporter_send_failed_metric_points",
  exporterSentLogRecords: "otelcol_exporter_sent_log_records",
  exporterQueueSize: "otelcol_exporter_queue_size",
  exporterQueueCapacity: "otelcol_exporter_queue_capacity",
  processorIncomingItems: "otelcol_processor_incoming_items",
  processorOutgoingItems: "otelcol_processor_outgoing_items",
  tailSamplingSampled: "otelcol_processor_tail_sampling_global_count_traces_sampled",
  processMemoryRss: "otelcol_process_memory_rss",
  processCpuSeconds: "otelcol_process_cpu_seconds",
  processUptime: "otelcol_process_uptime",
} as const;

/** Prometheus's own series (2.42): per-target scrape health and the notifier that delivers alerts. */
export const PROMETHEUS_SELF = {
  up: "up",
  scrapeDuration: "scrape_duration_seconds",
  scrapeSamples: "scrape_samples_scraped",
  alerts: "ALERTS",
  ruleEvaluationFailures: "prometheus_rule_evaluation_failures_total",
  ruleEvaluations: "prometheus_rule_evaluations_total",
  notificationsSent: "prometheus_notifications_sent_total",
  notificationsErrors: "prometheus_notifications_errors_total",
  notificationsDropped: "prometheus_notifications_dropped_total",
  notificationsQueueLength: "prometheus_notifications_queue_length",
  notificationsQueueCapacity: "prometheus_notifications_queue_capacity",
  alertmanagersDiscovered: "prometheus_notifications_alertmanagers_discovered",
} as const;

/** Alertmanager's own series (0.25): notifications per integration (pagerduty, slack, webhook, ...). */
export const ALERTMANAGER = {
  alerts: "alertmanager_alerts",
  alertsReceived: "alertmanager_alerts_received_total",
  notifications: "alertmanager_notifications_total",
  notificationsFailed: "alertmanager_notifications_failed_total",
  notificationLatency: {
    bucket: "alertmanager_notification_latency_seconds_bucket",
    sum: "alertmanager_notification_latency_seconds_sum",
    count: "alertmanager_notification_latency_seconds_count",
  },
} as const;

/**
 * Series the Collector creates only when the first failure happens, so a healthy pipeline has none: panels
 * read them zero-filled, and the live test does not require them to exist.
 */
export const ONLY_AFTER_FAILURE: ReadonlySet<string> = new Set([
  COLLECTOR.exporterSendFailedSpans,
  COLLECTOR.exporterSendFailedMetricPoints,
]);

function leaves(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (typeof value === "object" && value !== null) return Object.values(value).flatMap(leaves);
  return [];
}

/** Every allow-listed external series name. */
export const EXTERNAL_SERIES: ReadonlySet<string> = new Set(
  [SPAN_METRICS, COLLECTOR, PROMETHEUS_SELF, ALERTMANAGER].flatMap(leaves),
);
