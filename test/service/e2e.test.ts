/**
 * End to end: the service as a process under the preload, real PostgreSQL, real remote agents over HTTP,
 * telemetry to a local OTLP receiver. For a known request mix:
 *   - one chat request has the seed's span tree (HTTP request > intent classification > LLM call; agent
 *     routing > agent execution > database query and remote-agent call; response generation > LLM call)
 *     with the GenAI, DB and HTTP attributes of the conventions, in the trace the client started;
 *   - the LLM, agent, cache, API-key, rate-limit, quota and HTTP metrics move by exactly the right amounts;
 *   - bad requests get clear 4xx answers, are counted, and crash nothing;
 *   - a failing LLM or database gives a 5xx with a request id and no internals, recorded as an error on the
 *     span that failed, with an error log in the same trace.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { Client } from "pg";
import { classifierPrompt } from "../../service/intents";
import { countChatTokens } from "../../service/llm/tokenizer";
import type { Attrs, OtlpReceiver, ReceivedPoint, ReceivedSpan } from "../support/otlp-receiver";
import {
  type ChatResult,
  chat,
  type RemoteAgents,
  type ServiceProcess,
  type ServiceUnderTest,
  startServiceUnderTest,
  stopPostgres,
} from "./support";

const KEYS = {
  acme: "pk_demo_acme_prod_7f3c9a1e5b2d4f60",
  globex: "pk_demo_globex_app_5d1a7c3e9b2f8046",
  revoked: "pk_demo_globex_old_e4b9f2a6c1d83057",
  initech: "pk_demo_initech_dev_9a3f5e1c7b2d6048",
  umbrella: "pk_demo_umbrella_trial_2b6d8f0a4c1e9357",
};
const SERVER = 2;
const CLIENT = 3;
const INTERNAL = 1;
const STATUS_ERROR = 2;

const pick = (a: Attrs, keys: readonly string[]): Attrs =>
  Object.fromEntries(keys.filter((k) => k in a).map((k) => [k, a[k] ?? null]));
const matches = (a: Attrs, want: Attrs): boolean => Object.entries(want).every(([k, v]) => a[k] === v);

/** A metric's value (sum, gauge) or count (histogram) for the point whose attributes include `want`. */
function read(points: ReceivedPoint[], want: Attrs, field: "value" | "count" | "sum" = "value"): number {
  const found = points.filter(
    (p) => matches(p.attributes, want) && Object.keys(p.attributes).length === Object.keys(want).length,
  );
  if (found.length > 1) throw new Error(`ambiguous point for ${JSON.stringify(want)}`);
  return found[0]?.[field] ?? 0;
}

function traceparent(): { header: string; traceId: string } {
  const traceId = randomBytes(16).toString("hex");
  return { header: `00-${traceId}-${randomBytes(8).toString("hex")}-01`, traceId };
}

