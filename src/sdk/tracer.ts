/**
 * The tracer provider behind the preload: the OpenTelemetry trace API implemented for what leaves this process,
 * with sdk-trace's samplers, span processors, exporters and `ReadableSpan` shape, but a span life cycle built for
 * a span per request.
 *
 * Why not sdk-trace's own Tracer and SpanImpl: @opentelemetry/core 3.1 validates every attribute value with a
 * fresh `WeakSet` (even a string), twice per attribute at span start, and sdk-trace formats each id through a
 * Buffer; on a hello route that was 2.3 us of the span's 2.8 us (bench/results/overhead.md). Here primitive values,
 * the overwhelming case, are checked and copied in one pass, and everything else (arrays, byte arrays, nested maps,
 * events, links, limits) goes through core's own functions, so the exported spans are the SDK's exactly:
 * test/spine/tracer.test.ts runs the same operations through both and compares what the processors receive.
 */
import {
  type Attributes,
  type AttributeValue,
  type Context,
  context as contextApi,
  diag,
  type Exception,
  type HrTime,
  INVALID_SPAN_CONTEXT,
  type Link,
  type Span,
  type SpanContext,
  SpanKind,
  type SpanOptions,
  type SpanStatus,
  SpanStatusCode,
  type TimeInput,
  TraceFlags,
  type Tracer,
  type TracerOptions,
  type TracerProvider,
  trace,
} from "@opentelemetry/api";
import {
  AddAttributeDecision,
  addHrTimes,
  cleanAttributes,
  cleanSimpleAttributes,
  hrTime,
  hrTimeDuration,
  type InstrumentationScope,
  isTimeInput,
  isTimeInputHrTime,
  isTracingSuppressed,
  maybeAddAttribute,
  millisToHrTime,
} from "@opentelemetry/core";
import type { Resource } from "@opentelemetry/resources";
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  type IdGenerator,
  ParentBasedSampler,
  type ReadableSpan,
  type Sampler,
  SamplingDecision,
  type Span as SdkSpan,
  type SpanLimits,
  type SpanProcessor,
  type TimedEvent,
  TraceIdRatioBasedSampler,
} from "@opentelemetry/sdk-trace";
import { contextWithSpan } from "./child-context";
import { FastIdGenerator } from "./id-generator";

/** sdk-trace's defaults (TracerProvider), so a span is limited the same way whichever provider made it. */
const DEFAULT_LIMITS: Required<SpanLimits> = {
  attributeCountLimit: 128,
  attributeValueLengthLimit: Number.POSITIVE_INFINITY,
  eventCountLimit: 128,
  linkCountLimit: 128,
  attributePerEventCountLimit: 128,
  attributePerLinkCountLimit: 128,
};

const NO_LIMITS = {
  attributeCountLimit: Number.POSITIVE_INFINITY,
  attributeValueLengthLimit: Number.POSITIVE_INFINITY,
};

const EXCEPTION_EVENT = "exception";
const ATTR_EXCEPTION_TYPE = "exception.type";
const ATTR_EXCEPTION_MESSAGE = "exception.message";
const ATTR_EXCEPTION_STACKTRACE = "exception.stacktrace";

function isPrimitive(v: unknown): v is string | number | boolean {
  const t = typeof v;
  return t === "string" || t === "number" || t === "boolean";
}

interface Cleaned {
  readonly attributes: Attributes;
  readonly dropped: number;
  /** True when every value was a primitive kept as it was (nothing dropped, nothing truncated). */
  readonly plain: boolean;
  /** The number of attributes kept. */
  readonly count: number;
}

/**
 * `cleanAttributes(attributes, limits)` for the common case, where every value is a primitive and nothing is
 * dropped; undefined when the input needs core's full treatment (other value types, empty keys, too many
 * attributes), which then gets exactly core's result. With `adopt`, the input object itself becomes the result
 * when nothing in it needs changing (the caller has handed it over), and undefined otherwise.
 * `for...in` with an own-property check visits what `Object.keys` lists, in its order, and V8 reads each value
 * through the object's enumeration cache rather than a keyed lookup.
 */
