/**
 * The protobuf decoder the test receiver and the pipeline test read OTLP requests with, checked against the
 * OpenTelemetry JS serializer (the one the SDK's http/protobuf exporters use): spans, metrics and log records
 * written by the real SDK, serialised to Export{Trace,Metrics,Logs}ServiceRequest bytes, decode to exactly
 * what went in.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { context, SeverityNumber, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import {
  ProtobufLogsSerializer,
  ProtobufMetricsSerializer,
  ProtobufTraceSerializer,
} from "@opentelemetry/otlp-transformer";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from "@opentelemetry/sdk-logs";
import {
  AggregationTemporality,
  AggregationType,
  MeterProvider,
  MetricReader,
} from "@opentelemetry/sdk-metrics";
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from "@opentelemetry/sdk-trace";
import { decodeLogsRequest, decodeMetricsRequest, decodeTraceRequest } from "../support/otlp-protobuf";

const resource = resourceFromAttributes({ "service.name": "decoder-test", "service.instance.id": "i-1" });

describe("OTLP protobuf decoder", () => {
  it("decodes an ExportTraceServiceRequest: ids, parentage, kind, times, status, every attribute type, events", async () => {
    const exporter = new InMemorySpanExporter();
    const provider = new TracerProvider({
      resource,
      spanProcessors: [new SimpleSpanProcessor({ exporter })],
    });
    const tracer = provider.getTracer("decoder-scope", "1.2.3");
    const parent = tracer.startSpan("POST /api/chat", { kind: SpanKind.SERVER });
    const child = tracer.startSpan(
      "chat sim-small",
      {
        kind: SpanKind.CLIENT,
        attributes: {
          "gen_ai.request.model": "sim-small",
          "gen_ai.usage.input_tokens": 274,
          "negative.int": -5,
          "llm.cost.usd": 0.000125,
          "gen_ai.request.stream": false,
          "gen_ai.response.finish_reasons": ["stop", "length"],
          "utf8.text": "naïve ✓ 日本",
        },
      },
      trace.setSpan(context.active(), parent),
    );
    child.recordException(Object.assign(new Error("simulated server error"), { name: "LlmCallError" }));
    child.setStatus({ code: SpanStatusCode.ERROR, message: "server_error" });
    child.end();
    parent.end();
    await provider.forceFlush();
    const written = exporter.getFinishedSpans();
    const bytes = ProtobufTraceSerializer.serializeRequest(written);
    assert.ok(bytes);

    const spans = decodeTraceRequest(bytes);
    assert.equal(spans.length, 2);
    const [c, p] = [spans.find((s) => s.name === "chat sim-small"), spans.find((s) => s.kind === 2)];
    assert.ok(c && p);
    assert.equal(c.traceId, child.spanContext().traceId);
    assert.equal(c.spanId, child.spanContext().spanId);
    assert.equal(c.parentSpanId, parent.spanContext().spanId);
    assert.equal(p.parentSpanId, "");
    assert.equal(c.kind, 3);
    assert.deepEqual(c.status, { code: 2, message: "server_error" });
    assert.deepEqual(p.status, { code: 0 });
    assert.deepEqual(c.attributes, {
      "gen_ai.request.model": "sim-small",
      "gen_ai.usage.input_tokens": 274,
      "negative.int": -5,
      "llm.cost.usd": 0.000125,
      "gen_ai.request.stream": false,
      "gen_ai.response.finish_reasons": ["stop", "length"],
      "utf8.text": "naïve ✓ 日本",
    });
    assert.equal(c.events.length, 1);
    assert.equal(c.events[0]?.name, "exception");
    assert.equal(c.events[0]?.attributes["exception.type"], "LlmCallError");
    assert.equal(c.events[0]?.attributes["exception.message"], "simulated server error");
    assert.match(String(c.events[0]?.attributes["exception.stacktrace"]), /simulated server error\n\s+at /);
    assert.equal(c.resource["service.name"], "decoder-test");
    assert.equal(c.resource["service.instance.id"], "i-1");
    assert.equal(c.scope, "decoder-scope");
    const original = written.find((s) => s.name === "chat sim-small");
    assert.ok(original);
    const nanos = (t: readonly [number, number]) => String(BigInt(t[0]) * 1_000_000_000n + BigInt(t[1]));
    assert.equal(c.startTimeUnixNano, nanos(original.startTime));
    assert.equal(c.endTimeUnixNano, nanos(original.endTime));
    await provider.shutdown();
  });

  it("decodes an ExportLogsServiceRequest: severity, body, attributes, trace context", async () => {
    const exporter = new InMemoryLogRecordExporter();
    const provider = new LoggerProvider({
      resource,
      processors: [new SimpleLogRecordProcessor({ exporter })],
    });
    const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    const spanId = "00f067aa0ba902b7";
    const ctx = trace.setSpanContext(context.active(), { traceId, spanId, traceFlags: 1 });
    provider.getLogger("pino").emit({
      severityNumber: SeverityNumber.ERROR,
      severityText: "error",
      body: "request failed",
      attributes: {
        request_id: "req_1",
        status: 502,
        cause: { name: "LlmCallError", error_type: "server_error" },
      },
      context: ctx,
    });
    const bytes = ProtobufLogsSerializer.serializeRequest(exporter.getFinishedLogRecords());
    assert.ok(bytes);
    assert.deepEqual(decodeLogsRequest(bytes), [
      {
        body: "request failed",
        severityNumber: 17,
        severityText: "error",
        attributes: {
          request_id: "req_1",
          status: 502,
          cause: { name: "LlmCallError", error_type: "server_error" },
        },
        traceId,
        spanId,
        resource: { "service.name": "decoder-test", "service.instance.id": "i-1" },
        scope: "pino",
      },
    ]);
    await provider.shutdown();
  });

  it("decodes an ExportMetricsServiceRequest: sums, up-down sums, gauges, histograms, int and double values", async () => {
    class Reader extends MetricReader {
      constructor() {
        super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
      }
      protected override onForceFlush(): Promise<void> {
        return Promise.resolve();
      }
      protected override onShutdown(): Promise<void> {
        return Promise.resolve();
      }
    }
    const reader = new Reader();
    const provider = new MeterProvider({
      resource,
      readers: [reader],
      views: [
        {
          instrumentName: "latency",
          aggregation: { type: AggregationType.EXPLICIT_BUCKET_HISTOGRAM, options: { boundaries: [1, 10] } },
        },
      ],
    });
    const meter = provider.getMeter("decoder-scope", "1.2.3");
    meter.createCounter("requests", { unit: "{request}" }).add(3, { route: "/a" });
    meter.createUpDownCounter("in_flight", { valueType: 1 }).add(-2);
    meter.createGauge("ratio", { unit: "1" }).record(0.25, { pool: "main" });
    const h = meter.createHistogram("latency", { unit: "s" });
    for (const v of [0.5, 1, 5, 50]) h.record(v, { route: "/a" });
    const { resourceMetrics } = await reader.collect();
    const bytes = ProtobufMetricsSerializer.serializeRequest(resourceMetrics);
    assert.ok(bytes);
    const byName = new Map(decodeMetricsRequest(bytes).map((p) => [p.name, p]));
    const base = {
      resource: { "service.name": "decoder-test", "service.instance.id": "i-1" },
      scope: "decoder-scope",
    };
    const strip = <T extends { timeUnixNano: string }>(p: T | undefined) => {
      assert.ok(p && BigInt(p.timeUnixNano) > 0n, "a time stamp");
      const { timeUnixNano: _t, ...rest } = p;
      return rest;
    };
    assert.deepEqual(strip(byName.get("requests")), {
      ...base,
      name: "requests",
      unit: "{request}",
      type: "sum",
      monotonic: true,
      temporality: 2,
      attributes: { route: "/a" },
      value: 3,
    });
    assert.deepEqual(strip(byName.get("in_flight")), {
      ...base,
      name: "in_flight",
      unit: "",
      type: "sum",
      monotonic: false,
      temporality: 2,
      attributes: {},
      value: -2,
    });
    assert.deepEqual(strip(byName.get("ratio")), {
      ...base,
      name: "ratio",
      unit: "1",
      type: "gauge",
      attributes: { pool: "main" },
      value: 0.25,
    });
    assert.deepEqual(strip(byName.get("latency")), {
      ...base,
      name: "latency",
      unit: "s",
      type: "histogram",
      temporality: 2,
      attributes: { route: "/a" },
      count: 4,
      sum: 56.5,
      bucketCounts: [2, 1, 1],
      explicitBounds: [1, 10],
    });
    await provider.shutdown();
  });

  it("refuses a request whose fields have the wrong wire types instead of reading nothing", () => {
    // Field 1 (resource_spans) as a varint: not an ExportTraceServiceRequest.
    assert.throws(() => decodeTraceRequest(Uint8Array.from([0x08, 0x01])), /wire type 0, expected 2/);
    // A length that runs past the end.
    assert.throws(() => decodeTraceRequest(Uint8Array.from([0x0a, 0x05, 0x01])), /truncated/);
  });
});
