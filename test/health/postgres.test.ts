/**
 * The health app against real dependencies: a PostgreSQL server (scripts/stack/postgres.ts) queried through
 * a pg Pool, three remote agents over HTTP, the real disk and memory. PostgreSQL stopped, restarted and
 * frozen (SIGSTOP); an agent down and an agent hanging; a burst of 1,000 concurrent probes.
 *
 * Timing is asserted by construction, not by the clock (the machine is shared): "the first run that started
 * after the event reports it" means a probe reflects the event within one interval plus one timeout, and
 * "the dependency saw no more calls than runs started" bounds the cost of any number of probes.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { Pool, type PoolClient } from "pg";
import { type PostgresServer, startPostgres } from "../../scripts/stack/postgres";
import {
  type CheckResult,
  createHealthApp,
  databaseCheck,
  diskCheck,
  externalAgentsCheck,
  HealthMonitor,
  memoryCheck,
} from "../../src/health";
import { Lifecycle } from "../../src/lifecycle";
import { eventually, FakeAgent, get, type Served, serveApp } from "./support";

const INTERVAL_MS = 1000;
const TIMEOUT_MS = 500;

type Checks = Record<string, Record<string, unknown>>;

/** The first result of `name` from a run that started at or after `since` (epoch ms). */
function firstRunAfter(
  monitor: HealthMonitor,
  name: string,
  since: number,
  deadlineMs = 60_000,
): Promise<CheckResult> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(
        new Error(`no run of ${name} started after ${new Date(since).toISOString()} within ${deadlineMs} ms`),
      );
    }, deadlineMs);
    const off = monitor.onResult((r) => {
      if (r.name !== name || r.startedAt < since) return;
      clearTimeout(timer);
      off();
      resolve(r);
    });
  });
}

