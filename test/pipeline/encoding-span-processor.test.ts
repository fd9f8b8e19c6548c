/**
 * EncodingBatchSpanProcessor (src/sdk/encoding-span-processor.ts) batches like sdk-trace's BatchSpanProcessor
 * but encodes each span when it ends. Each scenario runs through both processors, and the requests must match:
 * ours byte for byte what the transformer writes for the spans upstream's processor hands its exporter, batch by
 * batch, including when the queue overflows, exports fail, resources have pending attributes, or the app shuts
 * down.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ROOT_CONTEXT, TraceFlags, type Tracer } from "@opentelemetry/api";
import { type ExportResult, ExportResultCode } from "@opentelemetry/core";
import { ProtobufTraceSerializer } from "@opentelemetry/otlp-transformer";
import { type Resource, resourceFromAttributes } from "@opentelemetry/resources";
import {
  AlwaysOnSampler,
  BatchSpanProcessor,
  type ReadableSpan,
  type SpanExporter,
  type SpanProcessor,
} from "@opentelemetry/sdk-trace";
import { EncodingBatchSpanProcessor } from "../../src/sdk/encoding-span-processor";
import { type EncodedSpans, SegmentPool, SpanBatchWriter } from "../../src/sdk/otlp-trace-encoder";
import { RecordingTracerProvider } from "../../src/sdk/tracer";
import { decodeTraceRequest } from "../support/otlp-protobuf";

/** What an exporter was asked to send: each request's bytes and span count, and how it was answered. */
interface Recorder {
  readonly requests: Buffer[];
  readonly counts: number[];
  shutdowns: number;
  /** Answers the held exports (when `hold` is set) with `result`. */
  release(): void;
}

interface RecorderOptions {
  /** Keeps each export unanswered until `release()`. */
  readonly hold?: boolean;
  /** Answers within the export call instead of on a later turn of the event loop. */
  readonly sync?: boolean;
  /** Throws from the export call. */
  readonly throws?: boolean;
  /** Fails the exports whose index (from 0) is listed. */
  readonly failing?: readonly number[];
}

function recorder(options: RecorderOptions): Recorder & {
  answer(callback: (r: ExportResult) => void): void;
} {
  const held: (() => void)[] = [];
  let index = 0;
  const rec = {
    requests: [] as Buffer[],
    counts: [] as number[],
    shutdowns: 0,
    release(): void {
      for (const answer of held.splice(0)) answer();
    },
    answer(callback: (r: ExportResult) => void): void {
      if (options.throws) throw new Error("exporter threw");
      const fail = options.failing?.includes(index++) ?? false;
      const result: ExportResult = fail
        ? { code: ExportResultCode.FAILED, error: new Error("refused") }
        : { code: ExportResultCode.SUCCESS };
      const answer = () => (options.sync ? callback(result) : setImmediate(() => callback(result)));
      if (options.hold) held.push(answer);
      else answer();
    },
  };
  return rec;
}

/** Upstream's processor, its exporter encoding with the transformer. */
function upstream(
  options: RecorderOptions,
  batch: BatchOptions,
): { processor: SpanProcessor; rec: Recorder } {
  const rec = recorder(options);
  const exporter: SpanExporter = {
    export(spans: ReadableSpan[], callback: (r: ExportResult) => void): void {
      const bytes = ProtobufTraceSerializer.serializeRequest(spans);
      rec.requests.push(Buffer.from(bytes ?? new Uint8Array()));
      rec.counts.push(spans.length);
      rec.answer(callback);
    },
    shutdown: async () => {
      rec.shutdowns++;
    },
  };
  return { processor: new BatchSpanProcessor({ exporter, ...batch }), rec };
}

/** The bytes each of our requests was given, as the exporter received them (not copied). */
const handedOver = new WeakMap<Recorder, Uint8Array[]>();

function ours(options: RecorderOptions, batch: BatchOptions): { processor: SpanProcessor; rec: Recorder } {
  const rec = recorder(options);
  const views: Uint8Array[] = [];
  handedOver.set(rec, views);
  const exporter = {
    exportEncoded(encoded: EncodedSpans, callback: (r: ExportResult) => void): void {
      views.push(encoded.bytes);
      rec.requests.push(Buffer.from(encoded.bytes));
      rec.counts.push(encoded.count);
      rec.answer(callback);
    },
    shutdown: async () => {
      rec.shutdowns++;
    },
  };
  return { processor: new EncodingBatchSpanProcessor({ exporter, ...batch }), rec };
}

