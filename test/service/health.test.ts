/**
 * The service's health as a process, built from the library's health module: /health, /ready and /livez on
 * the API port (public: statuses only, /health rate-limited) and on the internal port (detail), checks over
 * the real dependencies (PostgreSQL, the remote agents over HTTP, the LLM provider's probe plus the outcome
 * of the service's own LLM calls), the health gauges leaving through OTLP, and readiness from the lifecycle
 * and the migrations - including a service that listens while it is still waiting for its database.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { freePorts } from "../../scripts/stack/ports";
import type { OtlpReceiver } from "../support/otlp-receiver";
import {
  chat,
  postgres,
  type RemoteAgents,
  ROOT,
  type ServiceProcess,
  type ServiceUnderTest,
  startServiceUnderTest,
  stopPostgres,
} from "./support";

interface HealthCheckBody {
  status: string;
  latency_ms: number;
  message: string;
  available?: number;
  total?: number;
  critical?: boolean;
  detail?: string;
  components?: { name: string; status: string }[];
}
interface HealthBody {
  status: string;
  version: string;
  checks: Record<string, HealthCheckBody>;
}

async function getJson<T>(
  url: string,
  init?: RequestInit,
): Promise<{ status: number; body: T; text: string }> {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(5_000) });
  const text = await res.text();
  return { status: res.status, body: JSON.parse(text) as T, text };
}

async function until<T>(
  what: string,
  read: () => Promise<T>,
  done: (v: T) => boolean,
  ms = 20_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await read();
    if (done(v)) return v;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${ms} ms waiting for ${what}: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const CHECKS = ["database", "disk", "external_agents", "llm_provider", "memory"];

describe("the service's health checks (library health app, real dependencies)", () => {
  let receiver: OtlpReceiver;
  let agents: RemoteAgents;
  let service: ServiceProcess;
  let started: ServiceUnderTest | undefined;
  let internal: string;

  const internalHealth = async (): Promise<HealthBody> =>
    (await getJson<HealthBody>(`${internal}/health`)).body;
  /** The latest exported health.check.status per check. */
  const gauges = (): Record<string, number | undefined> =>
    Object.fromEntries(
      receiver.latest("health.check.status").map((p) => [String(p.attributes["health.check.name"]), p.value]),
    );

  before(async () => {
    started = await startServiceUnderTest("health", {
      OTEL_METRIC_EXPORT_INTERVAL: "300",
      HEALTH_CHECK_INTERVAL_SECONDS: "0.2",
      HEALTH_CHECK_TIMEOUT_SECONDS: "2",
      PROCODE_INTERNAL_PORT: "0",
      SERVICE_FAULT_INJECTION: "true",
      DB_CONNECT_TIMEOUT_MS: "1000",
    });
    ({ receiver, agents, service } = started);
    const port = /"internal_port":(\d+)/.exec(service.output())?.[1];
    assert.ok(port, `the internal port is logged: ${service.output()}`);
    internal = `http://127.0.0.1:${port}`;
  });
  after(async () => {
    await started?.stop();
    await stopPostgres();
  });

  it("public /health: the seed's shape, statuses and fixed messages only", async () => {
    const { status, body, text } = await getJson<HealthBody>(`${service.url}/health`);
    assert.equal(status, 200);
    assert.deepEqual(Object.keys(body.checks).sort(), CHECKS);
    assert.deepEqual(
      { ...body.checks.database, latency_ms: 0 },
      { status: "healthy", latency_ms: 0, message: "Database query succeeded" },
    );
    assert.deepEqual(
      { ...body.checks.external_agents, latency_ms: 0 },
      { status: "healthy", latency_ms: 0, message: "All 3 agents available", available: 3, total: 3 },
    );
    assert.equal(body.checks.llm_provider?.message, "LLM provider reachable");
    // No detail, no addresses, no dependency versions in the public body.
    assert.doesNotMatch(text, /"detail"|"components"|"critical"|127\.0\.0\.1|postgres|PostgreSQL \d/);
  });

  it("internal /health: criticality, per-agent results and the scrubbed detail", async () => {
    const body = await internalHealth();
    assert.equal(body.checks.database?.critical, true);
    assert.equal(body.checks.llm_provider?.critical, false);
    assert.deepEqual(
      body.checks.external_agents?.components?.map((c) => [c.name, c.status]),
      [
        ["payment-gateway", "healthy"],
        ["knowledge-base", "healthy"],
        ["search-index", "healthy"],
      ],
    );
    assert.match(body.checks.llm_provider?.detail ?? "", /^recent calls: \d+ in 300 s/);
  });

  it("/ready: the lifecycle, the migrations gate and the first round of checks; /livez: the process", async () => {
    const ready = await getJson<{ ready: boolean; checks: Record<string, unknown> }>(`${service.url}/ready`);
    assert.equal(ready.status, 200);
    assert.deepEqual(ready.body.checks, {
      database_migrations: { ready: true, message: "All 2 migrations applied (latest 0002)" },
      dependencies: { ready: true, message: "All dependencies loaded" },
      warmup: { ready: true, message: "Application warmed up" },
    });
    const live = await getJson<{ alive: boolean }>(`${service.url}/livez`);
    assert.equal(live.status, 200);
    assert.equal(live.body.alive, true);
  });

  it("exports health.check.status and health.check.duration for every check", async () => {
    await receiver.waitFor(
      () => Object.keys(gauges()).length === CHECKS.length,
      10_000,
      "five health gauges",
    );
    assert.deepEqual(Object.keys(gauges()).sort(), CHECKS);
    assert.equal(gauges().database, 1);
    const durations = receiver.latest("health.check.duration");
    assert.deepEqual(durations.map((p) => String(p.attributes["health.check.name"])).sort(), CHECKS);
    assert.ok(durations.every((p) => p.unit === "s" && (p.value ?? -1) >= 0));
  });

  it("judges the LLM provider by the service's own calls: all failing is unhealthy, not critical", async () => {
    for (let i = 0; i < 5; i++) {
      const r = await chat(
        service.url,
        { message: "What is my account balance?", user_id: "user_acme_01" },
        { "x-procode-fault": "llm=server_error" },
      );
      assert.equal(r.status, 502);
    }
    const body = await until(
      "llm_provider unhealthy",
      internalHealth,
      (b) => b.checks.llm_provider?.status === "unhealthy",
    );
    assert.equal(body.checks.llm_provider?.message, "5 of 5 recent LLM calls failed");
    assert.match(
      body.checks.llm_provider?.detail ?? "",
      /recent calls: 5\/5 failed in 300 s, last error\.type server_error/,
    );
    const pub = await getJson<HealthBody>(`${service.url}/health`);
    assert.equal(pub.status, 200, "the LLM provider is not critical: degraded, still 200");
    assert.equal(pub.body.status, "degraded");
    await receiver.waitFor(() => gauges().llm_provider === 0, 10_000, "health_check_status llm_provider 0");
  });

  it("a remote agent down degrades external_agents; it recovers when the agent is back", async () => {
    const gateway = agents.get("payment-gateway");
    await gateway.setMode("down");
    try {
      const body = await until(
        "external_agents degraded",
        internalHealth,
        (b) => b.checks.external_agents?.status === "degraded",
      );
      assert.deepEqual(
        [body.checks.external_agents?.available, body.checks.external_agents?.message],
        [2, "1 agent unreachable"],
      );
      await receiver.waitFor(() => gauges().external_agents === 0.5, 10_000, "external_agents 0.5");
    } finally {
      await gateway.setMode("normal");
    }
    await until(
      "external_agents healthy",
      internalHealth,
      (b) => b.checks.external_agents?.status === "healthy",
    );
  });

  it("PostgreSQL stopped: the database check fails, /health answers 503; /ready and /livez stay 200", async () => {
    const pg = await postgres();
    await pg.stop();
    try {
      await until("database unhealthy", internalHealth, (b) => b.checks.database?.status === "unhealthy");
      const pub = await getJson<HealthBody>(`${service.url}/health`);
      assert.equal(pub.status, 503);
      assert.equal(pub.body.status, "unhealthy");
      assert.equal(pub.body.checks.database?.message, "Database query failed");
      assert.doesNotMatch(pub.text, /ECONNREFUSED|127\.0\.0\.1/);
      // Readiness does not follow a dependency every replica shares (that would empty the load balancer).
      assert.equal((await fetch(`${service.url}/ready`)).status, 200);
      assert.equal((await fetch(`${service.url}/livez`)).status, 200);
      await receiver.waitFor(() => gauges().database === 0, 10_000, "health_check_status database 0");
    } finally {
      await pg.restart();
    }
    await until("database healthy", internalHealth, (b) => b.checks.database?.status === "healthy");
  });
});

