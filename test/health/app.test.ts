/**
 * The Hono health app over real HTTP (@hono/node-server on 127.0.0.1): body shapes, status codes, what the
 * public rendering must never carry, the token, health+json negotiation, the per-socket-address rate limit,
 * readiness through the lifecycle, and liveness.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { Hono } from "hono";
import {
  type CheckOutcome,
  createHealthApp,
  EventLoopWatch,
  type HealthCheck,
  HealthMonitor,
  type HealthStatus,
  ReadinessGate,
  rateLimitKey,
} from "../../src/health";
import { AddressRateLimiter } from "../../src/health/rate-limit";
import { Lifecycle } from "../../src/lifecycle";
import { eventually, get, type Served, serveApp, sleep } from "./support";

const TOKEN = "t0k3n-for-health-detail-0123456789";
const SECRETS = [
  "db-primary.internal",
  "hunter2",
  "postgres://",
  "node_modules",
  "    at ",
  "PostgreSQL 15",
  "10.1.2.3",
];

class Switchable implements HealthCheck {
  readonly componentType = "datastore" as const;
  status: HealthStatus = "healthy";
  constructor(
    readonly name: string,
    readonly critical: boolean,
  ) {}
  async run(): Promise<CheckOutcome> {
    if (this.status === "healthy") return { status: "healthy", message: `${this.name} ok` };
    const err = new Error(
      "connect ECONNREFUSED 10.1.2.3:5432 (db-primary.internal) postgres://app:hunter2@db-primary.internal/prod; server PostgreSQL 15.4",
    );
    err.stack = `${err.message}\n    at Client._connect (/srv/app/node_modules/pg/lib/client.js:100:5)`;
    throw err;
  }
}

class Agents implements HealthCheck {
  readonly name = "external_agents";
  readonly critical = false;
  readonly componentType = "component" as const;
  available = 3;
  async run(): Promise<CheckOutcome> {
    const down = 3 - this.available;
    return {
      status: down === 0 ? "healthy" : this.available === 0 ? "unhealthy" : "degraded",
      message: down === 0 ? "All 3 agents available" : `${down} agent unreachable`,
      available: this.available,
      total: 3,
      observed: { measurement: "available", value: this.available, unit: "agents" },
      components: [
        { name: "planner", status: "healthy", latencyMs: 1.23 },
        { name: "coder", status: "healthy", latencyMs: 2 },
        {
          name: "reviewer",
          status: down > 0 ? "unhealthy" : "healthy",
          latencyMs: 3,
          ...(down > 0 ? { detail: "Error ECONNREFUSED: connect ECONNREFUSED agent-3.internal:8093" } : {}),
        },
      ],
    };
  }
}

describe("health app", () => {
  const db = new Switchable("database", true);
  const agents = new Agents();
  const lifecycle = new Lifecycle();
  const monitor = new HealthMonitor({
    checks: [db, agents],
    intervalMs: 60_000,
    timeoutMs: 1000,
    lifecycle: false,
  });
  let pub: Served;
  let internal: Served;

  before(async () => {
    monitor.start();
    await monitor.whenComplete();
    lifecycle.markReady();
    const common = { monitor, lifecycle, version: "1.2.3", eventLoop: false as const };
    pub = await serveApp(
      createHealthApp({ ...common, token: TOKEN, rateLimit: { limit: 1000, windowMs: 60_000 } }),
    );
    internal = await serveApp(createHealthApp({ ...common, exposure: "internal" }));
  });
  after(async () => {
    await monitor.stop();
    await pub.close();
    await internal.close();
  });

  const setState = async (dbStatus: HealthStatus, available: number): Promise<void> => {
    db.status = dbStatus;
    agents.available = available;
    await monitor.runNow();
  };

  test("GET /health: the seed's shape, healthy, 200", async () => {
    await setState("healthy", 3);
    const r = await get(`${pub.url}/health`);
    assert.equal(r.status, 200);
    assert.match(String(r.headers["content-type"]), /^application\/json/);
    assert.equal(r.headers["cache-control"], "no-store");
    assert.deepEqual(Object.keys(r.json), ["status", "timestamp", "version", "uptime_seconds", "checks"]);
    assert.equal(r.json.status, "healthy");
    assert.equal(r.json.version, "1.2.3");
    assert.ok(Number.isInteger(r.json.uptime_seconds));
    assert.ok(!Number.isNaN(Date.parse(String(r.json.timestamp))));
    const checks = r.json.checks as Record<string, Record<string, unknown>>;
    assert.deepEqual(Object.keys(checks), ["database", "external_agents"]);
    assert.deepEqual(Object.keys(checks.database ?? {}), ["status", "latency_ms", "message"]);
    assert.deepEqual(Object.keys(checks.external_agents ?? {}), [
      "status",
      "latency_ms",
      "message",
      "available",
      "total",
    ]);
  });

  test("one agent down: 200 degraded, 2/3 available", async () => {
    await setState("healthy", 2);
    const r = await get(`${pub.url}/health`);
    assert.equal(r.status, 200);
    assert.equal(r.json.status, "degraded");
    const ea = (r.json.checks as Record<string, Record<string, unknown>>).external_agents;
    assert.deepEqual(
      { status: ea?.status, available: ea?.available, total: ea?.total, message: ea?.message },
      { status: "degraded", available: 2, total: 3, message: "1 agent unreachable" },
    );
    assert.ok(!r.text.includes("reviewer"), "agent names are detail");
  });

  test("the critical database failing: 503 unhealthy, and the public body leaks nothing", async () => {
    await setState("unhealthy", 2);
    for (const accept of ["application/json", "application/health+json"]) {
      const r = await get(`${pub.url}/health`, { headers: { accept } });
      assert.equal(r.status, 503, accept);
      for (const s of [...SECRETS, "agent-3.internal", "reviewer"])
        assert.ok(!r.text.includes(s), `${accept}: ${s} leaked: ${r.text}`);
    }
    const r = await get(`${pub.url}/health`);
    const database = (r.json.checks as Record<string, Record<string, unknown>>).database;
    assert.deepEqual(
      [r.json.status, database?.status, database?.message],
      ["unhealthy", "unhealthy", "Check failed"],
    );
  });

  test("detail on the internal exposure or with the token, scrubbed even there", async () => {
    await setState("unhealthy", 2);
    for (const r of [
      await get(`${internal.url}/health`),
      await get(`${pub.url}/health`, { headers: { authorization: `Bearer ${TOKEN}` } }),
    ]) {
      assert.equal(r.status, 503);
      const checks = r.json.checks as Record<string, Record<string, unknown>>;
      assert.match(String(checks.database?.detail), /ECONNREFUSED 10\.1\.2\.3:5432/);
      assert.equal(checks.database?.critical, true);
      assert.ok(!r.text.includes("hunter2"), "credentials are scrubbed even internally");
      assert.ok(!r.text.includes("node_modules"), "no stack even internally");
      const comps = checks.external_agents?.components as { name: string; status: string }[];
      assert.deepEqual(
        comps.map((c) => `${c.name}:${c.status}`),
        ["planner:healthy", "coder:healthy", "reviewer:unhealthy"],
      );
    }
    const wrong = await get(`${pub.url}/health`, {
      headers: { authorization: "Bearer not-the-token-at-all!!" },
    });
    assert.equal((wrong.json.checks as Record<string, Record<string, unknown>>).database?.detail, undefined);
  });

  test("application/health+json when the client prefers it: pass / warn / fail", async () => {
    await setState("healthy", 3);
    let r = await get(`${pub.url}/health`, { headers: { accept: "application/health+json" } });
    assert.equal(r.status, 200);
    assert.equal(r.headers["content-type"], "application/health+json");
    assert.equal(r.json.status, "pass");
    assert.equal(r.json.version, "1.2.3");
    const checks = r.json.checks as Record<string, Record<string, unknown>[]>;
    assert.deepEqual(Object.keys(checks), [
      "database:responseTime",
      "external_agents:responseTime",
      "external_agents:available",
    ]);
    const dbEntry = checks["database:responseTime"]?.[0];
    assert.equal(dbEntry?.componentType, "datastore");
    assert.equal(dbEntry?.observedUnit, "ms");
    assert.equal(dbEntry?.status, "pass");
    assert.equal(dbEntry?.output, undefined);

    await setState("healthy", 2);
    r = await get(`${pub.url}/health`, {
      headers: { accept: "application/health+json, application/json;q=0.9" },
    });
    assert.equal(r.json.status, "warn");
    await setState("unhealthy", 2);
    r = await get(`${pub.url}/health`, { headers: { accept: "application/health+json" } });
    assert.equal(r.status, 503);
    assert.equal(r.json.status, "fail");
    assert.equal(
      (r.json.checks as Record<string, Record<string, unknown>[]>)["database:responseTime"]?.[0]?.output,
      "Check failed",
    );

    // Plain JSON preferred (or health+json refused): the seed's shape.
    for (const accept of [
      "application/json, application/health+json;q=0.5",
      "application/health+json;q=0",
      "*/*",
    ]) {
      r = await get(`${pub.url}/health`, { headers: { accept } });
      assert.match(String(r.headers["content-type"]), /^application\/json/, accept);
    }
    await setState("healthy", 3);
  });

  test("HEAD /health answers the status without a body", async () => {
    const r = await get(`${pub.url}/health`, { method: "HEAD" });
    assert.equal(r.status, 200);
    assert.equal(r.text, "");
  });

  test("mountable: the routes work inside another Hono app", async () => {
    const main = new Hono();
    main.get("/", (c) => c.text("app"));
    main.route("/", createHealthApp({ monitor, lifecycle, eventLoop: false, rateLimit: false }));
    main.route("/internal", createHealthApp({ monitor, lifecycle, eventLoop: false, exposure: "internal" }));
    const served = await serveApp(main);
    try {
      assert.equal((await get(`${served.url}/health`)).status, 200);
      assert.equal((await get(`${served.url}/ready`)).status, 200);
      assert.equal((await get(`${served.url}/livez`)).status, 200);
      const detail = await get(`${served.url}/internal/health`);
      assert.equal((detail.json.checks as Record<string, Record<string, unknown>>).database?.critical, true);
    } finally {
      await served.close();
    }
  });

  test("bad options are clear errors", () => {
    assert.throws(() => createHealthApp({ monitor, token: "short" }), /at least 16 characters/);
    assert.throws(() => createHealthApp({ monitor, exposure: "open" as "public" }), /exposure must be/);
  });
});

