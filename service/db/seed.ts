/**
 * Loads the demo data set (seed-data.ts) idempotently: plans, organizations and keys are upserted by id
 * (a key revoked through the API stays revoked); users, payments, tickets and documents are inserted when
 * their table is empty. One transaction.
 */
import type { Pool } from "pg";
import { hashApiKey } from "../auth/api-keys";
import {
  SEED_API_KEYS,
  SEED_DOCUMENTS,
  SEED_ORGANIZATIONS,
  SEED_PLANS,
  SEED_TICKETS,
  SEED_USERS,
  seedPayments,
} from "./seed-data";

export interface SeedResult {
  readonly inserted: Readonly<Record<string, number>>;
}

export async function seed(pool: Pool): Promise<SeedResult> {
  const client = await pool.connect();
  const inserted: Record<string, number> = {};
  try {
    await client.query("BEGIN");
    for (const p of SEED_PLANS) {
      await client.query(
        `INSERT INTO plans (id, rate_limit_per_minute, monthly_quota) VALUES ($1, $2, $3)
         ON CONFLICT (id) DO UPDATE SET rate_limit_per_minute = EXCLUDED.rate_limit_per_minute,
           monthly_quota = EXCLUDED.monthly_quota`,
        [p.id, p.ratePerMinute, p.monthlyQuota],
      );
    }
    for (const o of SEED_ORGANIZATIONS) {
      await client.query(
        `INSERT INTO organizations (id, name, plan_id) VALUES ($1, $2, $3)
         ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, plan_id = EXCLUDED.plan_id`,
        [o.id, o.name, o.plan],
      );
    }
    for (const k of SEED_API_KEYS) {
      await client.query(
        `INSERT INTO api_keys (id, organization_id, key_hash, label, rate_limit_per_minute, revoked_at)
         VALUES ($1, $2, $3, $4, $5, CASE WHEN $6::boolean THEN now() END)
         ON CONFLICT (id) DO NOTHING`,
        [k.id, k.organizationId, hashApiKey(k.key), k.label, k.ratePerMinute ?? null, k.revoked],
      );
    }
    const empty = async (table: string): Promise<boolean> =>
      (await client.query(`SELECT NOT EXISTS (SELECT 1 FROM ${table}) AS empty`)).rows[0]?.empty === true;

    if (await empty("users")) {
      for (const u of SEED_USERS) {
        await client.query("INSERT INTO users (id, organization_id, display_name) VALUES ($1, $2, $3)", [
          u.id,
          u.organizationId,
          u.displayName,
        ]);
      }
      inserted.users = SEED_USERS.length;
    }
    if (await empty("payments")) {
      const payments = seedPayments();
      // One statement: unnest of parallel arrays.
      await client.query(
        `INSERT INTO payments (user_id, amount_cents, status, merchant, created_at)
         SELECT u, a, s, m, now() - make_interval(days => d)
         FROM unnest($1::text[], $2::int[], $3::text[], $4::text[], $5::int[]) AS t(u, a, s, m, d)`,
        [
          payments.map((p) => p.userId),
          payments.map((p) => p.amountCents),
          payments.map((p) => p.status),
          payments.map((p) => p.merchant),
          payments.map((p) => p.daysAgo),
        ],
      );
      inserted.payments = payments.length;
    }
    if (await empty("tickets")) {
      for (const t of SEED_TICKETS) {
        const user = SEED_USERS[t.userIndex];
        if (!user) continue;
        await client.query("INSERT INTO tickets (user_id, subject, status) VALUES ($1, $2, $3)", [
          user.id,
          t.subject,
          t.status,
        ]);
      }
      inserted.tickets = SEED_TICKETS.length;
    }
    if (await empty("documents")) {
      for (const d of SEED_DOCUMENTS) {
        await client.query("INSERT INTO documents (title, body) VALUES ($1, $2)", [d.title, d.body]);
      }
      inserted.documents = SEED_DOCUMENTS.length;
    }
    await client.query("COMMIT");
    return { inserted };
  } catch (err) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}
