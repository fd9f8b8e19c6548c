/**
 * The PostgreSQL pool. Its size and connection states are measured by the pg instrumentation the preload
 * turns on (db.client.connection.count {idle, used}, .max, .pending_requests, pool name host:port/database,
 * which is why the pool gets explicit fields rather than a connection string).
 */
import { Client, Pool, type PoolConfig } from "pg";
import type { DatabaseConfig } from "../config";

export function createPool(db: DatabaseConfig, applicationName = "procode-agent-service"): Pool {
  const config: PoolConfig = {
    host: db.host,
    port: db.port,
    database: db.database,
    user: db.user,
    password: db.password,
    max: db.poolMax,
    idleTimeoutMillis: db.idleTimeoutMs,
    connectionTimeoutMillis: db.connectTimeoutMs,
    application_name: applicationName,
    ...(db.statementTimeoutMs > 0 ? { statement_timeout: db.statementTimeoutMs } : {}),
  };
  const pool = new Pool(config);
  // An idle client losing its connection (server restart) must not crash the process; the pool drops it.
  pool.on("error", () => undefined);
  return pool;
}

/**
 * A connection whose statements time out after `timeoutMs` on the server: what an injected database fault
 * uses, so that the failure is a real PostgreSQL error (57014 query_canceled) on a real span.
 */
export async function createFaultClient(db: DatabaseConfig, timeoutMs = 20): Promise<Client> {
  const client = new Client({
    host: db.host,
    port: db.port,
    database: db.database,
    user: db.user,
    password: db.password,
    application_name: "procode-agent-service-faults",
    statement_timeout: timeoutMs,
    connectionTimeoutMillis: db.connectTimeoutMs,
  });
  client.on("error", () => undefined);
  await client.connect();
  return client;
}