describe("rate limit on the public /health", () => {
  const monitor = new HealthMonitor({ checks: [], intervalMs: 60_000, timeoutMs: 1000, lifecycle: false });
  let pub: Served;
  let internal: Served;
  before(async () => {
    const common = { monitor, lifecycle: new Lifecycle(), eventLoop: false as const };
    pub = await serveApp(
      createHealthApp({ ...common, token: TOKEN, rateLimit: { limit: 3, windowMs: 60_000 } }),
    );
    internal = await serveApp(createHealthApp({ ...common, exposure: "internal" }));
  });
  after(async () => {
    await pub.close();
    await internal.close();
  });

  test("per socket address; X-Forwarded-For changes nothing; other addresses, the token and the internal port are not limited", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await get(`${pub.url}/health`, { headers: { "x-forwarded-for": `203.0.113.${i}` } });
      statuses.push(r.status);
      if (r.status === 429) {
        assert.ok(Number(r.headers["retry-after"]) >= 1, String(r.headers["retry-after"]));
        assert.deepEqual(r.json, { error: "rate limited" });
      }
    }
    assert.deepEqual(statuses, [200, 200, 200, 429, 429]);
    // Another loopback address is another client.
    assert.equal((await get(`${pub.url}/health`, { localAddress: "127.0.0.2" })).status, 200);
    // With the token: not limited.
    assert.equal(
      (await get(`${pub.url}/health`, { headers: { authorization: `Bearer ${TOKEN}` } })).status,
      200,
    );
    // /ready and /livez are probes, never limited.
    assert.equal((await get(`${pub.url}/livez`)).status, 200);
    // The internal exposure: never limited.
    for (let i = 0; i < 20; i++) assert.equal((await get(`${internal.url}/health`)).status, 200);
  });

  test("off node-server (no socket): one shared limit, no crash", async () => {
    const app = createHealthApp({
      monitor,
      lifecycle: new Lifecycle(),
      eventLoop: false,
      rateLimit: { limit: 2, windowMs: 60_000 },
    });
    const codes = [];
    for (let i = 0; i < 3; i++) codes.push((await app.request("/health")).status);
    assert.deepEqual(codes, [200, 200, 429]);
  });

  test("keys: IPv4-mapped IPv6 is IPv4; IPv6 counts per /64", () => {
    assert.equal(rateLimitKey("::ffff:192.0.2.7"), "192.0.2.7");
    assert.equal(rateLimitKey("192.0.2.7"), "192.0.2.7");
    assert.equal(rateLimitKey("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64");
    assert.equal(rateLimitKey("2001:db8:1:2:ffff:ffff:ffff:ffff"), "2001:db8:1:2::/64");
    assert.equal(rateLimitKey("::1"), "0:0:0:0::/64");
    assert.equal(rateLimitKey("fe80::1%eth0"), "fe80:0:0:0::/64");
  });

  test("the table is bounded and windows expire", () => {
    let now = 0;
    const limiter = new AddressRateLimiter({ limit: 1, windowMs: 1000, maxClients: 3 }, () => now);
    for (const k of ["a", "b", "c", "d"]) assert.equal(limiter.take(k).allowed, true);
    assert.equal(limiter.size, 3, "oldest evicted");
    assert.deepEqual(limiter.take("d"), { allowed: false, retryAfterMs: 1000 });
    now = 1000;
    assert.equal(limiter.take("d").allowed, true);
    assert.equal(limiter.size, 1, "expired windows swept");
  });
});

