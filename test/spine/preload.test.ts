/**
 * The preload as a process: a Hono app started with `node --require ./dist/register.js` sends spans,
 * metrics and logs over OTLP to a local receiver; after SIGTERM everything recorded before the signal has
 * arrived and the process has exited within 5 s. The same for an ESM app with `--import`.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type Child, runChild, startChild } from "../support/child";
import { type OtlpReceiver, startOtlpReceiver } from "../support/otlp-receiver";

const SECRETS = [
  "hunter2",
  "sk-abcdefghijklmnop1234",
  "sk-secretsecretsecret",
  "secret prompt",
  "s3cr3t-query-token",
];

function envFor(receiver: OtlpReceiver): Record<string, string> {
  return {
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    OTEL_SERVICE_NAME: "preload-test",
    // Long intervals: what arrives must come from the shutdown flush, not from a periodic export.
    OTEL_METRIC_EXPORT_INTERVAL: "600000",
    OTEL_BSP_SCHEDULE_DELAY: "600000",
    PORT: "0",
  };
}

// Protobuf is the default encoding (OTEL_EXPORTER_OTLP_PROTOCOL unset); JSON is the documented alternative.
for (const protocol of [undefined, "http/json"] as const) {
  describe(`preload with --require (CommonJS), OTLP ${protocol ?? "default (http/protobuf)"}`, () => {
    let receiver: OtlpReceiver;
    let child: Child;
    const N = 25;

    before(async () => {
      receiver = await startOtlpReceiver();
      child = await startChild(["--require", "./dist/register.js", "build/test/fixtures/hono-app.js"], {
        ...envFor(receiver),
        ...(protocol ? { OTEL_EXPORTER_OTLP_PROTOCOL: protocol } : {}),
      });
      const base = `http://127.0.0.1:${child.port}`;
      for (let i = 0; i < N; i++)
        await (await fetch(`${base}/users/${1000 + i}?token=s3cr3t-query-token`)).text();
      await (
        await fetch(`${base}/boom`, { headers: { authorization: "Bearer sk-abcdefghijklmnop1234" } })
      ).text();
      await (await fetch(`${base}/nowhere`)).text();
      await (await fetch(`${base}/log`)).text();
      await (await fetch(`${base}/llm`)).text();
    });
    after(async () => {
      child?.kill();
      await receiver?.stop();
    });

    it("flushes every span, metric and log on SIGTERM and exits within 5 s", async () => {
      assert.equal(receiver.spans().length, 0, "nothing exported before the signal (long intervals)");
      const exit = await child.signal("SIGTERM");
      assert.equal(exit.code, 0, child.stderr());
      assert.ok(exit.ms < 5000, `exit took ${exit.ms} ms`);

      const server = receiver.spans().filter((s) => s.kind === 2);
      const users = server.filter((s) => s.name === "GET /users/:id");
      assert.equal(users.length, N);
      assert.deepEqual(users[0]?.attributes["http.route"], "/users/:id");
      assert.equal(users[0]?.attributes["http.response.status_code"], 200);
      assert.equal(users[0]?.resource["service.name"], "preload-test");

      const boom = server.find((s) => s.name === "GET /boom");
      assert.ok(boom, "the failing request has its span");
      assert.equal(boom.status.code, 2);
      assert.equal(boom.attributes["error.type"], "Error");
      assert.equal(boom.events.filter((e) => e.name === "exception").length, 1);

      const unmatched = server.find((s) => s.attributes["url.path"] === "/nowhere");
      assert.equal(unmatched?.name, "GET");
      assert.equal(unmatched?.attributes["http.route"], undefined);

      const llm = receiver.spans().find((s) => s.name === "chat gpt-4o-mini");
      assert.equal(llm?.kind, 3);
      assert.equal(llm?.attributes["gen_ai.usage.input_tokens"], 100);
      assert.equal(llm?.parentSpanId, receiver.spans().find((s) => s.name === "GET /llm")?.spanId);

      const durations = receiver.latest("http.server.request.duration");
      const userPoint = durations.find((p) => p.attributes["http.route"] === "/users/:id");
      assert.equal(userPoint?.count, N);
      assert.equal(userPoint?.temporality, 2, "cumulative");
      const boomPoint = durations.find((p) => p.attributes["http.route"] === "/boom");
      assert.deepEqual(boomPoint?.attributes, {
        "http.request.method": "GET",
        "http.response.status_code": 500,
        "http.route": "/boom",
        "error.type": "Error",
      });
      const cost = receiver.latest("llm.cost.usd")[0];
      assert.ok(cost && Math.abs((cost.value ?? 0) - (100 * 0.15 + 50 * 0.6) / 1e6) < 1e-12);

      const logged = receiver.logs().find((l) => l.body === "hello from the fixture");
      assert.ok(logged, "the pino record was exported");
      assert.equal(logged.traceId, receiver.spans().find((s) => s.name === "GET /log")?.traceId);

      const everything = receiver.rawBodies.join("\n");
      for (const secret of SECRETS) assert.ok(!everything.includes(secret), `secret ${secret} leaked`);

      const expected = protocol === "http/json" ? "application/json" : "application/x-protobuf";
      assert.deepEqual(
        [...new Set(receiver.contentTypes)],
        [expected],
        "every signal in the chosen encoding",
      );
    });
  });
}

describe("preload with --import (ESM)", () => {
  it("instruments pino imported from ESM and flushes on SIGTERM", async () => {
    const receiver = await startOtlpReceiver();
    const child = await startChild(
      ["--import", "./dist/register.mjs", "test/fixtures/esm-app.mjs"],
      envFor(receiver),
    );
    try {
      await (await fetch(`http://127.0.0.1:${child.port}/hello`)).text();
      const exit = await child.signal("SIGTERM");
      assert.equal(exit.code, 0, child.stderr());
      assert.ok(exit.ms < 5000);
      const span = receiver.spans().find((s) => s.name === "esm handler");
      assert.ok(span, "the ESM app's span arrived");
      const log = receiver.logs().find((l) => l.body === "esm request");
      assert.ok(log, "pino imported from ESM was instrumented: its record was exported over OTLP");
      assert.equal(log.traceId, span.traceId);
    } finally {
      child.kill();
      await receiver.stop();
    }
  });
});

describe("a script whose event loop runs dry", () => {
  it("flushes its telemetry before exiting, without a signal", async () => {
    const receiver = await startOtlpReceiver();
    try {
      const r = await runChild(
        ["--require", "./dist/register.js", "test/fixtures/batch-job.cjs"],
        envFor(receiver),
      );
      assert.equal(r.code, 0, r.stderr);
      assert.ok(
        receiver.spans().some((s) => s.name === "batch step"),
        "the span arrived",
      );
      const points = receiver.latest("cache.operations");
      assert.equal(points[0]?.value, 3);
    } finally {
      await receiver.stop();
    }
  });
});

describe("a script with an unreachable Collector", () => {
  it("keeps its exit code and exits within the shutdown bound", async () => {
    const t0 = Date.now();
    const r = await runChild(["--require", "./dist/register.js", "test/fixtures/exit-code.cjs"], {
      OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:9",
      PROCODE_SHUTDOWN_TIMEOUT_MS: "500",
    });
    assert.equal(r.code, 3);
    assert.ok(Date.now() - t0 < 4000, `took ${Date.now() - t0} ms`);
  });
});
