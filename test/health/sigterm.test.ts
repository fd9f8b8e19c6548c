/**
 * Graceful shutdown as a process: a Hono service with the health app, started with
 * `node --require ./dist/register.js` (the preload turns SIGTERM into the lifecycle's shutdown and registers
 * the SDK's flush), receives SIGTERM while a request is in flight. /ready answers 503 at once, the in-flight
 * request completes, the telemetry recorded during the drain reaches a local OTLP receiver, and the process
 * exits 0.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type Child, startChild } from "../support/child";
import { type OtlpReceiver, startOtlpReceiver } from "../support/otlp-receiver";
import { eventually, get, RawConnection } from "./support";

describe("SIGTERM under the preload", { timeout: 120_000 }, () => {
  let receiver: OtlpReceiver;
  let child: Child;

  before(async () => {
    receiver = await startOtlpReceiver();
    child = await startChild(["--require", "./dist/register.js", "build/test/health/sigterm-app.js"], {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_SERVICE_NAME: "health-sigterm-test",
      OTEL_METRIC_EXPORT_INTERVAL: "600000",
      OTEL_BSP_SCHEDULE_DELAY: "600000",
      PROCODE_SHUTDOWN_TIMEOUT_MS: "15000",
      // New connections are accepted for 3 s after SIGTERM (load balancers see the 503 first); the test's
      // requests during the drain need that window, however slow this shared machine is.
      ACCEPT_DELAY_MS: "3000",
    });
  });
  after(async () => {
    child?.kill();
    await receiver?.stop();
  });

  test("/ready 503 while the in-flight request completes; then telemetry flushed and exit 0", async () => {
    const base = `http://127.0.0.1:${child.port}`;
    await eventually("ready", async () => (await get(`${base}/ready`)).status === 200, 30_000, 50);
    assert.equal(receiver.points().length, 0, "nothing exported before the signal (long intervals)");

    // An open keep-alive connection, to show that requests on existing connections are answered too.
    const forRelease = await RawConnection.open(child.port);
    assert.equal((await forRelease.request("/livez")).status, 200);

    const slow = get(`${base}/slow`);
    await eventually("the slow request is in flight", () => child.stdout().includes("slow started"));

    const exited = child.signal("SIGTERM");
    await eventually("shutdown began", () => child.stdout().includes("state draining"));
    // A probe on a new connection, as a kubelet or load balancer makes it.
    const ready = await get(`${base}/ready`);
    assert.equal(ready.status, 503);
    assert.deepEqual((ready.json as { checks: { warmup: unknown } }).checks.warmup, {
      ready: false,
      message: "Shutting down",
    });
    assert.ok(!child.stdout().includes("slow finished"), "the request is still in flight");
    assert.equal(child.proc.exitCode, null, "the process waits for it");

    const released = await forRelease.request("/release");
    assert.equal(released.status, 200);
    assert.match(released.head, /connection: close/i, "told to close: the server is draining");
    const done = await slow;
    assert.equal(done.status, 200);
    assert.equal(done.text, "slow done");

    const exit = await exited;
    assert.equal(exit.code, 0, child.stderr());
    const out = child.stdout();
    assert.ok(out.indexOf("slow finished") < out.indexOf("state stopped"), out);

    // Flushed before exit: the counter recorded during the drain, and the health gauges.
    const counter = receiver.latest("fixture.slow.completed");
    assert.deepEqual(
      counter.map((p) => p.value),
      [1],
    );
    assert.equal(counter[0]?.resource["service.name"], "health-sigterm-test");
    const status = receiver.latest("health.check.status");
    assert.deepEqual(status.map((p) => [p.attributes["health.check.name"], p.value, p.unit]).sort(), [
      ["disk", 1, "{status}"],
      ["memory", 1, "{status}"],
    ]);
    assert.equal(receiver.latest("health.check.duration").length, 2);
    forRelease.destroy();
  });
});
