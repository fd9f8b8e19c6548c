/**
 * The background monitor: cached results, per-check timeouts, no pile-up on a hanging dependency, the
 * overall status rule, the gauges it exports (exact names, units, values) and its place in the lifecycle.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { AggregationTemporality, MeterProvider } from "@opentelemetry/sdk-metrics";
import { ATTR_HEALTH_CHECK_NAME } from "../../src/catalogue/instruments";
import { type CheckOutcome, type HealthCheck, HealthMonitor, type HealthStatus } from "../../src/health";
import { Lifecycle } from "../../src/lifecycle";
import { eventually, pointsOf, sleep, TestReader } from "./support";

function fixed(name: string, status: HealthStatus, critical = false): HealthCheck & { calls: number } {
  const check = {
    name,
    critical,
    componentType: "component" as const,
    calls: 0,
    async run(): Promise<CheckOutcome> {
      check.calls++;
      return { status, message: `${name} is ${status}` };
    },
  };
  return check;
}

const monitor = (
  checks: HealthCheck[],
  extra: Partial<ConstructorParameters<typeof HealthMonitor>[0]> = {},
) => new HealthMonitor({ checks, intervalMs: 60_000, timeoutMs: 1000, lifecycle: false, ...extra });

describe("HealthMonitor", () => {
  test("reads come from the cache: a million snapshots cost no dependency call", async () => {
    const db = fixed("database", "healthy", true);
    const m = monitor([db]).start();
    try {
      await m.whenComplete();
      assert.equal(db.calls, 1);
      for (let i = 0; i < 1_000_000; i++) m.snapshot();
      assert.equal(db.calls, 1);
      assert.equal(m.runCount("database"), 1);
      assert.equal(m.snapshot().status, "healthy");
    } finally {
      await m.stop();
    }
  });

  test("each check runs again on its interval", async () => {
    const a = fixed("a", "healthy");
    const m = monitor([a], { intervalMs: 100 }).start();
    try {
      await eventually("three runs", () => a.calls >= 3, 10_000);
    } finally {
      await m.stop();
    }
    const calls = a.calls;
    await sleep(300);
    assert.equal(a.calls, calls, "no run after stop()");
  });

  test("a check that ignores its signal is reported 'Timed out' at its deadline and not started again while hung", async () => {
    let release: (() => void) | undefined;
    let calls = 0;
    let sawAbort: unknown;
    const hanging: HealthCheck = {
      name: "stuck",
      critical: true,
      componentType: "datastore",
      timeoutMs: 150,
      run(signal) {
        calls++;
        signal.addEventListener("abort", () => {
          sawAbort = signal.reason;
        });
        return new Promise<CheckOutcome>((resolve) => {
          release = () => resolve({ status: "healthy", message: "back" });
        });
      },
    };
    const m = monitor([hanging], { intervalMs: 60_000 }).start();
    try {
      await m.whenComplete();
      const r = m.snapshot().checks[0];
      assert.equal(r?.status, "unhealthy");
      assert.equal(r?.message, "Timed out");
      assert.equal(r?.timedOut, true);
      assert.ok((r?.latencyMs ?? 0) >= 149, `latency ${r?.latencyMs}`);
      assert.equal(m.snapshot().status, "unhealthy");
      assert.equal((sawAbort as Error | undefined)?.name, "TimeoutError", "the check's signal was aborted");

      // Still hung: another round does not call the dependency again.
      await m.runNow();
      assert.equal(calls, 1);
      assert.match(m.snapshot().checks[0]?.detail ?? "", /still pending/);

      // Once the hung call settles, the next round runs it again.
      release?.();
      await sleep(0);
      await m.runNow();
      assert.equal(calls, 2);
    } finally {
      release?.();
      await m.stop();
    }
  });

  test("a check that throws, or returns garbage, is unhealthy with a fixed message", async () => {
    const throwing: HealthCheck = {
      name: "thrower",
      critical: false,
      componentType: "component",
      run: () => {
        throw new Error("boom at db.internal:5432");
      },
    };
    const garbage: HealthCheck = {
      name: "garbage",
      critical: false,
      componentType: "component",
      run: async () => ({ status: "fine" }) as unknown as CheckOutcome,
    };
    const m = monitor([throwing, garbage]).start();
    try {
      await m.whenComplete();
      const [t, g] = m.snapshot().checks;
      assert.deepEqual(
        [t?.status, t?.message, t?.detail],
        ["unhealthy", "Check failed", "Error: boom at db.internal:5432"],
      );
      assert.deepEqual([g?.status, g?.message, g?.detail], ["unhealthy", "Check failed", "invalid outcome"]);
      assert.equal(m.snapshot().status, "degraded", "non-critical failures only degrade");
    } finally {
      await m.stop();
    }
  });

  test("overall status: critical unhealthy -> unhealthy; anything else not healthy -> degraded; pending -> degraded", async () => {
    const cases: [HealthCheck[], HealthStatus][] = [
      [[fixed("database", "healthy", true), fixed("agents", "healthy")], "healthy"],
      [[fixed("database", "healthy", true), fixed("agents", "unhealthy")], "degraded"],
      [[fixed("database", "degraded", true), fixed("agents", "healthy")], "degraded"],
      [[fixed("database", "unhealthy", true), fixed("agents", "healthy")], "unhealthy"],
    ];
    for (const [checks, expected] of cases) {
      const m = monitor(checks);
      assert.equal(m.snapshot().status, "degraded", "before the first run");
      assert.equal(m.snapshot().complete, false);
      assert.equal(m.snapshot().checks[0]?.message, "Not checked yet");
      m.start();
      await m.whenComplete();
      assert.equal(m.snapshot().status, expected, checks.map((c) => c.name).join());
      await m.stop();
    }
  });

  test("invalid names and durations are clear errors", () => {
    assert.throws(() => monitor([fixed("Database", "healthy")]), /not lower-case snake_case/);
    assert.throws(() => monitor([fixed("a", "healthy"), fixed("a", "healthy")]), /two checks are named a/);
    assert.throws(() => monitor([], { intervalMs: 0 }), RangeError);
  });

  test("status and latency are gauges: exact names, units, values, one attribute", async () => {
    // Delta: a gauge reports only what its callback observed in this collection (shows the removal at stop).
    const reader = new TestReader(AggregationTemporality.DELTA);
    const provider = new MeterProvider({ readers: [reader] });
    const m = monitor(
      [fixed("database", "healthy", true), fixed("llm_provider", "degraded"), fixed("memory", "unhealthy")],
      {
        meterProvider: provider,
      },
    );
    try {
      // Instruments are created at start(), not before.
      assert.equal(pointsOf(await reader.metrics(), "health.check.status"), undefined);
      m.start();
      await m.whenComplete();
      const rm = await reader.metrics();
      const status = pointsOf(rm, "health.check.status");
      assert.equal(status?.unit, "{status}");
      assert.deepEqual(
        status?.points.map((p) => [p.attributes, p.value]),
        [
          [{ [ATTR_HEALTH_CHECK_NAME]: "database" }, 1],
          [{ [ATTR_HEALTH_CHECK_NAME]: "llm_provider" }, 0.5],
          [{ [ATTR_HEALTH_CHECK_NAME]: "memory" }, 0],
        ],
      );
      const duration = pointsOf(rm, "health.check.duration");
      assert.equal(duration?.unit, "s");
      assert.equal(duration?.points.length, 3);
      for (const p of duration?.points ?? []) assert.ok(p.value >= 0 && p.value < 1, String(p.value));
      assert.equal(
        rm.scopeMetrics.find((s) => s.metrics.some((x) => x.descriptor.name === "health.check.status"))?.scope
          .name,
        "@procode/observability/health",
      );

      await m.stop();
      const afterStop = await reader.metrics();
      assert.equal(
        pointsOf(afterStop, "health.check.status")?.points.length ?? 0,
        0,
        "callback removed at stop()",
      );
    } finally {
      await m.stop();
      await provider.shutdown();
    }
  });

  test("the lifecycle's close phase stops it", async () => {
    const lifecycle = new Lifecycle();
    const a = fixed("a", "healthy");
    const m = new HealthMonitor({ checks: [a], intervalMs: 50, timeoutMs: 1000, lifecycle }).start();
    await eventually("two runs", () => a.calls >= 2, 10_000);
    const result = await lifecycle.shutdown("test", 2000);
    assert.equal(result.completed, true);
    const calls = a.calls;
    await sleep(200);
    assert.equal(a.calls, calls);
    await m.stop();
  });

  test("onResult sees every result after the cache is updated", async () => {
    const a = fixed("a", "healthy");
    const m = monitor([a]);
    const seen: string[] = [];
    m.onResult((r) => seen.push(`${r.name}:${r.status}:${m.snapshot().checks[0]?.checked}`));
    m.start();
    await m.whenComplete();
    await m.runNow();
    assert.deepEqual(seen, ["a:healthy:true", "a:healthy:true"]);
    await m.stop();
  });
});
