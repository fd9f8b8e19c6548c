/**
 * API keys: each belongs to an organization (whose plan sets the per-minute rate limit, unless the key
 * overrides it, and the monthly quota); keys are stored as SHA-256 digests and can be revoked. Lookups go to
 * the database on every request, so a revocation takes effect on the next request.
 */
import { createHash, randomBytes } from "node:crypto";
import type { Database } from "../db/database";

export interface ApiKeyRecord {
  readonly id: string;
  readonly organizationId: string;
  readonly planId: string;
  readonly ratePerMinute: number;
  readonly monthlyQuota: number;
  readonly revoked: boolean;
}

export function hashApiKey(key: string): string {
  return createHash("sha256").update(key, "utf8").digest("hex");
}

/** A syntactically plausible key: what is worth a database lookup at all. */
export const API_KEY_PATTERN = /^pk_[A-Za-z0-9_]{8,120}$/;

export class ApiKeyStore {
  constructor(private readonly db: Database) {}

  async lookup(key: string): Promise<ApiKeyRecord | undefined> {
    if (!API_KEY_PATTERN.test(key)) return undefined;
    const rows = await this.db.query<{
      id: string;
      organization_id: string;
      plan_id: string;
      rate: number;
      monthly_quota: number;
      revoked: boolean;
    }>(
      `SELECT k.id, k.organization_id, o.plan_id,
              COALESCE(k.rate_limit_per_minute, p.rate_limit_per_minute) AS rate,
              p.monthly_quota, k.revoked_at IS NOT NULL AS revoked
       FROM api_keys k JOIN organizations o ON o.id = k.organization_id JOIN plans p ON p.id = o.plan_id
       WHERE k.key_hash = $1`,
      [hashApiKey(key)],
    );
    const r = rows[0];
    if (!r) return undefined;
    return {
      id: r.id,
      organizationId: r.organization_id,
      planId: r.plan_id,
      ratePerMinute: r.rate,
      monthlyQuota: r.monthly_quota,
      revoked: r.revoked,
    };
  }

  /** Revokes a key; false when no such key exists. Idempotent. */
  async revoke(id: string): Promise<boolean> {
    const rows = await this.db.query<{ id: string }>(
      "UPDATE api_keys SET revoked_at = COALESCE(revoked_at, now()) WHERE id = $1 RETURNING id",
      [id],
    );
    return rows.length > 0;
  }

  /** Creates a key for an organization; the plain key is returned once and never stored. */
  async create(organizationId: string, label: string): Promise<{ id: string; key: string } | undefined> {
    const id = `key_${randomBytes(6).toString("hex")}`;
    const key = `pk_live_${randomBytes(24).toString("base64url").replace(/-/g, "_")}`;
    const rows = await this.db.query<{ id: string }>(
      `INSERT INTO api_keys (id, organization_id, key_hash, label)
       SELECT $1, id, $3, $4 FROM organizations WHERE id = $2 RETURNING id`,
      [id, organizationId, hashApiKey(key), label],
    );
    return rows.length > 0 ? { id, key } : undefined;
  }
}
