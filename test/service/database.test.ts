/**
 * Against a real PostgreSQL: migrations (applied once, recorded with checksums, an edited or unknown one
 * refused, a failing one rolled back, concurrent runs serialised), the demo data, API keys (lookup,
 * revocation, creation) and monthly quotas that never overshoot under concurrency.
 */
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { Pool } from "pg";
import { ApiKeyStore } from "../../service/auth/api-keys";
import { QuotaStore } from "../../service/auth/quota";
import { Database } from "../../service/db/database";
import { loadMigrations, MigrationError, migrate } from "../../service/db/migrate";
import { seed } from "../../service/db/seed";
import { SEED_API_KEYS, SEED_DOCUMENTS, SEED_USERS, seedPayments } from "../../service/db/seed-data";
import { freshDatabase, poolFor, stopPostgres } from "./support";

const DB_CONFIG = {
  host: "unused",
  port: 0,
  database: "unused",
  user: "unused",
  password: "",
  poolMax: 5,
  idleTimeoutMs: 1000,
  connectTimeoutMs: 1000,
  statementTimeoutMs: 0,
  migrate: true,
  seed: true,
};

after(async () => {
  await stopPostgres();
});

describe("migrations", () => {
  const pools: Pool[] = [];
  const pool = async (): Promise<Pool> => {
    const p = poolFor(await freshDatabase("migrate"));
    pools.push(p);
    return p;
  };
  after(async () => {
    await Promise.all(pools.map((p) => p.end()));
  });

  it("applies every migration once and records version, name and checksum", async () => {
    const p = await pool();
    const files = loadMigrations();
    assert.deepEqual(
      files.map((m) => `${m.version}_${m.name}`),
      ["0001_accounts", "0002_domain"],
    );
    const first = await migrate(p);
    assert.deepEqual(first.applied, ["0001", "0002"]);
    assert.deepEqual(first.newlyApplied, ["0001", "0002"]);
    assert.equal(first.latest, "0002");
    const again = await migrate(p);
    assert.deepEqual(again.newlyApplied, []);
    const { rows } = await p.query("SELECT version, name, checksum FROM schema_migrations ORDER BY version");
    assert.deepEqual(
      rows,
      files.map((m) => ({ version: m.version, name: m.name, checksum: m.checksum })),
    );
  });

  it("refuses a migration edited after it was applied, and a database newer than the build", async () => {
    const p = await pool();
    await migrate(p);
    const edited = loadMigrations().map((m) =>
      m.version === "0002" ? { ...m, checksum: "0".repeat(64) } : m,
    );
    await assert.rejects(
      migrate(p, edited),
      (e: unknown) => e instanceof MigrationError && /0002_domain was changed/.test(e.message),
    );
    await assert.rejects(migrate(p, loadMigrations().slice(0, 1)), /does not know \(0002\)/);
  });

  it("rolls a failing migration back and records nothing for it", async () => {
    const p = await pool();
    const dir = mkdtempSync(join(tmpdir(), "migrations-"));
    writeFileSync(join(dir, "0001_ok.sql"), "CREATE TABLE a (id int);");
    writeFileSync(join(dir, "0002_broken.sql"), "CREATE TABLE b (id int); SELECT * FROM no_such_table;");
    await assert.rejects(
      migrate(p, loadMigrations(dir)),
      /0002_broken failed: relation "no_such_table" does not exist/,
    );
    const { rows } = await p.query("SELECT version FROM schema_migrations");
    assert.deepEqual(rows, [{ version: "0001" }]);
    const b = await p.query("SELECT to_regclass('b') AS t");
    assert.equal(b.rows[0].t, null, "table b rolled back");
  });

  it("serialises concurrent runs", async () => {
    const p = await pool();
    const [a, b] = await Promise.all([migrate(p), migrate(p)]);
    assert.deepEqual([...a.newlyApplied, ...b.newlyApplied].sort(), ["0001", "0002"]);
  });
});

