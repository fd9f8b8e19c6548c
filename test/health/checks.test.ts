/**
 * The built-in checks against real things: local HTTP agents that answer, refuse or hang, the real
 * filesystem and process memory, and the check wiring from the environment.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { resolveConfig } from "../../src/config/config";
import {
  checksFromConfig,
  databaseCheck,
  diskCheck,
  externalAgentsCheck,
  httpProbe,
  llmProviderCheck,
  memoryCheck,
  RecentOutcomes,
} from "../../src/health";
import { describeError } from "../../src/health/describe-error";
import { closedPort, FakeAgent, silentServer } from "./support";

const signal = (): AbortSignal => new AbortController().signal;

describe("databaseCheck (query function)", () => {
  test("a query that resolves is healthy", async () => {
    const check = databaseCheck(async () => 1);
    assert.equal(check.name, "database");
    assert.equal(check.critical, true);
    assert.deepEqual(await check.run(signal(), 1000), {
      status: "healthy",
      message: "Database query succeeded",
    });
  });

  test("a failing query is unhealthy; the detail is scrubbed, the message fixed", async () => {
    const check = databaseCheck(async () => {
      throw new Error(
        "connect failed for postgres://admin:hunter2@db-primary.internal:5432/prod password=hunter2",
      );
    });
    const out = await check.run(signal(), 1000);
    assert.equal(out.status, "unhealthy");
    assert.equal(out.message, "Database query failed");
    assert.ok(out.detail?.includes("db-primary.internal"), out.detail);
    assert.ok(!out.detail?.includes("hunter2"), out.detail);
  });

  test("criticality and name are configuration", () => {
    const check = databaseCheck(async () => 1, { critical: false, name: "replica" });
    assert.equal(check.critical, false);
    assert.equal(check.name, "replica");
  });
});

describe("externalAgentsCheck", () => {
  const agents: FakeAgent[] = [];
  before(async () => {
    for (let i = 0; i < 3; i++) agents.push(await FakeAgent.start());
  });
  after(async () => {
    for (const a of agents) await a.stop();
  });

  const endpoints = () => agents.map((a, i) => ({ name: `agent-${i + 1}`, url: a.url }));

  test("all agents answering is healthy, 3/3", async () => {
    const out = await externalAgentsCheck(endpoints()).run(signal(), 1000);
    assert.equal(out.status, "healthy");
    assert.equal(out.message, "All 3 agents available");
    assert.equal(out.available, 3);
    assert.equal(out.total, 3);
  });

  test("one agent down is degraded, 2/3, and the component says which", async () => {
    const port = await closedPort();
    const list = [...endpoints().slice(0, 2), { name: "agent-3", url: `http://127.0.0.1:${port}/health` }];
    const out = await externalAgentsCheck(list).run(signal(), 1000);
    assert.equal(out.status, "degraded");
    assert.equal(out.message, "1 agent unreachable");
    assert.equal(out.available, 2);
    assert.equal(out.total, 3);
    const down = out.components?.find((c) => c.name === "agent-3");
    assert.equal(down?.status, "unhealthy");
    assert.match(down?.detail ?? "", /ECONNREFUSED/);
  });

  test("an agent answering 503 counts as unavailable; all unavailable is unhealthy", async () => {
    for (const a of agents) a.mode = "error";
    try {
      const out = await externalAgentsCheck(endpoints()).run(signal(), 1000);
      assert.equal(out.status, "unhealthy");
      assert.equal(out.message, "3 agents unreachable");
      assert.equal(out.available, 0);
      assert.deepEqual(
        out.components?.map((c) => c.detail),
        ["HTTP 503", "HTTP 503", "HTTP 503"],
      );
    } finally {
      for (const a of agents) a.mode = "up";
    }
  });

  test("a hanging agent: the run gives up when the signal aborts", async () => {
    const silent = await silentServer();
    try {
      const check = externalAgentsCheck([...endpoints(), { name: "stuck", url: silent.url }]);
      await assert.rejects(
        check.run(AbortSignal.timeout(200), 10_000),
        (err: Error) => err.name === "TimeoutError",
      );
    } finally {
      await silent.close();
    }
  });

  test("one hanging agent counts as unavailable after its own timeout; the others still count", async () => {
    const silent = await silentServer();
    try {
      const check = externalAgentsCheck([...endpoints().slice(0, 2), { name: "stuck", url: silent.url }]);
      const out = await check.run(signal(), 250);
      assert.equal(out.status, "degraded");
      assert.deepEqual([out.available, out.total], [2, 3]);
      assert.match(out.components?.find((c) => c.name === "stuck")?.detail ?? "", /^TimeoutError/);
    } finally {
      await silent.close();
    }
  });

  test("no agents registered is healthy", async () => {
    const out = await externalAgentsCheck([]).run(signal(), 1000);
    assert.equal(out.status, "healthy");
    assert.equal(out.total, 0);
  });

  test("a bad URL is a clear error at construction", () => {
    assert.throws(
      () => externalAgentsCheck([{ name: "x", url: "ftp://host/health" }]),
      /only http and https/,
    );
    assert.throws(() => externalAgentsCheck([{ name: "x", url: "not a url" }]), /not a URL/);
  });
});

describe("llmProviderCheck", () => {
  let agent: FakeAgent;
  before(async () => {
    agent = await FakeAgent.start();
  });
  after(async () => agent.stop());

  test("a reachable provider (even 4xx: the probe needs no key) is healthy; the probe costs one GET", async () => {
    const before = agent.hits;
    const check = llmProviderCheck({ probe: httpProbe(agent.url) });
    assert.equal(check.critical, false);
    assert.deepEqual(await check.run(signal(), 1000), {
      status: "healthy",
      message: "LLM provider reachable",
    });
    agent.mode = "unauthorized";
    try {
      assert.deepEqual(await check.run(signal(), 1000), {
        status: "healthy",
        message: "LLM provider reachable",
      });
    } finally {
      agent.mode = "up";
    }
    assert.equal(agent.hits, before + 2);
  });

  test("an unreachable provider is unhealthy", async () => {
    const port = await closedPort();
    const out = await llmProviderCheck({ probe: httpProbe(`http://127.0.0.1:${port}/v1/models`) }).run(
      signal(),
      1000,
    );
    assert.equal(out.status, "unhealthy");
    assert.equal(out.message, "LLM provider unreachable");
    assert.match(out.detail ?? "", /ECONNREFUSED/);
  });

  test("a 5xx answer is not reachable", async () => {
    agent.mode = "error";
    try {
      const out = await llmProviderCheck({ probe: httpProbe(agent.url) }).run(signal(), 1000);
      assert.equal(out.status, "unhealthy");
      assert.match(out.detail ?? "", /HTTP 503/);
    } finally {
      agent.mode = "up";
    }
  });

  test("recent real calls: a failure ratio at the threshold degrades, all failing is unhealthy", async () => {
    const outcomes = new RecentOutcomes();
    const check = llmProviderCheck({ probe: httpProbe(agent.url), recentOutcomes: outcomes });
    for (let i = 0; i < 4; i++) outcomes.record(true);
    outcomes.record(false, "rate_limit");
    let out = await check.run(signal(), 1000);
    assert.equal(out.status, "healthy");
    for (let i = 0; i < 4; i++) outcomes.record(false, "timeout");
    out = await check.run(signal(), 1000);
    assert.equal(out.status, "degraded");
    assert.equal(out.message, "5 of 9 recent LLM calls failed");
    assert.match(out.detail ?? "", /last error.type timeout/);

    const failing = new RecentOutcomes();
    for (let i = 0; i < 5; i++) failing.record(false, "server_error");
    out = await llmProviderCheck({ recentOutcomes: failing }).run(signal(), 1000);
    assert.equal(out.status, "unhealthy");
    assert.equal(out.message, "5 of 5 recent LLM calls failed");
  });

  test("too few recent calls say nothing", async () => {
    const outcomes = new RecentOutcomes();
    outcomes.record(false);
    outcomes.record(false);
    const out = await llmProviderCheck({ recentOutcomes: outcomes }).run(signal(), 1000);
    assert.equal(out.status, "healthy");
    assert.equal(out.message, "No recent LLM calls");
  });

  test("neither probe nor outcomes is a clear error", () => {
    assert.throws(() => llmProviderCheck({}), /give a `probe`, `recentOutcomes`, or both/);
  });
});

describe("RecentOutcomes", () => {
  test("counts only calls within the window", () => {
    let now = 1_000_000;
    const o = new RecentOutcomes({ windowMs: 60_000, buckets: 6, now: () => now });
    o.record(true);
    o.record(false, "timeout");
    assert.deepEqual(o.snapshot(), { total: 2, failures: 1, lastErrorType: "timeout", windowMs: 60_000 });
    now += 30_000;
    o.record(true);
    assert.equal(o.snapshot().total, 3);
    now += 40_000; // the first two are now older than the window
    assert.deepEqual(o.snapshot(), { total: 1, failures: 0, lastErrorType: undefined, windowMs: 60_000 });
    now += 120_000;
    assert.equal(o.snapshot().total, 0);
  });
});

describe("diskCheck and memoryCheck", () => {
  test("disk: real statfs; below the minimum free ratio is unhealthy", async () => {
    const ok = await diskCheck("/", 0).run(signal(), 1000);
    assert.equal(ok.status, "healthy");
    assert.equal(ok.message, "Disk space sufficient");
    assert.ok(ok.observed && ok.observed.value > 0 && ok.observed.value <= 1, JSON.stringify(ok.observed));
    const free = ok.observed?.value ?? 1;
    if (free < 1) {
      const low = await diskCheck("/", 1).run(signal(), 1000);
      assert.equal(low.status, "unhealthy");
      assert.equal(low.message, "Disk space low");
    }
    const missing = await diskCheck("/no/such/path/here", 0.1).run(signal(), 1000);
    assert.equal(missing.status, "unhealthy");
    assert.equal(missing.message, "Disk space unknown");
    assert.throws(() => diskCheck("/", 1.5), RangeError);
  });

  test("memory: RSS against the limit", async () => {
    const rss = process.memoryUsage.rss();
    assert.equal((await memoryCheck(1).run(signal(), 1000)).status, "unhealthy");
    assert.equal((await memoryCheck(rss * 100).run(signal(), 1000)).status, "healthy");
    const near = await memoryCheck(rss * 1.05, { degradedRatio: 0.5 }).run(signal(), 1000);
    assert.equal(near.status, "degraded");
    assert.equal(near.message, "Memory usage near limit");
  });
});

describe("checksFromConfig", () => {
  test("the HEALTH_CHECK_* switches and HEALTH_CHECK_CRITICAL decide the checks", () => {
    const agents = [{ name: "a", url: "http://127.0.0.1:1/health" }];
    const deps = { database: async () => 1, llm: { recentOutcomes: new RecentOutcomes() }, agents };
    const defaults = checksFromConfig(resolveConfig({}).health, deps);
    assert.deepEqual(
      defaults.map((c) => [c.name, c.critical]),
      [
        ["database", true],
        ["llm_provider", false],
        ["external_agents", false],
        ["disk", false],
        ["memory", false],
      ],
    );
    const custom = checksFromConfig(
      resolveConfig({
        HEALTH_CHECK_LLM: "false",
        HEALTH_CHECK_DISK: "off",
        HEALTH_CHECK_CRITICAL: "database,external_agents",
      }).health,
      deps,
    );
    assert.deepEqual(
      custom.map((c) => [c.name, c.critical]),
      [
        ["database", true],
        ["external_agents", true],
        ["memory", false],
      ],
    );
    assert.deepEqual(checksFromConfig(resolveConfig({ ENABLE_HEALTH_CHECKS: "false" }).health, deps), []);
    // A switch that is on without its dependency is skipped (with a diag warning), not a crash.
    assert.deepEqual(
      checksFromConfig(resolveConfig({}).health, {}).map((c) => c.name),
      ["disk", "memory"],
    );
  });
});

describe("describeError", () => {
  test("class, code and message with the cause; credentials masked; no stack", () => {
    const cause = Object.assign(new Error("connect ECONNREFUSED 10.0.0.5:5432"), { code: "ECONNREFUSED" });
    const err = new TypeError("fetch failed https://bob:pa55word@api.example.com/v1 api_key=sk-live-123", {
      cause,
    });
    const text = describeError(err);
    assert.equal(
      text,
      "TypeError: fetch failed https://***@api.example.com/v1 api_key=*** (cause: Error ECONNREFUSED: connect ECONNREFUSED 10.0.0.5:5432)",
    );
    assert.ok(!text.includes("    at "));
    assert.ok(describeError("x".repeat(1000)).length <= 300);
  });
});