interface BatchOptions {
  maxExportBatchSize?: number;
  maxQueueSize?: number;
  scheduledDelayMillis?: number;
  exportTimeoutMillis?: number;
}

interface Scenario {
  readonly batch: BatchOptions;
  readonly exporter?: RecorderOptions;
  /** Drives the processor: ends spans, flushes, releases held exports; returns what flush/shutdown settled to. */
  run(tracers: Tracer[], processor: SpanProcessor, rec: Recorder): Promise<string[]>;
  readonly resources?: () => Resource[];
}

/**
 * The same scenario through both processors: the same spans (by name) in each request, the same outcomes; and
 * each of our requests is byte for byte what the transformer writes for the spans it holds.
 */
async function sameAsUpstream(
  scenario: Scenario,
): Promise<{ requests: Buffer[]; counts: number[]; outcomes: string[] }> {
  const results = [];
  for (const make of [upstream, ours]) {
    const { processor, rec } = make(scenario.exporter ?? {}, scenario.batch);
    const ended: ReadableSpan[] = [];
    const recordEnded = onEndOnly((span) => ended.push(span));
    const resources = scenario.resources?.() ?? [
      resourceFromAttributes({ "service.name": "one" }),
      resourceFromAttributes({ "service.name": "two", "deployment.environment.name": "test" }),
    ];
    const tracers: Tracer[] = [];
    for (const resource of resources) {
      const provider = new RecordingTracerProvider({
        resource,
        sampler: new AlwaysOnSampler(),
        spanProcessors: [processor, recordEnded],
      });
      tracers.push(
        provider.getTracer("scope-a", "1.0.0"),
        provider.getTracer("scope-b", undefined, { schemaUrl: "https://s/1" }),
      );
    }
    const outcomes = await scenario.run(tracers, processor, rec);
    // A request's bytes belong to it until it is answered: the batches after it must not have reused them.
    handedOver.get(rec)?.forEach((view, i) => {
      assert.ok(
        Buffer.from(view).equals(rec.requests[i] as Buffer),
        `request ${i} unchanged after later batches`,
      );
    });
    results.push({ ...rec, requests: rec.requests, counts: rec.counts, outcomes, ended });
  }
  const [theirs, mine] = results as [(typeof results)[0], (typeof results)[0]];
  assert.deepEqual(mine.counts, theirs.counts, "spans per request");
  assert.deepEqual(mine.outcomes, theirs.outcomes, "what flush and shutdown settled to");
  assert.equal(mine.shutdowns, theirs.shutdowns, "exporter shutdowns");
  assert.deepEqual(mine.requests.map(spanNames), theirs.requests.map(spanNames), "the spans of each request");
  const order = new Map(mine.ended.map((span, i) => [span.spanContext().spanId, i]));
  mine.requests.forEach((body, i) => {
    const spans = decodeTraceRequest(body)
      .map((s) => order.get(s.spanId) as number)
      .sort((a, b) => a - b)
      .map((at) => mine.ended[at] as ReadableSpan);
    const expected = Buffer.from(ProtobufTraceSerializer.serializeRequest(spans) ?? new Uint8Array());
    assert.ok(body.equals(expected), `request ${i}: the transformer's bytes for its spans`);
  });
  return mine;
}

function spanNames(body: Buffer): string[] {
  return decodeTraceRequest(body).map((s) => s.name);
}

/** Ends `n` spans, spread over the tracers in turn (so batches mix resources and scopes). */
function endSpans(tracers: Tracer[], n: number, from = 0): void {
  for (let i = from; i < from + n; i++) {
    const tracer = tracers[i % tracers.length] as Tracer;
    tracer.startSpan(`op ${i}`, { attributes: { i, "http.route": "/users/:id" } }, ROOT_CONTEXT).end();
  }
}

async function settle(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return "resolved";
  } catch (e) {
    return `rejected: ${(e as Error).message}`;
  }
}

/** A span whose trace state cannot be serialised: the encoder throws on it. */
function unencodable(tracer: Tracer): ReadableSpan {
  const span = tracer.startSpan("bad", {}, ROOT_CONTEXT) as unknown as ReadableSpan;
  const context = span.spanContext();
  const traceState = {
    serialize: () => {
      throw new Error("cannot serialize");
    },
  };
  return Object.create(span, { spanContext: { value: () => ({ ...context, traceState }) } }) as ReadableSpan;
}