function cleanPrimitives(
  input: Attributes,
  countLimit: number,
  lengthLimit: number,
  adopt: boolean,
): Cleaned | undefined {
  const out: Attributes = adopt ? input : {};
  let count = 0;
  let plain = true;
  for (const key in input) {
    if (!Object.hasOwn(input, key)) continue;
    const v = input[key];
    if (v === undefined) {
      if (adopt) return undefined;
      continue;
    }
    if (key.length === 0 || count >= countLimit || !isPrimitive(v) || key === "__proto__") return undefined;
    if (typeof v === "string" && v.length > lengthLimit) {
      if (adopt) return undefined;
      out[key] = v.substring(0, lengthLimit);
      plain = false;
    } else if (!adopt) out[key] = v;
    count++;
  }
  return { attributes: out, dropped: 0, plain, count };
}

function clean(
  input: Attributes | undefined,
  limits: { attributeCountLimit: number; attributeValueLengthLimit: number },
  adopt = false,
): Cleaned {
  if (input === undefined || input === null || typeof input !== "object")
    return { attributes: {}, dropped: 0, plain: true, count: 0 };
  const fast =
    (adopt && cleanPrimitives(input, limits.attributeCountLimit, limits.attributeValueLengthLimit, true)) ||
    cleanPrimitives(input, limits.attributeCountLimit, limits.attributeValueLengthLimit, false);
  if (fast !== undefined) return fast;
  const slow = cleanAttributes(input, limits);
  const attributes = slow.attributes ?? {};
  const dropped = slow.droppedAttributesCount ?? 0;
  return { attributes, dropped, plain: false, count: Object.keys(attributes).length };
}

function isEmpty(attributes: Attributes | undefined): boolean {
  if (attributes === undefined) return true;
  for (const key in attributes) if (Object.hasOwn(attributes, key)) return false;
  return true;
}

/** Span processors, called in registration order (as sdk-trace's MultiSpanProcessor does). */
class Processors {
  constructor(readonly list: readonly SpanProcessor[]) {}

  onStart(span: SdkSpan, parent: Context): void {
    for (const p of this.list) p.onStart(span, parent);
  }

  onEnding(span: SdkSpan): void {
    for (const p of this.list) p.onEnding?.(span);
  }

  onEnd(span: ReadableSpan): void {
    for (const p of this.list) p.onEnd(span);
  }
}

interface SpanInit {
  readonly name: string;
  readonly kind: SpanKind;
  readonly spanContext: SpanContext;
  readonly parentSpanContext: SpanContext | undefined;
  readonly parentContext: Context;
  readonly attributes: Attributes;
  readonly attributeCount: number;
  readonly droppedAttributesCount: number;
  readonly links: Link[];
  readonly startTime: TimeInput | undefined;
  readonly resource: Resource;
  readonly scope: InstrumentationScope;
  readonly limits: Required<SpanLimits>;
  readonly processors: Processors;
}

/** A recording span: the API's `Span` for the caller, sdk-trace's `ReadableSpan` for processors and exporters. */
export class RecordingSpan implements SdkSpan {
  name: string;
  readonly kind: SpanKind;
  readonly parentSpanContext: SpanContext | undefined;
  readonly attributes: Attributes;
  links: Link[];
  readonly events: TimedEvent[] = [];
  readonly startTime: HrTime;
  endTime: HrTime = [0, 0];
  status: SpanStatus = { code: SpanStatusCode.UNSET };
  readonly resource: Resource;
  readonly instrumentationScope: InstrumentationScope;
  private readonly _spanContext: SpanContext;
  private readonly limits: Required<SpanLimits>;
  private readonly processors: Processors;
  private readonly performanceStart: number;
  private readonly performanceOffset: number;
  private readonly startTimeProvided: boolean;
  private attributeCount: number;
  private _droppedAttributesCount: number;
  private _droppedEventsCount = 0;
  private _droppedLinksCount = 0;
  private _duration: HrTime = [-1, -1];
  private _ended = false;

  constructor(init: SpanInit) {
    const now = Date.now();
    this._spanContext = init.spanContext;
    this.performanceStart = performance.now();
    this.performanceOffset = now - (this.performanceStart + performance.timeOrigin);
    this.startTimeProvided = init.startTime !== undefined && init.startTime !== null;
    this.limits = init.limits;
    this.processors = init.processors;
    this.name = init.name;
    this.parentSpanContext = init.parentSpanContext;
    this.kind = init.kind;
    // `time(now)` without its performance.now() call: a wall-clock epoch number is never below it.
    this.startTime =
      init.startTime === undefined || init.startTime === null
        ? millisToHrTime(now)
        : this.time(init.startTime);
    this.resource = init.resource;
    this.instrumentationScope = init.scope;
    const linkLimit = this.limits.linkCountLimit;
    if (init.links.length > linkLimit) {
      this.links = init.links.slice(init.links.length - linkLimit);
      this._droppedLinksCount = init.links.length - linkLimit;
    } else this.links = init.links;
    this.attributes = init.attributes;
    this.attributeCount = init.attributeCount;
    this._droppedAttributesCount = init.droppedAttributesCount;
    this.processors.onStart(this, init.parentContext);
  }

