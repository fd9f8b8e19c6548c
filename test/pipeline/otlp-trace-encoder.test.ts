/**
 * The trace request encoder (src/sdk/otlp-trace-encoder.ts) writes exactly the bytes of the OTLP transformer's
 * protobuf serializer, which the Collector, Jaeger and the test receiver are checked against: hand-picked edge
 * cases (every attribute value type, text that is not ASCII, lengths on each side of a varint boundary, spans and
 * batches that outgrow the length reserved for them) and a seeded stream of random spans.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  type Attributes,
  type AttributeValue,
  type Link,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
} from "@opentelemetry/api";
import { TraceState } from "@opentelemetry/core";
import { ProtobufTraceSerializer } from "@opentelemetry/otlp-transformer";
import { type Resource, resourceFromAttributes } from "@opentelemetry/resources";
import {
  AlwaysOnSampler,
  BatchSpanProcessor,
  type ReadableSpan,
  type SpanProcessor,
} from "@opentelemetry/sdk-trace";
import { resolveConfig } from "../../src/config/config";
import { createExportingSpanProcessor } from "../../src/sdk/create-sdk";
import { EncodingBatchSpanProcessor } from "../../src/sdk/encoding-span-processor";
import { encodeTraceRequest } from "../../src/sdk/otlp-trace-encoder";
import { RecordingTracerProvider } from "../../src/sdk/tracer";
import { decodeTraceRequest } from "../support/otlp-protobuf";
import { startOtlpReceiver } from "../support/otlp-receiver";

function collector(): { processor: SpanProcessor; spans: ReadableSpan[] } {
  const spans: ReadableSpan[] = [];
  return {
    spans,
    processor: {
      onStart: () => {},
      onEnd: (s) => spans.push(s),
      forceFlush: async () => {},
      shutdown: async () => {},
    },
  };
}

function provider(resource: Resource, processor: SpanProcessor): RecordingTracerProvider {
  return new RecordingTracerProvider({
    resource,
    sampler: new AlwaysOnSampler(),
    spanProcessors: [processor],
  });
}

function assertSameBytes(spans: ReadableSpan[], encode = () => encodeTraceRequest(spans)): Uint8Array {
  const expected = ProtobufTraceSerializer.serializeRequest(spans);
  const actual = encode();
  assert.ok(expected);
  assert.equal(actual.length, expected.length, "body length");
  assert.ok(Buffer.from(actual).equals(Buffer.from(expected)), "same bytes as the transformer");
  return actual;
}

const EDGE_VALUES: Record<string, AttributeValue | null | undefined> = {
  empty: "",
  ascii: "GET /users/:id",
  accented: "café résumé",
  cjk: "中文字符",
  emoji: "rocket 🚀 launch",
  loneSurrogate: "broken \ud800 pair",
  "42 units": "x".repeat(42),
  "43 units": "x".repeat(43),
  "42 units, 3 bytes each": "€".repeat(42),
  "50 units, 3 bytes each": "€".repeat(50),
  "127 bytes": "y".repeat(127),
  "128 bytes": "y".repeat(128),
  "16384 bytes": "z".repeat(16_384),
  zero: 0,
  one: 1,
  negative: -1,
  "2^31": 2 ** 31,
  "2^32": 2 ** 32,
  "2^53": 2 ** 53,
  "min int64": -(2 ** 63),
  "2^63 is a double": 2 ** 63,
  "-2^64 is a double": -(2 ** 64),
  float: 3.25,
  negativeFloat: -0.5,
  nan: Number.NaN,
  infinity: Number.POSITIVE_INFINITY,
  yes: true,
  no: false,
  strings: ["a", "b", "ü"],
  numbers: [1, 2.5, -3],
  mixed: ["a", 1, true, null],
  empties: [],
  none: null,
  missing: undefined,
  ключ: "non-ASCII key",
};

describe("OtlpTraceEncoder", () => {
  it("an empty batch is an empty body", () => {
    assert.equal(assertSameBytes([]).length, 0);
  });

  it("every attribute value type, text and length edge, on spans, events, links, resource and scope", () => {
    const { processor, spans } = collector();
    const resource = resourceFromAttributes({ "service.name": "enc", ...(EDGE_VALUES as Attributes) });
    const tracer = provider(resource, processor).getTracer("scope", "1.0.0", {
      schemaUrl: "https://o/s/1.26",
    });
    const link: Link = {
      context: {
        traceId: "0af7651916cd43dd8448eb211c80319c",
        spanId: "b7ad6b7169203331",
        traceFlags: 1,
        isRemote: true,
        traceState: new TraceState("vendor=a,other=b"),
      },
      attributes: { "link.kind": "follows", n: 7 },
    };
    const span = tracer.startSpan(
      "édge ✓",
      { kind: SpanKind.CONSUMER, attributes: EDGE_VALUES as Attributes, links: [link] },
      ROOT_CONTEXT,
    );
    span.setAttribute("bytes", new Uint8Array([0, 1, 255]) as unknown as string);
    span.setAttribute("nested", { a: 1, b: { c: "d" }, e: [1, "x"] } as unknown as string);
    span.addEvent("event", { k: "v", count: 3, deep: [true] });
    span.addEvent("bare event");
    span.recordException(new Error("failed: ünïcode"));
    span.setStatus({ code: SpanStatusCode.ERROR, message: "statüs" });
    span.end();
    for (const kind of [SpanKind.INTERNAL, SpanKind.SERVER, SpanKind.CLIENT, SpanKind.PRODUCER]) {
      tracer.startSpan(`kind ${kind}`, { kind }, ROOT_CONTEXT).end();
    }
    // Times whose nanoseconds carry into the upper 32 bits, and the epoch's edges.
    for (const [seconds, nanos] of [
      [0, 0],
      [1, 999_999_999],
      [1_700_000_000, 999_999_999],
      [1_764_000_123, 987_654_321],
      [4_294_967_295, 999_999_999],
    ] as const) {
      for (let s = seconds; s < seconds + 8; s++) {
        tracer.startSpan("timed", { startTime: [s, nanos] }, ROOT_CONTEXT).end([s + 1, nanos]);
      }
    }
    assertSameBytes(spans);
  });

  it("parents (remote and local), trace state, ok status, dropped counts, scopes without version or schema", () => {
    const { processor, spans } = collector();
    const p = new RecordingTracerProvider({
      resource: resourceFromAttributes({ "service.name": "enc" }),
      sampler: new AlwaysOnSampler(),
      spanProcessors: [processor],
      spanLimits: { attributeCountLimit: 2, eventCountLimit: 1, linkCountLimit: 1 },
    });
    const remote = trace.setSpanContext(ROOT_CONTEXT, {
      traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
      spanId: "00f067aa0ba902b7",
      traceFlags: 1,
      isRemote: true,
      traceState: new TraceState("congo=t61rcWkgMzE"),
    });
    const server = p.getTracer("no-version").startSpan("server", { kind: SpanKind.SERVER }, remote);
    const child = p
      .getTracer("other", "2")
      .startSpan("child", { attributes: { a: 1, b: 2, c: 3 } }, trace.setSpan(remote, server));
    child.addEvent("one");
    child.addEvent("two");
    child.addLinks([{ context: server.spanContext() }, { context: server.spanContext() }]);
    child.setStatus({ code: SpanStatusCode.OK });
    child.end();
    server.end();
    assertSameBytes(spans);
  });

  it("spans under 128 bytes, spans over 16 KiB and a batch over 2 MiB move their lengths as the transformer's do", () => {
    const { processor, spans } = collector();
    const tracer = provider(resourceFromAttributes({}), processor).getTracer("s");
    tracer.startSpan("s", {}, ROOT_CONTEXT).end();
    tracer.startSpan("big", { attributes: { body: "b".repeat(20_000) } }, ROOT_CONTEXT).end();
    tracer.startSpan("huge", { attributes: { body: "h".repeat(2_200_000) } }, ROOT_CONTEXT).end();
    assertSameBytes(spans);
  });

  it("spans of two resources and three scopes, grouped in first-seen order", () => {
    const { processor, spans } = collector();
    const a = provider(resourceFromAttributes({ "service.name": "a" }), processor);
    const b = provider(
      resourceFromAttributes({ "service.name": "b" }, { schemaUrl: "https://o/r" }),
      processor,
    );
    for (let i = 0; i < 30; i++) {
      const p = i % 3 === 0 ? b : a;
      p.getTracer(`scope-${i % 4}`, i % 2 ? "1" : undefined)
        .startSpan(`op ${i}`, {}, ROOT_CONTEXT)
        .end();
    }
    assertSameBytes(spans);
  });

  it("ids of any length in a link's context (which nothing validates) and out-of-range enums", () => {
    const { processor, spans } = collector();
    const tracer = provider(resourceFromAttributes({}), processor).getTracer("s");
    const span = tracer.startSpan("odd", {}, ROOT_CONTEXT);
    span.addLink({ context: { traceId: "ab".repeat(130), spanId: "c".repeat(300), traceFlags: 1 } });
    span.setStatus({ code: -1 as SpanStatusCode });
    span.end();
    const odd = spans[0] as ReadableSpan;
    const copy = Object.assign(Object.create(Object.getPrototypeOf(odd) as object) as ReadableSpan, odd);
    spans.push(Object.assign(copy, { kind: -2 as SpanKind, status: { code: 2 ** 33 } }));
    const body = assertSameBytes(spans);
    assert.equal(decodeTraceRequest(body).length, 2);
  });

  it("a seeded stream of random spans", () => {
    let seed = 42;
    const rand = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed / 2_147_483_648;
    };
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
    const alphabet = ["a", "Z", "/", ":", " ", "é", "ß", "€", "中", "🚀", "\u0000", "\u007f"];
    const text = () => {
      let s = "";
      const n = Math.floor(rand() ** 3 * 300);
      for (let i = 0; i < n; i++) s += pick(alphabet);
      return s;
    };
    const value = (): AttributeValue => {
      switch (Math.floor(rand() * 6)) {
        case 0:
          return text();
        case 1:
          return Math.floor((rand() - 0.5) * 2 ** Math.floor(rand() * 64));
        case 2:
          return (rand() - 0.5) * 1e6;
        case 3:
          return rand() < 0.5;
        case 4:
          return [text(), text()];
        default:
          return [Math.floor(rand() * 1000), rand()];
      }
    };
    for (let batch = 0; batch < 20; batch++) {
      const { processor, spans } = collector();
      const tracer = provider(resourceFromAttributes({ "service.name": text() }), processor).getTracer(
        text() || "s",
      );
      const count = 1 + Math.floor(rand() * 100);
      for (let i = 0; i < count; i++) {
        const attributes: Attributes = {};
        const n = Math.floor(rand() * 12);
        for (let k = 0; k < n; k++) attributes[text() || "k"] = value();
        const span = tracer.startSpan(text(), { kind: Math.floor(rand() * 5), attributes }, ROOT_CONTEXT);
        if (rand() < 0.3) span.addEvent(text(), { [text() || "e"]: value() });
        if (rand() < 0.2) span.setStatus({ code: SpanStatusCode.ERROR, message: text() });
        span.end();
      }
      const body = assertSameBytes(spans);
      assert.equal(decodeTraceRequest(body).length, count);
    }
  });

  it("the protobuf trace exporter delivers every span through the SDK's batch processor, plain or gzipped; JSON uses the upstream ones", async () => {
    const receiver = await startOtlpReceiver();
    try {
      // Plain protobuf goes through our HTTP/1.1 transport; gzip (read by otlp-exporter-base from the
      // environment) and JSON through upstream's. Protobuf spans are encoded as they end.
      for (const [protocol, compression, processorClass] of [
        ["http/protobuf", undefined, EncodingBatchSpanProcessor],
        ["http/protobuf", "gzip", EncodingBatchSpanProcessor],
        ["http/json", undefined, BatchSpanProcessor],
      ] as const) {
        const config = resolveConfig({
          OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
          OTEL_EXPORTER_OTLP_PROTOCOL: protocol,
        });
        if (compression) process.env.OTEL_EXPORTER_OTLP_TRACES_COMPRESSION = compression;
        let processor: SpanProcessor;
        try {
          processor = createExportingSpanProcessor(config);
        } finally {
          delete process.env.OTEL_EXPORTER_OTLP_TRACES_COMPRESSION;
        }
        assert.ok(processor instanceof processorClass, `${protocol} ${compression}: ${processorClass.name}`);
        const p = new RecordingTracerProvider({
          resource: resourceFromAttributes({ "service.name": "exporter" }),
          sampler: new AlwaysOnSampler(),
          spanProcessors: [processor],
        });
        const tracer = p.getTracer("t");
        for (let i = 0; i < 1300; i++) tracer.startSpan(`op ${i}`, { attributes: { i } }, ROOT_CONTEXT).end();
        await p.shutdown();
      }
      const names = receiver.spans().map((s) => s.name);
      assert.equal(names.length, 3900);
      assert.equal(new Set(names).size, 1300);
      const kinds = receiver.contentTypes.map((ct, i) => `${ct} ${receiver.contentEncodings[i]}`);
      assert.deepEqual(
        [...new Set(kinds)],
        ["application/x-protobuf identity", "application/x-protobuf gzip", "application/json identity"],
      );
    } finally {
      await receiver.stop();
    }
  });
});