/** A processor that only hands each ended span to `onEnd`. */
function onEndOnly(onEnd: (span: ReadableSpan) => void): SpanProcessor {
  return { onStart: () => {}, onEnd, forceFlush: async () => {}, shutdown: async () => {} };
}

function names(requests: Buffer[]): string[] {
  return requests.flatMap(spanNames);
}

describe("EncodingBatchSpanProcessor", () => {
  it("sends full batches as they fill and the rest on flush, mixed resources and scopes, reusing its buffers", async () => {
    const { counts, requests } = await sameAsUpstream({
      batch: { maxExportBatchSize: 100, maxQueueSize: 10_000, scheduledDelayMillis: 60_000 },
      async run(tracers, processor) {
        for (let round = 0; round < 13; round++) {
          endSpans(tracers, 97, round * 97);
          await new Promise((r) => setImmediate(r));
        }
        return [await settle(processor.forceFlush()), await settle(processor.shutdown())];
      },
    });
    assert.equal(
      counts.reduce((a, b) => a + b, 0),
      1261,
    );
    assert.equal(new Set(names(requests)).size, 1261);
  });

  it("drops what overflows the queue while an export is unanswered, and sends the rest later", async () => {
    const { counts } = await sameAsUpstream({
      batch: { maxExportBatchSize: 50, maxQueueSize: 100, scheduledDelayMillis: 60_000 },
      exporter: { hold: true },
      async run(tracers, processor, rec) {
        endSpans(tracers, 300);
        rec.release();
        const flushed = processor.forceFlush();
        for (let i = 0; i < 10; i++) {
          await new Promise((r) => setImmediate(r));
          rec.release();
        }
        return [await settle(flushed)];
      },
    });
    assert.equal(
      counts.reduce((a, b) => a + b, 0),
      150,
    );
  });

  it("a failed export rejects the flush that sent it, and the next batches still go", async () => {
    const { counts } = await sameAsUpstream({
      batch: { maxExportBatchSize: 10, maxQueueSize: 1000, scheduledDelayMillis: 60_000 },
      exporter: { failing: [1] },
      async run(tracers, processor) {
        endSpans(tracers, 25);
        const first = await settle(processor.forceFlush());
        endSpans(tracers, 5, 25);
        return [first, await settle(processor.forceFlush())];
      },
    });
    assert.equal(
      counts.reduce((a, b) => a + b, 0),
      30,
    );
  });

  it("sends a partial batch after the scheduled delay", async () => {
    await sameAsUpstream({
      batch: { maxExportBatchSize: 512, scheduledDelayMillis: 20 },
      async run(tracers, _processor, rec) {
        endSpans(tracers, 3);
        for (let waited = 0; rec.requests.length === 0 && waited < 10_000; waited += 10)
          await new Promise((r) => setTimeout(r, 10));
        return [`requests ${rec.requests.length}`];
      },
    });
  });

  it("waits for a resource's pending attributes and writes them", async () => {
    const { requests } = await sameAsUpstream({
      batch: { maxExportBatchSize: 512, scheduledDelayMillis: 60_000 },
      resources: () => [
        resourceFromAttributes({
          "service.name": "late",
          "host.id": new Promise<string>((r) => setTimeout(() => r("host-7"), 20)),
        }),
      ],
      async run(tracers, processor) {
        endSpans(tracers, 4);
        return [await settle(processor.forceFlush())];
      },
    });
    const spans = decodeTraceRequest(requests[0] as Buffer);
    assert.equal(spans[0]?.resource["host.id"], "host-7");
  });

  it("ignores spans that are not sampled and spans that end after shutdown; shutdown stops the exporter once", async () => {
    const { counts } = await sameAsUpstream({
      batch: { maxExportBatchSize: 512, scheduledDelayMillis: 60_000 },
      async run(tracers, processor) {
        endSpans(tracers, 2);
        const unsampled = tracers[0]?.startSpan("unsampled", {}, ROOT_CONTEXT) as unknown as ReadableSpan;
        const context = unsampled.spanContext();
        const notSampled = Object.create(unsampled, {
          spanContext: { value: () => ({ ...context, traceFlags: TraceFlags.NONE }) },
        }) as ReadableSpan;
        processor.onEnd(notSampled);
        const first = await settle(processor.shutdown());
        endSpans(tracers, 3, 2);
        return [first, await settle(processor.shutdown()), await settle(processor.forceFlush())];
      },
    });
    assert.deepEqual(counts, [2]);
  });

  it("answers given within the export call, and an exporter that throws", async () => {
    const { counts } = await sameAsUpstream({
      batch: { maxExportBatchSize: 10, maxQueueSize: 1000, scheduledDelayMillis: 60_000 },
      exporter: { sync: true },
      async run(tracers, processor) {
        endSpans(tracers, 35);
        return [await settle(processor.forceFlush())];
      },
    });
    assert.deepEqual(counts, [10, 10, 10, 5]);
    await sameAsUpstream({
      batch: { maxExportBatchSize: 10, scheduledDelayMillis: 60_000, exportTimeoutMillis: 50 },
      exporter: { throws: true },
      async run(tracers, processor) {
        endSpans(tracers, 4);
        return [await settle(processor.forceFlush()), await settle(processor.shutdown())];
      },
    });
  });

  it("an export left unanswered times out; a batch size above the queue size is cut to it", async () => {
    await sameAsUpstream({
      batch: { maxExportBatchSize: 512, scheduledDelayMillis: 60_000, exportTimeoutMillis: 30 },
      exporter: { hold: true },
      async run(tracers, processor, rec) {
        endSpans(tracers, 3);
        const outcome = await settle(processor.forceFlush());
        rec.release();
        return [outcome];
      },
    });
    const { counts } = await sameAsUpstream({
      batch: { maxExportBatchSize: 100, maxQueueSize: 30, scheduledDelayMillis: 60_000 },
      async run(tracers, processor) {
        endSpans(tracers, 70);
        return [await settle(processor.forceFlush())];
      },
    });
    assert.deepEqual(
      counts,
      [30, 30],
      "the first batch in flight, the queue full at 30, the last 10 dropped",
    );
  });

  it("a span it cannot encode is dropped alone, even the first of its resource and scope", async () => {
    const { processor, rec } = ours({}, { scheduledDelayMillis: 60_000 });
    const ended: ReadableSpan[] = [];
    const tracerOf = (name: string) =>
      new RecordingTracerProvider({
        resource: resourceFromAttributes({ "service.name": name }),
        sampler: new AlwaysOnSampler(),
        spanProcessors: [processor, onEndOnly((s) => ended.push(s))],
      }).getTracer(name);
    const good = tracerOf("good");
    const other = tracerOf("other");
    endSpans([good], 1);
    const broken = unencodable(other);
    processor.onEnd(broken);
    await processor.forceFlush();
    const expected = ProtobufTraceSerializer.serializeRequest(ended) ?? new Uint8Array();
    assert.ok(
      (rec.requests[0] as Buffer).equals(Buffer.from(expected)),
      "no empty resource or scope for the span that failed",
    );
    processor.onEnd(broken);
    endSpans([other], 1, 1);
    await processor.forceFlush();
    assert.deepEqual(names(rec.requests), ["op 0", "op 1"]);
  });

  it("keeps no scope buffer above 1 MiB for the next batch", async () => {
    const pool = new SegmentPool();
    const writer = new SpanBatchWriter(pool);
    const tracer = new RecordingTracerProvider({
      resource: resourceFromAttributes({ "service.name": "big" }),
      sampler: new AlwaysOnSampler(),
      spanProcessors: [onEndOnly((s) => writer.add(s))],
    });
    const t = tracer.getTracer("big");
    t.startSpan("large", { attributes: { blob: "x".repeat(3 * 1024 * 1024) } }, ROOT_CONTEXT).end();
    assert.ok(writer.take().bytes.length > 3 * 1024 * 1024);
    assert.deepEqual(pool.capacities(), [], "the grown buffer is let go");
    tracer.getTracer("small").startSpan("small", {}, ROOT_CONTEXT).end();
    writer.take();
    assert.deepEqual(pool.capacities(), [16 * 1024], "a small one is kept");
  });

  it("a span it cannot encode is dropped alone", async () => {
    const { processor, rec } = ours({}, { scheduledDelayMillis: 60_000 });
    const tracer = new RecordingTracerProvider({
      resource: resourceFromAttributes({ "service.name": "bad" }),
      sampler: new AlwaysOnSampler(),
      spanProcessors: [processor],
    }).getTracer("t");
    endSpans([tracer], 1);
    const broken = unencodable(tracer);
    processor.onEnd(broken);
    endSpans([tracer], 1, 1);
    await processor.forceFlush();
    assert.deepEqual(names(rec.requests), ["op 0", "op 1"]);
  });
});
