/**
 * The OTLP/HTTP exporters for the configured protocol (`OTEL_EXPORTER_OTLP_PROTOCOL` and its per-signal
 * variants): protobuf bodies by default, as the OTLP exporter specification says, or JSON. Only the chosen
 * encoding's package is loaded, on first use: each pair costs start-up time, and an app sends one encoding.
 */

import path from "node:path";
import type { ExportResult } from "@opentelemetry/core";
import type { IOtlpExportDelegate } from "@opentelemetry/otlp-exporter-base";
import type { LogRecordExporter } from "@opentelemetry/sdk-logs";
import type { PushMetricExporter } from "@opentelemetry/sdk-metrics";
import type { ReadableSpan, SpanExporter } from "@opentelemetry/sdk-trace";
import type { OtlpConfig } from "../config/config";
import type { EncodedSpanExporter } from "./encoding-span-processor";
import { type EncodedSpans, encodeTraceRequest } from "./otlp-trace-encoder";

type TraceHttp = typeof import("@opentelemetry/exporter-trace-otlp-http");
type ExporterBase = typeof import("@opentelemetry/otlp-exporter-base");
type ExporterNodeHttp = typeof import("@opentelemetry/otlp-exporter-base/node-http");
type Transformer = typeof import("@opentelemetry/otlp-transformer");
type MetricHttp = typeof import("@opentelemetry/exporter-metrics-otlp-http");
type MetricProto = typeof import("@opentelemetry/exporter-metrics-otlp-proto");
type LogHttp = typeof import("@opentelemetry/exporter-logs-otlp-http");
type LogProto = typeof import("@opentelemetry/exporter-logs-otlp-proto");

/**
 * The options every exporter gets. Headers are passed as the user's, which otlp-exporter-base puts above what it
 * reads from the environment itself, so they already hold the signal's own headers over the general ones.
 */
function common(url: string, headers: Readonly<Record<string, string>>, timeoutMs: number) {
  return { url, headers: { ...headers }, timeoutMillis: timeoutMs };
}

export function createTraceExporter(otlp: OtlpConfig): SpanExporter {
  const options = common(otlp.tracesEndpoint, otlp.tracesHeaders, otlp.timeoutMs);
  if (otlp.tracesProtocol === "http/json") {
    const m = require("@opentelemetry/exporter-trace-otlp-http") as TraceHttp;
    return new m.OTLPTraceExporter(options);
  }
  return createProtobufTraceExporter(options);
}

/** The OTLP/protobuf span exporter: spans or an already encoded batch (EncodingBatchSpanProcessor) go out alike. */
export interface ProtobufSpanExporter extends SpanExporter, EncodedSpanExporter {}

export function isProtobufSpanExporter(exporter: SpanExporter): exporter is ProtobufSpanExporter {
  return typeof (exporter as Partial<ProtobufSpanExporter>).exportEncoded === "function";
}

/**
 * exporter-trace-otlp-proto's `OTLPTraceExporter` with its request written by our encoder
 * (`encodeTraceRequest`, or the batch the processor encoded as the spans ended): the same export delegate
 * (endpoint and header variables, timeout, concurrency limit, partial-success handling, self-metrics) and the
 * same bytes on the wire. To a plain-HTTP endpoint without compression (the Collector beside the app) the
 * request goes through our lean HTTP/1.1 transport with upstream's retry policy
 * (src/sdk/otlp-http-transport.ts); HTTPS and gzip keep upstream's transport.
 */
function createProtobufTraceExporter(options: ReturnType<typeof common>): ProtobufSpanExporter {
  const base = require("@opentelemetry/otlp-exporter-base") as ExporterBase;
  const http = require("@opentelemetry/otlp-exporter-base/node-http") as ExporterNodeHttp;
  const transformer = require("@opentelemetry/otlp-transformer") as Transformer;
  const resolved = http.convertLegacyHttpOptions(options, "TRACES", "v1/traces", {
    "Content-Type": "application/x-protobuf",
  });
  const serializer = {
    serializeRequest: (batch: EncodedSpans) => batch.bytes,
    deserializeResponse: (data: Uint8Array) => transformer.ProtobufTraceSerializer.deserializeResponse(data),
  };
  /** Self-metrics count spans, as TraceExporterMetricsHelper does for a list of them. */
  const metricsHelper = { name: "span" as const, countItems: (batch: EncodedSpans) => batch.count };
  let delegate: IOtlpExportDelegate<EncodedSpans>;
  if (new URL(resolved.url).protocol === "http:" && resolved.compression === "none") {
    const { PlainHttpTransport, retrying } =
      require("./otlp-http-transport") as typeof import("./otlp-http-transport");
    const agent = `OTel-OTLP-Exporter-JavaScript/${exporterBaseVersion()}`;
    const transport = new PlainHttpTransport({
      url: resolved.url,
      headers: resolved.headers,
      userAgent: resolved.userAgent ? `${resolved.userAgent} ${agent}` : agent,
    });
    const metrics = http.createOtlpHttpExporterMetrics(
      "otlp_http_span_exporter",
      metricsHelper,
      resolved.url,
      undefined,
    );
    delegate = base.createOtlpNetworkExportDelegate(resolved, serializer, metrics, retrying(transport));
  } else
    delegate = http.createOtlpHttpExportDelegate(
      resolved,
      serializer,
      "otlp_http_span_exporter",
      metricsHelper,
      undefined,
    );
  const exporter = new base.OTLPExporterBase<EncodedSpans>(delegate);
  return {
    export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
      exporter.export({ bytes: encodeTraceRequest(spans), count: spans.length }, resultCallback);
    },
    exportEncoded(batch: EncodedSpans, resultCallback: (result: ExportResult) => void): void {
      exporter.export(batch, resultCallback);
    },
    forceFlush: () => exporter.forceFlush(),
    shutdown: () => exporter.shutdown(),
  };
}

/** otlp-exporter-base's version, for the User-Agent its own transport sends (its package.json is not exported). */
function exporterBaseVersion(): string {
  try {
    const entry = require.resolve("@opentelemetry/otlp-exporter-base");
    const pkg = require(path.join(entry, "..", "..", "package.json")) as { version?: string };
    return pkg.version ?? "unknown";
  } catch {
    return "unknown";
  }
}

/** Cumulative temporality: a lost export loses nothing, the next one carries the running totals. */
export function createMetricExporter(otlp: OtlpConfig, timeoutMs: number): PushMetricExporter {
  // exporter-metrics-otlp-http holds the temporality enum; the protobuf exporter builds on it anyway.
  const http = require("@opentelemetry/exporter-metrics-otlp-http") as MetricHttp;
  const options = {
    ...common(otlp.metricsEndpoint, otlp.metricsHeaders, timeoutMs),
    temporalityPreference: http.AggregationTemporalityPreference.CUMULATIVE,
  };
  if (otlp.metricsProtocol === "http/json") return new http.OTLPMetricExporter(options);
  const m = require("@opentelemetry/exporter-metrics-otlp-proto") as MetricProto;
  return new m.OTLPMetricExporter(options);
}

export function createLogExporter(otlp: OtlpConfig): LogRecordExporter {
  const options = common(otlp.logsEndpoint, otlp.logsHeaders, otlp.timeoutMs);
  if (otlp.logsProtocol === "http/json") {
    const m = require("@opentelemetry/exporter-logs-otlp-http") as LogHttp;
    return new m.OTLPLogExporter(options);
  }
  const m = require("@opentelemetry/exporter-logs-otlp-proto") as LogProto;
  return new m.OTLPLogExporter(options);
}