describe("health against real PostgreSQL and agents", { timeout: 240_000 }, () => {
  let pg: PostgresServer;
  let pool: Pool;
  const agents: FakeAgent[] = [];
  let monitor: HealthMonitor;
  let served: Served;
  const lifecycle = new Lifecycle();
  const open = new Set<PoolClient>();

  before(async () => {
    pg = await startPostgres();
    // Idle clients close quickly, so each check run opens a connection: pause() freezes the postmaster only
    // (PostgreSQL backends run in their own sessions), so a hung database shows on new connections.
    pool = new Pool({ connectionString: pg.url, max: 4, idleTimeoutMillis: 100 });
    pool.on("error", () => {
      // An idle client losing its server (PostgreSQL stopped) is reported by the next check, not here.
    });
    // pool.end() resolves once its clients are removed, before their sockets have closed; PostgreSQL is
    // stopped only after every connection is gone (a backend told to terminate while its client is still
    // closing sends an error the closing client has no one to report to).
    pool.on("connect", (client) => {
      open.add(client);
      client.once("end", () => open.delete(client));
    });
    for (let i = 0; i < 3; i++) agents.push(await FakeAgent.start());
    monitor = new HealthMonitor({
      checks: [
        databaseCheck(pool),
        externalAgentsCheck(agents.map((a, i) => ({ name: `agent-${i + 1}`, url: a.url }))),
        diskCheck("/", 0.01),
        memoryCheck(64 * 1024 ** 3),
      ],
      intervalMs: INTERVAL_MS,
      timeoutMs: TIMEOUT_MS,
      lifecycle: false,
    }).start();
    await monitor.whenComplete();
    lifecycle.markReady();
    served = await serveApp(
      createHealthApp({ monitor, lifecycle, version: "0.1.0", eventLoop: false, rateLimit: false }),
    );
  });

  after(async () => {
    await monitor?.stop();
    await served?.close();
    for (const a of agents) await a.stop();
    pg?.resume();
    await pool?.end().catch(() => undefined);
    await eventually("every pool connection closed", () => open.size === 0, 10_000).catch(() => undefined);
    await pg?.destroy();
  });

  test("all up: 200 healthy, the database check ran a real query", async () => {
    const r = await get(`${served.url}/health`);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.status, "healthy");
    const checks = r.json.checks as Checks;
    assert.deepEqual(Object.keys(checks), ["database", "external_agents", "disk", "memory"]);
    assert.deepEqual(
      { status: checks.database?.status, message: checks.database?.message },
      { status: "healthy", message: "Database query succeeded" },
    );
    assert.equal(pool.totalCount >= 1, true, "the check used the pool");
    assert.equal((await get(`${served.url}/ready`)).status, 200);
  });

  test("one remote agent down: 200 degraded, 2/3 available; back up: healthy", async () => {
    await agents[2]?.stop();
    const since = Date.now();
    const result = await firstRunAfter(monitor, "external_agents", since);
    assert.equal(result.status, "degraded");
    const r = await get(`${served.url}/health`);
    assert.equal(r.status, 200);
    assert.equal(r.json.status, "degraded");
    const ea = (r.json.checks as Checks).external_agents;
    assert.deepEqual(
      { status: ea?.status, available: ea?.available, total: ea?.total, message: ea?.message },
      { status: "degraded", available: 2, total: 3, message: "1 agent unreachable" },
    );
    assert.equal(`${ea?.available}/${ea?.total}`, "2/3");

    await agents[2]?.restart();
    assert.equal((await firstRunAfter(monitor, "external_agents", Date.now())).status, "healthy");
  });

  test("one remote agent hanging: it alone counts as unavailable, within the timeout", async () => {
    const agent = agents[1];
    assert.ok(agent);
    agent.mode = "hang";
    try {
      const result = await firstRunAfter(monitor, "external_agents", Date.now());
      assert.equal(result.status, "degraded");
      assert.equal(result.timedOut, false, "the per-agent timeout fires before the check's own");
      assert.deepEqual([result.available, result.total], [2, 3]);
      assert.ok(result.latencyMs >= TIMEOUT_MS * 0.8 - 1, String(result.latencyMs));
    } finally {
      agent.mode = "up";
    }
    assert.equal((await firstRunAfter(monitor, "external_agents", Date.now())).status, "healthy");
  });

  test("PostgreSQL stopped: 503 naming the database unhealthy from the first run after the stop; started again: healthy from the first run after", async (t) => {
    await pg.stop();
    const stoppedAt = Date.now();
    const down = await firstRunAfter(monitor, "database", stoppedAt);
    assert.equal(down.status, "unhealthy");
    assert.equal(down.message, "Database query failed");
    const probeStart = performance.now();
    const r = await get(`${served.url}/health`);
    const probeMs = performance.now() - probeStart;
    assert.equal(r.status, 503);
    assert.equal(r.json.status, "unhealthy");
    const database = (r.json.checks as Checks).database;
    assert.deepEqual(
      { status: database?.status, message: database?.message },
      { status: "unhealthy", message: "Database query failed" },
    );
    assert.ok(
      !r.text.includes(String(pg.port)) && !r.text.includes(pg.password),
      "no address or credential in the body",
    );
    const internal = await serveApp(
      createHealthApp({ monitor, lifecycle, exposure: "internal", eventLoop: false }),
    );
    try {
      const detail = ((await get(`${internal.url}/health`)).json.checks as Checks).database?.detail;
      assert.match(String(detail), /ECONNREFUSED|terminat|shut/i);
    } finally {
      await internal.close();
    }
    t.diagnostic(
      `database: stop -> unhealthy result after ${down.checkedAt - stoppedAt} ms (budget: interval ${INTERVAL_MS} + timeout ${TIMEOUT_MS} ms); /health answered 503 in ${probeMs.toFixed(1)} ms`,
    );
    assert.equal(
      (await get(`${served.url}/ready`)).status,
      200,
      "readiness does not follow a shared dependency by default",
    );

    await pg.restart();
    const restartedAt = Date.now();
    const up = await firstRunAfter(monitor, "database", restartedAt);
    assert.equal(up.status, "healthy", up.detail);
    const back = await get(`${served.url}/health`);
    assert.equal(back.status, 200);
    assert.equal((back.json.checks as Checks).database?.status, "healthy");
    t.diagnostic(
      `database: restart -> healthy result after ${up.checkedAt - restartedAt} ms (within one interval: ${INTERVAL_MS} ms)`,
    );
  });

  test("PostgreSQL hanging (SIGSTOP): 'Timed out' at the timeout, probes never wait, the pool does not fill up", async (t) => {
    const runsBefore = monitor.runCount("database");
    await eventually(
      "no idle pool client left",
      () => pool.idleCount === 0 && pool.totalCount === 0,
      10_000,
      5,
    );
    pg.pause();
    const pausedAt = Date.now();
    try {
      const hung = await firstRunAfter(monitor, "database", pausedAt);
      assert.equal(hung.status, "unhealthy");
      assert.equal(hung.message, "Timed out");
      assert.equal(hung.timedOut, true);
      // Probes while the database hangs: answered from the cache.
      const latencies: number[] = [];
      for (let i = 0; i < 20; i++) {
        const started = performance.now();
        const r = await get(`${served.url}/health`);
        latencies.push(performance.now() - started);
        assert.equal(r.status, 503);
      }
      // A few more runs against the frozen server: at most one connection attempt is left pending.
      const later = await firstRunAfter(monitor, "database", Date.now());
      const evenLater = await firstRunAfter(monitor, "database", Date.now());
      for (const r of [later, evenLater]) assert.equal(r.status, "unhealthy");
      assert.ok(pool.totalCount <= 2, `pool clients while hung: ${pool.totalCount}`);
      assert.equal(pool.waitingCount, 0);
      t.diagnostic(
        `database hung: runs ${monitor.runCount("database") - runsBefore}, pool total ${pool.totalCount}, /health max ${Math.max(...latencies).toFixed(1)} ms over 20 probes; later results: ${later.message} / ${evenLater.detail}`,
      );
    } finally {
      pg.resume();
    }
    // Recovery: once the late connection attempt has settled, a run succeeds (at most a couple of intervals).
    let result = await firstRunAfter(monitor, "database", Date.now());
    for (let i = 0; i < 3 && result.status !== "healthy"; i++)
      result = await firstRunAfter(monitor, "database", Date.now());
    assert.equal(result.status, "healthy", result.detail);
  });

  test("1,000 concurrent /health and /ready requests cause no more dependency calls than the interval allows", async (t) => {
    const names = ["database", "external_agents", "disk", "memory"];
    const runsBefore = names.map((n) => monitor.runCount(n));
    const hitsBefore = agents.map((a) => a.hits);
    const started = Date.now();
    const replies = await Promise.all(
      Array.from({ length: 1000 }, (_, i) => get(`${served.url}/${i % 2 === 0 ? "health" : "ready"}`)),
    );
    const elapsed = Date.now() - started;
    assert.deepEqual(
      [...new Set(replies.map((r) => r.status))],
      [200],
      "every probe answered 200 (all dependencies are up)",
    );
    // Runs start at most once per interval per check: in a window of `elapsed` ms, at most floor(elapsed/interval)+1.
    const bound = Math.floor(elapsed / INTERVAL_MS) + 1;
    const runs = names.map((n, i) => monitor.runCount(n) - (runsBefore[i] ?? 0));
    const hits = agents.map((a, i) => a.hits - (hitsBefore[i] ?? 0));
    for (const [i, n] of names.entries())
      assert.ok((runs[i] ?? 0) <= bound, `${n}: ${runs[i]} runs > ${bound}`);
    for (const h of hits) assert.ok(h <= bound, `agent saw ${h} requests > ${bound}`);
    t.diagnostic(
      `1000 probes in ${elapsed} ms -> runs per check ${JSON.stringify(runs)}, agent hits ${JSON.stringify(hits)} (bound ${bound})`,
    );
  });
});
