/**
 * The load loop: `concurrency` workers send the planned requests to the target until the count is reached or
 * the duration has passed (optionally paced to a request rate), recording each outcome. Stops early, cleanly,
 * when `stop()` is called.
 */
import { type MixOptions, TrafficMix } from "./mix";
import { Stats } from "./stats";

export interface LoadOptions extends MixOptions {
  readonly target: string;
  /** Stop after this many requests (undefined: no limit). */
  readonly count: number | undefined;
  /** Stop after this long (undefined: no limit). */
  readonly durationMs: number | undefined;
  readonly concurrency: number;
  /** Requests per second over all workers (undefined: as fast as the workers go). */
  readonly rps: number | undefined;
  readonly requestTimeoutMs: number;
}

export class LoadRun {
  readonly stats = new Stats();
  private readonly mix: TrafficMix;
  private issued = 0;
  private stopped = false;
  private readonly deadline: number;

  constructor(private readonly options: LoadOptions) {
    if (options.count === undefined && options.durationMs === undefined) {
      throw new Error("a load run needs a count or a duration");
    }
    this.mix = new TrafficMix(options);
    this.deadline =
      options.durationMs === undefined ? Number.POSITIVE_INFINITY : Date.now() + options.durationMs;
  }

  stop(): void {
    this.stopped = true;
  }

  get inFlight(): number {
    return this.issued - this.stats.count;
  }

  private take(): number | undefined {
    if (this.stopped || Date.now() >= this.deadline) return undefined;
    if (this.options.count !== undefined && this.issued >= this.options.count) return undefined;
    return this.issued++;
  }

  private async pace(index: number): Promise<void> {
    const rps = this.options.rps;
    if (rps === undefined) return;
    const due = this.stats.startedAt + (index * 1000) / rps;
    const wait = due - performance.now();
    if (wait > 0)
      await new Promise((r) => setTimeout(r, Math.min(wait, Math.max(0, this.deadline - Date.now()))));
  }

  private async one(): Promise<void> {
    const planned = this.mix.next();
    const t0 = performance.now();
    try {
      const res = await fetch(`${this.options.target}/api/chat`, {
        method: "POST",
        headers: planned.headers,
        body: planned.body,
        signal: AbortSignal.timeout(this.options.requestTimeoutMs),
      });
      const text = await res.text();
      let code: string | undefined;
      if (res.status >= 400) {
        try {
          code = (JSON.parse(text) as { error?: { code?: string } }).error?.code;
        } catch {
          code = "non_json_error";
        }
      }
      this.stats.record(res.status, performance.now() - t0, code);
    } catch {
      this.stats.record("network_error", performance.now() - t0, "network_error");
    }
  }

  private async worker(): Promise<void> {
    for (;;) {
      const index = this.take();
      if (index === undefined) return;
      await this.pace(index);
      if (this.stopped || Date.now() >= this.deadline) {
        this.issued--;
        return;
      }
      await this.one();
    }
  }

  async run(): Promise<void> {
    await Promise.all(Array.from({ length: this.options.concurrency }, () => this.worker()));
  }
}
