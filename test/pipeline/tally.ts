/**
 * What the clients of the pipeline test sent and got back: every answer's status and error code, from the
 * load generator's summary and from the test's own requests, so exact expectations for Prometheus are computed
 * from answers, never from plans.
 */
import type { Summary } from "../../service/load/stats";

export class Tally {
  private readonly statuses = new Map<number, number>();
  private readonly codes = new Map<string, number>();

  add(status: number, code?: string, n = 1): void {
    this.statuses.set(status, (this.statuses.get(status) ?? 0) + n);
    if (code !== undefined) this.codes.set(code, (this.codes.get(code) ?? 0) + n);
  }

  /** A load generator run; a request that never got an answer cannot be counted exactly, so it is refused. */
  addSummary(summary: Summary): void {
    if (summary.networkErrors > 0)
      throw new Error(`the load generator had ${summary.networkErrors} requests without an answer`);
    for (const [status, n] of Object.entries(summary.statuses)) this.add(Number(status), undefined, n);
    for (const [code, n] of Object.entries(summary.errorCodes))
      this.codes.set(code, (this.codes.get(code) ?? 0) + n);
  }

  get total(): number {
    return this.where(() => true);
  }

  where(predicate: (status: number) => boolean): number {
    let n = 0;
    for (const [status, count] of this.statuses) if (predicate(status)) n += count;
    return n;
  }

  code(name: string): number {
    return this.codes.get(name) ?? 0;
  }

  byStatus(): Record<string, number> {
    return Object.fromEntries([...this.statuses].sort(([a], [b]) => a - b).map(([s, n]) => [String(s), n]));
  }

  byClass(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [status, n] of this.statuses) {
      const cls = `${Math.floor(status / 100)}xx`;
      out[cls] = (out[cls] ?? 0) + n;
    }
    return Object.fromEntries(Object.entries(out).sort());
  }
}
