/**
 * Pipeline: the monitoring pipeline itself. Is the Collector taking telemetry in (accepted, refused, failed)
 * and getting it out (sent, failed, queue fill, sampling decisions)? Does Prometheus scrape every target and
 * evaluate every rule? Do alerts reach Alertmanager, and do Alertmanager's notifications go out?
 */
import type * as dashboard from "@grafana/grafana-foundation-sdk/dashboard";
import { dashboardBuilder, finalize } from "../dashboard";
import { ALERTMANAGER, COLLECTOR, PROMETHEUS_SELF } from "../external-series";
import { row, statPanel, timeseriesPanel } from "../panels";
import { rate, sel, sumBy } from "../promql";
import { rule } from "../recording-rules";
import { allByDefault } from "../variables";

/** The Collector's own telemetry is scraped as its own job; `$collector` picks its instances. */
const COLLECTOR_SCOPE = `instance=~"$collector"`;
const c = (metric: string, extra = ""): string => sel(metric, extra, COLLECTOR_SCOPE);
const unscoped = (metric: string, extra = ""): string => sel(metric, extra, "");

/**
 * Failed items per second by exporter, 0 for an exporter that has sent but never failed: the Collector creates
 * its send_failed series only at the first failure, so a healthy pipeline has none.
 */
function zeroFilled(failed: string, sent: string): string {
  return `${sumBy(["exporter"], rate(c(failed)))} or ${sumBy(["exporter"], rate(c(sent)))} * 0`;
}

function collectorVariable(): dashboard.QueryVariableBuilder {
  return allByDefault(
    "collector",
    "Collector",
    `label_values(${COLLECTOR.processUptime}, instance)`,
    "The Collector instances whose own telemetry Prometheus scrapes.",
  );
}

/** accepted / refused / failed per second of one signal at the Collector's receivers. */
function intake(
  title: string,
  accepted: string,
  refused: string,
  failed: string,
  unit: string,
): ReturnType<typeof timeseriesPanel> {
  return timeseriesPanel({
    title,
    description:
      "Items per second the Collector's receivers accepted, refused (the memory limiter pushed back; the sender " +
      "retries) and failed (an error inside the pipeline; the data is lost), by receiver.",
    unit,
    width: 8,
    queries: [
      { expr: sumBy(["receiver"], rate(c(accepted))), legend: "accepted {{receiver}}" },
      { expr: sumBy(["receiver"], rate(c(refused))), legend: "refused {{receiver}}" },
      { expr: sumBy(["receiver"], rate(c(failed))), legend: "failed {{receiver}}" },
    ],
  });
}