  spanContext(): SpanContext {
    return this._spanContext;
  }

  setAttribute(key: string, value?: AttributeValue): this {
    if (this.endedWarn()) return this;
    if (value === undefined) return this;
    if (key.length > 0 && isPrimitive(value)) {
      const isNew = !Object.hasOwn(this.attributes, key);
      if (isNew && this.attributeCount >= this.limits.attributeCountLimit) return this.dropAttribute();
      const limit = this.limits.attributeValueLengthLimit;
      this.attributes[key] =
        typeof value === "string" && value.length > limit ? value.substring(0, limit) : value;
      if (isNew) this.attributeCount++;
      return this;
    }
    const decision = maybeAddAttribute({
      key,
      value,
      attributes: this.attributes,
      limits: this.limits,
      currentAttributesCount: this.attributeCount,
    });
    if (decision === AddAttributeDecision.DROP_LIMIT_REACHED) return this.dropAttribute();
    if (decision === AddAttributeDecision.ADD_NEW) this.attributeCount++;
    return this;
  }

  private dropAttribute(): this {
    this._droppedAttributesCount++;
    if (this._droppedAttributesCount === 1) diag.warn("Dropping extra attributes.");
    return this;
  }

  setAttributes(attributes: Attributes): this {
    for (const key in attributes) if (Object.hasOwn(attributes, key)) this.setAttribute(key, attributes[key]);
    return this;
  }

  addEvent(name: string, attributesOrStartTime?: Attributes | TimeInput, timeStamp?: TimeInput): this {
    if (this.endedWarn()) return this;
    const { eventCountLimit } = this.limits;
    if (eventCountLimit === 0) {
      diag.warn("No events allowed.");
      this._droppedEventsCount++;
      return this;
    }
    if (this.events.length >= eventCountLimit) {
      if (this._droppedEventsCount === 0) diag.debug("Dropping extra events.");
      this.events.shift();
      this._droppedEventsCount++;
    }
    let attributes: Attributes | undefined;
    if (isTimeInput(attributesOrStartTime)) {
      if (!isTimeInput(timeStamp)) timeStamp = attributesOrStartTime;
    } else attributes = attributesOrStartTime;
    this.events.push({
      name,
      time: this.time(timeStamp),
      ...cleanSimpleAttributes(attributes, {
        attributeCountLimit: this.limits.attributePerEventCountLimit,
        attributeValueLengthLimit: this.limits.attributeValueLengthLimit,
      }),
    });
    return this;
  }

  addLink(link: Link): this {
    if (this.endedWarn()) return this;
    const { linkCountLimit } = this.limits;
    if (linkCountLimit === 0) {
      this._droppedLinksCount++;
      return this;
    }
    if (this.links.length >= linkCountLimit) {
      if (this._droppedLinksCount === 0) diag.debug("Dropping extra links.");
      this.links.shift();
      this._droppedLinksCount++;
    }
    this.links.push(cleanLink(link, this.limits));
    return this;
  }

  addLinks(links: Link[]): this {
    for (const link of links) this.addLink(link);
    return this;
  }

  setStatus(status: SpanStatus): this {
    if (this.endedWarn()) return this;
    if (status.code === SpanStatusCode.UNSET || this.status.code === SpanStatusCode.OK) return this;
    const next: SpanStatus = { code: status.code };
    if (status.code === SpanStatusCode.ERROR) {
      if (typeof status.message === "string") next.message = status.message;
      else if (status.message !== undefined && status.message !== null)
        diag.warn(`Dropping invalid status.message of type '${typeof status.message}', expected 'string'`);
    }
    this.status = next;
    return this;
  }

  updateName(name: string): this {
    if (this.endedWarn()) return this;
    this.name = name;
    return this;
  }

