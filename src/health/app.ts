/**
 * The health routes as a Hono app, to mount in any Hono service (`app.route("/", healthApp)`) or to serve on
 * its own internal port:
 *
 * - GET /health: the seed's JSON (healthy / degraded / unhealthy, per-check status, latency, message); 503
 *   only when a critical check is unhealthy. Read from the monitor's cache: it never waits on a dependency.
 * - GET /ready: the seed's readiness JSON; 503 until the lifecycle is ready (warm-up done) and from the
 *   moment shutdown begins.
 * - GET /livez: the process alone (event loop responsive, lifecycle not stopped); it depends on nothing
 *   external, so a database outage never makes Kubernetes restart healthy pods. This is what a liveness
 *   probe should hit; /ready is for the readiness probe; /health is for people, dashboards and load
 *   balancers that want the dependency picture.
 *
 * Every route answers application/health+json (the IETF draft's pass / warn / fail) to a client that prefers
 * it. Public bodies carry no hostnames, connection strings, stack traces or dependency versions: only the
 * internal exposure, or a request with the bearer token, sees the detail. The public /health is rate-limited
 * per client address taken from the socket (never from X-Forwarded-For); probes on the internal exposure
 * are not limited.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { diag } from "@opentelemetry/api";
import { type Context, Hono } from "hono";
import { getLifecycle, type Lifecycle } from "../lifecycle";
import { rateLimitKey, socketAddress } from "./client-address";
import { type EventLoopWatch, getEventLoopWatch } from "./liveness";
import type { HealthMonitor } from "./monitor";
import { AddressRateLimiter, type RateLimitOptions } from "./rate-limit";
import { evaluateReadiness, type ReadinessSources } from "./readiness";
import { healthBody, healthIetfBody, prefersHealthJson, readyBody, readyIetfBody } from "./render";

export type HealthExposure = "public" | "internal";

export interface HealthAppOptions {
  readonly monitor: HealthMonitor;
  /** The service's own version, reported in /health (default "unknown"). */
  readonly version?: string;
  /** "public" (default): minimal bodies, rate-limited /health. "internal": full detail, no limit. */
  readonly exposure?: HealthExposure;
  /** A bearer token (at least 16 characters) that unlocks the detail on the public exposure. */
  readonly token?: string;
  /** Public /health limit per client address (default 30 per 10 s); false turns it off. */
  readonly rateLimit?: RateLimitOptions | false;
  /** How to find the client address; default: the socket under @hono/node-server. */
  readonly clientAddress?: (c: Context) => string | undefined;
  readonly lifecycle?: Lifecycle;
  readonly readiness?: ReadinessSources;
  /** /ready also requires every critical check to be healthy (default false; see evaluateReadiness). */
  readonly readyRequiresCriticalChecks?: boolean;
  /** The event loop watch behind /livez (default: the process-wide one); false: /livez ignores lag. */
  readonly eventLoop?: EventLoopWatch | false;
  /** /livez fails while the worst event loop lag in the watch's window exceeds this (default 5000 ms). */
  readonly maxEventLoopLagMs?: number;
}

export const DEFAULT_HEALTH_RATE_LIMIT: RateLimitOptions = { limit: 30, windowMs: 10_000 };

const HEALTH_JSON = "application/health+json";
const JSON_TYPE = "application/json";

function digest(s: string): Buffer {
  return createHash("sha256").update(s).digest();
}

function send(c: Context, body: unknown, status: 200 | 503 | 429, health: boolean): Response {
  return c.body(JSON.stringify(body), status, {
    "content-type": health ? HEALTH_JSON : JSON_TYPE,
    "cache-control": "no-store",
  });
}

export function createHealthApp(options: HealthAppOptions): Hono {
  const {
    monitor,
    version = "unknown",
    exposure = "public",
    token,
    lifecycle = getLifecycle(),
    maxEventLoopLagMs = 5000,
  } = options;
  if (exposure !== "public" && exposure !== "internal") {
    throw new TypeError(
      `createHealthApp: exposure must be "public" or "internal" (got ${JSON.stringify(exposure)})`,
    );
  }
  if (token !== undefined && token.length < 16) {
    throw new TypeError("createHealthApp: the detail token must be at least 16 characters");
  }
  if (!(maxEventLoopLagMs > 0)) throw new RangeError("createHealthApp: maxEventLoopLagMs must be > 0");
  const internal = exposure === "internal";
  const tokenDigest = token === undefined ? undefined : digest(token);
  const limiter =
    internal || options.rateLimit === false
      ? undefined
      : new AddressRateLimiter(options.rateLimit ?? DEFAULT_HEALTH_RATE_LIMIT);
  const clientAddress = options.clientAddress ?? socketAddress;
  const eventLoop = options.eventLoop === false ? undefined : (options.eventLoop ?? getEventLoopWatch());
  let warnedNoAddress = false;

  const authorized = (c: Context): boolean => {
    if (tokenDigest === undefined) return false;
    const header = c.req.header("authorization");
    if (!header?.startsWith("Bearer ")) return false;
    return timingSafeEqual(digest(header.slice(7).trim()), tokenDigest);
  };

  const app = new Hono();

  app.get("/health", (c) => {
    const detail = internal || authorized(c);
    if (limiter && !detail) {
      const address = clientAddress(c);
      if (address === undefined && !warnedNoAddress) {
        warnedNoAddress = true;
        diag.warn(
          "health: no client address (not on @hono/node-server?); all clients share one /health rate limit",
        );
      }
      const decision = limiter.take(address === undefined ? "unknown" : rateLimitKey(address));
      if (!decision.allowed) {
        c.header("retry-after", String(Math.ceil(decision.retryAfterMs / 1000)));
        return send(c, { error: "rate limited" }, 429, false);
      }
    }
    const snap = monitor.snapshot();
    const ctx = { version, detail, now: Date.now(), uptimeSeconds: Math.floor(process.uptime()) };
    const status = snap.status === "unhealthy" ? 503 : 200;
    return prefersHealthJson(c.req.header("accept"))
      ? send(c, healthIetfBody(snap, ctx), status, true)
      : send(c, healthBody(snap, ctx), status, false);
  });

  app.get("/ready", (c) => {
    const report = evaluateReadiness({
      lifecycle,
      monitor,
      sources: options.readiness,
      requireCriticalChecks: options.readyRequiresCriticalChecks,
    });
    const now = Date.now();
    const status = report.ready ? 200 : 503;
    if (prefersHealthJson(c.req.header("accept"))) return send(c, readyIetfBody(report, now), status, true);
    const detail = internal || authorized(c);
    return send(c, readyBody(report, now, detail ? { state: lifecycle.state } : undefined), status, false);
  });

  app.get("/livez", (c) => {
    const lagMs = eventLoop ? eventLoop.maxLagMs() : 0;
    const stopped = lifecycle.state === "stopped";
    const stalled = lagMs > maxEventLoopLagMs;
    const alive = !stopped && !stalled;
    const status = alive ? 200 : 503;
    if (prefersHealthJson(c.req.header("accept"))) {
      const reason = stopped ? "stopped" : "event loop stalled";
      return send(c, { status: alive ? "pass" : "fail", ...(alive ? {} : { output: reason }) }, status, true);
    }
    const body: Record<string, unknown> = { alive, timestamp: new Date().toISOString() };
    if (internal || authorized(c)) {
      body.state = lifecycle.state;
      body.event_loop_lag_ms = Math.round(lagMs);
      body.uptime_seconds = Math.floor(process.uptime());
    }
    return send(c, body, status, false);
  });

  return app;
}
