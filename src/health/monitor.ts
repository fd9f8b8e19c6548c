/**
 * The background runner: every check runs on its own cadence (once at start, then every interval), each
 * with its own timeout, and the last result is cached. Probes read `snapshot()`, which costs nothing and
 * never waits on a dependency, so no number of probes can cause more dependency calls than the interval
 * allows.
 *
 * A check that ignores its abort signal and hangs is reported unhealthy ("Timed out") at its deadline; it
 * is not started again until the hung call settles, so a hanging dependency costs at most one pending call
 * per check.
 *
 * Status and latency are metrics (health.check.status, health.check.duration: observable gauges created at
 * `start()` from the Meter given, or the global MeterProvider's at that time, never at import).
 */
import {
  type BatchObservableResult,
  context,
  diag,
  type Meter,
  type MeterProvider,
  metrics,
} from "@opentelemetry/api";
import { suppressTracing } from "@opentelemetry/core";
import { ATTR_HEALTH_CHECK_NAME, HEALTH_CHECK_DURATION, HEALTH_CHECK_STATUS } from "../catalogue/instruments";
import { getLifecycle, type Lifecycle } from "../lifecycle";
import type {
  CheckComponent,
  CheckObservation,
  CheckOutcome,
  ComponentType,
  HealthCheck,
  HealthStatus,
} from "./checks";
import { describeError } from "./describe-error";

export const HEALTH_METER_NAME = "@procode/observability/health";

export interface CheckResult {
  readonly name: string;
  readonly critical: boolean;
  readonly componentType: ComponentType;
  /** False until the check's first run has finished (reported as degraded, "Not checked yet"). */
  readonly checked: boolean;
  readonly status: HealthStatus;
  readonly message: string;
  readonly detail?: string;
  readonly latencyMs: number;
  /** Epoch milliseconds of the start of the last run (0 before the first). */
  readonly startedAt: number;
  /** Epoch milliseconds of the end of the last run (0 before the first). */
  readonly checkedAt: number;
  readonly timedOut: boolean;
  readonly available?: number;
  readonly total?: number;
  readonly components?: readonly CheckComponent[];
  readonly observed?: CheckObservation;
}

export interface HealthSnapshot {
  /** Unhealthy when a critical check is unhealthy; degraded when any check is not healthy (or not run yet). */
  readonly status: HealthStatus;
  /** True once every check has finished at least one run. */
  readonly complete: boolean;
  readonly checks: readonly CheckResult[];
}

export interface HealthMonitorOptions {
  readonly checks: readonly HealthCheck[];
  /** Time between the starts of two runs of one check (HEALTH_CHECK_INTERVAL_SECONDS). */
  readonly intervalMs: number;
  /** Default per-check timeout (HEALTH_CHECK_TIMEOUT_SECONDS). */
  readonly timeoutMs: number;
  /** Where the gauges are created; default: `meterProvider`, else the global provider at `start()`. */
  readonly meter?: Meter;
  readonly meterProvider?: MeterProvider;
  /** The lifecycle whose "close" phase stops the monitor (default: the process lifecycle; false: none). */
  readonly lifecycle?: Lifecycle | false;
  /** Record spans for the checks' own calls (default false: a trace per probe round is noise). */
  readonly traceChecks?: boolean;
}

const NAME = /^[a-z][a-z0-9_]*$/;
const STATUS_VALUE: Record<HealthStatus, number> = { healthy: 1, degraded: 0.5, unhealthy: 0 };
const TIMED_OUT = Symbol("timed out");

interface CheckState {
  readonly check: HealthCheck;
  readonly timeoutMs: number;
  result: CheckResult;
  /** The current monitored run (settles within the timeout). */
  running: Promise<void> | undefined;
  /** A check's own promise that outlived its timeout. */
  hung: boolean;
  runs: number;
  timer: NodeJS.Timeout | undefined;
}

function isOutcome(o: unknown): o is CheckOutcome {
  if (o === null || typeof o !== "object") return false;
  const { status, message } = o as { status?: unknown; message?: unknown };
  return (
    (status === "healthy" || status === "degraded" || status === "unhealthy") && typeof message === "string"
  );
}

export class HealthMonitor {
  readonly intervalMs: number;
  readonly timeoutMs: number;
  private readonly states: CheckState[];
  private readonly byName = new Map<string, CheckState>();
  private cached: HealthSnapshot;
  private started = false;
  private stopped = false;
  private readonly completeWaiters: (() => void)[] = [];
  private readonly listeners = new Set<(result: CheckResult) => void>();
  private metricsCleanup: (() => void) | undefined;
  private unregisterShutdown: (() => void) | undefined;

