/**
 * The preload's tracer provider (src/sdk/tracer.ts) hands span processors exactly what sdk-trace's would: every
 * scenario below runs the same calls through both providers, with the same ids, sampler and limits, and compares
 * the ended spans field by field (times too, where the scenario gives them). The id generator's ids are valid
 * W3C ids.
 */
import assert from "node:assert/strict";
import { afterEach, describe, it } from "node:test";
import {
  type Context,
  context,
  DiagLogLevel,
  diag,
  type Link,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  type SpanOptions,
  SpanStatusCode,
  type Tracer,
  type TracerProvider,
  trace,
} from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { suppressTracing, TraceState, W3CTraceContextPropagator } from "@opentelemetry/core";
import { resourceFromAttributes } from "@opentelemetry/resources";
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  type IdGenerator,
  ParentBasedSampler,
  type ReadableSpan,
  type Sampler,
  SamplingDecision,
  type SamplingResult,
  type Span as SdkSpan,
  TracerProvider as SdkTracerProvider,
  type SpanLimits,
  type SpanProcessor,
  TraceIdRatioBasedSampler,
} from "@opentelemetry/sdk-trace";
import { FastIdGenerator } from "../../src/sdk/id-generator";
import { RecordingTracerProvider, startSpanAdopting } from "../../src/sdk/tracer";

const resource = resourceFromAttributes({ "service.name": "tracer-test" });

/** Ids from a counter, so both providers give the same ids to the same calls. */
class SequenceIds implements IdGenerator {
  private n = 0;
  generateTraceId(): string {
    this.n++;
    return this.n.toString(16).padStart(32, "0");
  }
  generateSpanId(): string {
    this.n++;
    return this.n.toString(16).padStart(16, "0");
  }
}

/** Records what processors see, in order: starts, endings and ends. */
class Recorder implements SpanProcessor {
  readonly calls: string[] = [];
  readonly ended: ReadableSpan[] = [];
  onStart(span: SdkSpan, parent: Context): void {
    this.calls.push(`start ${span.name} parent=${trace.getSpan(parent)?.spanContext().spanId ?? "-"}`);
  }
  onEnding(span: SdkSpan): void {
    this.calls.push(`ending ${span.name} ended=${span.ended}`);
  }
  onEnd(span: ReadableSpan): void {
    this.calls.push(`end ${span.name} ended=${span.ended}`);
    this.ended.push(span);
  }
  async forceFlush(): Promise<void> {
    this.calls.push("flush");
  }
  async shutdown(): Promise<void> {
    this.calls.push("shutdown");
  }
}

interface Pair {
  readonly name: string;
  readonly provider: TracerProvider & { forceFlush(): Promise<void>; shutdown(): Promise<void> };
  readonly tracer: Tracer;
  readonly recorder: Recorder;
}

function providers(options: { sampler?: Sampler; spanLimits?: SpanLimits } = {}): [Pair, Pair] {
  const make = (name: string): Pair => {
    const recorder = new Recorder();
    const common = {
      resource,
      sampler: options.sampler ?? new ParentBasedSampler({ root: new AlwaysOnSampler() }),
      spanProcessors: [recorder],
      idGenerator: new SequenceIds(),
      ...(options.spanLimits ? { spanLimits: options.spanLimits } : {}),
    };
    const provider = name === "sdk" ? new SdkTracerProvider(common) : new RecordingTracerProvider(common);
    return {
      name,
      provider,
      tracer: provider.getTracer("scope", "1.2.3", { schemaUrl: "https://x/s" }),
      recorder,
    };
  };
  return [make("sdk"), make("ours")];
}

