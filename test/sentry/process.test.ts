/**
 * Sentry as a process: the fixture app runs under the preload with SENTRY_DSN pointing at a local Sentry
 * ingest (test/sentry/receiver.ts parses the real envelopes) and OTLP pointing at a local OTLP receiver.
 * What is asserted is what left the process: envelopes, items, events, their bytes, spans and the
 * sentry.events.dropped counter.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type Child, startChild } from "../support/child";
import { type OtlpReceiver, startOtlpReceiver } from "../support/otlp-receiver";
import { APP, byTransaction, dropped, envFor, get, mainException, REQUIRE, serverSpans } from "./helpers";
import { type SentryReceiver, startSentryReceiver } from "./receiver";

describe("one process, many failures (--require)", () => {
  let sentry: SentryReceiver;
  let otlp: OtlpReceiver;
  let child: Child;
  let exit: { code: number | null };

  const PLANTED = {
    authorization: "sk-authz-0123456789abcdef",
    apiKey: "pk_live_0123456789abcdef",
    cookie: "cookie-secret-7781",
    query: "s3cr3t-query-token",
    bodyPassword: "hunter2-in-body",
    exceptionSecret: "exception-secret-42",
    clientIp: "203.0.113",
  };

  before(async () => {
    sentry = await startSentryReceiver();
    otlp = await startOtlpReceiver();
    child = await startChild(
      [...REQUIRE, APP],
      envFor(otlp.url, sentry.dsn, {
        // The seed's variable: read, reported, and ignored (the Sentry SDK would otherwise start tracing).
        SENTRY_TRACES_SAMPLE_RATE: "0.1",
        // Every warning kept, so that the validation event below is deterministic (sampling.test.ts samples).
        SENTRY_SAMPLE_RATES: "warning=1",
      }),
    );
    const port = child.port;
    assert.equal(await get(port, "/boom"), 500);
    await sentry.waitFor(() => sentry.events().length === 1, 10_000, "the /boom event");
    assert.equal(await get(port, "/boom"), 500);
    assert.equal(await get(port, "/ok"), 200);
    assert.equal(
      await get(port, `/api/login?token=${PLANTED.query}&page=2`, {
        method: "POST",
        headers: {
          authorization: `Bearer ${PLANTED.authorization}`,
          "x-api-key": PLANTED.apiKey,
          cookie: `session_id=${PLANTED.cookie}`,
          "x-forwarded-for": `${PLANTED.clientIp}.77`,
          "x-real-ip": `${PLANTED.clientIp}.77`,
          "x-user-id": "user-42",
          "x-org-id": "org-7",
          "x-api-key-id": "key_123",
          "content-type": "application/json",
        },
        body: JSON.stringify({
          username: "alice",
          password: PLANTED.bodyPassword,
          note: PLANTED.exceptionSecret,
        }),
      }),
      500,
    );
    assert.equal(await get(port, "/llm/rate-limit"), 500);
    assert.equal(await get(port, "/llm/rate-limit-elsewhere"), 500);
    assert.equal(await get(port, "/llm/outage/gpt-4o"), 500);
    assert.equal(await get(port, "/llm/outage/gpt-4o-mini"), 500);
    assert.equal(await get(port, "/ignored"), 200);
    exit = await child.signal("SIGTERM");
  });
  after(async () => {
    child?.kill();
    await sentry?.stop();
    await otlp?.stop();
  });

  it("exits cleanly, and says nothing about --require on stderr", () => {
    assert.equal(exit.code, 0, child.stderr());
    assert.doesNotMatch(child.stderr(), /\[Sentry\]/);
  });

  it("one failing request makes exactly one event, carrying the trace id of its server span", () => {
    const boomSpans = serverSpans(otlp, "GET /boom");
    assert.equal(boomSpans.length, 2, "two /boom requests, one server span each");
    const events = byTransaction(sentry.events(), "GET /boom");
    assert.equal(events.length, 2, "one event per failing request");
    for (const span of boomSpans) {
      const matching = events.filter((e) => e.contexts?.trace?.trace_id === span.traceId);
      assert.equal(matching.length, 1, `exactly one event for trace ${span.traceId}`);
      assert.equal(matching[0]?.contexts?.trace?.span_id, span.spanId, "linked to the server span itself");
      const inTrace = otlp.spans().filter((s) => s.traceId === span.traceId);
      assert.deepEqual(
        inTrace.map((s) => [s.name, s.kind]),
        [["GET /boom", 2]],
        "the trace holds exactly the one server span: no span from Sentry, none for its traffic",
      );
    }
    const event = events[0];
    assert.equal(event?.level, "error");
    assert.equal(event?.tags?.["error.category"], "application");
    assert.deepEqual(event?.request, {
      method: "GET",
      url: `http://127.0.0.1:${child.port}/boom`,
      headers: {
        accept: "*/*",
        "accept-language": "*",
        host: `127.0.0.1:${child.port}`,
        "user-agent": "node",
      },
    });
    assert.equal(mainException(event)?.mechanism?.handled, true);
    assert.equal(events[0]?.fingerprint?.[0], "Error");
    assert.deepEqual(events[0]?.fingerprint, events[1]?.fingerprint, "same class, same site: one Issue");
  });

  it("ignores SENTRY_TRACES_SAMPLE_RATE with one line, and sends events only: no transaction, span or session", () => {
    assert.match(
      child.stderr(),
      /^@procode\/observability: SENTRY_TRACES_SAMPLE_RATE=0.1 is ignored: traces go through OpenTelemetry/m,
    );
    const types = new Set(sentry.items().map((i) => i.header.type));
    for (const t of types) assert.ok(t === "event" || t === "client_report", `unexpected item type ${t}`);
  });

  it("planted secrets appear in no byte of any envelope (nor of what OTLP carried)", () => {
    const everything = [...sentry.envelopes().map((e) => e.raw.toString("utf8")), ...otlp.rawBodies].join(
      "\n",
    );
    assert.ok(sentry.envelopes().length >= 3);
    for (const [what, secret] of Object.entries(PLANTED))
      assert.ok(!everything.includes(secret), `${what} (${secret}) leaked`);
  });

  it("the login failure carries the user (id, organization, API key id) and a sanitized request", () => {
    const [login] = byTransaction(sentry.events(), "POST /api/login").filter(
      (e) => mainException(e)?.type === "LoginError",
    );
    assert.ok(login, "the LoginError event");
    assert.deepEqual(login.user, { id: "user-42", organization: "org-7", api_key_id: "key_123" });
    assert.equal(login.sdk?.settings?.infer_ip, "never", "Sentry's ingest must not infer the client IP");
    assert.equal(login.request?.url, `http://127.0.0.1:${child.port}/api/login?token=[REDACTED]&page=2`);
    assert.deepEqual(Object.keys(login.request?.headers ?? {}).sort(), [
      "accept",
      "accept-language",
      "content-length",
      "content-type",
      "host",
      "user-agent",
    ]);
    assert.equal(mainException(login)?.value, "login failed for alice: secret=[REDACTED]");
    const validation = sentry.events().find((e) => mainException(e)?.type === "ValidationError");
    assert.equal(validation?.level, "warning");
    assert.equal(validation?.tags?.["error.category"], "validation");
    assert.deepEqual(validation?.extra, { body: { username: "alice", password: "[REDACTED]" } });
  });

  it("groups LLM rate limits per provider and model, outages per provider, one event per request", () => {
    const llm = sentry.events().filter((e) => e.tags?.["error.category"] === "llm");
    assert.equal(llm.length, 4, "the call site captured; the Hono hook saw the same error and did not");
    const prints = llm.map((e) => JSON.stringify(e.fingerprint)).sort();
    assert.deepEqual(prints, [
      JSON.stringify(["llm-provider-outage", "openai"]),
      JSON.stringify(["llm-provider-outage", "openai"]),
      JSON.stringify(["llm-rate-limit", "openai", "gpt-4o-mini"]),
      JSON.stringify(["llm-rate-limit", "openai", "gpt-4o-mini"]),
    ]);
    const rate = llm.find((e) => e.tags?.["llm.error_type"] === "rate_limit");
    assert.deepEqual(rate?.contexts?.llm, {
      provider: "openai",
      model: "gpt-4o-mini",
      tokens: 120,
      input_tokens: 120,
    });
    for (const route of ["/llm/rate-limit", "/llm/rate-limit-elsewhere"]) {
      const spans = serverSpans(otlp, `GET ${route}`);
      assert.equal(spans.length, 1);
      assert.equal(llm.filter((e) => e.contexts?.trace?.trace_id === spans[0]?.traceId).length, 1);
    }
  });

  it("ignores known issues, and counts them", () => {
    assert.equal(sentry.events().filter((e) => mainException(e)?.type === "AbortError").length, 0);
    assert.equal(dropped(otlp).get("ignored/error"), 1);
  });
});