describe("/ready", () => {
  test("503 while starting, 200 once warmed up and checks have run, 503 from the moment shutdown begins", async () => {
    const lifecycle = new Lifecycle();
    let release: (() => void) | undefined;
    const slow: HealthCheck = {
      name: "database",
      critical: true,
      componentType: "datastore",
      run: () => new Promise((resolve) => (release = () => resolve({ status: "healthy", message: "ok" }))),
    };
    const monitor = new HealthMonitor({
      checks: [slow],
      intervalMs: 60_000,
      timeoutMs: 30_000,
      lifecycle: false,
    }).start();
    const migrations = new ReadinessGate("Migrations pending");
    const served = await serveApp(
      createHealthApp({
        monitor,
        lifecycle,
        eventLoop: false,
        readiness: { databaseMigrations: migrations.probe },
      }),
    );
    try {
      let r = await get(`${served.url}/ready`);
      assert.equal(r.status, 503);
      assert.deepEqual(Object.keys(r.json), ["ready", "timestamp", "checks"]);
      assert.deepEqual(r.json.checks, {
        database_migrations: { ready: false, message: "Migrations pending" },
        dependencies: { ready: false, message: "Dependency checks have not all run yet" },
        warmup: { ready: false, message: "Warming up" },
      });
      migrations.open("All migrations applied");
      release?.();
      await monitor.whenComplete();
      r = await get(`${served.url}/ready`);
      assert.equal(r.status, 503, "still warming up");
      lifecycle.markReady();
      r = await get(`${served.url}/ready`);
      assert.equal(r.status, 200);
      assert.deepEqual(r.json.checks, {
        database_migrations: { ready: true, message: "All migrations applied" },
        dependencies: { ready: true, message: "All dependencies loaded" },
        warmup: { ready: true, message: "Application warmed up" },
      });
      r = await get(`${served.url}/ready`, { headers: { accept: "application/health+json" } });
      assert.equal(r.json.status, "pass");
      assert.deepEqual(Object.keys(r.json.checks as object), [
        "database_migrations:ready",
        "dependencies:ready",
        "warmup:ready",
      ]);

      // Shutdown: 503 at once, even before any hook has run.
      let drainStarted = false;
      let finishDrain: (() => void) | undefined;
      lifecycle.onShutdown("drain", "held", () => {
        drainStarted = true;
        return new Promise<void>((resolve) => (finishDrain = resolve));
      });
      const done = lifecycle.shutdown("test", 10_000);
      assert.equal(lifecycle.state, "draining");
      r = await get(`${served.url}/ready`);
      assert.equal(r.status, 503);
      assert.deepEqual((r.json.checks as Record<string, unknown>).warmup, {
        ready: false,
        message: "Shutting down",
      });
      assert.ok(drainStarted);
      finishDrain?.();
      await done;
      assert.equal((await get(`${served.url}/ready`)).status, 503);
    } finally {
      release?.();
      await monitor.stop();
      await served.close();
    }
  });

  test("a critical check down keeps /ready 200 by default, 503 when asked to require it", async () => {
    const lifecycle = new Lifecycle();
    lifecycle.markReady();
    const down: HealthCheck = {
      name: "database",
      critical: true,
      componentType: "datastore",
      run: async () => ({ status: "unhealthy", message: "Database query failed" }),
    };
    const monitor = new HealthMonitor({
      checks: [down],
      intervalMs: 60_000,
      timeoutMs: 1000,
      lifecycle: false,
    }).start();
    await monitor.whenComplete();
    const lenient = createHealthApp({ monitor, lifecycle, eventLoop: false });
    const strict = createHealthApp({
      monitor,
      lifecycle,
      eventLoop: false,
      readyRequiresCriticalChecks: true,
    });
    assert.equal((await lenient.request("/ready")).status, 200);
    const r = await strict.request("/ready");
    assert.equal(r.status, 503);
    const body = (await r.json()) as { checks: { dependencies: unknown } };
    assert.deepEqual(body.checks.dependencies, { ready: false, message: "1 critical dependency unhealthy" });
    await monitor.stop();
  });
});

