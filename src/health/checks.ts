/**
 * Health checks as data: a name, whether its failure makes the service unhealthy (critical) or only
 * degraded, and a `run(signal)` that asks the dependency once and must give up when the signal aborts.
 * The built-in factories cover the seed's five checks (database, LLM provider, external agents, disk,
 * memory). Checks run only in the background (see HealthMonitor); a probe never calls `run`.
 *
 * A check's `message` is a fixed phrase safe for public bodies; anything taken from the dependency (error
 * text, addresses) goes into `detail`, which only the internal rendering shows.
 */
import { statfs } from "node:fs/promises";
import { describeError } from "./describe-error";
import type { OutcomeSource } from "./outcomes";

export type HealthStatus = "healthy" | "degraded" | "unhealthy";

/** IETF health-check draft component types. */
export type ComponentType = "datastore" | "component" | "system";

export interface CheckComponent {
  readonly name: string;
  readonly status: HealthStatus;
  readonly latencyMs: number;
  readonly detail?: string;
}

export interface CheckObservation {
  /** The draft's measurementName (no colon): e.g. "responseTime", "utilization". */
  readonly measurement: string;
  readonly value: number;
  readonly unit: string;
}

export interface CheckOutcome {
  readonly status: HealthStatus;
  /** A fixed phrase chosen by the check, safe for public bodies. */
  readonly message: string;
  /** Internal only: what went wrong, scrubbed (see describeError). */
  readonly detail?: string;
  /** For checks over a set of dependencies (external agents): how many answered, out of how many. */
  readonly available?: number;
  readonly total?: number;
  /** Internal only: per-dependency results. */
  readonly components?: readonly CheckComponent[];
  /** A measured value besides latency (disk free ratio, RSS bytes), for the health+json rendering. */
  readonly observed?: CheckObservation;
}

export interface HealthCheck {
  /** Lower-case snake_case (it becomes the `health.check.name` attribute and a health+json key). */
  readonly name: string;
  /** Whether an unhealthy result makes /health answer 503 (otherwise the service is only degraded). */
  readonly critical: boolean;
  readonly componentType: ComponentType;
  /** Overrides the monitor's timeout for this check. */
  readonly timeoutMs?: number;
  /**
   * Asks the dependency once. Must stop waiting when `signal` aborts (at `timeoutMs`, the budget of this
   * run); may throw (an unhealthy result).
   */
  run(signal: AbortSignal, timeoutMs: number): Promise<CheckOutcome>;
}

export interface CheckOptions {
  readonly name?: string;
  readonly critical?: boolean;
  readonly timeoutMs?: number;
}

/** Waits for `p` unless `signal` aborts first; a value that arrives after the abort goes to `onLate`. */
export function untilAborted<T>(p: Promise<T>, signal: AbortSignal, onLate?: (value: T) => void): Promise<T> {
  if (signal.aborted) {
    p.then(onLate, () => undefined);
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const onAbort = (): void => {
      if (settled) return;
      settled = true;
      reject(signal.reason);
    };
    signal.addEventListener("abort", onAbort, { once: true });
    p.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        if (settled) {
          onLate?.(value);
          return;
        }
        settled = true;
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener("abort", onAbort);
        if (settled) return;
        settled = true;
        reject(err);
      },
    );
  });
}

// --- database -----------------------------------------------------------------------------------------

/** The part of a pg `PoolClient` the database check uses. */
export interface PgClientLike {
  query(text: string): Promise<unknown>;
  release(err?: Error | boolean): void;
}

/** The part of a pg `Pool` the database check uses. */
export interface PgPoolLike {
  connect(): Promise<PgClientLike>;
}

/** A pg Pool, or a function that runs one cheap query and honours the signal. */
export type DatabaseSource = PgPoolLike | ((signal: AbortSignal) => Promise<unknown>);

export interface DatabaseCheckOptions extends CheckOptions {
  /** The query run on each check (default `SELECT 1`). */
  readonly query?: string;
}

/**
 * One query on a client of the pool. A connection attempt that outlives the timeout (a database that accepts
 * TCP but does not answer) is left to finish in the background and its client destroyed, never kept; while
 * it is pending no new attempt is made, so a hung database costs the pool at most one slot per check.
 */
