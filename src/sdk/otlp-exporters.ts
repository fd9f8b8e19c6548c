/**
 * The OTLP/HTTP exporters for the configured protocol (`OTEL_EXPORTER_OTLP_PROTOCOL` and its per-signal
 * variants): protobuf bodies by default, as the OTLP exporter specification says, or JSON. Only the chosen
 * encoding's package is loaded, on first use: each pair costs start-up time, and an app sends one encoding.
 */
import type { OtlpConfig } from "../config/config";

type TraceExporterModule = typeof import("@opentelemetry/exporter-trace-otlp-http");
type MetricExporterModule = typeof import("@opentelemetry/exporter-metrics-otlp-http");
type LogExporterModule = typeof import("@opentelemetry/exporter-logs-otlp-http");
type TraceExporter = InstanceType<TraceExporterModule["OTLPTraceExporter"]>;
type MetricExporter = InstanceType<MetricExporterModule["OTLPMetricExporter"]>;
type LogExporter = InstanceType<LogExporterModule["OTLPLogExporter"]>;
type MetricExporterOptions = NonNullable<
  ConstructorParameters<MetricExporterModule["OTLPMetricExporter"]>[0]
>;

function common(otlp: OtlpConfig, url: string, timeoutMs = otlp.timeoutMs) {
  return { url, headers: { ...otlp.headers }, timeoutMillis: timeoutMs };
}

export function createTraceExporter(otlp: OtlpConfig): TraceExporter {
  const m: TraceExporterModule =
    otlp.tracesProtocol === "http/json"
      ? require("@opentelemetry/exporter-trace-otlp-http")
      : require("@opentelemetry/exporter-trace-otlp-proto");
  return new m.OTLPTraceExporter(common(otlp, otlp.tracesEndpoint));
}

export function createMetricExporter(
  otlp: OtlpConfig,
  timeoutMs: number,
  temporalityPreference: MetricExporterOptions["temporalityPreference"],
): MetricExporter {
  const m: MetricExporterModule =
    otlp.metricsProtocol === "http/json"
      ? require("@opentelemetry/exporter-metrics-otlp-http")
      : require("@opentelemetry/exporter-metrics-otlp-proto");
  return new m.OTLPMetricExporter({
    ...common(otlp, otlp.metricsEndpoint, timeoutMs),
    ...(temporalityPreference === undefined ? {} : { temporalityPreference }),
  });
}

export function createLogExporter(otlp: OtlpConfig): LogExporter {
  const m: LogExporterModule =
    otlp.logsProtocol === "http/json"
      ? require("@opentelemetry/exporter-logs-otlp-http")
      : require("@opentelemetry/exporter-logs-otlp-proto");
  return new m.OTLPLogExporter(common(otlp, otlp.logsEndpoint));
}
