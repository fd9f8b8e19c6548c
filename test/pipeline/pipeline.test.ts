/**
 * Issue 5's end-to-end "must show", with real processes only: PostgreSQL, Jaeger, the Collector (with the
 * Sentry overlay pointed at a local stand-in for Sentry), Prometheus scraping every second, the reference
 * service under the preload with its three remote agents, its own load generator, and a known mix of requests
 * sent by this test (planted secrets in the Authorization and X-API-Key headers, the query string, the message
 * and a malformed body; LLM and database faults; 4xx refusals).
 *
 * Then, from the backends' own APIs:
 *   - Jaeger holds a chat trace with the seed's span tree, every error trace, and of the rest exactly what the
 *     tail sampler's baseline share keeps (the test computes that decision per trace id: tail-sampling.ts);
 *   - Prometheus has every series of the catalogue (src/catalogue, so a new entry is checked by itself) and the
 *     span-derived ones, with values that follow from the answers the clients got, and request counts equal to
 *     the requests sent, exactly, by status;
 *   - the stand-in for Sentry's OTLP endpoint got error spans, with their exception attributes, and nothing
 *     else; the SDK path's events plus the counted drops equal the 5xx answers;
 *   - no planted secret appears in any byte of Jaeger's JSON, Prometheus's series and labels, or what reached
 *     the Sentry stand-in;
 *   - the Collector SIGKILLed and restarted during steady traffic: Prometheus's counter ends exactly equal to
 *     the requests sent, and the service's latency and memory stay bounded meanwhile (measured, reported as
 *     diagnostics; only loose bounds are asserted).
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { waitUntil } from "../../scripts/stack/process";
import { type Stack, startStack } from "../../scripts/stack/stack";
import type { Summary } from "../../service/load/stats";
import { CATALOGUE } from "../../src/catalogue/catalogue";
import { prometheusSeries } from "../../src/catalogue/prometheus-names";
import { PromClient, type PromSample } from "../grafana/support";
import { type SentryReceiver, startSentryReceiver } from "../sentry/receiver";
import { decodeLogsRequest, decodeTraceRequest } from "../support/otlp-protobuf";
import type { ReceivedLog, ReceivedSpan } from "../support/otlp-receiver";
import {
  generateLoad,
  missingReferenceService,
  type ReferenceService,
  startReferenceService,
} from "../support/reference-service";
import {
  childrenOf,
  isErrorSpan,
  JaegerClient,
  type JaegerSpan,
  type JaegerTrace,
  parentOf,
  serverSpanOf,
  tagsOf,
  traceDurationMs,
} from "./jaeger";
import { allSecrets, ENTERPRISE_KEY, type KnownRequest, knownMix, plantedSecrets, TREE } from "./known-mix";
import { phaseFigures, RssSampler, residentBytes, SteadyTraffic } from "./steady-traffic";
import { keptByBaseline, traceIdSampled } from "./tail-sampling";
import { Tally } from "./tally";

const SERVICE = "procode-pipeline";
const CHAT = "POST /api/chat";
/** The Collector's baseline share of error-free, fast traces (production default, set explicitly here). */
const SAMPLING_PERCENT = 10;
const SLOW_THRESHOLD_MS = 1000;
const LLM_TIMEOUT_MS = 1500;
const DB_POOL_MAX = 10;
const CACHE_MAX_BYTES = 1_048_576;
const STATUS_ERROR = 2;
const DEADLINE_MS = 90_000;

/**
 * Catalogue instruments whose series are absent because of a defect outside this test, with its cause. Each
 * runs as a `todo` test (reported, not failing the run); once it passes the defect is fixed and the entry goes.
 */
const KNOWN_GAPS: Readonly<Record<string, string>> = {};

const skip = missingReferenceService();
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Sent {
  readonly name: string;
  readonly traceId: string;
  readonly kept: boolean;
  readonly status: number;
  readonly code: string | undefined;
}

