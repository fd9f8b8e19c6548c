/** Latency and outcome statistics of a load run. */

export interface Summary {
  readonly requests: number;
  readonly durationSeconds: number;
  readonly throughput: number;
  readonly statuses: Readonly<Record<string, number>>;
  readonly errorCodes: Readonly<Record<string, number>>;
  readonly networkErrors: number;
  readonly latencyMs: {
    readonly p50: number;
    readonly p90: number;
    readonly p95: number;
    readonly p99: number;
    readonly max: number;
  };
}

/** The value at quantile q (0..1) of sorted values, nearest rank. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.ceil(q * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))] as number;
}

export class Stats {
  private readonly latencies: number[] = [];
  private readonly statuses = new Map<string, number>();
  private readonly codes = new Map<string, number>();
  private network = 0;
  readonly startedAt = performance.now();

  record(status: number | "network_error", latencyMs: number, errorCode?: string): void {
    if (status === "network_error") this.network++;
    else this.latencies.push(latencyMs);
    const key = String(status);
    this.statuses.set(key, (this.statuses.get(key) ?? 0) + 1);
    if (errorCode !== undefined) this.codes.set(errorCode, (this.codes.get(errorCode) ?? 0) + 1);
  }

  get count(): number {
    let n = 0;
    for (const v of this.statuses.values()) n += v;
    return n;
  }

  countOf(predicate: (status: string) => boolean): number {
    let n = 0;
    for (const [k, v] of this.statuses) if (predicate(k)) n += v;
    return n;
  }

  summary(): Summary {
    const sorted = [...this.latencies].sort((a, b) => a - b);
    const seconds = (performance.now() - this.startedAt) / 1000;
    const round = (v: number) => Math.round(v * 10) / 10;
    const sortedEntries = (m: Map<string, number>) =>
      Object.fromEntries([...m].sort(([a], [b]) => a.localeCompare(b)));
    return {
      requests: this.count,
      durationSeconds: round(seconds),
      throughput: round(this.count / Math.max(seconds, 0.001)),
      statuses: sortedEntries(this.statuses),
      errorCodes: sortedEntries(this.codes),
      networkErrors: this.network,
      latencyMs: {
        p50: round(quantile(sorted, 0.5)),
        p90: round(quantile(sorted, 0.9)),
        p95: round(quantile(sorted, 0.95)),
        p99: round(quantile(sorted, 0.99)),
        max: round(sorted.at(-1) ?? 0),
      },
    };
  }
}

export function formatSummary(s: Summary): string {
  const lines = [
    `requests     ${s.requests} in ${s.durationSeconds} s (${s.throughput} req/s)`,
    `status codes ${Object.entries(s.statuses)
      .map(([k, v]) => `${k}: ${v}`)
      .join(", ")}`,
  ];
  if (Object.keys(s.errorCodes).length > 0) {
    lines.push(
      `error codes  ${Object.entries(s.errorCodes)
        .map(([k, v]) => `${k}: ${v}`)
        .join(", ")}`,
    );
  }
  const l = s.latencyMs;
  lines.push(`latency ms   p50 ${l.p50}  p90 ${l.p90}  p95 ${l.p95}  p99 ${l.p99}  max ${l.max}`);
  return lines.join("\n");
}
