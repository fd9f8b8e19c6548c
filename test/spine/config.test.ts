/** Strict configuration: defaults, invalid values reported one line per variable, strict mode. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConfigError, resolveConfig } from "../../src/config/config";
import { runChild } from "../support/child";

describe("resolveConfig", () => {
  it("applies the documented defaults", () => {
    const c = resolveConfig({});
    assert.equal(c.serviceName, "procode-agent-framework");
    assert.equal(c.tracing.sampler, "parentbased_always_on");
    assert.equal(c.otlp.tracesEndpoint, "http://localhost:4318/v1/traces");
    assert.equal(c.metrics.exporter, "otlp");
    assert.equal(c.metrics.endpoint, "/metrics");
    assert.equal(c.captureContent, false);
    assert.deepEqual(c.health.critical, ["database"]);
    assert.ok(Object.isFrozen(c) && Object.isFrozen(c.tracing));
  });

  it("gives each signal the general export headers with its own winning per key", () => {
    const c = resolveConfig({
      OTEL_EXPORTER_OTLP_HEADERS: "x-tenant=general,x-env=prod",
      OTEL_EXPORTER_OTLP_TRACES_HEADERS: "x-tenant=traces",
      OTEL_EXPORTER_OTLP_LOGS_HEADERS: "x-logs=1",
    });
    assert.deepEqual(c.otlp.tracesHeaders, { "x-tenant": "traces", "x-env": "prod" });
    assert.deepEqual(c.otlp.metricsHeaders, { "x-tenant": "general", "x-env": "prod" });
    assert.deepEqual(c.otlp.logsHeaders, { "x-tenant": "general", "x-env": "prod", "x-logs": "1" });
    assert.throws(
      () => resolveConfig({ OTEL_EXPORTER_OTLP_METRICS_HEADERS: "novalue" }),
      /OTEL_EXPORTER_OTLP_METRICS_HEADERS/,
    );
  });

  it("distinguishes unset, false and garbage", () => {
    assert.equal(resolveConfig({ ENABLE_METRICS: "" }).metrics.enabled, true);
    assert.equal(resolveConfig({ ENABLE_METRICS: "false" }).metrics.enabled, false);
    assert.throws(() => resolveConfig({ ENABLE_METRICS: "maybe" }), ConfigError);
  });

  it("reports every invalid variable with its value and what is allowed", () => {
    try {
      resolveConfig({
        OTEL_TRACES_SAMPLER_ARG: "2",
        ENABLE_METRICS: "maybe",
        OTEL_TRACES_SAMPLER: "sometimes",
      });
      assert.fail("expected a ConfigError");
    } catch (err) {
      assert.ok(err instanceof ConfigError);
      assert.deepEqual(
        err.issues.map((i) => i.variable).sort(),
        ["ENABLE_METRICS", "OTEL_TRACES_SAMPLER", "OTEL_TRACES_SAMPLER_ARG"].sort(),
      );
      assert.match(err.message, /invalid OTEL_TRACES_SAMPLER_ARG="2": expected a number from 0 to 1/);
    }
  });

  it("refuses an unauthenticated public /metrics in embedded mode", () => {
    assert.throws(() => resolveConfig({ OTEL_METRICS_EXPORTER: "prometheus" }), /PROCODE_METRICS_TOKEN/);
    assert.equal(
      resolveConfig({ OTEL_METRICS_EXPORTER: "prometheus", PROCODE_INTERNAL_PORT: "9464" }).internal.port,
      9464,
    );
  });

  it("sends OTLP protobuf by default, JSON when asked, per signal too, and refuses grpc with a hint", () => {
    const d = resolveConfig({}).otlp;
    assert.deepEqual(
      [d.tracesProtocol, d.metricsProtocol, d.logsProtocol],
      ["http/protobuf", "http/protobuf", "http/protobuf"],
    );
    const j = resolveConfig({
      OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
      OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: "HTTP/PROTOBUF",
    }).otlp;
    assert.deepEqual(
      [j.tracesProtocol, j.metricsProtocol, j.logsProtocol],
      ["http/json", "http/protobuf", "http/json"],
    );
    assert.throws(
      () => resolveConfig({ OTEL_EXPORTER_OTLP_PROTOCOL: "grpc" }),
      /invalid OTEL_EXPORTER_OTLP_PROTOCOL="grpc": expected one of http\/protobuf, http\/json \(grpc is not shipped/,
    );
    assert.throws(
      () => resolveConfig({ OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: "http" }),
      /OTEL_EXPORTER_OTLP_TRACES_PROTOCOL/,
    );
  });

  it("derives per-signal endpoints and honours explicit ones", () => {
    const c = resolveConfig({
      OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318/",
      OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: "http://other:4318/v1/metrics",
    });
    assert.equal(c.otlp.tracesEndpoint, "http://collector:4318/v1/traces");
    assert.equal(c.otlp.metricsEndpoint, "http://other:4318/v1/metrics");
  });
});

describe("the preload with a bad configuration", () => {
  const app = ["-e", "console.log('app ran')"];

  it("prints one line naming each variable and runs the app without telemetry", async () => {
    const r = await runChild(["--require", "./dist/register.js", ...app], {
      OTEL_TRACES_SAMPLER_ARG: "2",
      ENABLE_METRICS: "maybe",
    });
    assert.equal(r.code, 0);
    assert.match(r.stdout, /app ran/);
    const lines = r.stderr.trim().split("\n");
    assert.equal(lines.length, 2, r.stderr);
    assert.match(r.stderr, /invalid ENABLE_METRICS="maybe": expected true or false.*telemetry is off/);
    assert.match(r.stderr, /invalid OTEL_TRACES_SAMPLER_ARG="2": expected a number from 0 to 1/);
    assert.doesNotMatch(r.stderr, /\n\s+at /, "no stack trace");
  });

  it("exits non-zero before the app runs when PROCODE_CONFIG_STRICT=true", async () => {
    const r = await runChild(["--require", "./dist/register.js", ...app], {
      OTEL_TRACES_SAMPLER_ARG: "2",
      PROCODE_CONFIG_STRICT: "true",
    });
    assert.equal(r.code, 78);
    assert.doesNotMatch(r.stdout, /app ran/);
    assert.match(r.stderr, /OTEL_TRACES_SAMPLER_ARG.*exiting/);
  });
});

describe("health and shutdown settings", () => {
  it("parses the rate limit, token and drain bounds, and checks their invariants", () => {
    const c = resolveConfig({
      HEALTH_CHECK_RATE_LIMIT: "600/1m",
      PROCODE_HEALTH_TOKEN: "0123456789abcdef",
      PROCODE_SHUTDOWN_TIMEOUT_MS: "10000",
      PROCODE_SHUTDOWN_ACCEPT_DELAY_MS: "500",
    });
    assert.deepEqual(c.health.rateLimit, { limit: 600, windowMs: 60_000 });
    assert.equal(c.shutdown.drainTimeoutMs, 6000);
    assert.equal(resolveConfig({ HEALTH_CHECK_RATE_LIMIT: "off" }).health.rateLimit, false);
    assert.throws(() => resolveConfig({ HEALTH_CHECK_RATE_LIMIT: "lots" }), /HEALTH_CHECK_RATE_LIMIT="lots"/);
    assert.throws(
      () => resolveConfig({ PROCODE_SHUTDOWN_DRAIN_TIMEOUT_MS: "5000" }),
      /less than PROCODE_SHUTDOWN_TIMEOUT_MS/,
    );
    assert.throws(() => resolveConfig({ PROCODE_HEALTH_TOKEN: "short" }), /at least 16 characters/);
  });
});

describe("the preload with `node -e`", () => {
  it("runs evaluated code (no module graph to hook) and reports an unreachable Collector in one line", async () => {
    const r = await runChild(
      ["--require", "./dist/register.js", "-e", "require('node:module'); console.log('eval ran')"],
      {
        OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:9",
      },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /eval ran/);
    assert.doesNotMatch(r.stderr, /"stack"|\n\s+at /, "no stack dump");
  });
});
