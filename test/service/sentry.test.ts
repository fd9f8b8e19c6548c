/**
 * The service's error capture as a process: the service under the preload with SENTRY_DSN pointing at a local
 * Sentry ingest (test/sentry/receiver.ts, which parses the real envelopes) and OTLP at a local receiver, real
 * PostgreSQL and remote agents. A failing chat request makes exactly one event - captured where it failed,
 * with its category and the seed's contexts (user id, organization, API key id; llm, agent, database; the
 * request), linked to the request's trace - although it then also becomes a 5xx; answers that are not
 * failures make none; and the API keys the clients sent are in no byte of any envelope.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import type { ErrorEvent } from "@sentry/node";
import { mainException } from "../sentry/helpers";
import { type SentryReceiver, startSentryReceiver } from "../sentry/receiver";
import type { OtlpReceiver } from "../support/otlp-receiver";
import {
  type ChatResult,
  chat,
  type ServiceProcess,
  type ServiceUnderTest,
  startServiceUnderTest,
  stopPostgres,
} from "./support";

const ACME = "pk_demo_acme_prod_7f3c9a1e5b2d4f60";
const GLOBEX = "pk_demo_globex_app_5d1a7c3e9b2f8046";
/** A key that looks real but is not in the database: refused (401), and no more a secret to leak. */
const UNKNOWN = "pk_live_0123456789abcdefghijklmnop";

