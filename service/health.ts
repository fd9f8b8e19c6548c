/**
 * The service's health routes, in the seed's shapes: /health (database, LLM provider, external agents;
 * checks run in the background with a timeout each, the route reads the cached result), /ready
 * (migrations, dependencies, warm-up; 503 while starting and from the start of shutdown), /livez (the
 * process alone).
 *
 * Interim: the library's health app (src/health: createHealthApp, HealthMonitor, checksFromConfig) is not
 * exported from @procode/observability yet, and this service imports only the public API. The dependencies
 * are already shaped for it (a pool query, an LLM probe plus recent call outcomes, the agents' health
 * URLs); once it is exported this file becomes a few lines that build it.
 */
import { getLifecycle } from "@procode/observability";
import { Hono } from "hono";

export type CheckStatus = "healthy" | "degraded" | "unhealthy";

export interface HealthDeps {
  /** One cheap query; must stop at the signal. */
  readonly database: (signal: AbortSignal) => Promise<unknown>;
  readonly llm: {
    readonly probe: (signal: AbortSignal) => Promise<void>;
    readonly recentOutcomes: { snapshot(): { total: number; failures: number; windowMs: number } };
  };
  readonly agents: readonly { name: string; url: string }[];
  readonly migrations: () => { ready: boolean; message: string };
  readonly version: string;
  readonly intervalMs?: number;
  readonly timeoutMs?: number;
}

interface CheckResult {
  status: CheckStatus;
  latency_ms: number;
  message: string;
  available?: number;
  total?: number;
}

function withTimeout<T>(fn: (signal: AbortSignal) => Promise<T>, timeoutMs: number): Promise<T> {
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
  return Promise.race([
    fn(ctl.signal),
    new Promise<never>((_, reject) => ctl.signal.addEventListener("abort", () => reject(ctl.signal.reason))),
  ]).finally(() => clearTimeout(timer));
}

export class ServiceHealth {
  private results: Record<string, CheckResult> = {};
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private readonly intervalMs: number;
  private readonly timeoutMs: number;

  constructor(private readonly deps: HealthDeps) {
    this.intervalMs = deps.intervalMs ?? 10_000;
    this.timeoutMs = deps.timeoutMs ?? 3_000;
  }

  get complete(): boolean {
    return Object.keys(this.results).length === 3;
  }

  start(): Promise<void> {
    this.timer ??= setInterval(() => void this.runOnce(), this.intervalMs);
    this.timer.unref();
    getLifecycle().onShutdown("close", "health checks", () => this.stop());
    return this.runOnce();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  runOnce(): Promise<void> {
    this.running ??= this.runChecks().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async timed(fn: () => Promise<Omit<CheckResult, "latency_ms">>): Promise<CheckResult> {
    const t0 = performance.now();
    const r = await fn();
    return { ...r, latency_ms: Math.round((performance.now() - t0) * 10) / 10 };
  }

  private async runChecks(): Promise<void> {
    const { deps, timeoutMs } = this;
    const [database, llm, agents] = await Promise.all([
      this.timed(async () => {
        try {
          await withTimeout(deps.database, timeoutMs);
          return { status: "healthy", message: "Connected to PostgreSQL" };
        } catch {
          return { status: "unhealthy", message: "Database unreachable" };
        }
      }),
      this.timed(async () => {
        try {
          await withTimeout(deps.llm.probe, timeoutMs);
        } catch {
          return { status: "unhealthy", message: "LLM provider unreachable" };
        }
        const s = deps.llm.recentOutcomes.snapshot();
        if (s.total >= 5 && s.failures === s.total)
          return { status: "unhealthy", message: "Recent LLM calls all failed" };
        if (s.total >= 5 && s.failures / s.total >= 0.5) {
          return { status: "degraded", message: `${s.failures} of ${s.total} recent LLM calls failed` };
        }
        return { status: "healthy", message: "LLM provider reachable" };
      }),
      this.timed(async () => {
        const up = await Promise.all(
          deps.agents.map((a) =>
            withTimeout(async (signal) => {
              const res = await fetch(a.url, { signal });
              await res.body?.cancel();
              return res.ok;
            }, timeoutMs).catch(() => false),
          ),
        );
        const available = up.filter(Boolean).length;
        const total = deps.agents.length;
        const status: CheckStatus =
          available === total ? "healthy" : available === 0 ? "unhealthy" : "degraded";
        const message =
          available === total
            ? "All agents reachable"
            : `${total - available} agent${total - available === 1 ? "" : "s"} unreachable`;
        return { status, message, available, total };
      }),
    ]);
    this.results = { database, llm_provider: llm, external_agents: agents };
  }

  app(): Hono {
    const app = new Hono();
    const lifecycle = getLifecycle();
    app.get("/livez", (c) =>
      c.json({ alive: lifecycle.state !== "stopped" }, lifecycle.state === "stopped" ? 503 : 200),
    );
    app.get("/health", (c) => {
      const checks = this.results;
      const statuses = Object.values(checks).map((r) => r.status);
      // Only the database is critical: without it nothing works; the others degrade the answers.
      const status: CheckStatus =
        checks.database?.status === "unhealthy"
          ? "unhealthy"
          : statuses.some((s) => s !== "healthy")
            ? "degraded"
            : "healthy";
      return c.json(
        {
          status,
          timestamp: new Date().toISOString(),
          version: this.deps.version,
          uptime_seconds: Math.floor(process.uptime()),
          checks,
        },
        status === "unhealthy" ? 503 : 200,
        { "cache-control": "no-store" },
      );
    });
    app.get("/ready", (c) => {
      const migrations = this.deps.migrations();
      const dependencies = this.complete
        ? { ready: true, message: "All dependency checks have run" }
        : { ready: false, message: "Dependency checks have not all run yet" };
      const warmup =
        lifecycle.state === "ready"
          ? { ready: true, message: "Application warmed up" }
          : lifecycle.state === "starting"
            ? { ready: false, message: "Warming up" }
            : { ready: false, message: "Shutting down" };
      const ready = migrations.ready && dependencies.ready && warmup.ready;
      return c.json(
        {
          ready,
          timestamp: new Date().toISOString(),
          checks: { database_migrations: migrations, dependencies, warmup },
        },
        ready ? 200 : 503,
        { "cache-control": "no-store" },
      );
    });
    return app;
  }
}
