/**
 * The response bodies. Two shapes (the seed's JSON, and the IETF health-check draft's
 * application/health+json with pass / warn / fail) and two audiences: the public rendering carries only
 * statuses, latencies, counts and each check's fixed message; the internal rendering (internal port, or a
 * valid token) adds the scrubbed detail, per-dependency results and criticality.
 */
import type { CheckResult, HealthSnapshot } from "./monitor";
import type { ReadinessReport, ReadinessState } from "./readiness";

export type IetfStatus = "pass" | "warn" | "fail";

const IETF: Record<CheckResult["status"], IetfStatus> = {
  healthy: "pass",
  degraded: "warn",
  unhealthy: "fail",
};

const ms = (n: number): number => Math.round(n * 10) / 10;
const iso = (epochMs: number): string => new Date(epochMs).toISOString();

export interface RenderContext {
  readonly version: string;
  readonly detail: boolean;
  readonly now: number;
  readonly uptimeSeconds: number;
}

interface SeedCheck {
  status: CheckResult["status"];
  latency_ms: number;
  message: string;
  available?: number;
  total?: number;
  critical?: boolean;
  checked_at?: string | null;
  timed_out?: boolean;
  detail?: string;
  components?: { name: string; status: CheckResult["status"]; latency_ms: number; detail?: string }[];
}

function seedCheck(r: CheckResult, detail: boolean): SeedCheck {
  const out: SeedCheck = { status: r.status, latency_ms: ms(r.latencyMs), message: r.message };
  if (r.available !== undefined) out.available = r.available;
  if (r.total !== undefined) out.total = r.total;
  if (detail) {
    out.critical = r.critical;
    out.checked_at = r.checked ? iso(r.checkedAt) : null;
    out.timed_out = r.timedOut;
    if (r.detail !== undefined) out.detail = r.detail;
    if (r.components) {
      out.components = r.components.map((c) => ({
        name: c.name,
        status: c.status,
        latency_ms: ms(c.latencyMs),
        ...(c.detail !== undefined ? { detail: c.detail } : {}),
      }));
    }
  }
  return out;
}

export function healthBody(snap: HealthSnapshot, ctx: RenderContext): Record<string, unknown> {
  const checks: Record<string, SeedCheck> = {};
  for (const r of snap.checks) checks[r.name] = seedCheck(r, ctx.detail);
  return {
    status: snap.status,
    timestamp: iso(ctx.now),
    version: ctx.version,
    uptime_seconds: ctx.uptimeSeconds,
    checks,
  };
}

interface IetfEntry {
  componentId?: string;
  componentType?: string;
  observedValue?: number;
  observedUnit?: string;
  status: IetfStatus;
  time?: string;
  output?: string;
}

function output(
  r: { status: CheckResult["status"]; message: string; detail?: string },
  detail: boolean,
): string | undefined {
  if (r.status === "healthy") return undefined;
  return detail && r.detail !== undefined ? r.detail : r.message;
}

export function healthIetfBody(snap: HealthSnapshot, ctx: RenderContext): Record<string, unknown> {
  const checks: Record<string, IetfEntry[]> = {};
  for (const r of snap.checks) {
    const time = r.checked ? iso(r.checkedAt) : undefined;
    const out = output(r, ctx.detail);
    const response: IetfEntry[] = [
      {
        componentType: r.componentType,
        observedValue: ms(r.latencyMs),
        observedUnit: "ms",
        status: IETF[r.status],
        ...(time ? { time } : {}),
        ...(out !== undefined ? { output: out } : {}),
      },
    ];
    if (ctx.detail && r.components) {
      for (const c of r.components) {
        const cOut = output({ status: c.status, message: c.status, detail: c.detail }, true);
        response.push({
          componentId: c.name,
          componentType: r.componentType,
          observedValue: ms(c.latencyMs),
          observedUnit: "ms",
          status: IETF[c.status],
          ...(time ? { time } : {}),
          ...(cOut !== undefined ? { output: cOut } : {}),
        });
      }
    }
    checks[`${r.name}:responseTime`] = response;
    if (r.observed) {
      checks[`${r.name}:${r.observed.measurement}`] = [
        {
          componentType: r.componentType,
          observedValue: r.observed.value,
          observedUnit: r.observed.unit,
          status: IETF[r.status],
          ...(time ? { time } : {}),
        },
      ];
    }
  }
  return {
    status: IETF[snap.status],
    version: ctx.version,
    ...(snap.status !== "healthy" ? { output: summary(snap) } : {}),
    checks,
  };
}

function summary(snap: HealthSnapshot): string {
  const bad = snap.checks.filter((c) => c.status !== "healthy").map((c) => c.name);
  return `not healthy: ${bad.join(", ")}`;
}

export function readyBody(
  report: ReadinessReport,
  now: number,
  extra?: Record<string, unknown>,
): Record<string, unknown> {
  return { ready: report.ready, timestamp: iso(now), checks: report.checks, ...extra };
}

export function readyIetfBody(report: ReadinessReport, now: number): Record<string, unknown> {
  const entry = (s: ReadinessState): IetfEntry => ({
    status: s.ready ? "pass" : "fail",
    time: iso(now),
    ...(s.ready ? {} : { output: s.message }),
  });
  return {
    status: report.ready ? "pass" : "fail",
    checks: {
      "database_migrations:ready": [entry(report.checks.database_migrations)],
      "dependencies:ready": [entry(report.checks.dependencies)],
      "warmup:ready": [entry(report.checks.warmup)],
    },
  };
}

/**
 * Whether the client prefers application/health+json: it names it with a non-zero quality at least as high
 * as plain application/json's.
 */
export function prefersHealthJson(accept: string | undefined): boolean {
  if (!accept?.includes("health+json")) return false;
  let health = 0;
  let json = 0;
  for (const range of accept.split(",")) {
    const [type = "", ...params] = range.split(";").map((s) => s.trim().toLowerCase());
    let q = 1;
    for (const p of params) {
      if (p.startsWith("q=")) {
        const v = Number(p.slice(2));
        q = Number.isFinite(v) ? v : 0;
      }
    }
    if (type === "application/health+json") health = Math.max(health, q);
    else if (type === "application/json") json = Math.max(json, q);
  }
  return health > 0 && health >= json;
}
