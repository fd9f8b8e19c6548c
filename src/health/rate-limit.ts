/**
 * A fixed-window request limit per client address, with a bounded table (the oldest entry is evicted when
 * full, so a flood of addresses costs memory proportional to `maxClients`, never more).
 */

export interface RateLimitOptions {
  /** Requests allowed per address per window. */
  readonly limit: number;
  readonly windowMs: number;
  /** Addresses tracked at most (default 10,000). */
  readonly maxClients?: number;
}

export interface RateDecision {
  readonly allowed: boolean;
  /** When the caller may try again (0 when allowed). */
  readonly retryAfterMs: number;
}

interface Window {
  start: number;
  count: number;
}

export class AddressRateLimiter {
  readonly limit: number;
  readonly windowMs: number;
  readonly maxClients: number;
  private readonly windows = new Map<string, Window>();
  private lastSweep = 0;

  constructor(
    opts: RateLimitOptions,
    private readonly now: () => number = Date.now,
  ) {
    this.limit = opts.limit;
    this.windowMs = opts.windowMs;
    this.maxClients = opts.maxClients ?? 10_000;
    if (!Number.isInteger(this.limit) || this.limit < 1 || !(this.windowMs > 0) || !(this.maxClients >= 1)) {
      throw new RangeError("rate limit: limit must be an integer >= 1, windowMs > 0, maxClients >= 1");
    }
  }

  get size(): number {
    return this.windows.size;
  }

  take(key: string): RateDecision {
    const now = this.now();
    if (now - this.lastSweep >= this.windowMs) this.sweep(now);
    let w = this.windows.get(key);
    if (w === undefined || now - w.start >= this.windowMs) {
      if (w !== undefined) this.windows.delete(key);
      else if (this.windows.size >= this.maxClients) {
        const oldest = this.windows.keys().next();
        if (!oldest.done) this.windows.delete(oldest.value);
      }
      w = { start: now, count: 0 };
      this.windows.set(key, w);
    }
    w.count++;
    if (w.count <= this.limit) return { allowed: true, retryAfterMs: 0 };
    return { allowed: false, retryAfterMs: Math.max(1, w.start + this.windowMs - now) };
  }

  private sweep(now: number): void {
    this.lastSweep = now;
    // Entries are in insertion order of their current window: stop at the first one still open.
    for (const [key, w] of this.windows) {
      if (now - w.start < this.windowMs) break;
      this.windows.delete(key);
    }
  }
}