  end(endTime?: TimeInput): void {
    if (this.endedWarn()) {
      diag.error(
        `${this.name} ${this._spanContext.traceId}-${this._spanContext.spanId} - You can only call end() on a span once.`,
      );
      return;
    }
    this.endTime = this.time(endTime);
    this._duration = hrTimeDuration(this.startTime, this.endTime);
    if (this._duration[0] < 0) {
      diag.warn(
        "Inconsistent start and end time, startTime > endTime. Setting span duration to 0ms.",
        this.startTime,
        this.endTime,
      );
      this.endTime = [this.startTime[0], this.startTime[1]];
      this._duration = [0, 0];
    }
    if (this._droppedEventsCount > 0)
      diag.warn(`Dropped ${this._droppedEventsCount} events because eventCountLimit reached`);
    if (this._droppedLinksCount > 0)
      diag.warn(`Dropped ${this._droppedLinksCount} links because linkCountLimit reached`);
    this.processors.onEnding(this);
    this._ended = true;
    this.processors.onEnd(this);
  }

  isRecording(): boolean {
    return !this._ended;
  }

  recordException(exception: Exception, time?: TimeInput): void {
    const attributes: Attributes = {};
    if (typeof exception === "string") attributes[ATTR_EXCEPTION_MESSAGE] = exception;
    else if (exception) {
      if (exception.code) attributes[ATTR_EXCEPTION_TYPE] = exception.code.toString();
      else if (exception.name) attributes[ATTR_EXCEPTION_TYPE] = exception.name;
      if (exception.message) attributes[ATTR_EXCEPTION_MESSAGE] = exception.message;
      if (exception.stack) attributes[ATTR_EXCEPTION_STACKTRACE] = exception.stack;
    }
    if (attributes[ATTR_EXCEPTION_TYPE] || attributes[ATTR_EXCEPTION_MESSAGE])
      this.addEvent(EXCEPTION_EVENT, attributes, time);
    else diag.warn(`Failed to record an exception ${String(exception)}`);
  }

  get duration(): HrTime {
    return this._duration;
  }

  get ended(): boolean {
    return this._ended;
  }

  get droppedAttributesCount(): number {
    return this._droppedAttributesCount;
  }

  get droppedEventsCount(): number {
    return this._droppedEventsCount;
  }

  get droppedLinksCount(): number {
    return this._droppedLinksCount;
  }

  /** sdk-trace's clock: wall-clock start, monotonic duration; numbers below performance.now() are relative. */
  private time(input: TimeInput | undefined): HrTime {
    if (typeof input === "number" && input <= performance.now())
      return hrTime(input + this.performanceOffset);
    if (typeof input === "number") return millisToHrTime(input);
    if (input instanceof Date) return millisToHrTime(input.getTime());
    if (isTimeInputHrTime(input)) return input;
    if (this.startTimeProvided) return millisToHrTime(Date.now());
    return addHrTimes(this.startTime, millisToHrTime(performance.now() - this.performanceStart));
  }

  private endedWarn(): boolean {
    if (this._ended) {
      const { traceId, spanId } = this._spanContext;
      diag.warn(
        `Cannot execute the operation on ended Span {traceId: ${traceId}, spanId: ${spanId}}`,
        new Error(`Operation attempted on ended Span {traceId: ${traceId}, spanId: ${spanId}}`),
      );
    }
    return this._ended;
  }
}

function cleanLink(link: Link, limits: Required<SpanLimits>): Link {
  return {
    context: link.context,
    ...cleanAttributes(link.attributes, {
      attributeCountLimit: limits.attributePerLinkCountLimit,
      attributeValueLengthLimit: limits.attributeValueLengthLimit,
    }),
  };
}

interface TracerShared {
  readonly resource: Resource;
  readonly sampler: Sampler;
  /** True for sdk-trace's own samplers, which read the attributes they are given and never change them. */
  readonly samplerReadsOnly: boolean;
  readonly limits: Required<SpanLimits>;
  readonly idGenerator: IdGenerator;
  readonly processors: Processors;
}

class RecordingTracer implements Tracer {
  constructor(
    private readonly scope: InstrumentationScope,
    private readonly shared: TracerShared,
  ) {}

  startSpan(name: string, options: SpanOptions = {}, ctx: Context = contextApi.active()): Span {
    return this.start(name, options, ctx, false);
  }

