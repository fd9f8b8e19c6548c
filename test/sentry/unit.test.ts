/**
 * The Sentry module's pure parts: strict configuration, grouping rules, sampling, scrubbing, the rejection
 * mode, the counter's Prometheus name, and the capture helpers when Sentry is off (no @sentry/node loaded).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ErrorEvent, StackFrame } from "@sentry/node";
import { prometheusBaseName, prometheusLabel } from "../../src/catalogue/prometheus-names";
import { ConfigError, resolveConfig } from "../../src/config/config";
import { captureError, llmErrorType, matchesIgnore } from "../../src/sentry/capture";
import { DEFAULT_SAMPLE_RATES, resolveSentryConfig } from "../../src/sentry/config";
import { fingerprintFor } from "../../src/sentry/fingerprint";
import { unhandledRejectionMode } from "../../src/sentry/process-errors";
import { LevelSampler, pipelineReason, SENTRY_EVENTS_DROPPED } from "../../src/sentry/sampling";
import { sanitizeHeaders, scrubBreadcrumb, scrubEvent, scrubLog, scrubMetric } from "../../src/sentry/scrub";

const base = resolveConfig({ OTEL_SERVICE_NAME: "svc", OTEL_SERVICE_VERSION: "1.2.3" });
const DSN = "https://abc123@o1.ingest.sentry.io/4501";

function issuesOf(env: Record<string, string>): string[] {
  try {
    resolveSentryConfig(env, base);
    return [];
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return err.issues.map((i) => i.variable);
  }
}

describe("Sentry configuration", () => {
  it("is off without SENTRY_DSN (a blank one too)", () => {
    assert.equal(resolveSentryConfig({}, base), undefined);
    assert.equal(resolveSentryConfig({ SENTRY_DSN: "  " }, base), undefined);
  });

  it("has the seed's defaults", () => {
    const c = resolveSentryConfig({ SENTRY_DSN: DSN }, base);
    assert.ok(c);
    assert.equal(c.environment, "development");
    assert.equal(c.release, "svc@1.2.3");
    assert.deepEqual(c.sampleRates, { fatal: 1, error: 1, warning: 0.5, log: 0.1, info: 0.1, debug: 0.1 });
    assert.equal(c.bufferSize, 64);
    assert.equal(c.sendTimeoutMs, 5000);
    assert.equal(c.shutdownTimeoutMs, 5000);
    assert.deepEqual(c.ignore, [{ type: "AbortError" }]);
    assert.deepEqual(c.ignoredTracingVariables, []);
    assert.ok(Object.isFrozen(c) && Object.isFrozen(c.sampleRates));
  });

  it("reads every variable", () => {
    const c = resolveSentryConfig(
      {
        SENTRY_DSN: "http://key@127.0.0.1:9000/sentry/7",
        SENTRY_ENVIRONMENT: "staging",
        SENTRY_RELEASE: "procode@2026.11.29",
        SENTRY_SAMPLE_RATES: "warning=0.25, info=0, fatal=1",
        SENTRY_TRACES_SAMPLE_RATE: "0.1",
        SENTRY_PROFILES_SAMPLE_RATE: "0",
        PROCODE_SENTRY_IGNORE: "TimeoutError:upstream request, KnownFlakeError",
        PROCODE_SENTRY_BUFFER_SIZE: "16",
        PROCODE_SENTRY_SEND_TIMEOUT_MS: "1500",
      },
      base,
    );
    assert.ok(c);
    assert.equal(c.environment, "staging");
    assert.equal(c.release, "procode@2026.11.29");
    assert.deepEqual(c.sampleRates, { ...DEFAULT_SAMPLE_RATES, warning: 0.25, info: 0 });
    assert.deepEqual(c.ignoredTracingVariables, [
      { variable: "SENTRY_TRACES_SAMPLE_RATE", value: 0.1 },
      { variable: "SENTRY_PROFILES_SAMPLE_RATE", value: 0 },
    ]);
    assert.deepEqual(c.ignore, [
      { type: "AbortError" },
      { type: "TimeoutError", message: "upstream request" },
      { type: "KnownFlakeError" },
    ]);
    assert.equal(c.bufferSize, 16);
    assert.equal(c.sendTimeoutMs, 1500);
  });

  it("reports every invalid variable at once, by name", () => {
    assert.deepEqual(
      issuesOf({
        SENTRY_DSN: "https://o1.ingest.sentry.io/4501",
        SENTRY_SAMPLE_RATES: "warning=2",
        SENTRY_TRACES_SAMPLE_RATE: "lots",
        PROCODE_SENTRY_IGNORE: "not a class",
        PROCODE_SENTRY_BUFFER_SIZE: "0",
        PROCODE_SENTRY_SEND_TIMEOUT_MS: "1.5",
      }),
      [
        "SENTRY_DSN",
        "SENTRY_TRACES_SAMPLE_RATE",
        "SENTRY_SAMPLE_RATES",
        "PROCODE_SENTRY_IGNORE",
        "PROCODE_SENTRY_BUFFER_SIZE",
        "PROCODE_SENTRY_SEND_TIMEOUT_MS",
      ],
    );
    assert.deepEqual(issuesOf({ SENTRY_DSN: "ftp://k@host/1" }), ["SENTRY_DSN"]);
    assert.deepEqual(issuesOf({ SENTRY_DSN: "https://k@host/project" }), ["SENTRY_DSN"]);
    assert.deepEqual(issuesOf({ SENTRY_DSN: DSN, SENTRY_SAMPLE_RATES: "verbose=0.5" }), [
      "SENTRY_SAMPLE_RATES",
    ]);
    assert.deepEqual(issuesOf({ SENTRY_DSN: DSN, SENTRY_SAMPLE_RATES: "warning=" }), ["SENTRY_SAMPLE_RATES"]);
    assert.deepEqual(issuesOf({ SENTRY_DSN: DSN, PROCODE_SENTRY_IGNORE: "Foo:" }), ["PROCODE_SENTRY_IGNORE"]);
  });
});

function exceptionEvent(stacktrace: { frames: StackFrame[] }, extra: Partial<ErrorEvent> = {}): ErrorEvent {
  return {
    type: undefined,
    exception: { values: [{ type: "TypeError", value: "x is undefined", stacktrace }] },
    ...extra,
  };
}

describe("grouping", () => {
  const frames = {
    frames: [
      { module: "node:internal", function: "processTicks", in_app: false },
      { module: "agents.router", function: "route", in_app: true, lineno: 10 },
      { module: "hono.dist.cjs:compose", function: "dispatch", in_app: false },
    ],
  };

  it("groups the same class at the same site (innermost in-app frame, module and function)", () => {
    assert.deepEqual(fingerprintFor(exceptionEvent(frames)), ["TypeError", "agents.router:route"]);
    const moved = { frames: frames.frames.map((f) => ({ ...f, lineno: 99 })) };
    assert.deepEqual(
      fingerprintFor(exceptionEvent(moved)),
      ["TypeError", "agents.router:route"],
      "line-independent",
    );
  });

  it("names anonymous functions by their source line, else their line number", () => {
    const anon = {
      frames: [{ module: "app", function: "?", context_line: "  throw new TypeError(x);  ", lineno: 7 }],
    };
    assert.deepEqual(fingerprintFor(exceptionEvent(anon)), ["TypeError", "app:throw new TypeError(x);"]);
    const bare = { frames: [{ filename: "/srv/app/dist/main.js", function: "<anonymous>", lineno: 7 }] };
    assert.deepEqual(fingerprintFor(exceptionEvent(bare)), ["TypeError", "main.js:7"]);
  });

  it("groups LLM rate limits per provider and model, outages per provider", () => {
    const llm = (type: string, model: string) =>
      exceptionEvent(frames, {
        tags: { "gen_ai.provider.name": "anthropic", "gen_ai.request.model": model, "llm.error_type": type },
      });
    assert.deepEqual(fingerprintFor(llm("rate_limit", "claude-x")), [
      "llm-rate-limit",
      "anthropic",
      "claude-x",
    ]);
    for (const t of ["server_error", "timeout", "connection_error"])
      assert.deepEqual(fingerprintFor(llm(t, "claude-y")), ["llm-provider-outage", "anthropic"]);
    assert.deepEqual(fingerprintFor(llm("client_error", "claude-x")), ["TypeError", "agents.router:route"]);
  });

  it("keeps an explicit fingerprint and Sentry's default for messages", () => {
    assert.deepEqual(fingerprintFor(exceptionEvent(frames, { fingerprint: ["mine"] })), ["mine"]);
    assert.equal(fingerprintFor({ type: undefined, message: "hello" }), undefined);
  });

  it("classifies LLM errors for grouping", () => {
    assert.equal(llmErrorType(Object.assign(new Error("slow down"), { status: 429 })), "rate_limit");
    assert.equal(llmErrorType(Object.assign(new Error("bad gateway"), { status: 502 })), "server_error");
    assert.equal(
      llmErrorType(Object.assign(new Error("refused"), { code: "ECONNREFUSED" })),
      "connection_error",
    );
    assert.equal(
      llmErrorType(
        new TypeError("fetch failed", { cause: Object.assign(new Error("x"), { code: "ECONNRESET" }) }),
      ),
      "connection_error",
    );
    const conn = new Error("Connection error.");
    conn.name = "APIConnectionError";
    assert.equal(llmErrorType(conn), "connection_error");
    assert.equal(llmErrorType(Object.assign(new Error("bad request"), { status: 400 })), "client_error");
  });

  it("matches ignore rules on class name and message substring", () => {
    const rules = [{ type: "AbortError" }, { type: "TimeoutError", message: "upstream" }];
    assert.equal(matchesIgnore(rules, "AbortError", "anything"), true);
    assert.equal(matchesIgnore(rules, "TimeoutError", "the upstream timed out"), true);
    assert.equal(matchesIgnore(rules, "TimeoutError", "database timed out"), false);
    assert.equal(matchesIgnore(rules, "Error", "AbortError"), false);
  });
});

describe("sampling", () => {
  it("keeps by level with the configured rate", () => {
    let next = 0;
    const s = new LevelSampler(DEFAULT_SAMPLE_RATES, () => next);
    next = 0.49;
    assert.equal(s.keep("warning"), true);
    next = 0.5;
    assert.equal(s.keep("warning"), false);
    next = 0.09;
    assert.equal(s.keep("info"), true);
    next = 0.1;
    assert.equal(s.keep("info"), false);
    next = 0.999999;
    assert.equal(s.keep("fatal"), true);
    assert.equal(s.keep("error"), true);
    const never = new LevelSampler({ ...DEFAULT_SAMPLE_RATES, debug: 0 }, () => 0);
    assert.equal(never.keep("debug"), false);
  });

  it("counts on sentry.events.dropped -> sentry_events_dropped_total{level,reason}", () => {
    assert.equal(prometheusBaseName(SENTRY_EVENTS_DROPPED), "sentry_events_dropped_total");
    assert.deepEqual(SENTRY_EVENTS_DROPPED.attributes.map(prometheusLabel), ["level", "reason"]);
    assert.equal(pipelineReason("queue_overflow"), "queue_overflow");
    assert.equal(pipelineReason("something_new"), "_OTHER");
  });
});

describe("scrubbing", () => {
  it("removes secrets, IPs, local variables, cookies, bodies and query strings from an event", () => {
    const meta = { dynamicSamplingContext: { trace_id: "t" } };
    const event: ErrorEvent = {
      type: undefined,
      message: "login for bob failed: password=hunter2",
      user: { id: "u1", ip_address: "203.0.113.9" },
      request: {
        method: "POST",
        url: "https://api.example/login?api_key=sk-abcdefghijklmnopqrstuv&page=1",
        query_string: "api_key=sk-abcdefghijklmnopqrstuv",
        cookies: { session: "c00kie" },
        data: { password: "hunter2" },
        env: { REMOTE_ADDR: "203.0.113.9" },
        headers: {
          authorization: "Bearer abcdefghijkl",
          "x-forwarded-for": "203.0.113.9",
          "user-agent": "curl",
        },
      },
      exception: {
        values: [
          {
            type: "Error",
            value: "token=abc123456789",
            stacktrace: {
              frames: [
                {
                  function: "f",
                  vars: { password: "hunter2" },
                  context_line: 'const key = "sk-abcdefghijklmnopqrstuv";',
                },
              ],
            },
          },
        ],
      },
      contexts: { db: { connection: "postgres://app:hunter2@db:5432/app" } },
      extra: { headers: { cookie: "c00kie" }, apiKey: "sk-abcdefghijklmnopqrstuv" },
      breadcrumbs: [{ message: "GET /x?token=abc123456789", data: { authorization: "Bearer xyz" } }],
      sdkProcessingMetadata: meta,
    };
    const out = scrubEvent(event);
    const json = JSON.stringify({ ...out, sdkProcessingMetadata: undefined });
    for (const secret of [
      "hunter2",
      "sk-abcdefghijklmnopqrstuv",
      "c00kie",
      "abc123456789",
      "203.0.113",
      "abcdefghijkl",
    ])
      assert.ok(!json.includes(secret), `${secret} survived: ${json}`);
    assert.deepEqual(out.request, {
      method: "POST",
      url: "https://api.example/login?api_key=[REDACTED]&page=1",
      headers: { "user-agent": "curl" },
    });
    assert.deepEqual(out.user, { id: "u1" });
    assert.equal(out.sdk?.settings?.infer_ip, "never");
    assert.equal(out.exception?.values?.[0]?.stacktrace?.frames?.[0]?.vars, undefined);
    assert.equal(out.sdkProcessingMetadata, meta, "the envelope's trace header source is kept as it is");
  });

  it("scrubs breadcrumbs, logs and metrics, and allow-lists request headers", () => {
    assert.deepEqual(scrubBreadcrumb({ message: "GET /x?token=abc123456789", data: { cookie: "c" } }), {
      message: "GET /x?token=[REDACTED]",
      data: { cookie: "[REDACTED]" },
    });
    assert.deepEqual(scrubLog({ level: "error", message: "password=hunter2", attributes: { secret: "s" } }), {
      level: "error",
      message: "password=[REDACTED]",
      attributes: { secret: "[REDACTED]" },
    });
    assert.deepEqual(
      scrubMetric({ name: "m", value: 1, type: "counter", attributes: { url: "/x?token=abc123456789" } }),
      { name: "m", value: 1, type: "counter", attributes: { url: "/x?token=[REDACTED]" } },
    );
    assert.deepEqual(
      sanitizeHeaders({ Accept: "*/*", Cookie: "a=b", "X-Real-IP": "203.0.113.9", "X-Request-Id": "r1" }),
      { accept: "*/*", "x-request-id": "r1" },
    );
  });
});

describe("process errors and capture when Sentry is off", () => {
  it("reads Node's --unhandled-rejections mode", () => {
    assert.equal(unhandledRejectionMode([], ""), "throw");
    assert.equal(unhandledRejectionMode(["--unhandled-rejections=warn"], ""), "warn");
    assert.equal(
      unhandledRejectionMode([], "--max-old-space-size=100 --unhandled-rejections=strict"),
      "strict",
    );
    assert.equal(
      unhandledRejectionMode(["--unhandled-rejections", "none"], "--unhandled-rejections=strict"),
      "none",
    );
  });

  it("captureError is a no-op that loads nothing", () => {
    assert.equal(captureError(new Error("x"), { category: "application" }), undefined);
    assert.equal(
      Object.keys(require.cache).some((k) => k.includes(`${"@sentry"}/node/`)),
      false,
      "@sentry/node is not loaded by the capture helpers",
    );
  });
});
