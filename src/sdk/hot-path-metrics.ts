/**
 * The per-request HTTP server metrics, aggregated outside the SDK's synchronous instruments and handed to the
 * metric reader as a `MetricProducer`.
 *
 * Why: a synchronous `Histogram.record()` in sdk-metrics hashes its attribute set on every call (sorted keys
 * through JSON.stringify) and walks four storage layers; three records per request cost 4.5 us of CPU on a
 * 15 us Hono route (bench/results/overhead.md). Here the caller resolves a series by a string key it builds
 * from values it already holds, and a record is a bucket scan and four additions.
 *
 * The output is what the SDK itself would export for the same records: cumulative explicit-bucket histograms
 * (upper-inclusive buckets, sum, count, min, max; NaN and negative values dropped), the up-down count of
 * active requests, the same instrument names, units and descriptions from the catalogue and, in embedded mode,
 * the same Prometheus stream names as the views give the SDK's instruments. test/spine/hot-path-metrics.test.ts
 * pins the equivalence against the SDK.
 *
 * One deliberate difference: the cardinality limit holds for the life of the process. Past `limit - 1`
 * attribute sets, new ones fold into one `otel.metric.overflow=true` series, so totals stay exact. sdk-metrics
 * 3.1 applies its limit per collection interval, so its cumulative output can gain up to `limit - 1` new series
 * at every export, which under cumulative temporality grows without bound.
 */
import { type Attributes, diag, type HrTime, ValueType } from "@opentelemetry/api";
import { millisToHrTime } from "@opentelemetry/core";
import type { Resource } from "@opentelemetry/resources";
import {
  AggregationTemporality,
  type CollectionResult,
  type DataPoint,
  DataPointType,
  type Histogram as HistogramValue,
  InstrumentType,
  type MetricData,
  type MetricProducer,
} from "@opentelemetry/sdk-metrics";
import {
  HTTP_SERVER_ACTIVE_REQUESTS,
  HTTP_SERVER_REQUEST_BODY_SIZE,
  HTTP_SERVER_REQUEST_DURATION,
  HTTP_SERVER_RESPONSE_BODY_SIZE,
  type InstrumentSpec,
} from "../catalogue/instruments";
import { embeddedStreamName } from "../catalogue/prometheus-names";
import {
  durationAttributes,
  type HistogramRecorder,
  type HttpRequestSeries,
  type HttpServerMetrics,
  sizeAttributes,
} from "../instrument/http-metrics";
import { ATTR_HTTP_REQUEST_METHOD } from "../semconv";
import { LIBRARY_NAME, LIBRARY_VERSION } from "../version";

const OVERFLOW: Attributes = Object.freeze({ "otel.metric.overflow": true });

export interface HotPathOptions {
  /** Series per instrument, overflow series included (the SDK's `aggregationCardinalityLimit`). */
  readonly cardinalityLimit: number;
  /** Export under the Collector-translated Prometheus names (embedded /metrics), as the views do. */
  readonly prometheusNames: boolean;
}

/** One attribute set of one histogram: the running cumulative state. */
class HistogramSeries implements HistogramRecorder {
  readonly counts: number[];
  sum = 0;
  count = 0;
  min = Number.POSITIVE_INFINITY;
  max = Number.NEGATIVE_INFINITY;
  readonly startTime: HrTime = millisToHrTime(Date.now());

  constructor(
    readonly attributes: Attributes,
    private readonly boundaries: readonly number[],
  ) {
    this.counts = new Array<number>(boundaries.length + 1).fill(0);
  }

  /** Negative values are refused before a series exists (LazySeries); NaN is dropped here, as the SDK does. */
  record(value: number): void {
    if (!(value >= 0)) return;
    const b = this.boundaries;
    let i = 0;
    while (i < b.length && (b[i] as number) < value) i++;
    this.counts[i] = (this.counts[i] as number) + 1;
    this.count++;
    this.sum += value;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
  }

  snapshot(endTime: HrTime): DataPoint<HistogramValue> {
    return {
      startTime: this.startTime,
      endTime,
      attributes: this.attributes,
      value: {
        buckets: { boundaries: [...this.boundaries], counts: [...this.counts] },
        sum: this.sum,
        count: this.count,
        // As the SDK: a series whose only records were NaN has no min and max.
        ...(this.count > 0 ? { min: this.min, max: this.max } : {}),
      },
    };
  }
}

/** A histogram whose series are looked up by a caller-built key; bounded by the cardinality limit. */
class KeyedHistogram {
  private readonly series = new Map<string, HistogramSeries>();
  private overflow: HistogramSeries | undefined;
  private readonly boundaries: readonly number[];

  constructor(
    readonly spec: InstrumentSpec,
    private readonly options: HotPathOptions,
  ) {
    if (!spec.buckets) throw new Error(`${spec.name}: a hot-path histogram needs bucket boundaries`);
    this.boundaries = spec.buckets;
  }

  /** The series for `key`; `attributes` builds its attribute set the first time the key is seen. */
  get(key: string, attributes: () => Attributes): HistogramSeries {
    const found = this.series.get(key);
    if (found) return found;
    // The SDK keeps limit - 1 attribute sets and folds every further one into the overflow series.
    if (this.series.size >= this.options.cardinalityLimit - 1) {
      this.overflow ??= new HistogramSeries(OVERFLOW, this.boundaries);
      return this.overflow;
    }
    const created = new HistogramSeries(attributes(), this.boundaries);
    this.series.set(key, created);
    return created;
  }

