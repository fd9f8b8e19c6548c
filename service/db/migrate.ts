/**
 * Schema migrations: numbered SQL files (`0001_name.sql`) applied in order, each in its own transaction,
 * and recorded in `schema_migrations` with a checksum. A migration that was applied and then edited is an
 * error (never silently re-run or skipped). Concurrent starts serialise on an advisory lock.
 */
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Pool } from "pg";

export interface Migration {
  readonly version: string;
  readonly name: string;
  readonly sql: string;
  readonly checksum: string;
}

export interface MigrationStatus {
  /** Every migration known to this build, applied in this run or before. */
  readonly applied: readonly string[];
  /** Those applied by this run. */
  readonly newlyApplied: readonly string[];
  readonly latest: string | undefined;
  readonly durationMs: number;
}

const FILE = /^(\d{4})_([a-z0-9_]+)\.sql$/;
// An arbitrary constant: the key of the advisory lock that serialises migration runs.
const LOCK_KEY = 727_100_001;

/** The folder holding the SQL files: beside this module in the source tree, found from the build too. */
export function defaultMigrationsDir(): string {
  const candidates = [join(__dirname, "migrations"), resolve(__dirname, "../../../service/db/migrations")];
  const found = candidates.find((d) => existsSync(d));
  if (found === undefined)
    throw new Error(`migrations folder not found (looked in ${candidates.join(", ")})`);
  return found;
}

export function loadMigrations(dir: string = defaultMigrationsDir()): Migration[] {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith(".sql"))
    .sort();
  const seen = new Set<string>();
  return files.map((file) => {
    const m = FILE.exec(file);
    if (!m?.[1] || !m[2]) throw new Error(`migration file ${file}: expected NNNN_name.sql`);
    if (seen.has(m[1])) throw new Error(`migration version ${m[1]} appears twice`);
    seen.add(m[1]);
    const sql = readFileSync(join(dir, file), "utf8");
    return {
      version: m[1],
      name: m[2],
      sql,
      checksum: createHash("sha256").update(sql).digest("hex"),
    };
  });
}

export class MigrationError extends Error {
  override name = "MigrationError";
}

/** Applies what is pending; returns what is applied. Throws a MigrationError on a changed or failed file. */
export async function migrate(
  pool: Pool,
  migrations: readonly Migration[] = loadMigrations(),
): Promise<MigrationStatus> {
  const started = Date.now();
  const client = await pool.connect();
  try {
    await client.query("SELECT pg_advisory_lock($1)", [LOCK_KEY]);
    try {
      await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
        version text PRIMARY KEY,
        name text NOT NULL,
        checksum text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now(),
        duration_ms integer NOT NULL
      )`);
      const { rows } = await client.query<{ version: string; checksum: string }>(
        "SELECT version, checksum FROM schema_migrations ORDER BY version",
      );
      const done = new Map(rows.map((r) => [r.version, r.checksum]));
      const known = new Set(migrations.map((m) => m.version));
      const unknown = rows.filter((r) => !known.has(r.version)).map((r) => r.version);
      if (unknown.length > 0) {
        throw new MigrationError(
          `the database has migrations this build does not know (${unknown.join(", ")}): is this build older than the schema?`,
        );
      }
      const newlyApplied: string[] = [];
      for (const m of migrations) {
        const checksum = done.get(m.version);
        if (checksum !== undefined) {
          if (checksum !== m.checksum) {
            throw new MigrationError(
              `migration ${m.version}_${m.name} was changed after it was applied (checksum differs); add a new migration instead`,
            );
          }
          continue;
        }
        const t0 = Date.now();
        try {
          await client.query("BEGIN");
          await client.query(m.sql);
          await client.query(
            "INSERT INTO schema_migrations (version, name, checksum, duration_ms) VALUES ($1, $2, $3, $4)",
            [m.version, m.name, m.checksum, Date.now() - t0],
          );
          await client.query("COMMIT");
        } catch (err) {
          await client.query("ROLLBACK").catch(() => undefined);
          throw new MigrationError(
            `migration ${m.version}_${m.name} failed: ${err instanceof Error ? err.message : String(err)}`,
          );
        }
        newlyApplied.push(m.version);
      }
      const applied = migrations.map((m) => m.version);
      return { applied, newlyApplied, latest: applied.at(-1), durationMs: Date.now() - started };
    } finally {
      await client.query("SELECT pg_advisory_unlock($1)", [LOCK_KEY]).catch(() => undefined);
    }
  } finally {
    client.release();
  }
}