/** Everything an exporter reads from a span, with times optional (they differ between two live runs). */
function snapshot(span: ReadableSpan, withTimes: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {
    name: span.name,
    kind: span.kind,
    spanContext: { ...span.spanContext(), traceState: span.spanContext().traceState?.serialize() },
    parentSpanContext: span.parentSpanContext,
    status: span.status,
    attributes: span.attributes,
    links: span.links,
    events: span.events.map((e) => ({ ...e, time: withTimes ? e.time : undefined })),
    ended: span.ended,
    resource: span.resource.attributes,
    instrumentationScope: span.instrumentationScope,
    droppedAttributesCount: span.droppedAttributesCount,
    droppedEventsCount: span.droppedEventsCount,
    droppedLinksCount: span.droppedLinksCount,
  };
  if (withTimes)
    Object.assign(out, { startTime: span.startTime, endTime: span.endTime, duration: span.duration });
  return out;
}

/** Runs a scenario against both providers and compares the processors' views. */
function same(
  scenario: (tracer: Tracer) => void,
  options: { sampler?: Sampler; spanLimits?: SpanLimits; withTimes?: boolean } = {},
): ReadableSpan[] {
  const [sdk, ours] = providers(options);
  scenario(sdk.tracer);
  scenario(ours.tracer);
  assert.deepEqual(ours.recorder.calls, sdk.recorder.calls, "processor calls");
  assert.equal(ours.recorder.ended.length, sdk.recorder.ended.length, "ended spans");
  const withTimes = options.withTimes ?? false;
  for (let i = 0; i < sdk.recorder.ended.length; i++) {
    const a = sdk.recorder.ended[i];
    const b = ours.recorder.ended[i];
    assert.ok(a && b);
    assert.deepEqual(snapshot(b, withTimes), snapshot(a, withTimes), `span ${i} (${a.name})`);
  }
  return ours.recorder.ended;
}

class Boom extends Error {
  code = "E_BOOM";
}

afterEach(() => {
  context.disable();
  propagation.disable();
  diag.disable();
});

