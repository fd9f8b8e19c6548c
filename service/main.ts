/**
 * The reference agent service's entry point. Run it under the telemetry preload:
 *
 *   node --require ./dist/register.js build/service/main.js        (npm start)
 *
 * Start-up: configuration (strict; a bad variable exits 78 with one line per problem), the database (waits
 * for it, applies and records migrations, loads the demo data), the LLM provider, agents and caches, the
 * health checks, the HTTP server; then warm-up (tokenizer, first health round) and the lifecycle's
 * markReady(). SIGTERM/SIGINT run the lifecycle's shutdown (the preload's, or ours without it): readiness
 * 503, in-flight requests drain, telemetry flushes, the pool closes.
 */
import { type ServerType, serve } from "@hono/node-server";
import {
  createLogger,
  getLifecycle,
  internalPort,
  type Logger,
  mountInternal,
  resolveConfig,
} from "@procode/observability";
import { PaymentAgent } from "./agents/payment";
import { RemoteAgentRegistry } from "./agents/registry";
import { SearchAgent } from "./agents/search";
import { SupportAgent } from "./agents/support";
import type { AgentDeps } from "./agents/toolkit";
import { createApp } from "./app";
import { ApiKeyStore } from "./auth/api-keys";
import { QuotaStore } from "./auth/quota";
import { SlidingWindowRateLimiter } from "./auth/rate-limiter";
import { LruCache } from "./cache/lru";
import { type DatabaseConfig, loadServiceConfig, type ServiceConfig, ServiceConfigError } from "./config";
import { Database } from "./db/database";
import { type MigrationStatus, migrate } from "./db/migrate";
import { createPool } from "./db/pool";
import { seed } from "./db/seed";
import { ServiceHealth } from "./health";
import { LlmClient } from "./llm/client";
import { createProvider } from "./llm/factory";
import { tokenizer } from "./llm/tokenizer";
import { ChatPipeline } from "./pipeline";

const VERSION = process.env.npm_package_version ?? "0.1.0";
/** How long start-up waits for PostgreSQL to accept connections. */
const DATABASE_WAIT_MS = 60_000;

function exitWithConfigError(lines: readonly string[]): never {
  for (const line of lines) process.stderr.write(`procode-agent-service: ${line}\n`);
  process.exit(78); // EX_CONFIG
}

function readConfig(): ServiceConfig & { database: DatabaseConfig } {
  let config: ServiceConfig;
  try {
    config = loadServiceConfig();
  } catch (err) {
    if (err instanceof ServiceConfigError) {
      exitWithConfigError(
        err.issues.map((i) => `${i.variable}=${JSON.stringify(i.value)}: expected ${i.allowed}`),
      );
    }
    throw err;
  }
  if (config.database === undefined) {
    exitWithConfigError([
      "DATABASE_URL is not set. `bash scripts/demo.sh` starts a private PostgreSQL for you; otherwise point " +
        "DATABASE_URL at one (postgres://user:password@host:port/database).",
    ]);
  }
  return config as ServiceConfig & { database: DatabaseConfig };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Migrations, retried while PostgreSQL is not accepting connections yet (starting up, not listening). */
async function migrateWhenReachable(db: Database, logger: Logger): Promise<MigrationStatus> {
  const deadline = Date.now() + DATABASE_WAIT_MS;
  for (let attempt = 1; ; attempt++) {
    try {
      return await migrate(db.pool);
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      const transient =
        code === "ECONNREFUSED" || code === "57P03" || code === "ENOTFOUND" || code === "ECONNRESET";
      if (!transient || Date.now() > deadline) throw err;
      if (attempt === 1) logger.info("waiting for PostgreSQL to accept connections");
      await sleep(500);
    }
  }
}

type FetchHandler = Parameters<typeof serve>[0]["fetch"];

function listen(
  fetch: FetchHandler,
  host: string,
  port: number,
): Promise<{ server: ServerType; port: number }> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch, hostname: host, port }, (info) => resolve({ server, port: info.port }));
    server.once("error", reject);
  });
}

/**
 * Stops accepting, lets in-flight requests finish (bounded), then cuts what is left. Keep-alive connections
 * are closed as soon as they fall idle (a client's pooled connection would otherwise hold the close up).
 */
function drain(server: ServerType, graceMs: number): Promise<void> {
  return new Promise((resolve) => {
    const s = server as ServerType & { closeIdleConnections?: () => void; closeAllConnections?: () => void };
    const idle = setInterval(() => s.closeIdleConnections?.(), 50);
    const timer = setTimeout(() => {
      clearInterval(idle);
      s.closeAllConnections?.();
      resolve();
    }, graceMs);
    timer.unref();
    server.close(() => {
      clearTimeout(timer);
      clearInterval(idle);
      resolve();
    });
    s.closeIdleConnections?.();
  });
}

