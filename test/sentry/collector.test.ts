/**
 * One error, one Sentry Issue: the two paths to Sentry carry different things.
 *   SDK path        the app's Sentry SDK sends error *events* (envelopes to /api/<project>/envelope/);
 *                   Sentry groups events into Issues.
 *   Collector path  the real OpenTelemetry Collector (otel-collector/config.yaml + sentry.yaml) forwards
 *                   error *spans* and error *logs* over OTLP (/api/<project>/integration/otlp/v1/traces and
 *                   /logs); Sentry stores them as trace and log data, not as Issues (docs/errors.md has the
 *                   sources).
 * Both point at the same local stand-in for Sentry here. A failing request must produce exactly one envelope
 * event, and its error span must travel the OTLP path only; a request that succeeds sends nothing to either.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type CollectorHandle, startCollector } from "../../scripts/stack/collector";
import { type Child, startChild } from "../support/child";
import { APP, envFor, get, REQUIRE } from "./helpers";
import { type SentryReceiver, startSentryReceiver } from "./receiver";

const BOOM_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
const OK_TRACE = "0af7651916cd43dd8448eb211c80319c";
const traceparent = (traceId: string) => `00-${traceId}-00f067aa0ba902b7-01`;

describe("SDK path vs. Collector path", () => {
  let sentry: SentryReceiver;
  let collector: CollectorHandle;
  let child: Child;

  before(async () => {
    sentry = await startSentryReceiver();
    const base = `http://127.0.0.1:${sentry.port}/api/1/integration/otlp/v1`;
    collector = await startCollector({
      sentry: {
        tracesEndpoint: `${base}/traces/`,
        logsEndpoint: `${base}/logs/`,
        publicKey: sentry.publicKey,
      },
    });
    child = await startChild([...REQUIRE, APP], envFor(collector.otlpHttpUrl, sentry.dsn));
    assert.equal(await get(child.port, "/ok", { headers: { traceparent: traceparent(OK_TRACE) } }), 200);
    assert.equal(await get(child.port, "/boom", { headers: { traceparent: traceparent(BOOM_TRACE) } }), 500);
    assert.equal(await get(child.port, "/log-error"), 502);
    const exit = await child.signal("SIGTERM");
    assert.equal(exit.code, 0, child.stderr());
    const boomBytes = Buffer.from(BOOM_TRACE, "hex");
    await sentry.waitFor(
      () =>
        sentry.otlp().some((r) => r.path.endsWith("/traces/") && r.body.includes(boomBytes)) &&
        sentry
          .otlp()
          .some((r) => r.path.endsWith("/logs/") && r.body.includes("payment provider answered 502")),
      30_000,
      "the Collector to forward the error span and the error log",
    );
  });
  after(async () => {
    child?.kill();
    await collector?.stop();
    await sentry?.stop();
  });

  it("the failing request made exactly one event, on the SDK path, linked to its trace", () => {
    const events = sentry.events();
    assert.equal(events.length, 1, JSON.stringify(events.map((e) => e.transaction)));
    assert.equal(events[0]?.transaction, "GET /boom");
    assert.equal(events[0]?.contexts?.trace?.trace_id, BOOM_TRACE);
    for (const e of sentry.envelopes()) assert.match(e.path, /^\/api\/1\/envelope\/?$/);
  });

  it("the Collector path carried the error span and the error log as OTLP, never as an event", () => {
    const requests = sentry.otlp();
    assert.ok(requests.length >= 2);
    for (const r of requests) {
      assert.match(r.path, /^\/api\/1\/integration\/otlp\/v1\/(traces|logs)\/$/);
      assert.equal(r.contentType, "application/x-protobuf");
      assert.equal(r.headers["x-sentry-auth"], `sentry sentry_key=${sentry.publicKey}`);
    }
    const traces = requests.filter((r) => r.path.endsWith("/traces/"));
    assert.ok(traces.some((r) => r.body.includes(Buffer.from(BOOM_TRACE, "hex"))));
  });

  it("a request that succeeded sent nothing to Sentry on either path", () => {
    const okBytes = Buffer.from(OK_TRACE, "hex");
    assert.ok(!sentry.otlp().some((r) => r.body.includes(okBytes)), "only error spans are forwarded");
    assert.ok(!sentry.events().some((e) => e.contexts?.trace?.trace_id === OK_TRACE));
  });
});