  constructor(private readonly opts: HealthMonitorOptions) {
    if (!(opts.intervalMs > 0) || !(opts.timeoutMs > 0)) {
      throw new RangeError(
        `HealthMonitor: intervalMs and timeoutMs must be > 0 (got ${opts.intervalMs}, ${opts.timeoutMs})`,
      );
    }
    this.intervalMs = opts.intervalMs;
    this.timeoutMs = opts.timeoutMs;
    this.states = opts.checks.map((check) => {
      if (!NAME.test(check.name)) {
        throw new TypeError(
          `HealthMonitor: check name ${JSON.stringify(check.name)} is not lower-case snake_case`,
        );
      }
      if (this.byName.has(check.name))
        throw new TypeError(`HealthMonitor: two checks are named ${check.name}`);
      const timeoutMs = check.timeoutMs ?? opts.timeoutMs;
      if (!(timeoutMs > 0))
        throw new RangeError(`HealthMonitor: check ${check.name} has timeoutMs ${timeoutMs}`);
      const state: CheckState = {
        check,
        timeoutMs,
        result: {
          name: check.name,
          critical: check.critical,
          componentType: check.componentType,
          checked: false,
          status: "degraded",
          message: "Not checked yet",
          latencyMs: 0,
          startedAt: 0,
          checkedAt: 0,
          timedOut: false,
        },
        running: undefined,
        hung: false,
        runs: 0,
        timer: undefined,
      };
      this.byName.set(check.name, state);
      return state;
    });
    this.cached = this.compute();
  }

  /** Starts the background runs (every check at once, then on its interval) and the gauges. Idempotent. */
  start(): this {
    if (this.started) return this;
    this.started = true;
    this.startMetrics();
    const lifecycle = this.opts.lifecycle === undefined ? getLifecycle() : this.opts.lifecycle;
    if (lifecycle)
      this.unregisterShutdown = lifecycle.onShutdown("close", "health-monitor", () => this.stop());
    for (const state of this.states) void this.tick(state);
    return this;
  }

  /** Stops scheduling runs and removes the gauges' callback. Runs in flight finish in the background. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const state of this.states) if (state.timer) clearTimeout(state.timer);
    this.metricsCleanup?.();
    this.metricsCleanup = undefined;
    this.unregisterShutdown?.();
  }

  /** The cached results: what every probe reads. */
  snapshot(): HealthSnapshot {
    return this.cached;
  }

  /** How many times a check's `run` has been called (dependency calls, not probe reads). */
  runCount(name: string): number {
    return this.byName.get(name)?.runs ?? 0;
  }

