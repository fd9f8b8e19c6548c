/**
 * The outcome of recent LLM calls over a sliding window of time buckets, read by the LLM provider health
 * check (it has the shape of the health module's OutcomeSource). Recording is O(1).
 */

export interface OutcomeSnapshot {
  readonly total: number;
  readonly failures: number;
  readonly lastErrorType: string | undefined;
  readonly windowMs: number;
}

export class CallOutcomes {
  private readonly index: number[];
  private readonly ok: number[];
  private readonly failed: number[];
  private readonly bucketMs: number;
  private lastErrorType: string | undefined;
  private lastErrorAt = Number.NEGATIVE_INFINITY;

  constructor(
    readonly windowMs = 300_000,
    buckets = 30,
    private readonly now: () => number = Date.now,
  ) {
    this.bucketMs = windowMs / buckets;
    this.index = new Array<number>(buckets).fill(-1);
    this.ok = new Array<number>(buckets).fill(0);
    this.failed = new Array<number>(buckets).fill(0);
  }

  private slot(t: number): number {
    const i = Math.floor(t / this.bucketMs);
    const at = i % this.index.length;
    if (this.index[at] !== i) {
      this.index[at] = i;
      this.ok[at] = 0;
      this.failed[at] = 0;
    }
    return at;
  }

  record(success: boolean, errorType?: string): void {
    const t = this.now();
    const at = this.slot(t);
    if (success) this.ok[at] = (this.ok[at] ?? 0) + 1;
    else {
      this.failed[at] = (this.failed[at] ?? 0) + 1;
      this.lastErrorType = errorType;
      this.lastErrorAt = t;
    }
  }

  snapshot(): OutcomeSnapshot {
    const t = this.now();
    const current = Math.floor(t / this.bucketMs);
    let total = 0;
    let failures = 0;
    for (let at = 0; at < this.index.length; at++) {
      const i = this.index[at] as number;
      if (i < 0 || current - i >= this.index.length) continue;
      total += (this.ok[at] ?? 0) + (this.failed[at] ?? 0);
      failures += this.failed[at] ?? 0;
    }
    const recent = t - this.lastErrorAt < this.windowMs;
    return {
      total,
      failures,
      lastErrorType: recent ? this.lastErrorType : undefined,
      windowMs: this.windowMs,
    };
  }
}
