/**
 * The OTLP/HTTP exporters for the configured protocol (`OTEL_EXPORTER_OTLP_PROTOCOL` and its per-signal
 * variants): protobuf bodies by default, as the OTLP exporter specification says, or JSON. Only the chosen
 * encoding's package is loaded, on first use: each pair costs start-up time, and an app sends one encoding.
 */

import type { LogRecordExporter } from "@opentelemetry/sdk-logs";

import type { PushMetricExporter } from "@opentelemetry/sdk-metrics";
import type { SpanExporter } from "@opentelemetry/sdk-trace";
import type { OtlpConfig } from "../config/config";

type TraceHttp = typeof import("@opentelemetry/exporter-trace-otlp-http");
type TraceProto = typeof import("@opentelemetry/exporter-trace-otlp-proto");
type MetricHttp = typeof import("@opentelemetry/exporter-metrics-otlp-http");
type MetricProto = typeof import("@opentelemetry/exporter-metrics-otlp-proto");
type LogHttp = typeof import("@opentelemetry/exporter-logs-otlp-http");
type LogProto = typeof import("@opentelemetry/exporter-logs-otlp-proto");

function common(otlp: OtlpConfig, url: string, timeoutMs = otlp.timeoutMs) {
  return { url, headers: { ...otlp.headers }, timeoutMillis: timeoutMs };
}

export function createTraceExporter(otlp: OtlpConfig): SpanExporter {
  const options = common(otlp, otlp.tracesEndpoint);
  if (otlp.tracesProtocol === "http/json") {
    const m = require("@opentelemetry/exporter-trace-otlp-http") as TraceHttp;
    return new m.OTLPTraceExporter(options);
  }
  const m = require("@opentelemetry/exporter-trace-otlp-proto") as TraceProto;
  return new m.OTLPTraceExporter(options);
}

/** Cumulative temporality: a lost export loses nothing, the next one carries the running totals. */
export function createMetricExporter(otlp: OtlpConfig, timeoutMs: number): PushMetricExporter {
  // exporter-metrics-otlp-http holds the temporality enum; the protobuf exporter builds on it anyway.
  const http = require("@opentelemetry/exporter-metrics-otlp-http") as MetricHttp;
  const options = {
    ...common(otlp, otlp.metricsEndpoint, timeoutMs),
    temporalityPreference: http.AggregationTemporalityPreference.CUMULATIVE,
  };
  if (otlp.metricsProtocol === "http/json") return new http.OTLPMetricExporter(options);
  const m = require("@opentelemetry/exporter-metrics-otlp-proto") as MetricProto;
  return new m.OTLPMetricExporter(options);
}

export function createLogExporter(otlp: OtlpConfig): LogRecordExporter {
  const options = common(otlp, otlp.logsEndpoint);
  if (otlp.logsProtocol === "http/json") {
    const m = require("@opentelemetry/exporter-logs-otlp-http") as LogHttp;
    return new m.OTLPLogExporter(options);
  }
  const m = require("@opentelemetry/exporter-logs-otlp-proto") as LogProto;
  return new m.OTLPLogExporter(options);
}