  /** Called with every new result (after the cache is updated). Returns an unsubscribe. */
  onResult(listener: (result: CheckResult) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves once every check has finished at least one run. */
  whenComplete(): Promise<void> {
    if (this.cached.complete) return Promise.resolve();
    return new Promise((resolve) => this.completeWaiters.push(resolve));
  }

  /**
   * Runs every check now (a check already running is not started twice) and resolves when they have all
   * reported. For operators and tests; probes never call it.
   */
  async runNow(): Promise<void> {
    await Promise.all(this.states.map((s) => this.runCheck(s)));
  }

  private async tick(state: CheckState): Promise<void> {
    const started = Date.now();
    await this.runCheck(state);
    if (this.stopped) return;
    state.timer = setTimeout(
      () => void this.tick(state),
      Math.max(0, this.intervalMs - (Date.now() - started)),
    );
    state.timer.unref();
  }

  private runCheck(state: CheckState): Promise<void> {
    if (state.running) return state.running;
    if (state.hung) {
      // The previous call never settled: do not pile up another one on a hanging dependency.
      this.record(state, {
        ...state.result,
        status: "unhealthy",
        message: "Timed out",
        detail: `the previous run is still pending after ${state.timeoutMs} ms; not started again`,
        timedOut: true,
        checked: true,
        startedAt: Date.now(),
        checkedAt: Date.now(),
      });
      return Promise.resolve();
    }
    // The result is recorded after `running` is cleared, so whoever sees it can start the next run.
    state.running = this.execute(state).then((result) => {
      state.running = undefined;
      this.record(state, result);
    });
    return state.running;
  }

  private async execute(state: CheckState): Promise<CheckResult> {
    const { check, timeoutMs } = state;
    const controller = new AbortController();
    const startedAt = Date.now();
    const started = performance.now();
    state.runs++;
    let call: Promise<CheckOutcome>;
    try {
      const run = (): Promise<CheckOutcome> => check.run(controller.signal, timeoutMs);
      call = Promise.resolve(
        this.opts.traceChecks ? run() : context.with(suppressTracing(context.active()), run),
      );
    } catch (err) {
      call = Promise.reject(err);
    }
    state.hung = true;
    const settled = call.then(
      (outcome) => ({ outcome }),
      (error: unknown) => ({ error }),
    );
    void settled.then(() => {
      state.hung = false;
    });
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<typeof TIMED_OUT>((resolve) => {
      timer = setTimeout(() => resolve(TIMED_OUT), timeoutMs);
    });
    const first = await Promise.race([settled, deadline]);
    clearTimeout(timer);
    const latencyMs = performance.now() - started;
    const base = {
      name: check.name,
      critical: check.critical,
      componentType: check.componentType,
      checked: true,
      latencyMs,
      startedAt,
      checkedAt: Date.now(),
    };
    if (first === TIMED_OUT) {
      controller.abort(
        new DOMException(`health check ${check.name} timed out after ${timeoutMs} ms`, "TimeoutError"),
      );
      return {
        ...base,
        status: "unhealthy",
        message: "Timed out",
        detail: `no answer within ${timeoutMs} ms`,
        timedOut: true,
      };
    }
    if ("error" in first) {
      return {
        ...base,
        status: "unhealthy",
        message: "Check failed",
        detail: describeError(first.error),
        timedOut: false,
      };
    }
    const o = first.outcome;
    if (!isOutcome(o)) {
      return {
        ...base,
        status: "unhealthy",
        message: "Check failed",
        detail: "invalid outcome",
        timedOut: false,
      };
    }
    return {
      ...base,
      status: o.status,
      message: o.message,
      timedOut: false,
      ...(o.detail !== undefined ? { detail: o.detail } : {}),
      ...(o.available !== undefined ? { available: o.available } : {}),
      ...(o.total !== undefined ? { total: o.total } : {}),
      ...(o.components !== undefined ? { components: o.components } : {}),
      ...(o.observed !== undefined ? { observed: o.observed } : {}),
    };
  }

  private record(state: CheckState, result: CheckResult): void {
    state.result = result;
    const wasComplete = this.cached.complete;
    this.cached = this.compute();
    if (!wasComplete && this.cached.complete) {
      for (const w of this.completeWaiters.splice(0)) w();
    }
    for (const l of this.listeners) {
      try {
        l(result);
      } catch (err) {
        diag.warn("health: a result listener failed", err);
      }
    }
  }

  private compute(): HealthSnapshot {
    const checks = this.states.map((s) => s.result);
    let status: HealthStatus = "healthy";
    for (const r of checks) {
      if (r.critical && r.checked && r.status === "unhealthy") {
        status = "unhealthy";
        break;
      }
      if (r.status !== "healthy") status = "degraded";
    }
    return Object.freeze({ status, complete: checks.every((r) => r.checked), checks: Object.freeze(checks) });
  }

  private startMetrics(): void {
    if (this.states.length === 0) return;
    try {
      const meter =
        this.opts.meter ??
        (this.opts.meterProvider ?? metrics.getMeterProvider()).getMeter(HEALTH_METER_NAME);
      const statusGauge = meter.createObservableGauge(HEALTH_CHECK_STATUS.name, {
        unit: HEALTH_CHECK_STATUS.unit,
        description: HEALTH_CHECK_STATUS.description,
      });
      const durationGauge = meter.createObservableGauge(HEALTH_CHECK_DURATION.name, {
        unit: HEALTH_CHECK_DURATION.unit,
        description: HEALTH_CHECK_DURATION.description,
      });
      const observe = (result: BatchObservableResult): void => {
        for (const r of this.cached.checks) {
          if (!r.checked) continue;
          const attributes = { [ATTR_HEALTH_CHECK_NAME]: r.name };
          result.observe(statusGauge, STATUS_VALUE[r.status], attributes);
          result.observe(durationGauge, r.latencyMs / 1000, attributes);
        }
      };
      meter.addBatchObservableCallback(observe, [statusGauge, durationGauge]);
      this.metricsCleanup = () => meter.removeBatchObservableCallback(observe, [statusGauge, durationGauge]);
    } catch (err) {
      // Telemetry never breaks the health app.
      diag.warn("health: could not create the health check gauges", err);
    }
  }
}