export function pipelineDashboard(): dashboard.Dashboard {
  const b = dashboardBuilder(
    "procode-pipeline",
    "ProCode / Telemetry pipeline",
    "The monitoring pipeline itself: Collector intake and export, Prometheus scrapes and rule evaluation, and " +
      "alert delivery through Alertmanager.",
    ["pipeline"],
  ).withVariable(collectorVariable());

  b.withRow(row("Collector intake"))
    .withPanel(
      intake(
        "Spans in",
        COLLECTOR.receiverAcceptedSpans,
        COLLECTOR.receiverRefusedSpans,
        COLLECTOR.receiverFailedSpans,
        "short",
      ),
    )
    .withPanel(
      intake(
        "Metric points in",
        COLLECTOR.receiverAcceptedMetricPoints,
        COLLECTOR.receiverRefusedMetricPoints,
        COLLECTOR.receiverFailedMetricPoints,
        "short",
      ),
    )
    .withPanel(
      intake(
        "Log records in",
        COLLECTOR.receiverAcceptedLogRecords,
        COLLECTOR.receiverRefusedLogRecords,
        COLLECTOR.receiverFailedLogRecords,
        "short",
      ),
    )
    .withPanel(
      timeseriesPanel({
        title: "Refused or failed at intake",
        description:
          "Share of the items each receiver refused or failed over 5 minutes, per signal: what the Collector " +
          "intake alerts evaluate (recording rule).",
        unit: "percentunit",
        width: 24,
        height: 6,
        min: 0,
        queries: [
          {
            expr: `${rule("job_instance_receiver_data_type:otelcol_receiver_refused_items:ratio_rate5m")}{${COLLECTOR_SCOPE}}`,
            legend: "{{receiver}} {{data_type}}",
          },
        ],
      }),
    );

  b.withRow(row("Collector export"))
    .withPanel(
      timeseriesPanel({
        title: "Exported items",
        description:
          "Spans, metric points and log records per second the Collector's exporters delivered, by exporter.",
        unit: "short",
        width: 8,
        queries: [
          { expr: sumBy(["exporter"], rate(c(COLLECTOR.exporterSentSpans))), legend: "spans {{exporter}}" },
          {
            expr: sumBy(["exporter"], rate(c(COLLECTOR.exporterSentMetricPoints))),
            legend: "metric points {{exporter}}",
          },
          {
            expr: sumBy(["exporter"], rate(c(COLLECTOR.exporterSentLogRecords))),
            legend: "log records {{exporter}}",
          },
        ],
      }),
    )
    .withPanel(
      timeseriesPanel({
        title: "Export failures",
        description:
          "Items per second an exporter failed to deliver after its retries (lost), by exporter. Anything above zero " +
          "means a backend is down or refusing data.",
        unit: "short",
        width: 8,
        queries: [
          {
            expr: zeroFilled(COLLECTOR.exporterSendFailedSpans, COLLECTOR.exporterSentSpans),
            legend: "spans {{exporter}}",
          },
          {
            expr: zeroFilled(COLLECTOR.exporterSendFailedMetricPoints, COLLECTOR.exporterSentMetricPoints),
            legend: "metric points {{exporter}}",
          },
        ],
      }),
    )
    .withPanel(
      timeseriesPanel({
        title: "Sending queue fill",
        description:
          "Items waiting in each exporter's sending queue as a share of its capacity. A queue that fills means the " +
          "backend is slower than the traffic or down; at 100 % new data is dropped.",
        unit: "percentunit",
        width: 8,
        min: 0,
        max: 1,
        queries: [
          {
            expr: `max by (exporter, data_type) (${rule("job_instance_exporter_data_type:otelcol_exporter_queue_size:ratio")}{${COLLECTOR_SCOPE}})`,
            legend: "{{exporter}} {{data_type}}",
          },
        ],
      }),
    )
    .withPanel(
      timeseriesPanel({
        title: "Tail sampling decisions",
        description:
          "Traces per second the tail sampler kept (sampled=true) or dropped for Jaeger; span metrics count every span before this.",
        unit: "short",
        width: 8,
        stack: true,
        queries: [
          { expr: sumBy(["sampled"], rate(c(COLLECTOR.tailSamplingSampled))), legend: "sampled={{sampled}}" },
        ],
      }),
    )
    .withPanel(
      timeseriesPanel({
        title: "Collector memory",
        description:
          "Resident memory of each Collector: the memory limiter starts refusing data near its limit.",
        unit: "bytes",
        width: 8,
        queries: [{ expr: sumBy(["instance"], c(COLLECTOR.processMemoryRss)), legend: "{{instance}}" }],
      }),
    )
    .withPanel(
      timeseriesPanel({
        title: "Collector CPU",
        description: "CPU seconds per second used by each Collector.",
        unit: "percentunit",
        width: 8,
        queries: [
          { expr: sumBy(["instance"], rate(c(COLLECTOR.processCpuSeconds))), legend: "{{instance}}" },
        ],
      }),
    );

  b.withRow(row("Scrapes and rules"))
    .withPanel(
      statPanel({
        title: "Scrape targets",
        description: "Whether Prometheus's last scrape of each target succeeded.",
        unit: "short",
        width: 24,
        height: 4,
        sparkline: false,
        thresholds: [],
        mappings: [
          { value: 1, text: "up", color: "green" },
          { value: 0, text: "down", color: "red" },
        ],
        queries: [{ expr: unscoped(PROMETHEUS_SELF.up), legend: "{{job}} {{instance}}" }],
      }),
    )
    .withPanel(
      timeseriesPanel({
        title: "Scrape duration",
        description: "How long each scrape took, by job (the scrape timeout is 10 s).",
        unit: "s",
        width: 8,
        queries: [{ expr: unscoped(PROMETHEUS_SELF.scrapeDuration), legend: "{{job}}" }],
      }),
    )
    .withPanel(
      timeseriesPanel({
        title: "Samples per scrape",
        description:
          "Samples each scrape returned, by job: a jump is a cardinality change (each job has a sample_limit).",
        unit: "short",
        width: 8,
        queries: [{ expr: unscoped(PROMETHEUS_SELF.scrapeSamples), legend: "{{job}}" }],
      }),
    )
    .withPanel(
      timeseriesPanel({
        title: "Rule evaluation failures",
        description: "Failed rule evaluations per second by rule group; evaluations per second for scale.",
        unit: "short",
        width: 8,
        queries: [
          {
            expr: sumBy(["rule_group"], rate(unscoped(PROMETHEUS_SELF.ruleEvaluationFailures))),
            legend: "failed {{rule_group}}",
          },
          { expr: sumBy([], rate(unscoped(PROMETHEUS_SELF.ruleEvaluations))), legend: "evaluations" },
        ],
      }),
    );

  b.withRow(row("Alert delivery"))
    .withPanel(
      statPanel({
        title: "Alerts firing",
        description: "Alerting rules firing now (0 when none fires).",
        unit: "short",
        thresholds: [[1, "red"]],
        queries: [{ expr: `count(${unscoped(PROMETHEUS_SELF.alerts, `alertstate="firing"`)}) or vector(0)` }],
      }),
    )
    .withPanel(
      statPanel({
        title: "Alertmanagers discovered",
        description: "Alertmanagers Prometheus sends alerts to: 0 means no alert can be delivered.",
        unit: "short",
        thresholds: [],
        queries: [{ expr: unscoped(PROMETHEUS_SELF.alertmanagersDiscovered) }],
      }),
    )
    .withPanel(
      statPanel({
        title: "Notification queue",
        description: "Alerts waiting in Prometheus's notification queue, as a share of its capacity.",
        unit: "percentunit",
        thresholds: [
          [0.5, "orange"],
          [0.9, "red"],
        ],
        queries: [
          {
            expr: `${unscoped(PROMETHEUS_SELF.notificationsQueueLength)} / ${unscoped(PROMETHEUS_SELF.notificationsQueueCapacity)}`,
          },
        ],
      }),
    )
    .withPanel(
      statPanel({
        title: "Alerts in Alertmanager",
        description: "Alerts Alertmanager holds, by state (active, suppressed, unprocessed).",
        unit: "short",
        thresholds: [],
        queries: [{ expr: sumBy(["state"], unscoped(ALERTMANAGER.alerts)), legend: "{{state}}" }],
      }),
    )
    .withPanel(
      timeseriesPanel({
        title: "Prometheus → Alertmanager",
        description:
          "Alerts per second Prometheus sent to Alertmanager, failed to send, and dropped (queue full or no Alertmanager).",
        unit: "short",
        queries: [
          { expr: sumBy([], rate(unscoped(PROMETHEUS_SELF.notificationsSent))), legend: "sent" },
          { expr: sumBy([], rate(unscoped(PROMETHEUS_SELF.notificationsErrors))), legend: "errors" },
          { expr: sumBy([], rate(unscoped(PROMETHEUS_SELF.notificationsDropped))), legend: "dropped" },
        ],
      }),
    )
    .withPanel(
      timeseriesPanel({
        title: "Alertmanager notifications",
        description:
          "Notifications per second Alertmanager attempted and failed, by integration (pagerduty, slack, webhook, ...).",
        unit: "short",
        queries: [
          {
            expr: sumBy(["integration"], rate(unscoped(ALERTMANAGER.notifications))),
            legend: "sent {{integration}}",
          },
          {
            expr: sumBy(["integration"], rate(unscoped(ALERTMANAGER.notificationsFailed))),
            legend: "failed {{integration}}",
          },
        ],
      }),
    );

  return finalize(b);
}