async function main(): Promise<void> {
  const config = readConfig();
  const logger = createLogger({ name: "procode-agent-service" });
  const lifecycle = getLifecycle();
  const started = performance.now();

  // Without the preload nobody turns signals into the lifecycle's shutdown: do it here.
  if (process.listenerCount("SIGTERM") === 0) {
    const onSignal = (signal: NodeJS.Signals): void => {
      void lifecycle
        .shutdown(signal, config.shutdownGraceMs + 5_000)
        .then((r) => process.exit(r.completed ? 0 : 1));
    };
    process.once("SIGTERM", onSignal);
    process.once("SIGINT", onSignal);
  }

  const pool = createPool(config.database);
  const db = new Database(pool, config.database);
  lifecycle.onShutdown("close", "postgres pool", () => db.close());

  let migrations: MigrationStatus | undefined;
  if (config.database.migrate) {
    migrations = await migrateWhenReachable(db, logger);
    logger.info(
      { applied: migrations.applied, newly_applied: migrations.newlyApplied, ms: migrations.durationMs },
      "migrations applied",
    );
  }
  if (config.database.seed) {
    const seeded = await seed(pool);
    logger.info({ inserted: seeded.inserted }, "demo data loaded");
  }

  const provider = createProvider(config.llm);
  const llm = new LlmClient(provider, {
    timeoutMs: config.llm.timeoutMs,
    maxOutputTokens: config.llm.maxOutputTokens,
  });
  const registry = new RemoteAgentRegistry(config.remoteAgents, config.remoteAgentTimeoutMs);
  const caches = new Map(
    config.remoteAgents.map((a) => [
      a.name,
      new LruCache<Record<string, unknown>>({
        name: a.name,
        maxBytes: config.cache.maxBytes,
        ttlMs: config.cache.ttlMs,
      }),
    ]),
  );
  const agentDeps: AgentDeps = { db, remote: registry, caches };
  const pipeline = new ChatPipeline(
    llm,
    { classifier: config.llm.classifierModel, response: config.llm.responseModel },
    {
      payment: new PaymentAgent(agentDeps),
      support: new SupportAgent(agentDeps),
      search: new SearchAgent(agentDeps),
    },
  );

  // The library's health switches (HEALTH_CHECK_INTERVAL_SECONDS, HEALTH_CHECK_TIMEOUT_SECONDS); its own
  // preload reports a bad value, here the defaults then apply.
  let healthTiming: { intervalMs: number; timeoutMs: number } = { intervalMs: 10_000, timeoutMs: 3_000 };
  try {
    const h = resolveConfig().health;
    healthTiming = { intervalMs: h.intervalMs, timeoutMs: h.timeoutMs };
  } catch {
    // keep the defaults
  }
  const health = new ServiceHealth({
    ...healthTiming,
    database: () => pool.query("SELECT 1"),
    llm: { probe: (signal) => provider.probe(signal), recentOutcomes: llm.outcomes },
    agents: registry.healthEndpoints(),
    migrations: () =>
      migrations === undefined
        ? { ready: true, message: "Migrations not managed by this instance (DB_MIGRATE=false)" }
        : {
            ready: true,
            message: `All ${migrations.applied.length} migrations applied (latest ${migrations.latest})`,
          },
    version: VERSION,
  });

  const limiter = new SlidingWindowRateLimiter();
  const sweeper = setInterval(() => limiter.sweep(), 60_000);
  sweeper.unref();

  const app = createApp({
    config,
    keys: new ApiKeyStore(db),
    limiter,
    quotas: new QuotaStore(db),
    pipeline,
    logger,
    health: health.app(),
  });
  // Health detail on the internal port too, when the preload serves one.
  mountInternal(health.app());

  const { server, port } = await listen(app.fetch, config.host, config.port);
  lifecycle.onShutdown("drain", "http server", () => drain(server, config.shutdownGraceMs));

  // Warm-up: the tokenizer's ranks (about half a second) and a first round of dependency checks.
  tokenizer();
  await health.start();
  lifecycle.markReady();

  const internal = internalPort();
  logger.info(
    {
      url: `http://${config.host}:${port}`,
      internal_port: internal,
      llm_provider: provider.name,
      remote_agents: config.remoteAgents.map((a) => a.name),
      startup_ms: Math.round(performance.now() - started),
    },
    `listening ${port}`,
  );
}

main().catch((err: unknown) => {
  process.stderr.write(
    `procode-agent-service: start-up failed: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}\n`,
  );
  process.exit(1);
});
