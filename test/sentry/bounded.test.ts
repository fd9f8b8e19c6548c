/**
 * An unreachable Sentry is bounded: events are sent off the request path, at most PROCODE_SENTRY_BUFFER_SIZE
 * envelopes are in flight (the rest are dropped and counted), every request has a deadline, repeated
 * failures make the transport stop trying for a while, and SIGTERM's
 * shutdown still completes within PROCODE_SHUTDOWN_TIMEOUT_MS - exit code 0 means the lifecycle finished
 * every phase before its timeout (the preload exits 1 otherwise). Latency is measured in bench/sentry.ts,
 * not asserted here.
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import type { makeNodeTransport } from "@sentry/node";
import { boundedTransport, SendBreaker } from "../../src/sentry/transport";
import { startChild } from "../support/child";
import { type OtlpReceiver, startOtlpReceiver } from "../support/otlp-receiver";
import { APP, dropped, envFor, get, REQUIRE } from "./helpers";
import { closedPort, type SentryReceiver, startSentryReceiver } from "./receiver";

describe("an unreachable Sentry", () => {
  const receivers: { stop(): Promise<void> }[] = [];
  after(async () => {
    for (const r of receivers) await r.stop();
  });

  it("hanging: the buffer holds 8, the rest is counted, and shutdown ends within its timeout", async () => {
    const sentry: SentryReceiver = await startSentryReceiver("hang");
    const otlp: OtlpReceiver = await startOtlpReceiver();
    receivers.push(sentry, otlp);
    const child = await startChild(
      [...REQUIRE, APP],
      envFor(otlp.url, sentry.dsn, {
        PROCODE_SENTRY_BUFFER_SIZE: "8",
        // Longer than the shutdown: the flush, not the request deadline, must bound the shutdown.
        PROCODE_SENTRY_SEND_TIMEOUT_MS: "60000",
        PROCODE_SHUTDOWN_TIMEOUT_MS: "2000",
      }),
    );
    try {
      assert.equal(await get(child.port, "/errors?n=20"), 200);
      assert.equal(await get(child.port, "/ok"), 200, "requests are still answered");
      await sentry.waitFor(() => sentry.requestCount >= 8, 10_000, "8 envelopes in flight");
      const exit = await child.signal("SIGTERM");
      assert.equal(exit.code, 0, child.stderr());
      assert.match(
        child.stderr(),
        /Sentry did not take every queued event within \d+ ms; the rest is dropped/,
      );
      assert.equal(sentry.requestCount, 8, "never more than the buffer in flight");
      assert.equal(dropped(otlp).get("queue_overflow/-"), 12);
    } finally {
      child.kill();
    }
  });

  it("down: the first failures are network errors, then the transport backs off; the app does not notice", async () => {
    const otlp = await startOtlpReceiver();
    receivers.push(otlp);
    const port = await closedPort();
    const child = await startChild(
      [...REQUIRE, APP],
      envFor(otlp.url, `http://publickey@127.0.0.1:${port}/1`),
    );
    try {
      for (let i = 0; i < 10; i++) assert.equal(await get(child.port, "/boom"), 500);
      const exit = await child.signal("SIGTERM");
      assert.equal(exit.code, 0, child.stderr());
      const counts = dropped(otlp);
      const network = counts.get("network_error/-") ?? 0;
      const backoff = counts.get("backoff/-") ?? 0;
      assert.equal(network + backoff, 10, JSON.stringify([...counts]));
      assert.ok(network >= 3, "three failures in a row open the breaker");
      assert.ok(backoff >= 1, "then envelopes are dropped without trying");
      assert.equal(
        otlp.spans().filter((s) => s.name === "GET /boom").length,
        10,
        "telemetry itself unaffected",
      );
    } finally {
      child.kill();
    }
  });

  it("every envelope request has a deadline: a hanging Sentry frees the slot and the loss is reported", async () => {
    const sentry = await startSentryReceiver("hang");
    receivers.push(sentry);
    const losses: string[] = [];
    const transport = boundedTransport(300)({
      url: `http://127.0.0.1:${sentry.port}/api/1/envelope/`,
      recordDroppedEvent: (reason, category) => losses.push(`${reason}:${category}`),
    } as Parameters<typeof makeNodeTransport>[0]);
    const envelope: Parameters<typeof transport.send>[0] = [
      { event_id: "0123456789abcdef0123456789abcdef", sent_at: new Date().toISOString() },
      [[{ type: "event" }, { event_id: "0123456789abcdef0123456789abcdef", message: "m" }]],
    ];
    await assert.rejects(Promise.resolve(transport.send(envelope)), /did not answer within 300 ms/);
    assert.deepEqual(losses, ["network_error:error"]);
    assert.equal(await transport.flush(1000), true, "nothing left in flight");
  });

  it("the breaker opens after 3 failures in a row, probes once per pause, and doubles the pause", () => {
    let now = 0;
    const b = new SendBreaker(() => now);
    b.failure();
    b.failure();
    assert.equal(b.allow(), true, "two failures: still sending");
    b.failure();
    assert.equal(b.allow(), false, "three: paused");
    now = 4999;
    assert.equal(b.allow(), false);
    now = 5000;
    assert.equal(b.allow(), true, "the pause is over: one probe");
    assert.equal(b.allow(), false, "only one");
    b.failure();
    now = 14_999;
    assert.equal(b.allow(), false, "the probe failed: paused twice as long");
    now = 15_000;
    assert.equal(b.allow(), true);
    b.success();
    assert.equal(b.allow(), true, "an answer closes it");
    assert.equal(b.allow(), true);
  });
});
