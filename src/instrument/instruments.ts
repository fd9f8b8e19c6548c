/**
 * The library's own instruments, created from the instrument table on first use after the SDK has started
 * and cached per MeterProvider (the metrics API has no proxy provider: an instrument made before the SDK
 * starts would stay a no-op forever, so the cache is keyed by the provider that is global at call time).
 */
import {
  type Counter,
  type Gauge,
  type Histogram,
  type Meter,
  type MeterProvider,
  metrics,
  type UpDownCounter,
} from "@opentelemetry/api";
import type { InstrumentSpec } from "../catalogue/instruments";
import * as spec from "../catalogue/instruments";
import { LIBRARY_NAME, LIBRARY_VERSION } from "../version";

export interface Instruments {
  readonly httpDuration: Histogram;
  /** In-flight requests per method: plain counters, read by an observable at collection time. */
  readonly httpActive: ActiveCounter;
  readonly httpRequestSize: Histogram;
  readonly httpResponseSize: Histogram;
  readonly llmDuration: Histogram;
  readonly llmTokens: Histogram;
  readonly llmTimeToFirstChunk: Histogram;
  readonly llmCost: Counter;
  readonly llmErrors: Counter;
  readonly agentDuration: Histogram;
  readonly agentActive: UpDownCounter;
  readonly cacheOperations: Counter;
  readonly cacheSize: Gauge;
  readonly apiKeyRequests: Counter;
  readonly rateLimitExceeded: Counter;
  readonly quotaUsage: Gauge;
  readonly dbDuration: Histogram;
}

const histogram = (m: Meter, s: InstrumentSpec): Histogram =>
  m.createHistogram(s.name, {
    unit: s.unit,
    description: s.description,
    ...(s.buckets ? { advice: { explicitBucketBoundaries: [...s.buckets] } } : {}),
  });
const counter = (m: Meter, s: InstrumentSpec): Counter =>
  m.createCounter(s.name, { unit: s.unit, description: s.description });
const upDown = (m: Meter, s: InstrumentSpec): UpDownCounter =>
  m.createUpDownCounter(s.name, { unit: s.unit, description: s.description });
const gauge = (m: Meter, s: InstrumentSpec): Gauge =>
  m.createGauge(s.name, { unit: s.unit, description: s.description });

/**
 * An up-down count kept as plain integers and observed at collection time: two metric records per request
 * (increment, decrement) cost more than the whole rest of the HTTP metrics, an integer add costs nothing.
 */
export interface ActiveCounter {
  add(delta: number, key: string): void;
}

function activeCounter(m: Meter, s: InstrumentSpec): ActiveCounter {
  const counts = new Map<string, number>();
  const attribute = s.attributes[0] ?? "key";
  m.createObservableUpDownCounter(s.name, { unit: s.unit, description: s.description }).addCallback((r) => {
    for (const [key, n] of counts) r.observe(n, { [attribute]: key });
  });
  return {
    add(delta, key) {
      counts.set(key, (counts.get(key) ?? 0) + delta);
    },
  };
}

/** Creates every instrument from a Meter (tests pass an in-memory provider's meter). */
export function createInstruments(m: Meter): Instruments {
  return {
    httpDuration: histogram(m, spec.HTTP_SERVER_REQUEST_DURATION),
    httpActive: activeCounter(m, spec.HTTP_SERVER_ACTIVE_REQUESTS),
    httpRequestSize: histogram(m, spec.HTTP_SERVER_REQUEST_BODY_SIZE),
    httpResponseSize: histogram(m, spec.HTTP_SERVER_RESPONSE_BODY_SIZE),
    llmDuration: histogram(m, spec.GEN_AI_CLIENT_OPERATION_DURATION),
    llmTokens: histogram(m, spec.GEN_AI_CLIENT_TOKEN_USAGE),
    llmTimeToFirstChunk: histogram(m, spec.GEN_AI_CLIENT_TIME_TO_FIRST_CHUNK),
    llmCost: counter(m, spec.LLM_COST),
    llmErrors: counter(m, spec.LLM_ERRORS),
    agentDuration: histogram(m, spec.AGENT_EXECUTION_DURATION),
    agentActive: upDown(m, spec.AGENT_EXECUTIONS_ACTIVE),
    cacheOperations: counter(m, spec.CACHE_OPERATIONS),
    cacheSize: gauge(m, spec.CACHE_SIZE),
    apiKeyRequests: counter(m, spec.API_KEY_REQUESTS),
    rateLimitExceeded: counter(m, spec.RATE_LIMIT_EXCEEDED),
    quotaUsage: gauge(m, spec.QUOTA_USAGE),
    dbDuration: histogram(m, spec.DB_CLIENT_OPERATION_DURATION),
  };
}

let cachedProvider: MeterProvider | undefined;
let cached: Instruments | undefined;

/** The instruments of the MeterProvider that is global now. */
export function instruments(): Instruments {
  const provider = metrics.getMeterProvider();
  if (provider !== cachedProvider || cached === undefined) {
    cachedProvider = provider;
    cached = createInstruments(provider.getMeter(LIBRARY_NAME, LIBRARY_VERSION));
  }
  return cached;
}
