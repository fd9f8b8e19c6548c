/**
 * The service's health, built from the library's health module: a HealthMonitor over the checks the
 * HEALTH_CHECK_* settings enable (checksFromConfig) - the database (a query on a client of the service's
 * pool), the LLM provider (its cheap reachability probe plus the outcome of the service's real LLM calls,
 * which the library reports through onLlmOutcome), the remote agents (their health URLs), disk and memory -
 * run in the background with a timeout each; probes read the cached result. The monitor exports
 * health.check.status and health.check.duration.
 *
 * Two renderings of the same state: the public one (the API port: no detail, /health rate-limited per client
 * address, detail with PROCODE_HEALTH_TOKEN) and the internal one (the internal port: full detail). /ready
 * is the lifecycle (503 until warm-up is done and from the start of shutdown) plus the migrations gate and
 * the first round of checks.
 */
import {
  type AgentEndpoint,
  checksFromConfig,
  createHealthApp,
  HealthMonitor,
  type ObservabilityConfig,
  onLlmOutcome,
  type PgPoolLike,
  ReadinessGate,
  RecentOutcomes,
} from "@procode/observability";
import type { Hono } from "hono";

export interface ServiceHealthOptions {
  /** The library's health settings (resolveConfig().health). */
  readonly settings: ObservabilityConfig["health"];
  readonly pool: PgPoolLike;
  /** The LLM provider's cheap reachability probe (never a paid completion). */
  readonly llmProbe: (signal: AbortSignal) => Promise<void>;
  readonly agents: readonly AgentEndpoint[];
  readonly version: string;
}

export class ServiceHealth {
  readonly monitor: HealthMonitor;
  /** Opened once the migrations have run (or with the reason they are not this instance's business). */
  readonly migrations = new ReadinessGate("Migrations not applied yet");
  /** Outcomes of the real LLM calls of the last five minutes (the LLM check reads them). */
  readonly llmOutcomes = new RecentOutcomes();
  private readonly unsubscribe: () => void;
  private readonly options: ServiceHealthOptions;

  constructor(options: ServiceHealthOptions) {
    this.options = options;
    this.unsubscribe = onLlmOutcome((ok, errorType) => this.llmOutcomes.record(ok, errorType));
    this.monitor = new HealthMonitor({
      checks: checksFromConfig(options.settings, {
        database: options.pool,
        llm: { probe: options.llmProbe, recentOutcomes: this.llmOutcomes },
        agents: options.agents,
      }),
      intervalMs: options.settings.intervalMs,
      timeoutMs: options.settings.timeoutMs,
    });
  }

  /** The health routes for the API port (public exposure). */
  publicApp(): Hono {
    const { settings, version } = this.options;
    return createHealthApp({
      monitor: this.monitor,
      version,
      exposure: "public",
      ...(settings.token !== undefined ? { token: settings.token } : {}),
      rateLimit: settings.rateLimit,
      readiness: { databaseMigrations: this.migrations.probe },
    });
  }

  /** The health routes for the internal port (full detail, no rate limit). */
  internalApp(): Hono {
    return createHealthApp({
      monitor: this.monitor,
      version: this.options.version,
      exposure: "internal",
      readiness: { databaseMigrations: this.migrations.probe },
    });
  }

  /** Starts the background checks (the monitor stops itself in the lifecycle's close phase). */
  start(): void {
    this.monitor.start();
  }

  /** Resolves once every check has reported once (part of the warm-up). */
  firstRound(): Promise<void> {
    return this.monitor.whenComplete();
  }

  async stop(): Promise<void> {
    this.unsubscribe();
    await this.monitor.stop();
  }
}