function poolQuery(pool: PgPoolLike, text: string): (signal: AbortSignal) => Promise<void> {
  let pendingConnect: Promise<unknown> | undefined;
  return async (signal) => {
    if (pendingConnect)
      throw new Error("an earlier connection attempt is still pending (database not answering)");
    const connecting = pool.connect();
    const tracked = connecting.then(
      () => undefined,
      () => undefined,
    );
    pendingConnect = tracked;
    void tracked.then(() => {
      if (pendingConnect === tracked) pendingConnect = undefined;
    });
    const client = await untilAborted(connecting, signal, (late) => late.release(true));
    try {
      await untilAborted(client.query(text), signal);
    } catch (err) {
      // Destroy the connection: a query that timed out may still hold it, and a broken one must not be reused.
      client.release(err instanceof Error ? err : true);
      throw err;
    }
    client.release();
  };
}

/** A real query against the database (critical by default). */
export function databaseCheck(source: DatabaseSource, opts: DatabaseCheckOptions = {}): HealthCheck {
  const text = opts.query ?? "SELECT 1";
  const run =
    typeof source === "function"
      ? (signal: AbortSignal) =>
          untilAborted(
            Promise.resolve().then(() => source(signal)),
            signal,
          )
      : poolQuery(source, text);
  return {
    name: opts.name ?? "database",
    critical: opts.critical ?? true,
    componentType: "datastore",
    timeoutMs: opts.timeoutMs,
    async run(signal) {
      try {
        await run(signal);
        return { status: "healthy", message: "Database query succeeded" };
      } catch (err) {
        if (signal.aborted) throw err;
        return { status: "unhealthy", message: "Database query failed", detail: describeError(err) };
      }
    },
  };
}

// --- LLM provider -------------------------------------------------------------------------------------

export interface LlmProviderCheckOptions extends CheckOptions {
  /**
   * A cheap reachability probe (for example `httpProbe(baseUrl + "/models")`): never a paid completion.
   * Throws when the provider cannot be reached.
   */
  readonly probe?: (signal: AbortSignal) => Promise<void>;
  /** The outcome of recent real calls (a RecentOutcomes the LLM wrappers record into). */
  readonly recentOutcomes?: OutcomeSource;
  /** Failure ratio of recent calls from which the provider counts as degraded (default 0.5). */
  readonly degradedErrorRatio?: number;
  /** Fewer recent calls than this say nothing about the provider (default 5). */
  readonly minCalls?: number;
}

const SEVERITY: Record<HealthStatus, number> = { healthy: 0, degraded: 1, unhealthy: 2 };

export function worstStatus(a: HealthStatus, b: HealthStatus): HealthStatus {
  return SEVERITY[a] >= SEVERITY[b] ? a : b;
}

/**
 * The LLM provider: a reachability probe plus the outcome of recent real calls (not critical by default).
 * Unreachable, or every recent call failing, is unhealthy; a failure ratio at or above `degradedErrorRatio`
 * is degraded.
 */