describe("the service's errors in Sentry", () => {
  let sentry: SentryReceiver;
  let otlp: OtlpReceiver;
  let service: ServiceProcess;
  let started: ServiceUnderTest | undefined;
  let exitCode: number | null;
  const traces: Record<string, string> = {};
  const results: Record<string, ChatResult> = {};

  async function send(
    name: string,
    body: unknown,
    headers: Record<string, string>,
    key: string | null,
  ): Promise<void> {
    const traceId = randomBytes(16).toString("hex");
    traces[name] = traceId;
    results[name] = await chat(
      service.url,
      body,
      { traceparent: `00-${traceId}-${randomBytes(8).toString("hex")}-01`, ...headers },
      key,
    );
  }

  const eventsOf = (name: string): ErrorEvent[] =>
    sentry.events().filter((e) => e.contexts?.trace?.trace_id === traces[name]);

  before(async () => {
    sentry = await startSentryReceiver();
    started = await startServiceUnderTest("sentry", {
      SENTRY_DSN: sentry.dsn,
      SERVICE_FAULT_INJECTION: "true",
    });
    ({ receiver: otlp, service } = started);
    const balance = { message: "What is my account balance?", user_id: "user_acme_01" };
    await send("ok", balance, {}, ACME);
    await send("unknown_intent", { message: "Tell me a joke about cats", user_id: "user_acme_01" }, {}, ACME);
    await send("invalid_key", balance, {}, UNKNOWN);
    await send("llm_failure", balance, { "x-procode-fault": "llm=server_error@generation" }, ACME);
    // The key in X-API-Key this time (the other header the gate reads).
    await send(
      "db_failure",
      { message: "Show my recent payments", user_id: "user_globex_02" },
      { "x-procode-fault": "db=timeout", "x-api-key": GLOBEX },
      null,
    );
    await sentry.waitFor(() => sentry.events().length >= 2, 20_000, "the two failures' events");
    // SIGTERM flushes Sentry (and OTLP): whatever else was going to be sent has been sent after this.
    exitCode = await service.stop();
  });
  after(async () => {
    await started?.stop();
    await sentry?.stop();
    await stopPostgres();
  });

  it("answers as before: the failures are 5xx, the rest are not failures", () => {
    assert.deepEqual(
      Object.fromEntries(
        Object.entries(results).map(([k, r]) => [k, `${r.status} ${r.body.error?.code ?? "ok"}`]),
      ),
      {
        ok: "200 ok",
        unknown_intent: "422 unknown_intent",
        invalid_key: "401 invalid_api_key",
        llm_failure: "502 llm_error",
        db_failure: "503 database_unavailable",
      },
    );
    assert.equal(exitCode, 0, service.output());
  });

  it("one failing request, one event: two failures, two events, each on its request's trace", () => {
    assert.equal(sentry.events().length, 2, JSON.stringify(sentry.events().map((e) => e.tags)));
    assert.equal(eventsOf("llm_failure").length, 1);
    assert.equal(eventsOf("db_failure").length, 1);
    // Captured where it failed: linked to the span of that step (the stage around the LLM call, the agent run).
    const spanOf = (name: string, spanName: string): string => {
      const id = otlp.spans().find((s) => s.traceId === traces[name] && s.name === spanName)?.spanId;
      assert.ok(id, `${spanName} of ${name}`);
      return id;
    };
    assert.equal(
      eventsOf("llm_failure")[0]?.contexts?.trace?.span_id,
      spanOf("llm_failure", "response_generation"),
    );
    assert.equal(
      eventsOf("db_failure")[0]?.contexts?.trace?.span_id,
      spanOf("db_failure", "invoke_agent payment"),
    );
    const types = new Set(sentry.items().map((i) => i.header.type));
    for (const t of types) assert.ok(t === "event" || t === "client_report", `unexpected item type ${t}`);
  });

  it("the LLM failure: category llm, the LLM context, the user and the request, grouped as an outage", () => {
    const [e] = eventsOf("llm_failure");
    assert.ok(e);
    assert.equal(e.level, "error");
    assert.deepEqual(
      {
        category: e.tags?.["error.category"],
        provider: e.tags?.["gen_ai.provider.name"],
        model: e.tags?.["gen_ai.request.model"],
        type: e.tags?.["llm.error_type"],
      },
      { category: "llm", provider: "simulated", model: "sim-large", type: "server_error" },
    );
    const llm = e.contexts?.llm as { provider: string; model: string; input_tokens: number } | undefined;
    assert.equal(llm?.provider, "simulated");
    assert.equal(llm?.model, "sim-large");
    assert.ok((llm?.input_tokens ?? 0) > 0, "the prompt's tokens");
    assert.deepEqual(e.user, { id: "user_acme_01", organization: "org_acme", api_key_id: "key_acme_prod" });
    assert.equal(e.transaction, "POST /api/chat");
    assert.equal(e.request?.method, "POST");
    assert.equal(e.request?.url, `${service.url}/api/chat`);
    assert.equal(e.request?.headers?.authorization, undefined);
    assert.equal(mainException(e)?.type, "LlmCallError");
    assert.deepEqual(e.fingerprint, ["llm-provider-outage", "simulated"]);
  });

  it("the database failure: category database, the agent and database contexts, the user", () => {
    const [e] = eventsOf("db_failure");
    assert.ok(e);
    assert.equal(e.tags?.["error.category"], "database");
    assert.equal(e.tags?.["agent.type"], "payment");
    assert.equal(e.tags?.["db.system.name"], "postgresql");
    assert.deepEqual(e.contexts?.agent, { type: "payment" });
    assert.deepEqual(e.contexts?.database, { "db.system.name": "postgresql", "db.operation.name": "SELECT" });
    assert.deepEqual(e.user, {
      id: "user_globex_02",
      organization: "org_globex",
      api_key_id: "key_globex_app",
    });
    assert.equal(e.request?.headers?.["x-api-key"], undefined);
    assert.equal(mainException(e)?.type, "DatabaseError");
  });

  it("no API key the clients sent is in any byte of any envelope (nor in what OTLP carried)", () => {
    assert.ok(sentry.envelopes().length >= 2);
    const envelopes = sentry.envelopes().map((e) => e.raw.toString("utf8"));
    const exported = otlp.rawBodies.join("\n");
    for (const key of [ACME, GLOBEX, UNKNOWN]) {
      assert.ok(!envelopes.some((raw) => raw.includes(key)), `${key} in an envelope`);
      assert.ok(!exported.includes(key), `${key} in the OTLP data`);
    }
  });
});