  collect(endTime: HrTime): MetricData | undefined {
    const points: DataPoint<HistogramValue>[] = [];
    for (const s of this.series.values()) points.push(s.snapshot(endTime));
    if (this.overflow) points.push(this.overflow.snapshot(endTime));
    if (points.length === 0) return undefined;
    return {
      descriptor: descriptor(this.spec, InstrumentType.HISTOGRAM, this.options),
      aggregationTemporality: AggregationTemporality.CUMULATIVE,
      dataPointType: DataPointType.HISTOGRAM,
      dataPoints: points,
    };
  }
}

function descriptor(
  spec: InstrumentSpec,
  type: InstrumentType,
  options: HotPathOptions,
): MetricData["descriptor"] & { readonly type: InstrumentType } {
  return {
    type,
    name: options.prometheusNames ? embeddedStreamName(spec) : spec.name,
    description: spec.description,
    unit: spec.unit,
    valueType: ValueType.DOUBLE,
  };
}

/**
 * A series resolved on its first record, as the SDK creates one: a request that never records a body size
 * leaves no empty series behind, and the cardinality limit counts only attribute sets that were recorded.
 */
class LazySeries implements HistogramRecorder {
  private series: HistogramSeries | undefined;

  constructor(
    private readonly histogram: KeyedHistogram,
    private readonly key: string,
    private readonly attributes: () => Attributes,
  ) {}

  record(value: number): void {
    if (value < 0) {
      // Refused before a series exists, as the SDK's instrument does: no empty series, no cardinality used.
      diag.warn(`negative value provided to histogram ${this.histogram.spec.name}: ${value}`);
      return;
    }
    this.series ??= this.histogram.get(this.key, this.attributes);
    this.series.record(value);
  }
}

/** Bound on the per-combination cache; past it (a runaway error.type) requests resolve their series uncached. */
const MAX_CACHED_COMBINATIONS = 4096;

export class HotPathMetrics implements MetricProducer, HttpServerMetrics {
  private readonly duration: KeyedHistogram;
  private readonly requestSize: KeyedHistogram;
  private readonly responseSize: KeyedHistogram;
  private readonly active = new Map<string, number>();
  private readonly activeStart = millisToHrTime(Date.now());
  /** The request's series, cached per attribute-value combination: a request allocates nothing here. */
  private readonly combinations = new Map<
    string | undefined,
    Map<string, Map<number | string, HttpRequestSeries>>
  >();
  private cached = 0;

  constructor(
    private readonly resource: Resource,
    private readonly options: HotPathOptions,
  ) {
    this.duration = new KeyedHistogram(HTTP_SERVER_REQUEST_DURATION, options);
    this.requestSize = new KeyedHistogram(HTTP_SERVER_REQUEST_BODY_SIZE, options);
    this.responseSize = new KeyedHistogram(HTTP_SERVER_RESPONSE_BODY_SIZE, options);
  }

  activeAdd(method: string, delta: number): void {
    this.active.set(method, (this.active.get(method) ?? 0) + delta);
  }

  series(
    method: string,
    status: number,
    route: string | undefined,
    errorType: string | undefined,
  ): HttpRequestSeries {
    // Nested maps keyed by the values themselves: route templates and methods are the same string objects
    // request after request (their hashes are cached), the status is a small integer. No key string is built.
    let byMethod = this.combinations.get(route);
    if (byMethod === undefined) {
      byMethod = new Map();
      this.combinations.set(route, byMethod);
    }
    let byStatus = byMethod.get(method);
    if (byStatus === undefined) {
      byStatus = new Map();
      byMethod.set(method, byStatus);
    }
    const cacheKey = errorType === undefined ? status : `${status} ${errorType}`;
    const cached = byStatus.get(cacheKey);
    if (cached) return cached;
    const made = this.resolve(method, status, route, errorType);
    if (this.cached < MAX_CACHED_COMBINATIONS) {
      byStatus.set(cacheKey, made);
      this.cached++;
    }
    return made;
  }

  private resolve(
    method: string,
    status: number,
    route: string | undefined,
    errorType: string | undefined,
  ): HttpRequestSeries {
    // "\u0001" cannot occur in a route template, a method or an error type: no two combinations share a key.
    const key = `${method}\u0000${status}\u0000${route ?? "\u0001"}\u0000${errorType ?? "\u0001"}`;
    const sizeKey = `${method}\u0000${route ?? "\u0001"}`;
    return {
      duration: new LazySeries(this.duration, key, () =>
        durationAttributes(method, status, route, errorType),
      ),
      requestSize: new LazySeries(this.requestSize, sizeKey, () => sizeAttributes(method, route)),
      responseSize: new LazySeries(this.responseSize, sizeKey, () => sizeAttributes(method, route)),
    };
  }

  collect(): Promise<CollectionResult> {
    const endTime = millisToHrTime(Date.now());
    const metrics: MetricData[] = [];
    for (const h of [this.duration, this.requestSize, this.responseSize]) {
      const m = h.collect(endTime);
      if (m) metrics.push(m);
    }
    if (this.active.size > 0) {
      metrics.push({
        descriptor: descriptor(
          HTTP_SERVER_ACTIVE_REQUESTS,
          InstrumentType.OBSERVABLE_UP_DOWN_COUNTER,
          this.options,
        ),
        aggregationTemporality: AggregationTemporality.CUMULATIVE,
        dataPointType: DataPointType.SUM,
        isMonotonic: false,
        dataPoints: [...this.active].map(([method, n]) => ({
          startTime: this.activeStart,
          endTime,
          attributes: { [ATTR_HTTP_REQUEST_METHOD]: method },
          value: n,
        })),
      });
    }
    return Promise.resolve({
      resourceMetrics: {
        resource: this.resource,
        scopeMetrics:
          metrics.length === 0 ? [] : [{ scope: { name: LIBRARY_NAME, version: LIBRARY_VERSION }, metrics }],
      },
      errors: [],
    });
  }
}