describe("demo data, API keys and quotas", () => {
  let pool: Pool;
  let db: Database;
  before(async () => {
    pool = poolFor(await freshDatabase("accounts"), 10);
    db = new Database(pool, DB_CONFIG);
    await migrate(pool);
    await seed(pool);
  });
  after(async () => {
    await db.close();
  });

  it("loads the data set once", async () => {
    const counts = async () =>
      (
        await pool.query(
          "SELECT (SELECT count(*) FROM users)::int AS users, (SELECT count(*) FROM payments)::int AS payments, (SELECT count(*) FROM documents)::int AS documents, (SELECT count(*) FROM api_keys)::int AS keys",
        )
      ).rows[0];
    const expected = {
      users: SEED_USERS.length,
      payments: seedPayments().length,
      documents: SEED_DOCUMENTS.length,
      keys: SEED_API_KEYS.length,
    };
    assert.deepEqual(await counts(), expected);
    const second = await seed(pool);
    assert.deepEqual(second.inserted, {});
    assert.deepEqual(await counts(), expected);
  });

  it("looks keys up by digest, with plan limits and revocation", async () => {
    const keys = new ApiKeyStore(db);
    const prod = SEED_API_KEYS.find((k) => k.id === "key_acme_prod");
    assert.deepEqual(await keys.lookup(prod?.key ?? ""), {
      id: "key_acme_prod",
      organizationId: "org_acme",
      planId: "enterprise",
      ratePerMinute: 1200,
      monthlyQuota: 10_000_000,
      revoked: false,
    });
    assert.equal(
      (await keys.lookup("pk_demo_acme_batch_0c8e2b7d9a4f1e35"))?.ratePerMinute,
      30,
      "per-key override",
    );
    assert.equal((await keys.lookup("pk_demo_globex_old_e4b9f2a6c1d83057"))?.revoked, true);
    assert.equal(await keys.lookup("pk_demo_nope_0000000000"), undefined);
    assert.equal(await keys.lookup("not a key at all"), undefined);
    const { rows } = await pool.query("SELECT count(*)::int AS n FROM api_keys WHERE key_hash LIKE 'pk_%'");
    assert.equal(rows[0].n, 0, "no plain keys stored");

    const created = await keys.create("org_initech", "ci");
    assert.ok(created);
    assert.equal((await keys.lookup(created.key))?.organizationId, "org_initech");
    assert.equal(await keys.revoke(created.id), true);
    assert.equal((await keys.lookup(created.key))?.revoked, true);
    assert.equal(await keys.revoke("key_missing"), false);
    assert.equal(await keys.create("org_missing", "x"), undefined);
    // Re-seeding does not un-revoke.
    await keys.revoke("key_initech_dev");
    await seed(pool);
    assert.equal((await keys.lookup("pk_demo_initech_dev_9a3f5e1c7b2d6048"))?.revoked, true);
  });

  it("never lets concurrent requests overshoot the monthly quota", async () => {
    const quotas = new QuotaStore(db);
    const decisions = await Promise.all(Array.from({ length: 60 }, () => quotas.consume("org_umbrella", 50)));
    assert.equal(decisions.filter((d) => d.allowed).length, 50);
    assert.deepEqual(
      decisions
        .filter((d) => d.allowed)
        .map((d) => d.used)
        .sort((a, b) => a - b),
      Array.from({ length: 50 }, (_, i) => i + 1),
    );
    assert.ok(decisions.filter((d) => !d.allowed).every((d) => d.used === 50 && d.quota === 50));
    assert.equal(await quotas.used("org_umbrella"), 50);
  });

  it("turns an injected fault into a real statement timeout", async () => {
    const url = new URL(
      (pool as unknown as { options: { connectionString: string } }).options.connectionString,
    );
    const faulty = new Database(pool, {
      ...DB_CONFIG,
      host: url.hostname,
      port: Number(url.port),
      database: url.pathname.slice(1),
      user: decodeURIComponent(url.username),
      password: decodeURIComponent(url.password),
    });
    await assert.rejects(
      faulty.injectedFault(),
      (e: unknown) => (e as { errorType?: string }).errorType === "57014",
    );
    await assert.rejects(
      faulty.injectedFault(),
      (e: unknown) => (e as { errorType?: string }).errorType === "57014",
    );
  });
});