export function llmProviderCheck(opts: LlmProviderCheckOptions): HealthCheck {
  const { probe, recentOutcomes } = opts;
  if (probe === undefined && recentOutcomes === undefined) {
    throw new TypeError("llmProviderCheck: give a `probe`, `recentOutcomes`, or both");
  }
  const degradedErrorRatio = opts.degradedErrorRatio ?? 0.5;
  const minCalls = opts.minCalls ?? 5;
  if (!(degradedErrorRatio > 0 && degradedErrorRatio <= 1) || !(minCalls >= 1)) {
    throw new RangeError("llmProviderCheck: degradedErrorRatio must be in (0, 1] and minCalls >= 1");
  }
  return {
    name: opts.name ?? "llm_provider",
    critical: opts.critical ?? false,
    componentType: "component",
    timeoutMs: opts.timeoutMs,
    async run(signal) {
      let status: HealthStatus = "healthy";
      let message = probe ? "LLM provider reachable" : "No recent LLM calls";
      const details: string[] = [];
      if (probe) {
        try {
          await untilAborted(
            Promise.resolve().then(() => probe(signal)),
            signal,
          );
        } catch (err) {
          if (signal.aborted) throw err;
          status = "unhealthy";
          message = "LLM provider unreachable";
          details.push(`probe: ${describeError(err)}`);
        }
      }
      if (recentOutcomes) {
        const snap = recentOutcomes.snapshot();
        const seconds = Math.round(snap.windowMs / 1000);
        if (snap.total >= minCalls) {
          const ratio = snap.failures / snap.total;
          let fromCalls: HealthStatus = "healthy";
          if (ratio >= 1) fromCalls = "unhealthy";
          else if (ratio >= degradedErrorRatio) fromCalls = "degraded";
          const callsMessage =
            fromCalls === "healthy"
              ? "Recent LLM calls succeeding"
              : `${snap.failures} of ${snap.total} recent LLM calls failed`;
          if (SEVERITY[fromCalls] > SEVERITY[status]) message = callsMessage;
          else if (!probe) message = callsMessage;
          status = worstStatus(status, fromCalls);
          details.push(
            `recent calls: ${snap.failures}/${snap.total} failed in ${seconds} s` +
              (snap.lastErrorType ? `, last error.type ${snap.lastErrorType}` : ""),
          );
        } else {
          details.push(`recent calls: ${snap.total} in ${seconds} s (fewer than ${minCalls}, not judged)`);
        }
      }
      return { status, message, ...(details.length > 0 ? { detail: details.join("; ") } : {}) };
    },
  };
}

export interface HttpProbeOptions {
  readonly method?: "GET" | "HEAD";
  readonly headers?: Readonly<Record<string, string>>;
  /** Which statuses mean "reachable" (default: any status below 500). */
  readonly isReachable?: (status: number) => boolean;
}

function checkHttpUrl(url: string, who: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new TypeError(`${who}: not a URL: ${JSON.stringify(url)}`);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw new TypeError(`${who}: only http and https URLs are supported (got ${parsed.protocol})`);
  }
  return parsed;
}

/** A reachability probe: one HTTP request, its body discarded. Throws on a network error or a bad status. */
export function httpProbe(url: string, opts: HttpProbeOptions = {}): (signal: AbortSignal) => Promise<void> {
  const target = checkHttpUrl(url, "httpProbe");
  const isReachable = opts.isReachable ?? ((s: number) => s < 500);
  return async (signal) => {
    const res = await fetch(target, {
      method: opts.method ?? "GET",
      headers: opts.headers,
      signal,
      redirect: "manual",
    });
    await res.body?.cancel();
    if (!isReachable(res.status)) throw new Error(`HTTP ${res.status}`);
  };
}

// --- external agents ----------------------------------------------------------------------------------

export interface AgentEndpoint {
  readonly name: string;
  /** The agent's health URL; a 2xx answer means available. */
  readonly url: string;
}

export interface ExternalAgentsCheckOptions extends CheckOptions {
  /**
   * How long one agent may take before it counts as unavailable (default: 80% of the run's timeout), so that
   * one hanging agent is reported as such while the others still count.
   */
  readonly agentTimeoutMs?: number;
}

/**
 * The registered remote agents, each asked with an HTTP GET on its health URL (not critical by default).
 * All available: healthy; some: degraded; none: unhealthy. No agents registered: healthy.
 */
