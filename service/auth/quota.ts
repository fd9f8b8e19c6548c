/**
 * Monthly quotas per organization, counted in PostgreSQL: one atomic statement increments this month's
 * counter only while it is below the quota, so concurrent requests (and several replicas) never overshoot.
 */
import type { Database } from "../db/database";

export interface QuotaDecision {
  readonly allowed: boolean;
  /** Requests counted this month, including this one when allowed. */
  readonly used: number;
  readonly quota: number;
}

export class QuotaStore {
  constructor(private readonly db: Database) {}

  async consume(organizationId: string, quota: number): Promise<QuotaDecision> {
    const rows = await this.db.query<{ requests: number }>(
      `INSERT INTO usage_monthly AS u (organization_id, month, requests)
       VALUES ($1, date_trunc('month', now() AT TIME ZONE 'UTC')::date, 1)
       ON CONFLICT (organization_id, month) DO UPDATE SET requests = u.requests + 1
       WHERE u.requests < $2
       RETURNING requests`,
      [organizationId, quota],
    );
    const row = rows[0];
    if (row !== undefined && row.requests <= quota) return { allowed: true, used: row.requests, quota };
    return { allowed: false, used: await this.used(organizationId), quota };
  }

  async used(organizationId: string): Promise<number> {
    const rows = await this.db.query<{ requests: number }>(
      `SELECT requests FROM usage_monthly
       WHERE organization_id = $1 AND month = date_trunc('month', now() AT TIME ZONE 'UTC')::date`,
      [organizationId],
    );
    return rows[0]?.requests ?? 0;
  }
}
