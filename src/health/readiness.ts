/**
 * Readiness in the seed's shape (database_migrations, dependencies, warmup), evaluated from state held in
 * memory: the process lifecycle (starting -> ready -> draining -> stopped), the health monitor's cached
 * results, and gates the application sets (for example once its migrations have run). Evaluating it never
 * calls a dependency.
 */
import type { Lifecycle } from "../lifecycle";
import type { HealthMonitor } from "./monitor";

export interface ReadinessState {
  readonly ready: boolean;
  readonly message: string;
}

/** A synchronous, in-memory readiness source. */
export type ReadinessProbe = () => ReadinessState;

/** A flag the application flips when something it needs before taking traffic is done. */
export class ReadinessGate {
  private state: ReadinessState;

  constructor(pendingMessage = "Pending") {
    this.state = { ready: false, message: pendingMessage };
  }

  get ready(): boolean {
    return this.state.ready;
  }

  open(message = "Done"): void {
    this.state = { ready: true, message };
  }

  close(message: string): void {
    this.state = { ready: false, message };
  }

  /** As a ReadinessProbe. */
  readonly probe: ReadinessProbe = () => this.state;
}

export interface ReadinessSources {
  /** Default: not tracked (ready). Use a ReadinessGate opened after the migrations ran. */
  readonly databaseMigrations?: ReadinessProbe;
  /** Default: every background check has reported once (see `requireCriticalChecks`). */
  readonly dependencies?: ReadinessProbe;
  /** Default: the lifecycle (ready after `markReady()`, not ready from the start of shutdown). */
  readonly warmup?: ReadinessProbe;
}

export interface ReadinessReport {
  readonly ready: boolean;
  readonly checks: {
    readonly database_migrations: ReadinessState;
    readonly dependencies: ReadinessState;
    readonly warmup: ReadinessState;
  };
}

export interface ReadinessOptions {
  readonly lifecycle: Lifecycle;
  readonly monitor: HealthMonitor;
  readonly sources?: ReadinessSources;
  /**
   * Also require every critical check to be healthy (default false: an outage of a dependency every replica
   * shares would take every replica out of the load balancer at once; /health reports it instead).
   */
  readonly requireCriticalChecks?: boolean;
}

function defaultDependencies(monitor: HealthMonitor, requireCritical: boolean): ReadinessState {
  const snap = monitor.snapshot();
  if (!snap.complete) return { ready: false, message: "Dependency checks have not all run yet" };
  if (requireCritical) {
    const failing = snap.checks.filter((c) => c.critical && c.status === "unhealthy").length;
    if (failing > 0)
      return {
        ready: false,
        message: `${failing} critical ${failing === 1 ? "dependency" : "dependencies"} unhealthy`,
      };
  }
  return { ready: true, message: "All dependencies loaded" };
}

function lifecycleWarmup(lifecycle: Lifecycle): ReadinessState {
  switch (lifecycle.state) {
    case "starting":
      return { ready: false, message: "Warming up" };
    case "ready":
      return { ready: true, message: "Application warmed up" };
    default:
      return { ready: false, message: "Shutting down" };
  }
}

const MIGRATIONS_NOT_TRACKED: ReadinessState = { ready: true, message: "Migrations not tracked" };

function safe(probe: ReadinessProbe): ReadinessState {
  try {
    const s = probe();
    return typeof s?.ready === "boolean" && typeof s.message === "string"
      ? s
      : { ready: false, message: "Invalid readiness" };
  } catch {
    return { ready: false, message: "Readiness probe failed" };
  }
}

export function evaluateReadiness(opts: ReadinessOptions): ReadinessReport {
  const { lifecycle, monitor, sources = {} } = opts;
  const database_migrations = sources.databaseMigrations
    ? safe(sources.databaseMigrations)
    : MIGRATIONS_NOT_TRACKED;
  const dependencies = sources.dependencies
    ? safe(sources.dependencies)
    : defaultDependencies(monitor, opts.requireCriticalChecks ?? false);
  // The lifecycle always has the last word: 503 until markReady(), and from the moment shutdown begins.
  const life = lifecycleWarmup(lifecycle);
  const custom = sources.warmup ? safe(sources.warmup) : undefined;
  const warmup =
    custom === undefined || lifecycle.shuttingDown || (custom.ready && !life.ready) ? life : custom;
  const ready =
    lifecycle.state === "ready" && database_migrations.ready && dependencies.ready && warmup.ready;
  return { ready, checks: { database_migrations, dependencies, warmup } };
}