export function externalAgentsCheck(
  agents: readonly AgentEndpoint[],
  opts: ExternalAgentsCheckOptions = {},
): HealthCheck {
  if (opts.agentTimeoutMs !== undefined && !(opts.agentTimeoutMs > 0)) {
    throw new RangeError("externalAgentsCheck: agentTimeoutMs must be > 0");
  }
  const targets = agents.map((a) => ({
    name: a.name,
    url: checkHttpUrl(a.url, `externalAgentsCheck(${a.name})`),
  }));
  return {
    name: opts.name ?? "external_agents",
    critical: opts.critical ?? false,
    componentType: "component",
    timeoutMs: opts.timeoutMs,
    async run(signal, timeoutMs) {
      const perAgent = opts.agentTimeoutMs ?? Math.max(1, Math.floor(timeoutMs * 0.8));
      const components = await Promise.all(
        targets.map(async ({ name, url }): Promise<CheckComponent> => {
          const started = performance.now();
          try {
            const agentSignal = AbortSignal.any([signal, AbortSignal.timeout(perAgent)]);
            const res = await fetch(url, { signal: agentSignal, redirect: "manual" });
            await res.body?.cancel();
            const latencyMs = performance.now() - started;
            return res.status >= 200 && res.status < 300
              ? { name, status: "healthy", latencyMs }
              : { name, status: "unhealthy", latencyMs, detail: `HTTP ${res.status}` };
          } catch (err) {
            return {
              name,
              status: "unhealthy",
              latencyMs: performance.now() - started,
              detail: describeError(err),
            };
          }
        }),
      );
      if (signal.aborted) throw signal.reason;
      const total = components.length;
      const available = components.filter((c) => c.status === "healthy").length;
      const down = total - available;
      let status: HealthStatus = "healthy";
      let message = total === 0 ? "No agents registered" : `All ${total} agents available`;
      if (down > 0) {
        status = available === 0 ? "unhealthy" : "degraded";
        message = `${down} ${down === 1 ? "agent" : "agents"} unreachable`;
      }
      return {
        status,
        message,
        available,
        total,
        components,
        observed: { measurement: "available", value: available, unit: "agents" },
      };
    },
  };
}

// --- disk and memory ----------------------------------------------------------------------------------

/** Free space on the filesystem holding `path` (not critical by default): below `minFreeRatio` is unhealthy. */
export function diskCheck(path: string, minFreeRatio: number, opts: CheckOptions = {}): HealthCheck {
  if (!(minFreeRatio >= 0 && minFreeRatio <= 1)) {
    throw new RangeError(`diskCheck: minFreeRatio must be within [0, 1] (got ${minFreeRatio})`);
  }
  return {
    name: opts.name ?? "disk",
    critical: opts.critical ?? false,
    componentType: "system",
    timeoutMs: opts.timeoutMs,
    async run(signal) {
      let free: number;
      try {
        const s = await untilAborted(statfs(path), signal);
        free = s.blocks > 0 ? s.bavail / s.blocks : 1;
      } catch (err) {
        if (signal.aborted) throw err;
        return { status: "unhealthy", message: "Disk space unknown", detail: describeError(err) };
      }
      const detail = `${(free * 100).toFixed(1)}% free on ${path} (minimum ${(minFreeRatio * 100).toFixed(1)}%)`;
      const observed = { measurement: "freeRatio", value: Number(free.toFixed(4)), unit: "1" };
      return free < minFreeRatio
        ? { status: "unhealthy", message: "Disk space low", detail, observed }
        : { status: "healthy", message: "Disk space sufficient", detail, observed };
    },
  };
}

/**
 * Resident memory of this process (not critical by default): at or above `maxRssBytes` is unhealthy, above
 * `degradedRatio` of it (default 0.9) degraded.
 */
export function memoryCheck(
  maxRssBytes: number,
  opts: CheckOptions & { readonly degradedRatio?: number } = {},
): HealthCheck {
  const degradedRatio = opts.degradedRatio ?? 0.9;
  if (!(maxRssBytes > 0) || !(degradedRatio > 0 && degradedRatio <= 1)) {
    throw new RangeError("memoryCheck: maxRssBytes must be > 0 and degradedRatio in (0, 1]");
  }
  return {
    name: opts.name ?? "memory",
    critical: opts.critical ?? false,
    componentType: "system",
    timeoutMs: opts.timeoutMs,
    async run() {
      const rss = process.memoryUsage.rss();
      const mib = (n: number): string => `${(n / 1048576).toFixed(0)} MiB`;
      const detail = `RSS ${mib(rss)} of ${mib(maxRssBytes)}`;
      const observed = { measurement: "rss", value: rss, unit: "By" };
      if (rss >= maxRssBytes)
        return { status: "unhealthy", message: "Memory usage above limit", detail, observed };
      if (rss >= maxRssBytes * degradedRatio) {
        return { status: "degraded", message: "Memory usage near limit", detail, observed };
      }
      return { status: "healthy", message: "Memory usage within limits", detail, observed };
    },
  };
}