describe("issue 5: the reference service's telemetry through the real pipeline", {
  skip: skip ?? false,
}, () => {
  let sentry: SentryReceiver;
  let stack: Stack;
  let service: ReferenceService;
  let prom: PromClient;
  let jaeger: JaegerClient;
  let load: Summary;
  let startedAt = 0;
  const tally = new Tally();
  const sent: Sent[] = [];
  /** Planted secrets by where they were planted. */
  const planted = plantedSecrets();

  const byName = (name: string): Sent => {
    const found = sent.find((s) => s.name === name);
    assert.ok(found, `no request named ${name}`);
    return found;
  };

  async function send(req: KnownRequest): Promise<Sent> {
    const kept = req.kept;
    const traceId = traceIdSampled(kept, SAMPLING_PERCENT);
    const res = await fetch(`${service.url}${req.path ?? "/api/chat"}`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        traceparent: `00-${traceId}-${randomBytes(8).toString("hex")}-01`,
        ...req.headers,
      },
      body: req.body,
      signal: AbortSignal.timeout(30_000),
    });
    const text = await res.text();
    let code: string | undefined;
    if (res.status >= 400) code = (JSON.parse(text) as { error?: { code?: string } }).error?.code;
    tally.add(res.status, code);
    const out = { name: req.name, traceId, kept, status: res.status, code };
    sent.push(out);
    return out;
  }

  /** The sum of an instant query's samples (0 when it returns none). */
  async function total(expr: string): Promise<number> {
    const data = await prom.query(expr, Date.now() / 1000);
    return (data.result as PromSample[]).reduce((n, s) => n + Number(s.value?.[1] ?? 0), 0);
  }

  /** An instant query's samples as label value -> value. */
  async function byLabel(expr: string, label: string): Promise<Record<string, number>> {
    const data = await prom.query(expr, Date.now() / 1000);
    return Object.fromEntries(
      (data.result as PromSample[])
        .map((s): [string, number] => [s.metric[label] ?? "", Number(s.value?.[1] ?? 0)])
        .sort(([a], [b]) => a.localeCompare(b)),
    );
  }

  const job = `job="${SERVICE}"`;
  const chatCount = `http_server_request_duration_seconds_count{${job}, http_route="/api/chat"}`;

  /** Decoded OTLP requests the Sentry stand-in received from the Collector. */
  function sentryOtlp(): { spans: ReceivedSpan[]; logs: ReceivedLog[] } {
    const requests = sentry.otlp();
    return {
      spans: requests.filter((r) => r.path.endsWith("/traces/")).flatMap((r) => decodeTraceRequest(r.body)),
      logs: requests.filter((r) => r.path.endsWith("/logs/")).flatMap((r) => decodeLogsRequest(r.body)),
    };
  }

  before(
    async () => {
      sentry = await startSentryReceiver();
      const otlpBase = `http://127.0.0.1:${sentry.port}/api/1/integration/otlp/v1`;
      stack = await startStack({
        services: ["postgres", "jaeger", "collector", "prometheus"],
        prometheus: { scrapeInterval: "1s", evaluationInterval: "1s" },
        collector: {
          sentry: {
            tracesEndpoint: `${otlpBase}/traces/`,
            logsEndpoint: `${otlpBase}/logs/`,
            publicKey: sentry.publicKey,
          },
          env: {
            SPANMETRICS_FLUSH_INTERVAL: "1s",
            TRACES_SAMPLING_PERCENT: String(SAMPLING_PERCENT),
            TRACES_SLOW_THRESHOLD_MS: String(SLOW_THRESHOLD_MS),
            // The root span arrives last and decides its trace 1 s later (TRACES_DECISION_WAIT_AFTER_ROOT);
            // this only bounds traces whose root never comes.
            TRACES_DECISION_WAIT: "5s",
          },
        },
      });
      assert.ok(stack.prometheus && stack.jaeger && stack.collector);
      prom = new PromClient(stack.prometheus.url);
      jaeger = new JaegerClient(stack.jaeger.queryUrl);
      startedAt = Math.floor(Date.now() / 1000);
      service = await startReferenceService(stack, SERVICE, {
        env: {
          OTEL_BSP_SCHEDULE_DELAY: "500",
          LLM_TIMEOUT_MS: String(LLM_TIMEOUT_MS),
          HEALTH_CHECK_INTERVAL_SECONDS: "2",
          // The SDK path to Sentry too, half the error events sampled away: what is not sent is counted in
          // sentry_events_dropped_total, so sent + dropped must equal the failures.
          SENTRY_DSN: sentry.dsn,
          SENTRY_SAMPLE_RATES: "error=0.5",
        },
      });

      // The known mix's first request, while the remote agents' result caches are cold (known-mix.ts).
      await send(TREE);
      // Generated traffic: the service's own load generator, every kind of request of its mix.
      load = await generateLoad(service, [
        ...["--count", "120", "--concurrency", "4", "--seed", "5", "--timeout-ms", "20000"],
        ...["--llm-failure-rate", "0.1", "--db-failure-rate", "0.05", "--burst-share", "0.15"],
      ]);
      tally.addSummary(load);
      // The rest of the known mix, each with a trace id chosen for the tail sampler's baseline decision.
      for (const req of knownMix(planted)) await send(req);
    },
    { timeout: 420_000 },
  );

  after(async () => {
    await service?.stop();
    await stack?.stop();
    await sentry?.stop();
  });

  it("the known mix got the answers it was built for", () => {
    const expected = [TREE, ...knownMix(planted)];
    assert.deepEqual(
      Object.fromEntries(sent.map((s) => [s.name, `${s.status} ${s.code ?? "ok"}`])),
      Object.fromEntries(expected.map((r) => [r.name, r.expect])),
    );
    // The generated traffic holds every kind of answer the exact checks below rely on.
    for (const status of ["200", "400", "401", "429", "502"])
      assert.ok((load.statuses[status] ?? 0) > 0, status);
  });

  it("Prometheus: the chat request count equals the requests sent, exactly, in total, by status and by class", async () => {
    await waitUntil(
      `sum(${chatCount}) == ${tally.total}`,
      async () => (await total(`sum(${chatCount})`)) === tally.total,
      { deadlineMs: DEADLINE_MS, intervalMs: 500 },
    );
    assert.deepEqual(
      await byLabel(`sum by (http_response_status_code) (${chatCount})`, "http_response_status_code"),
      tally.byStatus(),
    );
    const byClass = `sum by (class) (label_replace(${chatCount}, "class", "\${1}xx", "http_response_status_code", "(\\\\d)\\\\d\\\\d"))`;
    assert.deepEqual(await byLabel(byClass, "class"), tally.byClass());
    // error.type is set on exactly the 5xx answers.
    assert.equal(
      await total(`sum(${chatCount.replace("}", ', error_type!=""}')})`),
      tally.where((s) => s >= 500),
    );
  });

  it("Prometheus: every series of the catalogue is there for the service", async (t) => {
    const series = (entries: typeof CATALOGUE) =>
      [...new Set(entries.flatMap((entry) => prometheusSeries(entry.instrument)))].sort();
    const expected = series(CATALOGUE.filter((entry) => !(entry.instrument.name in KNOWN_GAPS)));
    const missing = async (): Promise<string[]> => {
      const present = new Set(Object.keys(await byLabel(`count by (__name__) ({${job}})`, "__name__")));
      return expected.filter((n) => !present.has(n));
    };
    // The runtime instrumentation observes event-loop delay once it holds a few 20 ms samples.
    await waitUntil("every catalogue series", async () => (await missing()).length === 0, {
      deadlineMs: DEADLINE_MS,
      intervalMs: 1_000,
    }).catch(() => undefined);
    assert.deepEqual(await missing(), [], "catalogue series absent from Prometheus");
    t.diagnostic(`${expected.length} catalogue series present: ${expected.join(" ")}`);
  });

  for (const [instrument, reason] of Object.entries(KNOWN_GAPS)) {
    it(`known gap: ${instrument}'s series are there for the service`, { todo: reason }, async () => {
      const entry = CATALOGUE.find((e) => e.instrument.name === instrument);
      assert.ok(entry, `${instrument} is no longer in the catalogue`);
      for (const name of prometheusSeries(entry.instrument))
        assert.ok(await total(`count(${name}{${job}})`), name);
    });
  }

  /** Answers with any of these error codes. */
  const codes = (...names: string[]): number => names.reduce((n, c) => n + tally.code(c), 0);
  const positive = (entries: [string, number][]): Record<string, number> =>
    Object.fromEntries(entries.filter(([, n]) => n > 0).sort(([a], [b]) => a.localeCompare(b)));

  it("Prometheus values: API keys, rate limits and quota follow the refusals", async () => {
    // Every request is counted once with its outcome; a missing key counts as invalid.
    const refused = codes(
      "missing_api_key",
      "invalid_api_key",
      "api_key_revoked",
      "rate_limited",
      "quota_exceeded",
    );
    assert.deepEqual(
      await byLabel(`sum by (api_key_status) (api_key_requests_total{${job}})`, "api_key_status"),
      positive([
        ["accepted", tally.total - refused],
        ["invalid", codes("missing_api_key", "invalid_api_key")],
        ["revoked", codes("api_key_revoked")],
        ["rate_limited", codes("rate_limited")],
        ["over_quota", codes("quota_exceeded")],
      ]),
    );
    assert.deepEqual(
      await byLabel(`sum by (rate_limit_type) (rate_limit_exceeded_total{${job}})`, "rate_limit_type"),
      positive([
        ["monthly", codes("quota_exceeded")],
        ["per_minute", codes("rate_limited")],
      ]),
    );
    const quota = Object.values(await byLabel(`quota_usage_percent{${job}}`, "organization_id"));
    assert.ok(quota.length > 0 && quota.every((p) => p >= 0 && p <= 100), JSON.stringify(quota));
  });

  it("Prometheus values: LLM calls, failures by type, tokens, cost, time to first chunk", async () => {
    // One failed call per LLM-caused answer: no retries, and the simulated model fails only on demand.
    const llm = await byLabel(`sum by (error_type) (llm_errors_total{${job}})`, "error_type");
    assert.equal(llm.rate_limit ?? 0, codes("llm_rate_limited"), JSON.stringify(llm));
    assert.equal(llm.timeout ?? 0, codes("llm_timeout"), JSON.stringify(llm));
    const failedCalls = (llm.server_error ?? 0) + (llm.malformed_response ?? 0);
    assert.equal(failedCalls, codes("llm_error"), JSON.stringify(llm));
    assert.equal(
      await total(`sum(gen_ai_client_operation_duration_seconds_count{${job}, error_type!=""})`),
      codes("llm_rate_limited", "llm_timeout", "llm_error"),
    );
    // Every 200 answer ends with one successful streamed generation, which had a first chunk.
    const ok = tally.where((s) => s === 200);
    const generations = `gen_ai_client_operation_duration_seconds_count{${job}, gen_ai_request_model="sim-large", error_type=""}`;
    assert.equal(await total(`sum(${generations})`), ok);
    assert.ok((await total(`sum(gen_ai_client_operation_time_to_first_chunk_seconds_count{${job}})`)) >= ok);
    const tokens = await byLabel(
      `sum by (gen_ai_token_type) (gen_ai_client_token_usage_sum{${job}})`,
      "gen_ai_token_type",
    );
    assert.deepEqual(Object.keys(tokens), ["input", "output"]);
    assert.ok((tokens.input ?? 0) > 0 && (tokens.output ?? 0) > 0, JSON.stringify(tokens));
    assert.ok((await total(`sum(llm_cost_usd_total{${job}})`)) > 0);
  });

  it("Prometheus values: database failures and agent runs, the pool, the caches", async () => {
    // One failed query (SQLSTATE 57014) per database_unavailable answer, each in a failed agent run.
    const dbFailures = codes("database_unavailable");
    const queries = `db_client_operation_duration_seconds_count{${job}`;
    assert.equal(await total(`sum(${queries}, error_type!=""})`), dbFailures);
    assert.equal(await total(`sum(${queries}, error_type="57014"})`), dbFailures);
    assert.equal(
      await total(`sum(agent_execution_duration_seconds_count{${job}, error_type!=""})`),
      dbFailures,
    );
    assert.ok(
      (await total(`sum(agent_execution_duration_seconds_count{${job}})`)) >= tally.where((s) => s === 200),
    );
    assert.equal(await total(`sum(agent_executions_active{${job}})`), 0);
    assert.equal(await total(`max(db_client_connection_max{${job}})`), DB_POOL_MAX);
    const connections = await byLabel(
      `sum by (db_client_connection_state) (db_client_connection_count{${job}})`,
      "db_client_connection_state",
    );
    const open = (connections.idle ?? 0) + (connections.used ?? 0);
    assert.ok(open <= DB_POOL_MAX && (connections.idle ?? 0) > 0, JSON.stringify(connections));
    assert.ok((await total(`sum(cache_operations_total{${job}})`)) > 0);
    const cacheSizes = Object.values(await byLabel(`cache_size_bytes{${job}}`, "cache_name"));
    assert.ok(cacheSizes.length > 0 && cacheSizes.every((b) => b >= 0 && b <= CACHE_MAX_BYTES));
  });

  it("Prometheus values: HTTP bodies and requests in flight", async () => {
    // Every request declared its body's size.
    const bodies = `http_server_request_body_size_bytes_count{${job}, http_route="/api/chat"}`;
    assert.equal(await total(`sum(${bodies})`), tally.total);
    assert.equal(await total(`sum(http_server_active_requests{${job}})`), 0);
  });

  it("Prometheus values: each error event reaches Sentry or is counted as dropped", async () => {
    const failures = tally.where((s) => s >= 500);
    const dropped = `sum(sentry_events_dropped_total{${job}})`;
    await waitUntil(
      `Sentry events + ${dropped} == ${failures} (the 5xx answers)`,
      async () => sentry.events().length + (await total(dropped)) === failures,
      { deadlineMs: DEADLINE_MS, intervalMs: 500 },
    );
  });

  it("Prometheus values: resource, health and process series", async () => {
    const info = (await prom.query(`app_info{${job}}`, Date.now() / 1000)).result as PromSample[];
    assert.equal(info.length, 1);
    assert.equal(info[0]?.value?.[1], "1");
    assert.equal(info[0]?.metric.process_runtime_name, "nodejs");
    assert.equal(info[0]?.metric.process_runtime_version, process.versions.node);
    assert.equal(info[0]?.metric.deployment_environment_name, "live-test");
    const health = await byLabel(`health_check_status{${job}}`, "health_check_name");
    assert.deepEqual(Object.keys(health), ["database", "disk", "external_agents", "llm_provider", "memory"]);
    assert.equal(health.database, 1);
    assert.equal(health.external_agents, 1);
    const durations = await byLabel(`health_check_duration_seconds{${job}}`, "health_check_name");
    assert.ok(
      Object.values(durations).every((d) => d >= 0 && d < 5),
      JSON.stringify(durations),
    );
    const rss = residentBytes(service.process.pid);
    const reported = await total(`process_memory_usage_bytes{${job}}`);
    assert.ok(
      reported > rss / 2 && reported < rss * 2,
      `process_memory_usage_bytes ${reported}, /proc RSS ${rss}`,
    );
    assert.ok((await total(`process_memory_virtual_bytes{${job}}`)) > reported);
    assert.ok((await total(`sum(process_cpu_time_seconds_total{${job}})`)) > 0);
    assert.ok((await total(`process_unix_file_descriptor_count{${job}}`)) > 0);
    const disk = Object.values(
      await byLabel(`system_filesystem_utilization_ratio{${job}}`, "system_filesystem_mountpoint"),
    );
    assert.ok(disk.length > 0 && disk.every((r) => r >= 0 && r <= 1));
    const elu = await total(`nodejs_eventloop_utilization_ratio{${job}}`);
    assert.ok(elu >= 0 && elu <= 1);
    assert.ok((await total(`nodejs_eventloop_delay_p99_seconds{${job}}`)) >= 0);
    assert.ok((await total(`sum(v8js_memory_heap_used_bytes{${job}})`)) > 0);
  });

  it("Prometheus: span-derived series count every chat request, before sampling", async () => {
    const spans = `traces_span_metrics_calls_total{${job}, span_name="${CHAT}", span_kind="SPAN_KIND_SERVER"}`;
    await waitUntil(
      `sum(${spans}) == ${tally.total}`,
      async () => (await total(`sum(${spans})`)) === tally.total,
      { deadlineMs: DEADLINE_MS, intervalMs: 500 },
    );
    assert.equal(
      await total(`sum(${spans.replace("}", ', status_code="STATUS_CODE_ERROR"}')})`),
      tally.where((s) => s >= 500),
    );
    assert.deepEqual(
      await byLabel(`sum by (http_response_status_code) (${spans})`, "http_response_status_code"),
      tally.byStatus(),
    );
    const durations = `traces_span_metrics_duration_seconds_count{${job}, span_name="${CHAT}", span_kind="SPAN_KIND_SERVER"}`;
    assert.equal(await total(`sum(${durations})`), tally.total);
    // The LLM and database client spans are there too, with their convention dimensions.
    assert.ok(
      (await total(`sum(traces_span_metrics_calls_total{${job}, gen_ai_provider_name="simulated"})`)) > 0,
    );
    assert.ok((await total(`sum(traces_span_metrics_calls_total{${job}, db_system_name="postgresql"})`)) > 0);
  });

  it("Jaeger: a chat trace with the seed's span tree", async () => {
    const tree = byName("tree");
    let trace: JaegerTrace | undefined;
    await waitUntil(
      `trace ${tree.traceId} in Jaeger`,
      async () => {
        trace = await jaeger.trace(tree.traceId);
        return trace !== undefined && serverSpanOf(trace, CHAT) !== undefined;
      },
      { deadlineMs: DEADLINE_MS, intervalMs: 1_000 },
    );
    assert.ok(trace);
    const t = trace;
    const only = (list: JaegerSpan[], name: string | RegExp): JaegerSpan => {
      const found = list.filter((s) =>
        typeof name === "string" ? s.operationName === name : name.test(s.operationName),
      );
      assert.equal(found.length, 1, `${name}: ${list.map((s) => s.operationName).join(", ")}`);
      return found[0] as JaegerSpan;
    };
    const kind = (s: JaegerSpan) => tagsOf(s.tags)["span.kind"];
    const root = serverSpanOf(t, CHAT) as JaegerSpan;
    assert.equal(t.processes[root.processID]?.serviceName, SERVICE);
    assert.ok(!t.spans.some((s) => s.spanID === parentOf(root)), "the server span's parent is the client's");
    assert.deepEqual(
      childrenOf(t, root)
        .filter((s) => kind(s) === "internal")
        .map((s) => s.operationName),
      ["intent_classification", "agent_routing", "response_generation"],
    );
    const children = (s: JaegerSpan) => childrenOf(t, s);
    const classification = only(children(root), "intent_classification");
    const llm1 = only(children(classification), "chat sim-small");
    assert.equal(kind(llm1), "client");
    assert.equal(tagsOf(llm1.tags)["gen_ai.provider.name"], "simulated");
    assert.equal(tagsOf(llm1.tags)["gen_ai.operation.name"], "chat");
    const agent = only(children(only(children(root), "agent_routing")), "invoke_agent payment");
    const database = new URL(stack.postgres?.url ?? "").pathname.slice(1);
    const query = only(children(agent), `pg.query:SELECT ${database}`);
    assert.equal(kind(query), "client");
    assert.equal(tagsOf(query.tags)["db.system.name"], "postgresql");
    const tool = only(children(agent), "execute_tool payment-gateway");
    const remote = only(children(tool), "POST");
    assert.equal(kind(remote), "client");
    assert.equal(tagsOf(remote.tags)["http.response.status_code"], 200);
    assert.match(String(tagsOf(remote.tags)["url.full"]), /^http:\/\/127\.0\.0\.1:\d+\/v1\/tasks$/);
    const llm2 = only(children(only(children(root), "response_generation")), "chat sim-large");
    assert.equal(kind(llm2), "client");
    assert.equal(tagsOf(llm2.tags)["gen_ai.request.stream"], true);
    assert.deepEqual(t.spans.filter(isErrorSpan), []);
  });

  it("Jaeger: every error trace, and of the rest only what the baseline share keeps (or slow ones)", async (t) => {
    const errors = tally.where((s) => s >= 500);
    let traces: JaegerTrace[] = [];
    const errorRoots = () =>
      traces.filter((tr) => {
        const root = serverSpanOf(tr, CHAT);
        return root !== undefined && isErrorSpan(root);
      });
    await waitUntil(
      `${errors} error traces in Jaeger`,
      async () => {
        traces = (await jaeger.traces(SERVICE)).traces;
        return errorRoots().length === errors;
      },
      { deadlineMs: DEADLINE_MS, intervalMs: 1_000 },
    ).catch(() => undefined);
    assert.equal(errorRoots().length, errors, "traces in Jaeger whose request answered 5xx");
    const ids = new Set(traces.map((tr) => tr.traceID));
    // Every request of the known mix whose trace the baseline keeps, or that failed, is there.
    for (const s of sent) {
      if (s.kept || s.status >= 500)
        assert.ok(ids.has(s.traceId), `${s.name} (${s.status}) missing from Jaeger`);
    }
    // Nothing else: each trace in Jaeger has an error span, is kept by the baseline share, or is slow.
    const unexplained = traces
      .filter(
        (tr) =>
          !tr.spans.some(isErrorSpan) &&
          !keptByBaseline(tr.traceID, SAMPLING_PERCENT) &&
          traceDurationMs(tr) <= SLOW_THRESHOLD_MS,
      )
      .map((tr) => `${tr.traceID} ${serverSpanOf(tr, CHAT) ? CHAT : tr.spans[0]?.operationName}`);
    assert.deepEqual(unexplained, [], "traces in Jaeger that tail sampling should have dropped");
    // So Jaeger holds fewer successful chat traces than were sent.
    const okChats = traces.filter((tr) => {
      const root = serverSpanOf(tr, CHAT);
      return root !== undefined && !isErrorSpan(root);
    }).length;
    const okSent = tally.where((s) => s < 500);
    assert.ok(okChats < okSent, `${okChats} error-free chat traces in Jaeger of ${okSent} sent`);
    t.diagnostic(
      `Jaeger: ${traces.length} traces; ${errorRoots().length} failed requests, ${okChats} of ${okSent} ` +
        `error-free chat requests (${traces.filter((tr) => traceDurationMs(tr) > SLOW_THRESHOLD_MS).length} ` +
        `traces over ${SLOW_THRESHOLD_MS} ms, ${traces.filter((tr) => tr.spans.some(isErrorSpan)).length} with ` +
        "an error span)",
    );
  });

  it("Sentry's OTLP endpoint: error spans with their exception attributes, only error spans, error logs", async () => {
    const failed = sent.filter((s) => s.status >= 500);
    const errors = tally.where((s) => s >= 500);
    const errorRequests = () =>
      new Set(
        sentryOtlp()
          .spans.filter((s) => s.name === CHAT && s.kind === 2)
          .map((s) => s.traceId),
      );
    await waitUntil(
      `the ${errors} failed requests' server spans at Sentry's OTLP endpoint`,
      async () => errorRequests().size === errors,
      { deadlineMs: DEADLINE_MS, intervalMs: 500 },
    ).catch(() => undefined);
    assert.equal(errorRequests().size, errors);
    const { spans, logs } = sentryOtlp();
    assert.deepEqual(
      spans.filter((s) => s.status.code !== STATUS_ERROR).map((s) => s.name),
      [],
      "only error spans are forwarded",
    );
    for (const r of sentry.otlp()) {
      assert.equal(r.contentType, "application/x-protobuf");
      assert.equal(r.headers["content-encoding"], "gzip");
      assert.equal(r.headers["x-sentry-auth"], `sentry sentry_key=${sentry.publicKey}`);
    }
    for (const s of failed) {
      assert.ok(
        spans.some((x) => x.traceId === s.traceId && x.name === CHAT),
        `${s.name}: server span`,
      );
      assert.ok(
        logs.some((l) => l.traceId === s.traceId && l.severityNumber >= 17 && l.body === "request failed"),
        `${s.name}: error log`,
      );
    }
    const exceptionOf = (traceId: string, name: string | RegExp) => {
      const span = spans.find(
        (x) => x.traceId === traceId && (typeof name === "string" ? x.name === name : name.test(x.name)),
      );
      assert.ok(span, `${String(name)} in ${traceId}`);
      const event = span.events.find((e) => e.name === "exception");
      assert.ok(event, `${span.name}: exception event`);
      assert.equal(typeof event.attributes["exception.message"], "string");
      return { span, attributes: event.attributes };
    };
    // The LLM call's exception, recorded by the library: type, message and stack.
    const llm = exceptionOf(byName("secret_llm_failure").traceId, "chat sim-small");
    assert.equal(llm.span.attributes["error.type"], "server_error");
    assert.equal(llm.attributes["exception.type"], "LlmApiError");
    assert.match(String(llm.attributes["exception.stacktrace"]), /^LlmApiError: .+\n\s+at /);
    // The query's, recorded by instrumentation-pg, which sanitises it to the error's class and SQLSTATE.
    const db = exceptionOf(byName("secret_db_failure").traceId, /^pg\.query:/);
    assert.match(String(db.attributes["exception.message"]), /\(code: 57014\)/);
    assert.equal(db.span.status.message, "canceling statement due to statement timeout");
    assert.equal(db.span.resource["service.name"], SERVICE);
    assert.ok(
      logs.every((l) => l.severityNumber >= 17),
      "only error logs are forwarded",
    );
  });

  it("planted secrets reach none of Jaeger, Prometheus or the Sentry stand-in", async () => {
    const places: Record<string, string> = {};
    places["Jaeger /api/traces"] = (await jaeger.traces(SERVICE)).raw;
    for (const s of sent) {
      const res = await fetch(`${jaeger.queryUrl}/api/traces/${s.traceId}`);
      places[`Jaeger /api/traces/${s.name}`] = await res.text();
    }
    const end = Math.ceil(Date.now() / 1000);
    const series = new URLSearchParams({
      "match[]": '{__name__=~".+"}',
      start: String(startedAt),
      end: String(end),
    });
    places["Prometheus /api/v1/series"] = await (
      await fetch(`${stack.prometheus?.url}/api/v1/series?${series}`)
    ).text();
    const labels = (await (await fetch(`${stack.prometheus?.url}/api/v1/labels`)).json()) as {
      data: string[];
    };
    for (const label of labels.data) {
      const res = await fetch(`${stack.prometheus?.url}/api/v1/label/${encodeURIComponent(label)}/values`);
      places[`Prometheus label ${label}`] = await res.text();
    }
    places["Collector scrape target"] = await (await fetch(stack.collector?.metricsUrl ?? "")).text();
    sentry.otlp().forEach((r, i) => {
      places[`Sentry OTLP ${r.path} #${i}`] = r.body.toString("utf8");
    });
    sentry.envelopes().forEach((e, i) => {
      places[`Sentry envelope #${i}`] = e.raw.toString("utf8");
    });
    // The search is meaningful: the secret-carrying requests are in what is searched.
    assert.ok(places["Jaeger /api/traces"]?.includes(byName("secret_query").traceId));
    assert.ok(places["Jaeger /api/traces"]?.includes("url.query"));
    assert.ok(
      sentry.otlp().some((r) => r.body.includes(Buffer.from(byName("secret_llm_failure").traceId, "hex"))),
    );
    assert.ok(sentry.envelopes().length > 0 || (await total(`sum(sentry_events_dropped_total{${job}})`)) > 0);
    const leaks: string[] = [];
    for (const [where, text] of Object.entries(places)) {
      for (const [what, secret] of Object.entries(allSecrets(planted)))
        if (text.includes(secret)) leaks.push(`${what} in ${where}`);
    }
    assert.deepEqual(leaks, []);
  });

  it("the Collector killed (SIGKILL) and restarted during traffic: counters exact, latency and memory bounded", {
    timeout: 240_000,
  }, async (t) => {
    const collector = stack.collector;
    assert.ok(collector);
    const body = JSON.stringify({ message: "What is my account balance?", user_id: "user_acme_02" });
    const send = async (): Promise<number> => {
      const res = await fetch(`${service.url}/api/chat`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${ENTERPRISE_KEY}` },
        body,
        signal: AbortSignal.timeout(15_000),
      });
      await res.body?.cancel();
      return res.status;
    };
    const pid = service.process.pid;
    const rss = new RssSampler(pid, 250);
    const traffic = new SteadyTraffic(send, 6, 12);
    const t0 = Date.now();
    let tKill = t0;
    let tBack = t0;
    try {
      await sleep(12_000);
      tKill = Date.now();
      await collector.kill();
      assert.equal(collector.pid, undefined);
      await sleep(12_000);
      await collector.restart();
      tBack = Date.now();
      await sleep(12_000);
    } finally {
      await traffic.stop();
      rss.stop();
    }
    const tEnd = Date.now();
    for (const o of traffic.outcomes) tally.add(o.status);
    const figures = [
      phaseFigures("before", t0, tKill, traffic.outcomes, rss.samples),
      phaseFigures("collector away", tKill, tBack, traffic.outcomes, rss.samples),
      phaseFigures("after restart", tBack, tEnd + 1, traffic.outcomes, rss.samples),
    ];
    for (const f of figures) t.diagnostic(JSON.stringify(f));
    t.diagnostic(
      `outage ${((tBack - tKill) / 1000).toFixed(1)} s; ticks skipped (12 in flight): ${traffic.skipped}`,
    );

    // The service kept answering while its Collector was away.
    assert.deepEqual(
      [...new Set(traffic.outcomes.map((o) => o.status))],
      [200],
      JSON.stringify(figures.map((f) => f.statuses)),
    );
    assert.ok(figures.every((f) => f.requests > 0));
    // Memory stays bounded: the exporters' queues are bounded (generous limit: no timing is asserted).
    const before = figures[0]?.rssMaxMiB ?? 0;
    for (const f of figures.slice(1))
      assert.ok(f.rssMaxMiB - before < 200, `RSS ${before} -> ${f.rssMaxMiB} MiB`);

    // Exact counts survive: cumulative counters are re-exported in full once the Collector is back.
    await waitUntil(
      `sum(${chatCount}) == ${tally.total} after the restart`,
      async () => (await total(`sum(${chatCount})`)) === tally.total,
      { deadlineMs: DEADLINE_MS, intervalMs: 500 },
    ).catch(() => undefined);
    await sleep(2_500); // one more export interval and scrape: nothing arrives twice or late
    assert.equal(await total(`sum(${chatCount})`), tally.total);
    assert.deepEqual(
      await byLabel(`sum by (http_response_status_code) (${chatCount})`, "http_response_status_code"),
      tally.byStatus(),
    );
    // Prometheus did see the scrape target go away.
    const window = `${Math.ceil((Date.now() - tKill) / 1000) + 5}s`;
    assert.equal(await total(`min_over_time(up{job="otel-collector-exporter"}[${window}])`), 0);
    const spans = `traces_span_metrics_calls_total{${job}, span_name="${CHAT}", span_kind="SPAN_KIND_SERVER"}`;
    const during = traffic.outcomes.filter((o) => o.startedAt >= tKill && o.startedAt < tBack).length;
    const afterRestart = traffic.outcomes.filter((o) => o.startedAt >= tBack).length;
    t.diagnostic(
      `span-derived chat calls counted by the restarted Collector: ${await total(`sum(${spans})`)} ` +
        `(requests while it was away: ${during}, after: ${afterRestart}; span metrics live in the Collector ` +
        "and restart from zero, spans the service could not export meanwhile are retried or lost)",
    );
  });
});