describe("a service still starting (its database unreachable)", () => {
  let proc: ChildProcess;
  let api: string;
  let internal: string;
  let out = "";

  before(async () => {
    // Nothing listens on the database port; telemetry off, so the service serves its internal port itself.
    const [apiPort, internalPort, dbPort] = await freePorts(3);
    api = `http://127.0.0.1:${apiPort}`;
    internal = `http://127.0.0.1:${internalPort}`;
    proc = spawn(
      process.execPath,
      ["--require", join(ROOT, "dist", "register.js"), join(ROOT, "build", "service", "main.js")],
      {
        cwd: ROOT,
        env: {
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          OTEL_SDK_DISABLED: "true",
          PORT: String(apiPort),
          PROCODE_INTERNAL_PORT: String(internalPort),
          DATABASE_URL: `postgres://postgres@127.0.0.1:${dbPort}/procode`,
          DB_CONNECT_TIMEOUT_MS: "500",
          REMOTE_AGENTS: "none",
          HEALTH_CHECK_INTERVAL_SECONDS: "0.2",
        },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    proc.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
    });
    proc.stderr?.on("data", (d: Buffer) => {
      out += d.toString();
    });
    await until(
      "the API port answering /livez",
      async () => {
        if (proc.exitCode !== null) throw new Error(`the service exited: ${out}`);
        return fetch(`${api}/livez`).then(
          (r) => r.status,
          () => 0,
        );
      },
      (status) => status === 200,
      60_000,
    );
  });
  after(() => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGKILL");
  });

  it("is live, not ready (migrations pending, warming up), and refuses the API with 503 starting", async () => {
    const ready = await getJson<{
      ready: boolean;
      checks: Record<string, { ready: boolean; message: string }>;
    }>(`${api}/ready`);
    assert.equal(ready.status, 503);
    assert.deepEqual(ready.body.checks.database_migrations, {
      ready: false,
      message: "Migrations not applied yet",
    });
    assert.deepEqual(ready.body.checks.warmup, { ready: false, message: "Warming up" });
    const r = await chat(api, { message: "What is my account balance?", user_id: "user_acme_01" });
    assert.equal(r.status, 503);
    assert.equal(r.body.error?.code, "starting");
    assert.equal(r.headers.get("retry-after"), "1");
    assert.doesNotMatch(out, /"msg":"listening/);
  });

  it("serves the internal port itself when the preload runs none: detail, the database failing", async () => {
    const body = await until(
      "the database check's first run",
      async () => (await getJson<HealthBody>(`${internal}/health`)).body,
      (b) => b.checks.database?.status === "unhealthy",
    );
    assert.equal(body.checks.database?.critical, true);
    assert.match(body.checks.database?.detail ?? "", /ECONNREFUSED/);
    assert.equal((await fetch(`${internal}/ready`)).status, 503);
    assert.equal((await fetch(`${internal}/livez`)).status, 200);
  });

  it("stops cleanly on SIGTERM while waiting for its database", async () => {
    const exited = once(proc, "exit") as Promise<[number | null, NodeJS.Signals | null]>;
    proc.kill("SIGTERM");
    const [code] = await exited;
    assert.equal(code, 0, out);
    assert.doesNotMatch(out, /start-up failed/);
  });
});
