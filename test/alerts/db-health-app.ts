/**
 * A stand-in for the reference service's database health check, for the live alert test while the service
 * does not export health_check_status yet: the library's HealthMonitor with its databaseCheck on a pg Pool,
 * started under the telemetry preload like the service (so instrumentation-pg records the pool's connections
 * and the gauges leave through OTLP). Environment: DATABASE_URL, HEALTH_CHECK_INTERVAL_SECONDS (default 1).
 *
 *   node --require ./dist/register.js build/test/alerts/db-health-app.js
 */
import { Pool } from "pg";
import { databaseCheck, HealthMonitor } from "../../src/health";

const url = process.env.DATABASE_URL;
if (url === undefined || url === "") {
  process.stderr.write("db-health-app: DATABASE_URL is not set\n");
  process.exit(78);
}
const intervalMs = Number(process.env.HEALTH_CHECK_INTERVAL_SECONDS ?? "1") * 1000;
const pool = new Pool({
  connectionString: url,
  max: 2,
  connectionTimeoutMillis: 1000,
  idleTimeoutMillis: 30_000,
});
// An idle client whose server went away emits "error" on the pool; without a listener that would crash us.
pool.on("error", () => undefined);
const monitor = new HealthMonitor({
  checks: [databaseCheck(pool, { timeoutMs: 1000 })],
  intervalMs,
  timeoutMs: 1000,
  lifecycle: false,
}).start();

// The checks' timers do not hold the process; this does, until SIGTERM.
const keepAlive = setInterval(() => undefined, 60_000);
process.once("SIGTERM", () => {
  clearInterval(keepAlive);
  void monitor.stop().then(() => pool.end());
});
process.stdout.write(`db-health-app: checking the database every ${intervalMs} ms\n`);
