/**
 * Steady traffic with a clock, for the Collector-restart test: requests at a fixed rate (at most `maxInFlight`
 * at once; a tick that finds them all busy is counted as skipped, never queued), each outcome kept with its
 * start time and latency; and the service's resident set size sampled from /proc meanwhile. Both are split
 * into phases afterwards by time.
 */
import { readFileSync } from "node:fs";
import { quantile } from "../../service/load/stats";

export interface Outcome {
  /** Date.now() when the request was sent. */
  readonly startedAt: number;
  readonly latencyMs: number;
  /** HTTP status, or 0 when the request failed (connection error, timeout). */
  readonly status: number;
}

export class SteadyTraffic {
  private readonly timer: NodeJS.Timeout;
  private readonly pending = new Set<Promise<void>>();
  readonly outcomes: Outcome[] = [];
  skipped = 0;

  constructor(send: () => Promise<number>, perSecond: number, maxInFlight: number) {
    this.timer = setInterval(() => {
      if (this.pending.size >= maxInFlight) {
        this.skipped++;
        return;
      }
      const startedAt = Date.now();
      const t0 = performance.now();
      const done = send()
        .catch(() => 0)
        .then((status) => {
          this.outcomes.push({ startedAt, latencyMs: performance.now() - t0, status });
        })
        .finally(() => this.pending.delete(done));
      this.pending.add(done);
    }, 1000 / perSecond);
  }

  /** Stops sending and waits for the requests in flight. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await Promise.all([...this.pending]);
  }
}

/** VmRSS of a process in bytes, from /proc/<pid>/status. */
export function residentBytes(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  if (!match) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(match[1]) * 1024;
}

export interface RssSample {
  readonly at: number;
  readonly bytes: number;
}

export class RssSampler {
  private readonly timer: NodeJS.Timeout;
  readonly samples: RssSample[] = [];

  constructor(pid: number, intervalMs: number) {
    const sample = (): void => {
      try {
        this.samples.push({ at: Date.now(), bytes: residentBytes(pid) });
      } catch {
        // The process is gone: the outcomes will say so.
      }
    };
    sample();
    this.timer = setInterval(sample, intervalMs);
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

export interface PhaseFigures {
  readonly phase: string;
  readonly seconds: number;
  readonly requests: number;
  readonly statuses: Readonly<Record<string, number>>;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly rssMinMiB: number;
  readonly rssMaxMiB: number;
  readonly rssLastMiB: number;
}

const mib = (bytes: number): number => Math.round((bytes / 1024 / 1024) * 10) / 10;
const ms = (v: number): number => Math.round(v * 10) / 10;

/** Latency quantiles (nearest rank, of requests started in [from, to)) and RSS over the same window. */
export function phaseFigures(
  phase: string,
  from: number,
  to: number,
  outcomes: readonly Outcome[],
  rss: readonly RssSample[],
): PhaseFigures {
  const inPhase = outcomes.filter((o) => o.startedAt >= from && o.startedAt < to);
  const latencies = inPhase.map((o) => o.latencyMs).sort((a, b) => a - b);
  const statuses: Record<string, number> = {};
  for (const o of inPhase) statuses[o.status] = (statuses[o.status] ?? 0) + 1;
  const memory = rss.filter((s) => s.at >= from && s.at < to).map((s) => s.bytes);
  return {
    phase,
    seconds: Math.round((to - from) / 100) / 10,
    requests: inPhase.length,
    statuses,
    p50Ms: ms(quantile(latencies, 0.5)),
    p99Ms: ms(quantile(latencies, 0.99)),
    maxMs: ms(latencies.at(-1) ?? 0),
    rssMinMiB: mib(Math.min(...memory)),
    rssMaxMiB: mib(Math.max(...memory)),
    rssLastMiB: mib(memory.at(-1) ?? 0),
  };
}