describe("RecordingTracerProvider against sdk-trace", () => {
  it("a server span: primitive attributes at start and after, status, rename, explicit times", () => {
    const spans = same(
      (t) => {
        const s = t.startSpan(
          "GET",
          {
            kind: SpanKind.SERVER,
            attributes: {
              "http.request.method": "GET",
              "url.path": "/u/1",
              port: 80,
              ok: true,
              gone: undefined,
            },
            startTime: [1_700_000_000, 5],
          },
          ROOT_CONTEXT,
        );
        s.setAttribute("http.response.status_code", 500);
        s.setAttribute("url.path", "/u/2");
        s.setAttribute("skipped", undefined);
        s.setAttributes({ a: 1, b: "two" });
        s.setStatus({ code: SpanStatusCode.ERROR, message: "bad" });
        s.setStatus({ code: SpanStatusCode.UNSET });
        s.updateName("GET /u/:id");
        s.end([1_700_000_001, 7]);
      },
      { withTimes: true },
    );
    assert.deepEqual(spans[0]?.attributes, {
      "http.request.method": "GET",
      "url.path": "/u/2",
      port: 80,
      ok: true,
      "http.response.status_code": 500,
      a: 1,
      b: "two",
    });
  });

  it("values that are not primitives, invalid values and empty keys take core's path", () => {
    same((t) => {
      const bad = { toString: () => "x" } as unknown as string;
      const s = t.startSpan(
        "mixed",
        {
          attributes: {
            list: ["a", "b"],
            nums: [1, 2, 3],
            bytes: new Uint8Array([1, 2]) as unknown as string,
            nested: { k: "v" } as unknown as string,
            "": "empty key",
            fn: (() => 1) as unknown as string,
            date: new Date(0) as unknown as string,
            plain: "p",
          },
        },
        ROOT_CONTEXT,
      );
      s.setAttribute("arr", [true, false]);
      s.setAttribute("obj", bad);
      s.setAttribute("", "x");
      s.setAttribute("n", null as unknown as string);
      s.end();
    });
  });

  it("limits: attribute count and length at start and later, events, links, per-event and per-link counts", () => {
    const spanLimits: SpanLimits = {
      attributeCountLimit: 3,
      attributeValueLengthLimit: 4,
      eventCountLimit: 2,
      linkCountLimit: 1,
      attributePerEventCountLimit: 1,
      attributePerLinkCountLimit: 1,
    };
    const link = (n: number): Link => ({
      context: { traceId: "a".repeat(32), spanId: n.toString(16).padStart(16, "0"), traceFlags: 1 },
      attributes: { x: n, y: n + 1 },
    });
    same(
      (t) => {
        const s = t.startSpan(
          "limited",
          { attributes: { a: "123456", b: "12", c: 3, d: 4, e: ["longer", "x"] }, links: [link(1), link(2)] },
          ROOT_CONTEXT,
        );
        s.setAttribute("a", "abcdefgh");
        s.setAttribute("z", "new");
        s.setAttribute("zz", "new");
        s.addEvent("e1", { k1: 1, k2: 2 });
        s.addEvent("e2");
        s.addEvent("e3", { k: "vvvvvvv" });
        s.addLink(link(3));
        s.addLinks([link(4)]);
        s.end();
        const t2 = t.startSpan("within", { attributes: { a: "1234", b: "12345" } }, ROOT_CONTEXT);
        t2.setAttribute("c", "123456");
        t2.end();
        t.startSpan("many", { attributes: { a: 1, b: 2, c: 3, d: 4, e: 5 } }, ROOT_CONTEXT).end();
      },
      { spanLimits },
    );
    // A count limit alone: the span's copy cannot be the sampler's (which saw all five).
    same((t) => t.startSpan("many", { attributes: { a: 1, b: 2, c: 3, d: 4, e: 5 } }, ROOT_CONTEXT).end(), {
      spanLimits: { attributeCountLimit: 3 },
    });
  });

  it("zero limits for events and links drop every one", () => {
    same(
      (t) => {
        const s = t.startSpan("none", {}, ROOT_CONTEXT);
        s.addEvent("e");
        s.addLink({ context: { traceId: "b".repeat(32), spanId: "c".repeat(16), traceFlags: 0 } });
        s.end();
      },
      { spanLimits: { eventCountLimit: 0, linkCountLimit: 0 } },
    );
  });

  it("events and exceptions with every time input", () => {
    const boom = new Boom("with code");
    const typed = new TypeError("typed");
    same(
      (t) => {
        const s = t.startSpan("events", { startTime: new Date(1_700_000_000_000) }, ROOT_CONTEXT);
        s.addEvent("epoch", { a: 1 }, 1_700_000_000_500);
        s.addEvent("date", new Date(1_700_000_000_600));
        s.addEvent("hr", [1_700_000_000, 700]);
        s.addEvent("hr-after-attrs", { b: "x" }, [1_700_000_000, 800]);
        s.recordException(boom, [1_700_000_001, 0]);
        s.recordException(typed, [1_700_000_001, 1]);
        s.recordException("just text", [1_700_000_001, 2]);
        s.recordException({ message: "" } as Error, [1_700_000_001, 3]);
        s.end(new Date(1_700_000_002_000));
      },
      { withTimes: true },
    );
  });

  it("a start time in performance.now() units and a later end time are read the same way", () => {
    same((t) => {
      const s = t.startSpan("relative", { startTime: performance.now() - 5 }, ROOT_CONTEXT);
      s.end(performance.now());
      const n = t.startSpan("no-times", {}, ROOT_CONTEXT);
      n.end();
    });
  });

  it("parents: remote, local, root option, invalid parent, suppressed tracing", () => {
    const carrier = { traceparent: `00-${"1".repeat(32)}-${"2".repeat(16)}-01`, tracestate: "v=1" };
    const remote = new W3CTraceContextPropagator().extract(ROOT_CONTEXT, carrier, {
      keys: (c) => Object.keys(c),
      get: (c, k) => c[k as keyof typeof carrier],
    });
    same((t) => {
      const server = t.startSpan("server", { kind: SpanKind.SERVER }, remote);
      const child = t.startSpan("child", {}, trace.setSpan(remote, server));
      const root = t.startSpan("root", { root: true }, trace.setSpan(remote, server));
      const invalidParent = { traceId: "0".repeat(32), spanId: "0".repeat(16), traceFlags: 1 };
      const invalid = t.startSpan("invalid-parent", {}, trace.setSpanContext(ROOT_CONTEXT, invalidParent));
      const suppressed = t.startSpan("suppressed", {}, suppressTracing(ROOT_CONTEXT));
      assert.equal(suppressed.isRecording(), false);
      assert.equal(trace.isSpanContextValid(suppressed.spanContext()), false);
      suppressed.end();
      invalid.end();
      root.end();
      child.end();
      server.end();
    });
  });

  it("samplers: not sampled, ratio, parent-based with an unsampled parent, attributes and trace state added", () => {
    const unsampledParent = trace.setSpanContext(ROOT_CONTEXT, {
      traceId: "3".repeat(32),
      spanId: "4".repeat(16),
      traceFlags: 0,
      isRemote: true,
    });
    for (const sampler of [
      new AlwaysOffSampler(),
      new TraceIdRatioBasedSampler(0.5),
      new ParentBasedSampler({ root: new AlwaysOnSampler() }),
    ]) {
      const [sdk, ours] = providers({ sampler });
      for (const p of [sdk, ours]) {
        const a = p.tracer.startSpan("a", { attributes: { k: "v" } }, ROOT_CONTEXT);
        const b = p.tracer.startSpan("b", {}, unsampledParent);
        p.recorder.calls.push(`a ${a.isRecording()} ${JSON.stringify(a.spanContext())}`);
        p.recorder.calls.push(`b ${b.isRecording()} ${JSON.stringify(b.spanContext())}`);
        a.end();
        b.end();
      }
      assert.deepEqual(ours.recorder.calls, sdk.recorder.calls, sampler.toString());
    }
    const adding: Sampler = {
      shouldSample: (_c, _t, _n, _k, attributes): SamplingResult => ({
        decision: SamplingDecision.RECORD_AND_SAMPLED,
        attributes: { "sampler.saw": Object.keys(attributes).join(","), extra: ["x"] },
        traceState: new TraceState("s=1"),
      }),
      toString: () => "adding",
    };
    same((t) => t.startSpan("sampled", { attributes: { k: "v", n: 1 } }, ROOT_CONTEXT).end(), {
      sampler: adding,
    });
    const recordOnly: Sampler = {
      shouldSample: () => ({ decision: SamplingDecision.RECORD }),
      toString: () => "record-only",
    };
    same((t) => t.startSpan("recorded", {}, ROOT_CONTEXT).end(), { sampler: recordOnly });
  });

  it("null start time and links, a __proto__ key, value length limits of zero or below", () => {
    same(
      (t) => {
        const nulls = { startTime: null, links: null } as unknown as SpanOptions;
        t.startSpan("nulls", nulls, ROOT_CONTEXT).end();
        const attributes = JSON.parse('{"__proto__": "p", "a": 1}') as Record<string, string | number>;
        const s = t.startSpan("proto", { attributes }, ROOT_CONTEXT);
        s.setAttribute("b", 2);
        s.end();
      },
      { spanLimits: { attributeCountLimit: 2 } },
    );
    for (const attributeValueLengthLimit of [0, -1]) {
      same(
        (t) => {
          const s = t.startSpan("limit", { attributes: { a: "hello" } }, ROOT_CONTEXT);
          s.setAttribute("b", "world");
          s.end();
        },
        { spanLimits: { attributeValueLengthLimit } },
      );
    }
  });

  it("samplers that change the attributes they are given: the span gets its own copy, cleaned again", () => {
    const adds: Sampler = {
      shouldSample: (_c, _t, _n, _k, attributes) => {
        const writable = attributes as Record<string, unknown>;
        writable["sampler.rule"] = "r1";
        writable.when = new Date(0);
        return { decision: SamplingDecision.RECORD_AND_SAMPLED };
      },
      toString: () => "adds",
    };
    same(
      (t) => {
        const s = t.startSpan("x", { attributes: { a: 1 } }, ROOT_CONTEXT);
        s.setAttribute("c", 3);
        s.end();
      },
      { sampler: adds, spanLimits: { attributeCountLimit: 2 } },
    );
    same((t) => t.startSpan("y", { attributes: { a: 1 } }, ROOT_CONTEXT).end(), {
      sampler: new ParentBasedSampler({ root: adds }),
    });
  });

  it("startSpanAdopting: the caller's object becomes the span's attributes when nothing in it needs changing", () => {
    const inputs: (() => Record<string, unknown>)[] = [
      () => ({ "http.request.method": "GET", "url.path": "/u/1", port: 80, ok: true }),
      () => ({ kept: "x", gone: undefined }),
      () => ({ long: "x".repeat(50), short: "y" }),
      () => ({ list: ["a", "b"], n: 1 }),
      () => ({ "": "empty key", a: 1 }),
      () => JSON.parse('{"__proto__": "p", "a": 1}') as Record<string, unknown>,
      () => Object.fromEntries(Array.from({ length: 5 }, (_, i) => [`k${i}`, i])),
    ];
    for (const spanLimits of [{}, { attributeValueLengthLimit: 10, attributeCountLimit: 3 }]) {
      same(
        (t) => {
          for (const input of inputs) {
            const attributes = input();
            const s = startSpanAdopting(t, "adopt", { kind: SpanKind.SERVER, attributes }, ROOT_CONTEXT);
            s.setAttribute("after", 1);
            s.end();
          }
        },
        { spanLimits },
      );
    }
    const [, ours] = providers();
    const plain = { "http.request.method": "GET", "url.path": "/u/1" };
    const adopted = startSpanAdopting(
      ours.tracer,
      "a",
      { attributes: plain },
      ROOT_CONTEXT,
    ) as unknown as ReadableSpan;
    assert.equal(adopted.attributes, plain);
    const withUndefined = { a: 1, gone: undefined };
    const copied = startSpanAdopting(
      ours.tracer,
      "b",
      { attributes: withUndefined },
      ROOT_CONTEXT,
    ) as unknown as ReadableSpan;
    assert.notEqual(copied.attributes, withUndefined);
    assert.deepEqual(copied.attributes, { a: 1 });
  });

  it("calls after end are ignored and a second end is refused, with the same warnings", () => {
    const warnings: Record<string, string[]> = { sdk: [], ours: [] };
    let current = "sdk";
    diag.setLogger(
      {
        error: (m) => warnings[current]?.push(`error ${m}`),
        warn: (m) => warnings[current]?.push(`warn ${m}`),
        info: () => {},
        debug: () => {},
        verbose: () => {},
      },
      { logLevel: DiagLogLevel.ALL, suppressOverrideMessage: true },
    );
    const [sdk, ours] = providers({ spanLimits: { attributeCountLimit: 1 } });
    for (const p of [sdk, ours]) {
      current = p.name;
      const s = p.tracer.startSpan("once", { attributes: { a: 1 } }, ROOT_CONTEXT);
      s.setAttribute("b", 2);
      s.setAttribute("c", 3);
      s.end([1_700_000_000, 0]);
      s.setAttribute("late", 1);
      s.addEvent("late");
      s.setStatus({ code: SpanStatusCode.ERROR });
      s.updateName("late");
      s.end();
      assert.equal(s.isRecording(), false);
    }
    assert.deepEqual(warnings.ours, warnings.sdk);
    assert.ok((warnings.ours ?? []).some((w) => w.includes("You can only call end() on a span once")));
    assert.deepEqual(
      snapshot(ours.recorder.ended[0] as ReadableSpan, false),
      snapshot(sdk.recorder.ended[0] as ReadableSpan, false),
    );
  });

  it("startActiveSpan: each overload runs the function in the span's context and returns its value", () => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    const [sdk, ours] = providers();
    for (const p of [sdk, ours]) {
      const seen: string[] = [];
      const note = (s: Span) => {
        seen.push(trace.getActiveSpan() === s ? "active" : "not active");
        s.end();
        return seen.length;
      };
      assert.equal(p.tracer.startActiveSpan("one", note), 1);
      assert.equal(p.tracer.startActiveSpan("two", { kind: SpanKind.CLIENT }, note), 2);
      assert.equal(p.tracer.startActiveSpan("three", {}, ROOT_CONTEXT, note), 3);
      p.tracer.startActiveSpan("outer", (outer) => {
        p.tracer.startSpan("inner").end();
        outer.end();
      });
      assert.deepEqual(seen, ["active", "active", "active"]);
    }
    assert.deepEqual(ours.recorder.calls, sdk.recorder.calls);
    const inner = ours.recorder.ended.find((s) => s.name === "inner");
    const outer = ours.recorder.ended.find((s) => s.name === "outer");
    assert.equal(inner?.parentSpanContext?.spanId, outer?.spanContext().spanId);
  });

  it("tracers are cached per scope; flush and shutdown reach every processor", async () => {
    const [, ours] = providers();
    assert.equal(ours.provider.getTracer("scope", "1.2.3", { schemaUrl: "https://x/s" }), ours.tracer);
    assert.notEqual(ours.provider.getTracer("scope", "1.2.4"), ours.tracer);
    await ours.provider.forceFlush();
    await ours.provider.shutdown();
    assert.deepEqual(ours.recorder.calls, ["flush", "shutdown"]);
    const failing = new RecordingTracerProvider({
      resource,
      sampler: new AlwaysOnSampler(),
      spanProcessors: [
        new Recorder(),
        Object.assign(new Recorder(), { forceFlush: () => Promise.reject(new Error("flush failed")) }),
      ],
    });
    await assert.rejects(
      failing.forceFlush(),
      (e: AggregateError) => e.errors[0]?.message === "flush failed",
    );
    const stuck = new RecordingTracerProvider({
      resource,
      sampler: new AlwaysOnSampler(),
      spanProcessors: [Object.assign(new Recorder(), { forceFlush: () => new Promise<void>(() => {}) })],
    });
    await assert.rejects(stuck.forceFlush(50), (e: AggregateError) =>
      /within timeout period of 50 ms/.test(String(e.errors[0])),
    );
  });
});

