/**
 * Per-key rate limits over a sliding window (a log of the accepted requests' times): a request is accepted
 * when fewer than `limit` requests were accepted in the last `windowMs`. Exact at any instant, unlike fixed
 * windows that let twice the limit through across a boundary. Memory: one timestamp per accepted request in
 * the window, per key. State is per process (several replicas each enforce the limit on their own share).
 */

export interface RateDecision {
  readonly allowed: boolean;
  readonly limit: number;
  readonly remaining: number;
  /** When the oldest counted request leaves the window (ms from now); 0 when allowed. */
  readonly retryAfterMs: number;
}

export class SlidingWindowRateLimiter {
  private readonly logs = new Map<string, number[]>();

  constructor(
    private readonly windowMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  take(key: string, limit: number): RateDecision {
    const t = this.now();
    const since = t - this.windowMs;
    let log = this.logs.get(key);
    if (log === undefined) {
      log = [];
      this.logs.set(key, log);
    }
    let drop = 0;
    while (drop < log.length && (log[drop] as number) <= since) drop++;
    if (drop > 0) log.splice(0, drop);
    if (log.length >= limit) {
      const oldest = log[log.length - limit] as number;
      return { allowed: false, limit, remaining: 0, retryAfterMs: Math.max(1, oldest + this.windowMs - t) };
    }
    log.push(t);
    return { allowed: true, limit, remaining: limit - log.length, retryAfterMs: 0 };
  }

  /** Forgets keys idle for a whole window (call periodically). */
  sweep(): void {
    const since = this.now() - this.windowMs;
    for (const [key, log] of this.logs) {
      if (log.length === 0 || (log[log.length - 1] as number) <= since) this.logs.delete(key);
    }
  }

  get size(): number {
    return this.logs.size;
  }
}
