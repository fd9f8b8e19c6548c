/**
 * Event loop responsiveness for /livez, measured in-process only: a heartbeat timer notes how late it fires
 * (the event loop lag). A process whose loop stalls for longer than a threshold is not live, even if it
 * manages to answer a probe in between stalls. The timer is unref'd: it never keeps the process alive.
 */

export interface EventLoopWatchOptions {
  /** Heartbeat period (default 500 ms). */
  readonly sampleIntervalMs?: number;
  /** How far back the worst lag is remembered (default 10 s). */
  readonly windowMs?: number;
}

export class EventLoopWatch {
  readonly sampleIntervalMs: number;
  readonly windowMs: number;
  private timer: NodeJS.Timeout | undefined;
  private lastBeat = 0;
  /** Pairs of (time, lag) within the window, oldest first. */
  private readonly samples: { at: number; lagMs: number }[] = [];

  constructor(opts: EventLoopWatchOptions = {}) {
    this.sampleIntervalMs = opts.sampleIntervalMs ?? 500;
    this.windowMs = opts.windowMs ?? 10_000;
    if (!(this.sampleIntervalMs > 0) || !(this.windowMs >= this.sampleIntervalMs)) {
      throw new RangeError("EventLoopWatch: sampleIntervalMs must be > 0 and windowMs >= sampleIntervalMs");
    }
  }

  get running(): boolean {
    return this.timer !== undefined;
  }

  start(): this {
    if (this.timer) return this;
    this.lastBeat = performance.now();
    this.timer = setInterval(() => this.beat(), this.sampleIntervalMs);
    this.timer.unref();
    return this;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private beat(): void {
    const now = performance.now();
    const lagMs = Math.max(0, now - this.lastBeat - this.sampleIntervalMs);
    this.lastBeat = now;
    this.samples.push({ at: now, lagMs });
    while (this.samples.length > 0 && (this.samples[0]?.at ?? now) < now - this.windowMs)
      this.samples.shift();
  }

  /** The worst lag seen within the window, including a stall still in progress. */
  maxLagMs(): number {
    if (!this.timer) return 0;
    const now = performance.now();
    let worst = Math.max(0, now - this.lastBeat - this.sampleIntervalMs);
    for (const s of this.samples) if (s.at >= now - this.windowMs && s.lagMs > worst) worst = s.lagMs;
    return worst;
  }
}

const KEY = Symbol.for("procode.observability.eventLoopWatch");
type GlobalWithWatch = typeof globalThis & { [KEY]?: EventLoopWatch };

/** The process-wide watch, started on first use. */
export function getEventLoopWatch(): EventLoopWatch {
  const g = globalThis as GlobalWithWatch;
  g[KEY] ??= new EventLoopWatch();
  return g[KEY].start();
}