  /** `startSpan`; with `adopt`, the caller has handed over `options.attributes` (see startSpanAdopting). */
  start(name: string, options: SpanOptions, ctx: Context, adopt: boolean): Span {
    if (options.root) ctx = trace.deleteSpan(ctx);
    if (isTracingSuppressed(ctx)) {
      diag.debug("Instrumentation suppressed, returning Noop Span");
      return trace.wrapSpanContext(INVALID_SPAN_CONTEXT);
    }
    const { sampler, limits, idGenerator } = this.shared;
    const parentSpanContext = trace.getSpan(ctx)?.spanContext();
    let spanId: string;
    let traceId: string;
    let traceState: SpanContext["traceState"];
    let validParent: SpanContext | undefined;
    if (parentSpanContext === undefined || !trace.isSpanContextValid(parentSpanContext)) {
      if (idGenerator instanceof FastIdGenerator) {
        const pair = idGenerator.generateIdPair();
        traceId = pair.substring(0, 32);
        spanId = pair.substring(32);
      } else {
        // sdk-trace's order, for id generators that count their calls.
        spanId = idGenerator.generateSpanId();
        traceId = idGenerator.generateTraceId();
      }
    } else {
      spanId = idGenerator.generateSpanId();
      traceId = parentSpanContext.traceId;
      traceState = parentSpanContext.traceState;
      validParent = parentSpanContext;
    }
    const kind = options.kind ?? SpanKind.INTERNAL;
    const links = (options.links ?? []).map((l) => cleanLink(l, limits));
    const first = clean(options.attributes, NO_LIMITS, adopt);
    const sampling = sampler.shouldSample(ctx, traceId, name, kind, first.attributes, links);
    traceState = sampling.traceState ?? traceState;
    const spanContext: SpanContext = {
      traceId,
      spanId,
      traceFlags:
        sampling.decision === SamplingDecision.RECORD_AND_SAMPLED ? TraceFlags.SAMPLED : TraceFlags.NONE,
      traceState,
    };
    if (sampling.decision === SamplingDecision.NOT_RECORD) {
      diag.debug("Recording is off, propagating context in a non-recording span");
      return trace.wrapSpanContext(spanContext);
    }
    // The span's own copy under its limits, as sdk-trace makes it; when a built-in sampler (which never changes
    // its arguments) added nothing and the first pass kept every value as it was under limits that cannot bind,
    // that copy would equal the first one.
    const reuse =
      this.shared.samplerReadsOnly &&
      first.plain &&
      isEmpty(sampling.attributes) &&
      limits.attributeValueLengthLimit === Number.POSITIVE_INFINITY &&
      first.count <= limits.attributeCountLimit;
    const second = reuse ? first : clean(Object.assign(first.attributes, sampling.attributes), limits);
    return new RecordingSpan({
      name,
      kind,
      spanContext,
      parentSpanContext: validParent,
      parentContext: ctx,
      attributes: second.attributes,
      attributeCount: second.count,
      droppedAttributesCount: first.dropped + second.dropped,
      links,
      startTime: options.startTime,
      resource: this.shared.resource,
      scope: this.scope,
      limits,
      processors: this.shared.processors,
    });
  }

  startActiveSpan<F extends (span: Span) => unknown>(name: string, fn: F): ReturnType<F>;
  startActiveSpan<F extends (span: Span) => unknown>(
    name: string,
    options: SpanOptions,
    fn: F,
  ): ReturnType<F>;
  startActiveSpan<F extends (span: Span) => unknown>(
    name: string,
    options: SpanOptions,
    ctx: Context,
    fn: F,
  ): ReturnType<F>;
  startActiveSpan<F extends (span: Span) => unknown>(
    name: string,
    a?: SpanOptions | F,
    b?: Context | F,
    c?: F,
  ): ReturnType<F> | undefined {
    let options: SpanOptions | undefined;
    let ctx: Context | undefined;
    let fn: F | undefined;
    if (typeof a === "function") fn = a;
    else if (typeof b === "function") {
      options = a;
      fn = b;
    } else {
      options = a;
      ctx = b;
      fn = c;
    }
    if (fn === undefined) return undefined;
    const parent = ctx ?? contextApi.active();
    const span = this.startSpan(name, options, parent);
    const run = fn as (span: Span) => ReturnType<F>;
    return contextApi.with(contextWithSpan(parent, span), run, undefined, span);
  }
}

/**
 * `tracer.startSpan(name, options, ctx)` for a caller that hands over `options.attributes`: a fresh object it
 * never reads or changes again. Our tracer then keeps that object as the span's attributes instead of copying
 * it (each value is still checked; anything a copy would change is copied as usual). Other tracers just start
 * the span. The HTTP server middleware uses it: one object and its keyed copy fewer per request.
 */
