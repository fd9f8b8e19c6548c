/**
 * The reference agent service's entry point. Run it under the telemetry preload:
 *
 *   node --require ./dist/register.js build/service/main.js        (npm start)
 *
 * Start-up: configuration (strict; a bad variable exits 78 with one line per problem), the LLM provider,
 * agents and caches, the health checks (the library's HealthMonitor) and the HTTP server - listening at once,
 * so that /livez answers and /ready says what it waits for (503) - then the database (waits for it, applies
 * and records migrations, loads the demo data), warm-up (tokenizer, first round of health checks) and the
 * lifecycle's markReady(); the API answers 503 `starting` until then. SIGTERM/SIGINT run the lifecycle's
 * shutdown (the preload's, or ours without it): readiness 503, in-flight requests drain, telemetry flushes,
 * the pool closes.
 */
import { once } from "node:events";
import { type ServerType, serve } from "@hono/node-server";
import {
  createLogger,
  drainServerOnShutdown,
  getActiveSdk,
  getLifecycle,
  internalPort,
  type Logger,
  mountInternal,
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
import {
  type ConfigIssue,
  type DatabaseConfig,
  type LibrarySettings,
  libraryConfig,
  loadServiceConfig,
  type ServiceConfig,
  ServiceConfigError,
} from "./config";
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

/** Both configurations, every invalid variable of either named at once (exit 78). */
function readConfig(): { service: ServiceConfig & { database: DatabaseConfig }; library: LibrarySettings } {
  const issues: ConfigIssue[] = [];
  const read = <T>(load: () => T): T | undefined => {
    try {
      return load();
    } catch (err) {
      if (!(err instanceof ServiceConfigError)) throw err;
      issues.push(...err.issues);
      return undefined;
    }
  };
  const service = read(() => loadServiceConfig());
  const library = read(() => libraryConfig());
  if (service === undefined || library === undefined) {
    exitWithConfigError(issues.map((i) => `${i.variable}=${JSON.stringify(i.value)}: expected ${i.allowed}`));
  }
  if (service.database === undefined) {
    exitWithConfigError([
      "DATABASE_URL is not set. `bash scripts/demo.sh` starts a private PostgreSQL for you; otherwise point " +
        "DATABASE_URL at one (postgres://user:password@host:port/database).",
    ]);
  }
  return { service: service as ServiceConfig & { database: DatabaseConfig }, library };
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
        code === "ECONNREFUSED" ||
        code === "57P03" ||
        code === "ENOTFOUND" ||
        code === "ECONNRESET" ||
        // pg's connectionTimeoutMillis (DB_CONNECT_TIMEOUT_MS) failing: an Error with no code.
        (err instanceof Error && err.message === "Connection terminated due to connection timeout");
      if (!transient || Date.now() > deadline) throw err;
      if (attempt === 1) logger.info("waiting for PostgreSQL to accept connections");
      await sleep(500);
    }
  }
}

type FetchHandler = Parameters<typeof serve>[0]["fetch"];

/** Listens; with `drain`, the server is drained by the lifecycle's shutdown (attached before any request). */
async function listen(
  fetch: FetchHandler,
  host: string,
  port: number,
  drain?: { readonly acceptDelayMs: number; readonly drainTimeoutMs: number; readonly name: string },
): Promise<{ server: ServerType; port: number }> {
  const server = serve({ fetch, hostname: host, port });
  if (drain) drainServerOnShutdown(server, drain);
  await once(server, "listening"); // rejects with the server's error (port in use, ...)
  const address = server.address();
  return { server, port: typeof address === "object" && address !== null ? address.port : port };
}

async function main(): Promise<void> {
  const { service: config, library } = readConfig();
  const logger = createLogger({ name: "procode-agent-service" });
  const lifecycle = getLifecycle();
  const started = performance.now();

  // Without the preload nobody turns signals into the lifecycle's shutdown: do it here.
  if (process.listenerCount("SIGTERM") === 0) {
    const onSignal = (signal: NodeJS.Signals): void => {
      void lifecycle
        .shutdown(signal, library.shutdown.timeoutMs)
        .then((r) => process.exit(r.completed ? 0 : 1));
    };
    process.once("SIGTERM", onSignal);
    process.once("SIGINT", onSignal);
  }

  const pool = createPool(config.database);
  const db = new Database(pool, config.database);
  lifecycle.onShutdown("close", "postgres pool", () => db.close());

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

  const health = new ServiceHealth({
    settings: library.health,
    pool,
    llmProbe: (signal) => provider.probe(signal),
    agents: registry.healthEndpoints(),
    version: VERSION,
  });
  lifecycle.onShutdown("close", "health checks", () => health.stop());

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
    health: health.publicApp(),
    starting: () => lifecycle.state === "starting",
  });

  // Health detail on the internal port: the preload's internal server when it runs one, else our own.
  let internal: number | undefined;
  if (library.internal.port !== undefined) {
    if (getActiveSdk() !== undefined) {
      mountInternal(health.internalApp());
    } else {
      const own = await listen(health.internalApp().fetch, library.internal.host, library.internal.port);
      internal = own.port;
      const server = own.server;
      lifecycle.onShutdown(
        "close",
        "internal health server",
        () =>
          new Promise<void>((resolve) => {
            server.close(() => resolve());
            if ("closeAllConnections" in server) server.closeAllConnections();
          }),
      );
    }
  }

  const { port } = await listen(app.fetch, config.host, config.port, {
    name: "http server",
    acceptDelayMs: library.shutdown.acceptDelayMs,
    drainTimeoutMs: library.shutdown.drainTimeoutMs,
  });
  health.start();

  if (config.database.migrate) {
    const migrations = await migrateWhenReachable(db, logger);
    logger.info(
      { applied: migrations.applied, newly_applied: migrations.newlyApplied, ms: migrations.durationMs },
      "migrations applied",
    );
    health.migrations.open(
      `All ${migrations.applied.length} migrations applied (latest ${migrations.latest})`,
    );
  } else {
    health.migrations.open("Migrations not managed by this instance (DB_MIGRATE=false)");
  }
  if (config.database.seed) {
    const seeded = await seed(pool);
    logger.info({ inserted: seeded.inserted }, "demo data loaded");
  }

  // Warm-up: the tokenizer's ranks (about half a second) and a first round of dependency checks.
  tokenizer();
  await health.firstRound();
  if (lifecycle.shuttingDown) return; // stopped during start-up: never ready
  lifecycle.markReady();

  logger.info(
    {
      url: `http://${config.host}:${port}`,
      internal_port: internal ?? internalPort(),
      llm_provider: provider.name,
      remote_agents: config.remoteAgents.map((a) => a.name),
      startup_ms: Math.round(performance.now() - started),
    },
    `listening ${port}`,
  );
}

main().catch((err: unknown) => {
  // Stopped while starting (SIGTERM during the wait for PostgreSQL): the shutdown closed what start-up was
  // using, and ends the process itself.
  if (getLifecycle().shuttingDown) return;
  process.stderr.write(
    `procode-agent-service: start-up failed: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}\n`,
  );
  process.exit(1);
});
