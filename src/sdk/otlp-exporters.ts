/**
 * The OTLP/HTTP exporters for the configured protocol (`OTEL_EXPORTER_OTLP_PROTOCOL` and its per-signal
 * variants): protobuf bodies by default, as the OTLP exporter specification says, or JSON. Only the chosen
 * encoding's package is loaded, on first use: each pair costs start-up time, and an app sends one encoding.
 */

import type { LogRecordExporter } from "@opentelemetry/sdk-logs";
import type { PushMetricExporter } from "@opentelemetry/sdk-metrics";
import type { ReadableSpan, SpanExporter } from "@opentelemetry/sdk-trace";
import type { OtlpConfig } from "../config/config";
import { encodeTraceRequest } from "./otlp-trace-encoder";

type TraceHttp = typeof import("@opentelemetry/exporter-trace-otlp-http");
type ExporterBase = typeof import("@opentelemetry/otlp-exporter-base");
type ExporterNodeHttp = typeof import("@opentelemetry/otlp-exporter-base/node-http");
type Transformer = typeof import("@opentelemetry/otlp-transformer");
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
  return createProtobufTraceExporter(options);
}

/**
 * exporter-trace-otlp-proto's `OTLPTraceExporter` with its request written by our encoder
 * (`encodeTraceRequest`): the same export delegate (endpoint and header variables, timeout, retries with
 * backoff, gzip, concurrency limit, partial-success handling) and the same bytes on the wire.
 */
function createProtobufTraceExporter(options: ReturnType<typeof common>): SpanExporter {
  const base = require("@opentelemetry/otlp-exporter-base") as ExporterBase;
  const http = require("@opentelemetry/otlp-exporter-base/node-http") as ExporterNodeHttp;
  const transformer = require("@opentelemetry/otlp-transformer") as Transformer;
  const delegate = http.createOtlpHttpExportDelegate(
    http.convertLegacyHttpOptions(options, "TRACES", "v1/traces", {
      "Content-Type": "application/x-protobuf",
    }),
    {
      serializeRequest: (spans: ReadableSpan[]) => encodeTraceRequest(spans),
      deserializeResponse: (data: Uint8Array) =>
        transformer.ProtobufTraceSerializer.deserializeResponse(data),
    },
    "otlp_http_span_exporter",
    transformer.TraceExporterMetricsHelper,
    undefined,
  );
  return new base.OTLPExporterBase(delegate);
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