export function startSpanAdopting(tracer: Tracer, name: string, options: SpanOptions, ctx: Context): Span {
  return tracer instanceof RecordingTracer
    ? tracer.start(name, options, ctx, true)
    : tracer.startSpan(name, options, ctx);
}

export interface RecordingTracerProviderOptions {
  readonly resource: Resource;
  readonly sampler: Sampler;
  readonly spanProcessors: readonly SpanProcessor[];
  readonly spanLimits?: SpanLimits;
  readonly idGenerator?: IdGenerator;
}

/** The trace provider the SDK registers: tracers cached by scope, processors flushed and shut down together. */
export class RecordingTracerProvider implements TracerProvider {
  private readonly shared: TracerShared;
  private readonly tracers = new Map<string, RecordingTracer>();

  constructor(options: RecordingTracerProviderOptions) {
    this.shared = {
      resource: options.resource,
      sampler: options.sampler,
      samplerReadsOnly: isBuiltInSampler(options.sampler),
      limits: validLimits({ ...DEFAULT_LIMITS, ...definedOnly(options.spanLimits) }),
      idGenerator: options.idGenerator ?? new FastIdGenerator(),
      processors: new Processors([...options.spanProcessors]),
    };
  }

  getTracer(name: string, version?: string, options?: TracerOptions): Tracer {
    const key = `${name}@${version ?? ""}:${options?.schemaUrl ?? ""}`;
    let tracer = this.tracers.get(key);
    if (tracer === undefined) {
      const scope: InstrumentationScope = { name, version, schemaUrl: options?.schemaUrl };
      tracer = new RecordingTracer(scope, this.shared);
      this.tracers.set(key, tracer);
    }
    return tracer;
  }

  /**
   * Flushes every processor, each bounded by `timeoutMillis` as in sdk-trace (30 s); rejects with the failures
   * after all have settled.
   */
  async forceFlush(timeoutMillis = 30_000): Promise<void> {
    await settleAll(this.shared.processors.list.map((p) => withTimeout(p.forceFlush(), timeoutMillis)));
  }

  async shutdown(): Promise<void> {
    await settleAll(this.shared.processors.list.map((p) => p.shutdown()));
  }
}

function withTimeout(promise: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`Span processor did not completed within timeout period of ${ms} ms`)),
      ms,
    );
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

type SamplerClass = abstract new (...args: never[]) => Sampler;
const READ_ONLY_SAMPLERS: readonly SamplerClass[] = [
  AlwaysOnSampler,
  AlwaysOffSampler,
  TraceIdRatioBasedSampler,
];
const PARENT_BASED_DELEGATES = [
  "_root",
  "_remoteParentSampled",
  "_remoteParentNotSampled",
  "_localParentSampled",
  "_localParentNotSampled",
] as const;

/** sdk-trace's samplers, and ParentBased ones made of them (its delegates are plain fields in sdk-trace 3.x). */
function isBuiltInSampler(sampler: Sampler): boolean {
  if (READ_ONLY_SAMPLERS.some((c) => sampler instanceof c)) return true;
  if (!(sampler instanceof ParentBasedSampler)) return false;
  const fields = sampler as unknown as Record<(typeof PARENT_BASED_DELEGATES)[number], Sampler | undefined>;
  return PARENT_BASED_DELEGATES.every((f) => {
    const delegate = fields[f];
    return delegate !== undefined && isBuiltInSampler(delegate);
  });
}

/**
 * Limits as core applies them: a value length limit of zero or below (or not a number) is ignored with a warning
 * (core warns on every use; here once).
 */
function validLimits(limits: Required<SpanLimits>): Required<SpanLimits> {
  const length = limits.attributeValueLengthLimit;
  if (!(length > 0)) {
    diag.warn(`Invalid attributeValueLengthLimit: must be positive, got ${length} (ignoring)`);
    return { ...limits, attributeValueLengthLimit: Number.POSITIVE_INFINITY };
  }
  return limits;
}

function definedOnly(limits: SpanLimits | undefined): SpanLimits {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(limits ?? {})) if (typeof v === "number") out[k] = v;
  return out;
}

async function settleAll(promises: Promise<void>[]): Promise<void> {
  const results = await Promise.allSettled(promises);
  const failed = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed.length > 0)
    throw new AggregateError(
      failed.map((r) => r.reason as unknown),
      "span processor failed",
    );
}