describe("FastIdGenerator", () => {
  it("gives lowercase hex ids of the W3C lengths, never all zeros, unique across pool refills", () => {
    const ids = new FastIdGenerator();
    const seen = new Set<string>();
    for (let i = 0; i < 50_000; i++) {
      const t = ids.generateTraceId();
      const s = ids.generateSpanId();
      assert.match(t, /^[0-9a-f]{32}$/);
      assert.match(s, /^[0-9a-f]{16}$/);
      assert.ok(trace.isSpanContextValid({ traceId: t, spanId: s, traceFlags: 1 }));
      seen.add(t);
      seen.add(s);
    }
    assert.equal(seen.size, 100_000);
  });

  it("gives a new trace's ids as one 48-digit pair: trace id first, span id last, both valid", () => {
    const ids = new FastIdGenerator();
    const seen = new Set<string>();
    for (let i = 0; i < 20_000; i++) {
      const pair = ids.generateIdPair();
      assert.match(pair, /^[0-9a-f]{48}$/);
      const traceId = pair.substring(0, 32);
      const spanId = pair.substring(32);
      assert.ok(trace.isSpanContextValid({ traceId, spanId, traceFlags: 1 }));
      seen.add(traceId);
    }
    assert.equal(seen.size, 20_000);
    const provider = new RecordingTracerProvider({
      resource,
      sampler: new AlwaysOnSampler(),
      spanProcessors: [],
    });
    const tracer = provider.getTracer("ids");
    const root = tracer.startSpan("root", {}, ROOT_CONTEXT);
    const child = tracer.startSpan("child", {}, trace.setSpan(ROOT_CONTEXT, root));
    assert.ok(trace.isSpanContextValid(root.spanContext()));
    assert.equal(child.spanContext().traceId, root.spanContext().traceId);
    assert.notEqual(child.spanContext().spanId, root.spanContext().spanId);
  });
});