describe("/livez", () => {
  test("depends on no check: alive while every dependency is down or hanging", async () => {
    const hang: HealthCheck = {
      name: "database",
      critical: true,
      componentType: "datastore",
      run: () => new Promise<CheckOutcome>(() => undefined),
    };
    const monitor = new HealthMonitor({
      checks: [hang],
      intervalMs: 60_000,
      timeoutMs: 50,
      lifecycle: false,
    }).start();
    await monitor.whenComplete();
    const lifecycle = new Lifecycle();
    const app = createHealthApp({ monitor, lifecycle, eventLoop: false });
    assert.equal((await app.request("/health")).status, 503);
    const r = await app.request("/livez");
    assert.equal(r.status, 200);
    assert.deepEqual(Object.keys((await r.json()) as object), ["alive", "timestamp"]);
    await monitor.stop();
  });

  test("fails while the event loop has stalled beyond the limit, and recovers", async () => {
    const watch = new EventLoopWatch({ sampleIntervalMs: 20, windowMs: 400 }).start();
    const monitor = new HealthMonitor({ checks: [], intervalMs: 60_000, timeoutMs: 50, lifecycle: false });
    const app = createHealthApp({
      monitor,
      lifecycle: new Lifecycle(),
      eventLoop: watch,
      maxEventLoopLagMs: 150,
      exposure: "internal",
    });
    try {
      assert.equal((await app.request("/livez")).status, 200);
      const until = performance.now() + 400;
      while (performance.now() < until) {
        // block the event loop
      }
      await sleep(30);
      const r = await app.request("/livez");
      assert.equal(r.status, 503);
      const body = (await r.json()) as { alive: boolean; event_loop_lag_ms: number };
      assert.equal(body.alive, false);
      assert.ok(body.event_loop_lag_ms >= 150, String(body.event_loop_lag_ms));
      await eventually(
        "/livez alive again",
        async () => (await app.request("/livez")).status === 200,
        10_000,
      );
    } finally {
      watch.stop();
    }
  });

  test("fails once the lifecycle has stopped; health+json rendering", async () => {
    const lifecycle = new Lifecycle();
    const monitor = new HealthMonitor({ checks: [], intervalMs: 60_000, timeoutMs: 50, lifecycle: false });
    const app = createHealthApp({ monitor, lifecycle, eventLoop: false });
    let r = await app.request("/livez", { headers: { accept: "application/health+json" } });
    assert.deepEqual([r.status, await r.json()], [200, { status: "pass" }]);
    await lifecycle.shutdown("test", 1000);
    r = await app.request("/livez", { headers: { accept: "application/health+json" } });
    assert.deepEqual([r.status, await r.json()], [503, { status: "fail", output: "stopped" }]);
  });
});
