/**
 * Per-level event sampling and the count of what never reached Sentry. The seed's rates (every fatal and
 * error event, half the warnings, a tenth of info) are the defaults; SENTRY_SAMPLE_RATES overrides any level.
 *
 * Everything not sent is counted on `sentry.events.dropped` (Prometheus: sentry_events_dropped_total) by
 * `level` and `reason`: "sampled" and "ignored" are decided here, before the event is serialised;
 * "before_send_error" when a hook failed and the event was dropped rather than sent unscrubbed; "backoff"
 * when the transport had stopped trying an unreachable Sentry for a while; the losses inside Sentry's
 * pipeline afterwards ("queue_overflow", "network_error", "ratelimit_backoff",
 * "send_error", ...) carry no level, because Sentry reports them without one. So sent + dropped = captured.
 */
import { type Counter, type MeterProvider, metrics } from "@opentelemetry/api";
import { ATTR_SENTRY_DROP_REASON, ATTR_SENTRY_LEVEL, SENTRY_EVENTS_DROPPED } from "../catalogue/instruments";
import { LIBRARY_NAME, LIBRARY_VERSION } from "../version";
import type { SentryLevel } from "./config";

export { ATTR_SENTRY_DROP_REASON, ATTR_SENTRY_LEVEL, SENTRY_EVENTS_DROPPED } from "../catalogue/instruments";

export type DropReason =
  | "sampled"
  | "ignored"
  | "before_send_error"
  | "backoff"
  | "queue_overflow"
  | "buffer_overflow"
  | "network_error"
  | "ratelimit_backoff"
  | "send_error"
  | "event_processor"
  | "sample_rate"
  | "internal_sdk_error"
  | "_OTHER";

const PIPELINE_REASONS = new Set<string>([
  "queue_overflow",
  "buffer_overflow",
  "network_error",
  "ratelimit_backoff",
  "send_error",
  "event_processor",
  "sample_rate",
  "internal_sdk_error",
]);

/** Maps a reason reported by Sentry's client or transport onto the closed set above (bounded cardinality). */
export function pipelineReason(reason: string): DropReason {
  return PIPELINE_REASONS.has(reason) ? (reason as DropReason) : "_OTHER";
}

let cachedProvider: MeterProvider | undefined;
let cachedCounter: Counter | undefined;

/** The counter of the MeterProvider that is global now (created after the SDK started, never at import). */
function droppedCounter(): Counter {
  const provider = metrics.getMeterProvider();
  if (provider !== cachedProvider || cachedCounter === undefined) {
    cachedProvider = provider;
    cachedCounter = provider
      .getMeter(LIBRARY_NAME, LIBRARY_VERSION)
      .createCounter(SENTRY_EVENTS_DROPPED.name, {
        unit: SENTRY_EVENTS_DROPPED.unit,
        description: SENTRY_EVENTS_DROPPED.description,
      });
  }
  return cachedCounter;
}

/** Counts events that were not sent. `level` is omitted for losses after serialisation. */
export function recordDropped(reason: DropReason, level?: SentryLevel, count = 1): void {
  try {
    droppedCounter().add(count, {
      [ATTR_SENTRY_DROP_REASON]: reason,
      ...(level !== undefined ? { [ATTR_SENTRY_LEVEL]: level } : {}),
    });
  } catch {
    // Telemetry about telemetry never throws into the capture path.
  }
}

export class LevelSampler {
  constructor(
    private readonly rates: Readonly<Record<SentryLevel, number>>,
    private readonly random: () => number = Math.random,
  ) {}

  rateOf(level: SentryLevel): number {
    return this.rates[level];
  }

  /** True when an event of this level is kept. Rate 1 always keeps, rate 0 never does. */
  keep(level: SentryLevel): boolean {
    const rate = this.rates[level];
    if (rate >= 1) return true;
    if (rate <= 0) return false;
    return this.random() < rate;
  }
}
