/**
 * The service's database access: the pool, plus the injected-fault path. Agents call `query`; a request that
 * carries a database fault (see faults.ts) gets a real PostgreSQL error instead, raised by a statement that
 * outlives a tiny server-side statement timeout on a dedicated connection.
 */
import type { Client, Pool, QueryResultRow } from "pg";
import type { DatabaseConfig } from "../config";
import { createFaultClient } from "./pool";

/** A failed database call; errorType is the SQLSTATE (57014, 08006, ...) or the socket error code. */
export class DatabaseError extends Error {
  override name = "DatabaseError";
  readonly errorType: string;
  constructor(
    cause: unknown,
    /** The statement's operation (SELECT, INSERT, ...), as db.operation.name. */
    readonly operation: string,
  ) {
    const code = (cause as { code?: unknown } | null)?.code;
    super("database call failed", { cause });
    this.errorType = typeof code === "string" && code !== "" ? code : "db_error";
  }
}

/** The first keyword of a statement, upper case (what instrumentation-pg names db.operation.name). */
export function operationOf(text: string): string {
  return /^\s*([A-Za-z]+)/.exec(text)?.[1]?.toUpperCase() ?? "_OTHER";
}

export class Database {
  private faultClient: Promise<Client> | undefined;

  constructor(
    readonly pool: Pool,
    private readonly config: DatabaseConfig,
  ) {}

  async query<R extends QueryResultRow>(text: string, values: readonly unknown[] = []): Promise<R[]> {
    try {
      const result = await this.pool.query<R>(text, values as unknown[]);
      return result.rows;
    } catch (err) {
      throw new DatabaseError(err, operationOf(text));
    }
  }

  /** Fails the way a slow query fails in production: "canceling statement due to statement timeout". */
  async injectedFault(): Promise<never> {
    this.faultClient ??= createFaultClient(this.config).catch((err: unknown) => {
      this.faultClient = undefined;
      throw err;
    });
    try {
      const client = await this.faultClient;
      await client.query("SELECT pg_sleep(5) AS injected_fault");
    } catch (err) {
      throw new DatabaseError(err, "SELECT");
    }
    throw new Error("injected database fault: the statement did not time out");
  }

  async close(): Promise<void> {
    const fault = this.faultClient;
    this.faultClient = undefined;
    await Promise.allSettled([fault?.then((c) => c.end()), this.pool.end()]);
  }
}