describe("the reference service end to end", () => {
  let receiver: OtlpReceiver;
  let agents: RemoteAgents;
  let service: ServiceProcess;
  let dbUrl: string;
  let started: ServiceUnderTest | undefined;
  let before_: Map<string, ReceivedPoint[]>;
  let after_: Map<string, ReceivedPoint[]>;
  const results: Record<string, ChatResult> = {};
  const traces: Record<string, string> = {};
  const classified: string[] = [];
  const probes: Record<string, number> = {};

  const METRICS = [
    "api_key.requests",
    "rate_limit.exceeded",
    "quota.usage",
    "gen_ai.client.operation.duration",
    "gen_ai.client.token.usage",
    "gen_ai.client.operation.time_to_first_chunk",
    "llm.errors",
    "llm.cost.usd",
    "agent.execution.duration",
    "cache.operations",
    "http.server.request.duration",
    "db.client.operation.duration",
    "db.client.connection.count",
    "db.client.connection.max",
    "health.check.status",
  ];

  /** The latest cumulative points of every metric, from an export collected after now. */
  async function snapshot(): Promise<Map<string, ReceivedPoint[]>> {
    const since = BigInt(Date.now()) * 1_000_000n;
    await receiver.waitFor(
      () => receiver.points().some((p) => BigInt(p.timeUnixNano) > since),
      20_000,
      "a metrics export after the barrier",
    );
    return new Map(METRICS.map((m) => [m, receiver.latest(m)]));
  }

  /** The traces of the measured mix (later tests add their own). */
  const mixTraces = (): string[] =>
    Object.entries(traces)
      .filter(([name]) => !name.startsWith("agent_"))
      .map(([, id]) => id);

  const delta = (name: string, want: Attrs, field: "value" | "count" | "sum" = "value"): number =>
    read(after_.get(name) ?? [], want, field) - read(before_.get(name) ?? [], want, field);

  async function send(
    name: string,
    body: unknown,
    key: string | null,
    headers: Record<string, string> = {},
  ): Promise<ChatResult> {
    const tp = traceparent();
    traces[name] = tp.traceId;
    const r = await chat(service.url, body, { traceparent: tp.header, ...headers }, key);
    results[name] = r;
    return r;
  }

  before(async () => {
    started = await startServiceUnderTest("e2e", {
      OTEL_METRIC_EXPORT_INTERVAL: "300",
      OTEL_BSP_SCHEDULE_DELAY: "200",
      SERVICE_FAULT_INJECTION: "true",
      CACHE_TTL_SECONDS: "3600",
      REMOTE_AGENT_TIMEOUT_MS: "500",
    });
    ({ receiver, agents, service, databaseUrl: dbUrl } = started);
    before_ = await snapshot();

    const chatOk = async (name: string, message: string, userId: string, key = KEYS.acme) => {
      const r = await send(name, { message, user_id: userId }, key);
      assert.equal(r.status, 200, `${name}: ${JSON.stringify(r.body)}`);
      classified.push(message);
    };
    // The mix. Successful chats (each: classification + generation):
    await chatOk("balance", "What is my account balance?", "user_acme_01");
    await chatOk("balance_again", "What is my account balance?", "user_acme_01"); // remote result cached
    await chatOk("search", "How do I rotate API keys?", "user_acme_02");
    await chatOk("ticket", "The export is broken and not working", "user_globex_01", KEYS.globex);
    // Bad requests:
    await send("malformed_json", '{"message": "What is my balance?", ', KEYS.acme);
    await send("missing_key", { message: "What is my balance?", user_id: "user_acme_01" }, null);
    await send(
      "invalid_key",
      { message: "What is my balance?", user_id: "user_acme_01" },
      "pk_demo_not_a_real_key_000000",
    );
    await send("revoked_key", { message: "What is my balance?", user_id: "user_globex_01" }, KEYS.revoked);
    await send("oversized", { message: "x".repeat(20_000), user_id: "user_acme_01" }, KEYS.acme);
    await send(
      "unknown_intent_field",
      { message: "Hi", user_id: "user_acme_01", intent: "order_pizza" },
      KEYS.acme,
    );
    await send(
      "unknown_intent",
      { message: "Tell me a joke about cats", user_id: "user_acme_01" },
      KEYS.acme,
    );
    classified.push("Tell me a joke about cats");
    // Over quota: the trial organization one request short of its 50 a month.
    const pg = new Client({ connectionString: dbUrl });
    await pg.connect();
    await pg.query(
      `INSERT INTO usage_monthly (organization_id, month, requests)
       VALUES ('org_umbrella', date_trunc('month', now() AT TIME ZONE 'UTC')::date, 49)`,
    );
    await pg.end();
    await chatOk("last_of_quota", "Show my tickets", "user_umbrella_01", KEYS.umbrella);
    await send("over_quota", { message: "Show my tickets", user_id: "user_umbrella_01" }, KEYS.umbrella);
    // Over the per-minute limit: the free plan allows 10 (malformed bodies still count as requests).
    for (let i = 0; i < 10; i++) await send(`free_${i}`, "{", KEYS.initech);
    await send("rate_limited", "{", KEYS.initech);
    // Failures of dependencies:
    await send(
      "llm_failure",
      { message: "What is my account balance?", user_id: "user_acme_01" },
      KEYS.acme,
      {
        "x-procode-fault": "llm=server_error",
      },
    );
    await send("db_failure", { message: "What is my account balance?", user_id: "user_acme_03" }, KEYS.acme, {
      "x-procode-fault": "db=timeout",
    });
    classified.push("What is my account balance?"); // db_failure's classification succeeded
    // Probes, as a load balancer and Kubernetes would send them: neither spans nor HTTP metrics.
    for (const path of ["/health", "/ready", "/livez", "/health", "/ready", "/livez"]) {
      probes[path] = (await fetch(`${service.url}${path}`)).status;
    }
    after_ = await snapshot();
    await receiver.waitFor(
      () => receiver.spans().some((s) => s.traceId === traces.db_failure && s.kind === SERVER),
      20_000,
      "the last request's server span",
    );
  });

  after(async () => {
    await started?.stop();
    await stopPostgres();
  });

  it("answers bad requests with clear 4xx codes and dependency failures with 5xx, request id only", () => {
    const codes = Object.fromEntries(
      Object.entries(results)
        .filter(([k]) => !k.startsWith("free_"))
        .map(([k, r]) => [k, `${r.status} ${r.body.error?.code ?? "ok"}`]),
    );
    assert.deepEqual(codes, {
      balance: "200 ok",
      balance_again: "200 ok",
      search: "200 ok",
      ticket: "200 ok",
      malformed_json: "400 invalid_json",
      missing_key: "401 missing_api_key",
      invalid_key: "401 invalid_api_key",
      revoked_key: "401 api_key_revoked",
      oversized: "413 body_too_large",
      unknown_intent_field: "422 unknown_intent",
      unknown_intent: "422 unknown_intent",
      last_of_quota: "200 ok",
      over_quota: "429 quota_exceeded",
      rate_limited: "429 rate_limited",
      llm_failure: "502 llm_error",
      db_failure: "503 database_unavailable",
    });
    assert.equal(results.rate_limited?.headers.get("retry-after") !== null, true);
    for (const name of ["llm_failure", "db_failure"]) {
      const r = results[name] as ChatResult;
      const id = r.headers.get("x-request-id");
      assert.ok(id?.startsWith("req_"));
      assert.deepEqual(Object.keys(r.body), ["error"]);
      assert.deepEqual(Object.keys(r.body.error ?? {}).sort(), ["code", "message", "request_id"]);
      assert.equal(r.body.error?.request_id, id);
      assert.doesNotMatch(
        JSON.stringify(r.body),
        /simulated|57014|statement timeout|stack|Error:|at \/|postgres|sim-(small|large)|SELECT/,
      );
    }
    const ok = results.balance?.body as Record<string, unknown>;
    assert.equal(ok.intent, "check_balance");
    assert.equal(ok.agent, "payment");
    assert.deepEqual(ok.degraded, []);
  });

  it("crashes nothing: the process still serves after every bad request", async () => {
    assert.equal(service.proc.exitCode, null);
    const res = await fetch(`${service.url}/livez`);
    assert.equal(res.status, 200);
    await res.body?.cancel();
  });

  it("answers the probes from the library's health app, records nothing for them, and exports the checks", () => {
    assert.deepEqual(probes, { "/health": 200, "/ready": 200, "/livez": 200 });
    const probeSpans = receiver
      .spans()
      .filter((s) => ["/health", "/ready", "/livez"].includes(String(s.attributes["url.path"])));
    assert.deepEqual(probeSpans, []);
    const routes = new Set(
      (after_.get("http.server.request.duration") ?? []).map((p) => String(p.attributes["http.route"])),
    );
    assert.deepEqual([...routes].sort(), ["/api/chat"]);
    const status = Object.fromEntries(
      (after_.get("health.check.status") ?? []).map((p) => [p.attributes["health.check.name"], p.value]),
    );
    // Five checks (HEALTH_CHECK_* defaults); the database, the agents and the LLM provider are healthy (1).
    assert.deepEqual(Object.keys(status).sort(), [
      "database",
      "disk",
      "external_agents",
      "llm_provider",
      "memory",
    ]);
    assert.equal(status.database, 1);
    assert.equal(status.external_agents, 1);
    assert.equal(status.llm_provider, 1);
  });

  it("records the seed's span tree for one chat request, in the trace the client started", () => {
    const spans = receiver.spans().filter((s) => s.traceId === traces.balance);
    const byId = new Map(spans.map((s) => [s.spanId, s]));
    const children = (s: ReceivedSpan) =>
      spans
        .filter((c) => c.parentSpanId === s.spanId)
        .sort((a, b) => Number(BigInt(a.startTimeUnixNano) - BigInt(b.startTimeUnixNano)));
    const only = (list: ReceivedSpan[], pred: (s: ReceivedSpan) => boolean, what: string): ReceivedSpan => {
      const found = list.filter(pred);
      assert.equal(found.length, 1, `${what}: ${list.map((s) => s.name).join(", ")}`);
      return found[0] as ReceivedSpan;
    };

    const root = only(spans, (s) => s.kind === SERVER, "server span");
    assert.equal(byId.has(root.parentSpanId), false, "the server span's parent is the client's (remote)");
    assert.equal(root.name, "POST /api/chat");
    assert.deepEqual(
      pick(root.attributes, [
        "http.request.method",
        "http.route",
        "http.response.status_code",
        "url.path",
        "url.scheme",
      ]),
      {
        "http.request.method": "POST",
        "http.route": "/api/chat",
        "http.response.status_code": 200,
        "url.path": "/api/chat",
        "url.scheme": "http",
      },
    );
    assert.equal(root.resource["service.name"], "procode-e2e");

    const stages = children(root).filter((s) => s.kind === INTERNAL);
    assert.deepEqual(
      stages.map((s) => s.name),
      ["intent_classification", "agent_routing", "response_generation"],
    );
    const [classification, routing, generation] = stages as [ReceivedSpan, ReceivedSpan, ReceivedSpan];

    const llm1 = only(children(classification), () => true, "classification children");
    assert.equal(llm1.name, "chat sim-small");
    assert.equal(llm1.kind, CLIENT);
    const prompt = [
      { role: "system" as const, content: classifierPrompt() },
      { role: "user" as const, content: "What is my account balance?" },
    ];
    assert.deepEqual(
      pick(llm1.attributes, [
        "gen_ai.operation.name",
        "gen_ai.provider.name",
        "gen_ai.request.model",
        "gen_ai.response.model",
        "gen_ai.usage.input_tokens",
        "gen_ai.response.finish_reasons",
      ]),
      {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "simulated",
        "gen_ai.request.model": "sim-small",
        "gen_ai.response.model": "sim-small-2026-11-01",
        "gen_ai.usage.input_tokens": countChatTokens(prompt),
        "gen_ai.response.finish_reasons": ["stop"],
      },
    );
    assert.ok(Number(llm1.attributes["gen_ai.usage.output_tokens"]) > 0);
    assert.ok(Number(llm1.attributes["llm.cost.usd"]) > 0);

    const agent = only(children(routing), () => true, "routing children");
    assert.equal(agent.name, "invoke_agent payment");
    assert.deepEqual(
      pick(agent.attributes, ["gen_ai.operation.name", "agent.type", "agent.intent", "user.id"]),
      {
        "gen_ai.operation.name": "invoke_agent",
        "agent.type": "payment",
        "agent.intent": "check_balance",
        "user.id": "user_acme_01",
      },
    );
    const work = children(agent);
    // instrumentation-pg 0.77: span `pg.query:{operation} {database}`, stable db.* attributes (no
    // db.operation.name on spans in this version).
    const database = new URL(dbUrl).pathname.slice(1);
    const db = only(work, (s) => s.name === `pg.query:SELECT ${database}`, "agent's database query");
    assert.equal(db.kind, CLIENT);
    assert.deepEqual(
      pick(db.attributes, ["db.system.name", "db.namespace", "server.address", "server.port"]),
      {
        "db.system.name": "postgresql",
        "db.namespace": database,
        "server.address": "127.0.0.1",
        "server.port": Number(new URL(dbUrl).port),
      },
    );
    assert.match(String(db.attributes["db.query.text"]), /^SELECT u\.currency/);
    const tool = only(work, (s) => s.name === "execute_tool payment-gateway", "agent's remote call");
    assert.equal(tool.attributes["gen_ai.tool.name"], "payment-gateway");
    const http = only(children(tool), () => true, "remote call's HTTP client span");
    assert.equal(http.kind, CLIENT);
    assert.deepEqual(
      pick(http.attributes, [
        "http.request.method",
        "http.response.status_code",
        "server.address",
        "url.full",
      ]),
      {
        "http.request.method": "POST",
        "http.response.status_code": 200,
        "server.address": "127.0.0.1",
        "url.full": `${agents.env.split(",")[0]?.split("=")[1]}/v1/tasks`,
      },
    );
    const llm2 = only(children(generation), () => true, "generation children");
    assert.equal(llm2.name, "chat sim-large");
    assert.equal(llm2.attributes["gen_ai.request.model"], "sim-large");
    assert.equal(llm2.attributes["gen_ai.request.stream"], true);
    assert.equal(llm1.attributes["gen_ai.request.stream"], false);
    const ttfc = Number(llm2.attributes["gen_ai.response.time_to_first_chunk"]);
    const llm2Seconds = Number(BigInt(llm2.endTimeUnixNano) - BigInt(llm2.startTimeUnixNano)) / 1e9;
    assert.ok(ttfc > 0 && ttfc <= llm2Seconds, `time to first chunk ${ttfc} s of ${llm2Seconds} s`);

    // The API-key check's own queries hang off the request span.
    const auth = children(root).filter((s) => s.name.startsWith("pg.query:"));
    assert.equal(auth.length, 2, "key lookup and quota");
    // Nothing in this trace failed.
    assert.deepEqual(
      spans.filter((s) => s.status.code === STATUS_ERROR).map((s) => s.name),
      [],
    );
  });

  it("records a failing LLM and a failing database as errors on their spans, with an error log in the trace", async () => {
    const llmTrace = receiver.spans().filter((s) => s.traceId === traces.llm_failure);
    const failedLlm = llmTrace.find((s) => s.name === "chat sim-small");
    assert.ok(failedLlm);
    assert.equal(failedLlm.status.code, STATUS_ERROR);
    assert.equal(failedLlm.attributes["error.type"], "server_error");
    assert.ok(failedLlm.events.some((e) => e.name === "exception"));
    const llmRoot = llmTrace.find((s) => s.kind === SERVER);
    assert.equal(llmRoot?.attributes["http.response.status_code"], 502);
    assert.equal(llmRoot?.status.code, STATUS_ERROR);

    const dbTrace = receiver.spans().filter((s) => s.traceId === traces.db_failure);
    const failedDb = dbTrace.find(
      (s) => s.attributes["db.system.name"] === "postgresql" && s.status.code === STATUS_ERROR,
    );
    assert.ok(failedDb, `spans: ${dbTrace.map((s) => `${s.name}:${s.status.code}`).join(", ")}`);
    // The pg instrumentation puts the SQLSTATE in the exception (and error.type on its duration metric).
    assert.ok(
      failedDb.events.some(
        (e) => e.name === "exception" && /57014/.test(String(e.attributes["exception.message"])),
      ),
    );
    assert.equal(failedDb.status.message, "canceling statement due to statement timeout");
    const agent = dbTrace.find((s) => s.name === "invoke_agent payment");
    assert.equal(agent?.status.code, STATUS_ERROR);
    assert.equal(failedDb.parentSpanId, agent?.spanId);
    assert.equal(dbTrace.find((s) => s.kind === SERVER)?.attributes["http.response.status_code"], 503);

    await receiver.waitFor(
      () => receiver.logs().some((l) => l.traceId === traces.db_failure),
      10_000,
      "the error log of the database failure",
    );
    for (const name of ["llm_failure", "db_failure"]) {
      const log = receiver.logs().find((l) => l.traceId === traces[name] && l.severityText === "error");
      assert.ok(log, `error log for ${name}`);
      assert.equal(log.attributes.request_id, results[name]?.body.error?.request_id);
    }
  });

  it("answers without a remote agent that is down or slow (degraded), the failure on the tool span", async () => {
    const gateway = agents.get("payment-gateway");
    try {
      await gateway.setMode("down");
      const down = await send(
        "agent_down",
        { message: "What is my account balance?", user_id: "user_acme_05" },
        KEYS.acme,
      );
      await gateway.setMode("slow", 2_000);
      const slow = await send(
        "agent_slow",
        { message: "What is my account balance?", user_id: "user_acme_06" },
        KEYS.acme,
      );
      for (const r of [down, slow]) {
        assert.equal(r.status, 200);
        assert.deepEqual(r.body.degraded, ["payment-gateway"]);
        assert.match(String(r.body.answer), /settled cents/);
      }
    } finally {
      await gateway.setMode("normal");
    }
    for (const [name, type] of [
      ["agent_down", "unreachable"],
      ["agent_slow", "timeout"],
    ] as const) {
      await receiver.waitFor(
        () => receiver.spans().some((s) => s.traceId === traces[name] && s.kind === SERVER),
        20_000,
        `${name} trace`,
      );
      const spans = receiver.spans().filter((s) => s.traceId === traces[name]);
      const tool = spans.find((s) => s.name === "execute_tool payment-gateway");
      assert.equal(tool?.status.code, STATUS_ERROR, name);
      assert.equal(tool?.attributes["error.type"], type);
      const agent = spans.find((s) => s.name === "invoke_agent payment");
      assert.notEqual(agent?.status.code, STATUS_ERROR, "the agent itself succeeded");
      assert.ok(agent?.events.some((e) => e.name === "degraded"));
    }
  });

  it("moves the API-key, rate-limit and quota metrics by exactly the mix", () => {
    const keyReq = (org: string, key: string, status: string) =>
      delta("api_key.requests", { "organization.id": org, "api_key.id": key, "api_key.status": status });
    assert.deepEqual(
      {
        acme: keyReq("org_acme", "key_acme_prod", "accepted"),
        globex: keyReq("org_globex", "key_globex_app", "accepted"),
        revoked: keyReq("org_globex", "key_globex_old", "revoked"),
        missing: keyReq("unknown", "none", "invalid"),
        unknown: keyReq("unknown", "unknown", "invalid"),
        umbrella: keyReq("org_umbrella", "key_umbrella_trial", "accepted"),
        umbrellaOver: keyReq("org_umbrella", "key_umbrella_trial", "over_quota"),
        initech: keyReq("org_initech", "key_initech_dev", "accepted"),
        initechLimited: keyReq("org_initech", "key_initech_dev", "rate_limited"),
      },
      {
        acme: 9,
        globex: 1,
        revoked: 1,
        missing: 1,
        unknown: 1,
        umbrella: 1,
        umbrellaOver: 1,
        initech: 10,
        initechLimited: 1,
      },
    );
    assert.equal(
      delta("rate_limit.exceeded", { "organization.id": "org_initech", "rate_limit.type": "per_minute" }),
      1,
    );
    assert.equal(
      delta("rate_limit.exceeded", { "organization.id": "org_umbrella", "rate_limit.type": "monthly" }),
      1,
    );
    assert.equal(read(after_.get("quota.usage") ?? [], { "organization.id": "org_umbrella" }), 100);
    assert.equal(read(after_.get("quota.usage") ?? [], { "organization.id": "org_initech" }), 1);
  });

  it("moves the LLM metrics by exactly the mix", () => {
    const llm = (model: string, extra: Attrs = {}) => ({
      "gen_ai.operation.name": "chat",
      "gen_ai.provider.name": "simulated",
      "gen_ai.request.model": model,
      ...extra,
    });
    // Classification: 6 successful chats + the unknown intent + the database failure; one injected 5xx.
    assert.equal(delta("gen_ai.client.operation.duration", llm("sim-small"), "count"), 7);
    assert.equal(
      delta("gen_ai.client.operation.duration", llm("sim-small", { "error.type": "server_error" }), "count"),
      1,
    );
    assert.equal(delta("gen_ai.client.operation.duration", llm("sim-large"), "count"), 5);
    // Response generation is streamed: one time to first chunk per answer; classification is not streamed.
    assert.equal(delta("gen_ai.client.operation.time_to_first_chunk", llm("sim-large"), "count"), 5);
    assert.equal(delta("gen_ai.client.operation.time_to_first_chunk", llm("sim-small"), "count"), 0);
    assert.equal(
      delta("llm.errors", {
        "gen_ai.provider.name": "simulated",
        "gen_ai.request.model": "sim-small",
        "error.type": "server_error",
      }),
      1,
    );
    assert.equal(
      delta("gen_ai.client.token.usage", llm("sim-small", { "gen_ai.token.type": "input" }), "count"),
      7,
    );
    assert.equal(
      delta("gen_ai.client.token.usage", llm("sim-large", { "gen_ai.token.type": "output" }), "count"),
      5,
    );
    const expectedInput = classified.reduce(
      (n, message) =>
        n +
        countChatTokens([
          { role: "system", content: classifierPrompt() },
          { role: "user", content: message },
        ]),
      0,
    );
    assert.equal(
      delta("gen_ai.client.token.usage", llm("sim-small", { "gen_ai.token.type": "input" }), "sum"),
      expectedInput,
    );
    // Output tokens and cost agree with the spans of the same calls.
    const calls = receiver
      .spans()
      .filter((s) => mixTraces().includes(s.traceId) && s.name === "chat sim-large");
    assert.equal(calls.length, 5);
    const spanOutput = calls.reduce((n, s) => n + Number(s.attributes["gen_ai.usage.output_tokens"]), 0);
    assert.equal(
      delta("gen_ai.client.token.usage", llm("sim-large", { "gen_ai.token.type": "output" }), "sum"),
      spanOutput,
    );
    const spanCost = calls.reduce((n, s) => n + Number(s.attributes["llm.cost.usd"]), 0);
    const cost = delta("llm.cost.usd", {
      "gen_ai.provider.name": "simulated",
      "gen_ai.request.model": "sim-large",
    });
    assert.ok(Math.abs(cost - spanCost) < 1e-9, `${cost} vs ${spanCost}`);
  });

  it("moves the agent and cache metrics by exactly the mix", () => {
    assert.equal(delta("agent.execution.duration", { "agent.type": "payment" }, "count"), 2);
    assert.equal(
      delta("agent.execution.duration", { "agent.type": "payment", "error.type": "57014" }, "count"),
      1,
    );
    assert.equal(delta("agent.execution.duration", { "agent.type": "search" }, "count"), 1);
    assert.equal(delta("agent.execution.duration", { "agent.type": "support" }, "count"), 2);
    const cache = (name: string, operation: string, result: string) =>
      delta("cache.operations", { "cache.name": name, "cache.operation": operation, "cache.result": result });
    assert.deepEqual(
      {
        paymentMiss: cache("payment-gateway", "get", "miss"),
        paymentHit: cache("payment-gateway", "get", "hit"),
        paymentSet: cache("payment-gateway", "set", "ok"),
        searchMiss: cache("search-index", "get", "miss"),
        searchSet: cache("search-index", "set", "ok"),
        kbMiss: cache("knowledge-base", "get", "miss"),
        kbSet: cache("knowledge-base", "set", "ok"),
        kbHit: cache("knowledge-base", "get", "hit"),
      },
      {
        paymentMiss: 1,
        paymentHit: 1,
        paymentSet: 1,
        searchMiss: 1,
        searchSet: 1,
        kbMiss: 2,
        kbSet: 2,
        kbHit: 0,
      },
    );
  });

  it("counts every request by route and status, and measures the database and its pool", () => {
    const http = (status: number, extra: Attrs = {}) =>
      delta(
        "http.server.request.duration",
        {
          "http.request.method": "POST",
          "http.route": "/api/chat",
          "http.response.status_code": status,
          ...extra,
        },
        "count",
      );
    assert.deepEqual(
      {
        200: http(200),
        400: http(400),
        401: http(401),
        413: http(413),
        422: http(422),
        429: http(429),
        502: http(502, { "error.type": "502" }),
        503: http(503, { "error.type": "503" }),
      },
      { 200: 5, 400: 11, 401: 3, 413: 1, 422: 2, 429: 2, 502: 1, 503: 1 },
    );
    // Database operations by operation name. (instrumentation-pg 0.77 tags error.type only on callback-style
    // queries: the promise API's failures are counted without it, so the failure is checked on its span.)
    const dbOps = (op: string) =>
      delta(
        "db.client.operation.duration",
        { "db.operation.name": op, "db.system.name": "postgresql" },
        "count",
      );
    assert.ok(dbOps("SELECT") >= 20, `SELECT operations: ${dbOps("SELECT")}`);
    // INSERTs: a quota increment for each of the 22 requests past key check and rate limit, and one ticket.
    assert.equal(dbOps("INSERT"), 22 + 1);
    const poolName = `127.0.0.1:${new URL(dbUrl).port}/${new URL(dbUrl).pathname.slice(1)}`;
    assert.equal(
      read(after_.get("db.client.connection.max") ?? [], { "db.client.connection.pool.name": poolName }),
      10,
    );
    const states = (after_.get("db.client.connection.count") ?? [])
      .filter((p) => p.attributes["db.client.connection.pool.name"] === poolName)
      .map((p) => p.attributes["db.client.connection.state"])
      .sort();
    assert.deepEqual(states, ["idle", "used"]);
  });

  it("on SIGTERM lets the in-flight request finish, flushes its telemetry, and exits 0", async () => {
    const gateway = agents.get("payment-gateway");
    await gateway.setMode("slow", 400);
    try {
      const inFlight = send(
        "in_flight",
        { message: "What is my account balance?", user_id: "user_acme_07" },
        KEYS.acme,
      );
      await new Promise((r) => setTimeout(r, 150));
      const code = await service.stop();
      const r = await inFlight;
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal(code, 0, service.output());
    } finally {
      await gateway.setMode("normal");
    }
    // Flushed at shutdown: the request's server span arrived.
    assert.ok(receiver.spans().some((s) => s.traceId === traces.in_flight && s.kind === SERVER));
  });
});
