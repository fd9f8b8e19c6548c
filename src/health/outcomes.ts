/**
 * The outcome of recent real calls to a dependency (LLM calls, for the LLM provider check): a sliding window
 * of time buckets counting successes and failures. Recording is O(1) and allocation-free, so the LLM wrappers
 * can feed it on every call; the health check reads a snapshot in the background.
 */

export interface OutcomeSnapshot {
  /** Calls that ended within the window. */
  readonly total: number;
  readonly failures: number;
  /** The `error.type` of the most recent failure within the window. */
  readonly lastErrorType: string | undefined;
  readonly windowMs: number;
}

/** Anything the LLM provider check can read recent outcomes from. */
export interface OutcomeSource {
  snapshot(): OutcomeSnapshot;
}

export interface RecentOutcomesOptions {
  /** Length of the window (default 5 minutes). */
  readonly windowMs?: number;
  /** Number of buckets the window is split into (default 30). */
  readonly buckets?: number;
  /** Clock, for tests (default Date.now). */
  readonly now?: () => number;
}

export class RecentOutcomes implements OutcomeSource {
  readonly windowMs: number;
  private readonly bucketMs: number;
  private readonly slots: number[];
  private readonly ok: number[];
  private readonly failed: number[];
  private lastErrorType: string | undefined;
  private lastErrorAt = Number.NEGATIVE_INFINITY;
  private readonly now: () => number;

  constructor(opts: RecentOutcomesOptions = {}) {
    const windowMs = opts.windowMs ?? 300_000;
    const buckets = opts.buckets ?? 30;
    if (!(windowMs > 0) || !Number.isInteger(buckets) || buckets < 1) {
      throw new RangeError(
        `RecentOutcomes: windowMs must be > 0 and buckets a positive integer (got ${windowMs}, ${buckets})`,
      );
    }
    this.windowMs = windowMs;
    this.bucketMs = windowMs / buckets;
    this.slots = new Array<number>(buckets).fill(-1);
    this.ok = new Array<number>(buckets).fill(0);
    this.failed = new Array<number>(buckets).fill(0);
    this.now = opts.now ?? Date.now;
  }

  private slot(t: number): number {
    const index = Math.floor(t / this.bucketMs);
    const at = index % this.slots.length;
    if (this.slots[at] !== index) {
      this.slots[at] = index;
      this.ok[at] = 0;
      this.failed[at] = 0;
    }
    return at;
  }

  /** Records one finished call; `errorType` is a class name or status code, never a message. */
  record(success: boolean, errorType?: string): void {
    const t = this.now();
    const at = this.slot(t);
    if (success) {
      this.ok[at] = (this.ok[at] ?? 0) + 1;
    } else {
      this.failed[at] = (this.failed[at] ?? 0) + 1;
      this.lastErrorType = errorType;
      this.lastErrorAt = t;
    }
  }

  snapshot(): OutcomeSnapshot {
    const t = this.now();
    const current = Math.floor(t / this.bucketMs);
    const oldest = current - this.slots.length + 1;
    let ok = 0;
    let failures = 0;
    for (let i = 0; i < this.slots.length; i++) {
      const index = this.slots[i] ?? -1;
      if (index >= oldest && index <= current) {
        ok += this.ok[i] ?? 0;
        failures += this.failed[i] ?? 0;
      }
    }
    const lastErrorType =
      failures > 0 && t - this.lastErrorAt <= this.windowMs ? this.lastErrorType : undefined;
    return { total: ok + failures, failures, lastErrorType, windowMs: this.windowMs };
  }
}
