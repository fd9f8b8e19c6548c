/**
 * Every instrument of the catalogue, exercised through the public API and read back from an in-memory
 * reader: exact name, unit, type, attribute keys and bucket boundaries. Also pins the Prometheus names the
 * catalogue documents (docs/metrics-catalogue.md is generated from the same table and must match).
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { DataPointType, type MetricData } from "@opentelemetry/sdk-metrics";
import { Hono } from "hono";
import { CATALOGUE } from "../../src/catalogue/catalogue";
import { type InstrumentKind, OWN_INSTRUMENTS } from "../../src/catalogue/instruments";
import { renderCatalogueMarkdown } from "../../src/catalogue/markdown";
import { prometheusBaseName } from "../../src/catalogue/prometheus-names";
import { observabilityMiddleware } from "../../src/hono/middleware";
import { traceAgentRun, traceStage, traceTool } from "../../src/instrument/agent";
import { onLlmOutcome, traceLlmCall } from "../../src/instrument/llm";
import {
  recordApiKeyRequest,
  recordCacheOperation,
  recordCacheSize,
  recordQuotaUsage,
  recordRateLimitExceeded,
} from "../../src/instrument/recorders";
import { recordDropped } from "../../src/sentry/sampling";
import { ROOT } from "../support/child";
import { startTestSdk, type TestSdk } from "../support/in-memory-sdk";

function kindOf(m: MetricData): InstrumentKind[] {
  switch (m.dataPointType) {
    case DataPointType.HISTOGRAM:
      return ["histogram"];
    case DataPointType.GAUGE:
      return ["gauge", "observable_gauge"];
    case DataPointType.SUM:
      return m.isMonotonic
        ? ["counter", "observable_counter"]
        : ["updowncounter", "observable_updowncounter"];
    default:
      return [];
  }
}

describe("catalogue instruments", () => {
  let t: TestSdk;
  const byName = new Map<string, MetricData>();

  before(async () => {
    t = startTestSdk();
    const app = new Hono();
    app.use(observabilityMiddleware());
    app.post("/api/chat", async (c) => {
      const body = JSON.stringify({ ok: true, echo: await c.req.text() });
      return c.body(body, 200, { "content-type": "application/json", "content-length": String(body.length) });
    });
    await app.request("/api/chat", { method: "POST", body: "hello", headers: { "content-length": "5" } });
    await traceStage("intent_classification", () =>
      traceLlmCall({ provider: "openai", model: "gpt-4o", stream: true }, async (ctl) => {
        ctl.firstChunk();
        ctl.setUsage({ inputTokens: 1000, outputTokens: 500 });
      }),
    );
    await traceLlmCall({ provider: "openai", model: "gpt-4o" }, async () => {
      throw Object.assign(new Error("slow down"), { status: 429 });
    }).catch(() => undefined);
    await traceAgentRun({ type: "payment" }, () => traceTool({ name: "lookup" }, async () => 1));
    recordCacheOperation({ cache: "answers", operation: "get", result: "hit" });
    recordCacheSize({ cache: "answers", bytes: 1234 });
    recordApiKeyRequest({ organizationId: "org_1", apiKeyId: "key_1", status: "accepted" });
    recordRateLimitExceeded({ organizationId: "org_1", limitType: "per_minute" });
    recordQuotaUsage({ organizationId: "org_1", percent: 42.5 });
    recordDropped("sampled", "warning");
    const rm = await t.collect();
    for (const sm of rm.scopeMetrics) for (const m of sm.metrics) byName.set(m.descriptor.name, m);
  });
  after(() => t.shutdown());

  // health.* are created by the health monitor (test/health) and db.* around real pg queries (test/spine/pg).
  for (const spec of OWN_INSTRUMENTS.filter(
    (s) => !s.name.startsWith("health.") && !s.name.startsWith("db."),
  )) {
    it(`${spec.name}: name, unit, type, attribute keys, buckets`, () => {
      const m = byName.get(spec.name);
      assert.ok(m, `${spec.name} was exported`);
      assert.equal(m.descriptor.unit, spec.unit);
      assert.ok(kindOf(m).includes(spec.kind), `${spec.name} is a ${spec.kind}, got ${m.dataPointType}`);
      for (const dp of m.dataPoints) {
        for (const key of Object.keys(dp.attributes)) {
          assert.ok(spec.attributes.includes(key), `${spec.name} carries only allow-listed keys, got ${key}`);
        }
      }
      if (spec.kind === "histogram") {
        const dp = m.dataPoints[0];
        assert.ok(dp && typeof dp.value === "object" && dp.value !== null && "buckets" in dp.value);
        assert.deepEqual(
          (dp.value as { buckets: { boundaries: number[] } }).buckets.boundaries,
          spec.buckets,
        );
      }
    });
  }

  it("records exact values: tokens, cost, error type", () => {
    const tokens = byName.get("gen_ai.client.token.usage");
    const input = tokens?.dataPoints.find((d) => d.attributes["gen_ai.token.type"] === "input");
    assert.equal((input?.value as { sum: number } | undefined)?.sum, 1000);
    const cost = byName.get("llm.cost.usd")?.dataPoints[0];
    assert.ok(Math.abs((cost?.value as number) - (1000 * 2.5 + 500 * 10) / 1e6) < 1e-12);
    const errors = byName.get("llm.errors")?.dataPoints[0];
    assert.deepEqual(errors?.attributes, {
      "gen_ai.provider.name": "openai",
      "gen_ai.request.model": "gpt-4o",
      "error.type": "rate_limit",
    });
    assert.equal(errors?.value, 1);
  });

  it("builds the seed's span tree with GenAI attributes", () => {
    const spans = t.spans.getFinishedSpans();
    const stage = spans.find((s) => s.name === "intent_classification");
    const llm = spans.find(
      (s) => s.name === "chat gpt-4o" && s.attributes["gen_ai.usage.input_tokens"] === 1000,
    );
    assert.equal(llm?.parentSpanContext?.spanId, stage?.spanContext().spanId);
    assert.equal(llm?.attributes["gen_ai.provider.name"], "openai");
    const agent = spans.find((s) => s.name === "invoke_agent payment");
    const tool = spans.find((s) => s.name === "execute_tool lookup");
    assert.equal(tool?.parentSpanContext?.spanId, agent?.spanContext().spanId);
    const failed = spans.find((s) => s.name === "chat gpt-4o" && s.status.code === 2);
    assert.equal(failed?.attributes["error.type"], "rate_limit");
  });
});

describe("catalogue table", () => {
  it("maps every seed metric to a series of the documented form", () => {
    const seeds = new Set(CATALOGUE.map((e) => e.seed));
    for (const seed of [
      "http_requests_total",
      "http_request_duration_seconds",
      "http_request_size_bytes",
      "http_response_size_bytes",
      "http_requests_in_progress",
      "llm_requests_total",
      "llm_request_duration_seconds",
      "llm_tokens_total",
      "llm_cost_usd_total",
      "llm_errors_total",
      "agent_executions_total",
      "agent_execution_duration_seconds",
      "agent_executions_in_progress",
      "db_connections_active",
      "db_pool_size",
      "db_query_duration_seconds",
      "db_errors_total",
      "cache_operations_total",
      "cache_size_bytes",
      "api_key_requests_total",
      "rate_limit_exceeded_total",
      "quota_usage_percent",
      "python_info",
      "app_info",
      "process_cpu_seconds_total",
      "process_resident_memory_bytes",
      "process_virtual_memory_bytes",
      "process_open_fds",
    ]) {
      assert.ok(seeds.has(seed), `${seed} is in the catalogue`);
    }
  });

  it("pins the Prometheus names", () => {
    const names = Object.fromEntries(
      CATALOGUE.map((e) => [e.instrument.name, prometheusBaseName(e.instrument)]),
    );
    assert.deepEqual(names, {
      "http.server.request.duration": "http_server_request_duration_seconds",
      "http.server.request.body.size": "http_server_request_body_size_bytes",
      "http.server.response.body.size": "http_server_response_body_size_bytes",
      "http.server.active_requests": "http_server_active_requests",
      "gen_ai.client.operation.duration": "gen_ai_client_operation_duration_seconds",
      "gen_ai.client.token.usage": "gen_ai_client_token_usage",
      "llm.cost.usd": "llm_cost_usd_total",
      "llm.errors": "llm_errors_total",
      "gen_ai.client.operation.time_to_first_chunk": "gen_ai_client_operation_time_to_first_chunk_seconds",
      "agent.execution.duration": "agent_execution_duration_seconds",
      "agent.executions.active": "agent_executions_active",
      "db.client.connection.count": "db_client_connection_count",
      "db.client.connection.max": "db_client_connection_max",
      "db.client.operation.duration": "db_client_operation_duration_seconds",
      "cache.operations": "cache_operations_total",
      "cache.size": "cache_size_bytes",
      "api_key.requests": "api_key_requests_total",
      "rate_limit.exceeded": "rate_limit_exceeded_total",
      "quota.usage": "quota_usage_percent",
      "app.info": "app_info",
      "process.cpu.time": "process_cpu_time_seconds_total",
      "process.memory.usage": "process_memory_usage_bytes",
      "process.memory.virtual": "process_memory_virtual_bytes",
      "process.unix.file_descriptor.count": "process_unix_file_descriptor_count",
      "system.filesystem.utilization": "system_filesystem_utilization_ratio",
      "nodejs.eventloop.delay.p99": "nodejs_eventloop_delay_p99_seconds",
      "nodejs.eventloop.utilization": "nodejs_eventloop_utilization_ratio",
      "v8js.memory.heap.used": "v8js_memory_heap_used_bytes",
      "health.check.status": "health_check_status",
      "health.check.duration": "health_check_duration_seconds",
      "sentry.events.dropped": "sentry_events_dropped_total",
    });
  });

  it("docs/metrics-catalogue.md is the generated table", () => {
    const committed = readFileSync(path.join(ROOT, "docs/metrics-catalogue.md"), "utf8");
    assert.equal(committed, renderCatalogueMarkdown(), "run `npm run docs:catalogue` and commit the result");
  });
});

describe("LLM outcomes for the health check", () => {
  it("tells subscribers the outcome of every traced call", async () => {
    const seen: [boolean, string | undefined][] = [];
    const off = onLlmOutcome((ok, type) => seen.push([ok, type]));
    await traceLlmCall({ provider: "openai", model: "gpt-4o" }, async () => "ok");
    await traceLlmCall({ provider: "openai", model: "gpt-4o" }, async () => {
      throw Object.assign(new Error("busy"), { status: 503 });
    }).catch(() => undefined);
    off();
    await traceLlmCall({ provider: "openai", model: "gpt-4o" }, async () => "ok");
    assert.deepEqual(seen, [
      [true, undefined],
      [false, "server_error"],
    ]);
  });
});
