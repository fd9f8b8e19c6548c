/** The shared redaction module and its span and log processors. */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { trace } from "@opentelemetry/api";
import { Hono } from "hono";
import { observabilityMiddleware } from "../../src/hono/middleware";
import { recordError } from "../../src/instrument/errors";
import { traceLlmCall } from "../../src/instrument/llm";
import { createLogger } from "../../src/logging/logger";
import { redactError, redactHeaders, redactObject, redactText, truncateIp } from "../../src/redaction/redact";
import { startTestSdk, type TestSdk } from "../support/in-memory-sdk";

const SECRETS = [
  "hunter2",
  "sk-proj-abcdefghijklmnopqrstuvwx",
  "pk_live_51Habcdefghijk",
  "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
  "qwerty-token-123",
  "my-prompt-with-secret-plan",
];

describe("redactText", () => {
  it("removes bearer tokens, provider keys, JWTs, query secrets and URL passwords", () => {
    const input = [
      "Authorization: Bearer sk-proj-abcdefghijklmnopqrstuvwx",
      "key pk_live_51Habcdefghijk",
      `jwt ${SECRETS[3]}`,
      "GET /x?user=1&token=qwerty-token-123&page=2",
      "postgres://app:hunter2@db.internal:5432/app",
      'password="hunter2"',
    ].join("\n");
    const out = redactText(input);
    for (const s of SECRETS) assert.ok(!out.includes(s), `${s} removed from ${out}`);
    assert.ok(out.includes("page=2") && out.includes("user=1"), "non-secret parameters are kept");
    assert.ok(out.includes("db.internal:5432/app"));
  });

  it("truncates IPv4 to /24 and IPv6 to /48", () => {
    assert.equal(truncateIp("203.0.113.77"), "203.0.113.0");
    assert.equal(truncateIp("::ffff:10.1.2.3"), "10.1.2.0");
    assert.equal(truncateIp("2001:db8:85a3:8d3:1319:8a2e:370:7348"), "2001:db8:85a3::");
  });

  it("redacts sensitive keys whatever their value, deeply", () => {
    const out = redactObject({
      user: { id: "u1", password: "hunter2", nested: [{ api_key: "abc" }] },
      headers: { Authorization: "Basic Zm9vOmJhcg==", "x-request-id": "r1" },
      note: "token=qwerty-token-123",
    });
    assert.deepEqual(out, {
      user: { id: "u1", password: "[REDACTED]", nested: [{ api_key: "[REDACTED]" }] },
      headers: { Authorization: "[REDACTED]", "x-request-id": "r1" },
      note: "token=[REDACTED]",
    });
    assert.deepEqual(redactHeaders({ cookie: "a=b", accept: "text/html" }), {
      cookie: "[REDACTED]",
      accept: "text/html",
    });
  });
});

describe("redaction before export", () => {
  let t: TestSdk;
  before(() => {
    t = startTestSdk();
  });
  after(() => t.shutdown());

  it("no planted secret reaches an exported span, metric or log record", async () => {
    const app = new Hono();
    app.use(observabilityMiddleware());
    app.get("/search", (_c) => {
      trace
        .getActiveSpan()
        ?.setAttribute("http.request.header.authorization", "Bearer sk-proj-abcdefghijklmnopqrstuvwx");
      throw new Error("login failed for password=hunter2 with key pk_live_51Habcdefghijk");
    });
    await app.request("/search?q=shoes&token=qwerty-token-123", {
      headers: { authorization: "Bearer sk-proj-abcdefghijklmnopqrstuvwx" },
    });
    await traceLlmCall(
      { provider: "openai", model: "gpt-4o", input: "my-prompt-with-secret-plan" },
      async (ctl) => {
        ctl.setOutput("my-prompt-with-secret-plan");
        ctl.setUsage({ inputTokens: 1, outputTokens: 1 });
      },
    );
    const span = trace.getTracer("t").startSpan("manual");
    recordError(span, new Error(`jwt ${SECRETS[3]} rejected`));
    span.end();
    const log = createLogger({ level: "info" });
    log.info(
      { password: "hunter2", url: "/x?token=qwerty-token-123" },
      "user sk-proj-abcdefghijklmnopqrstuvwx",
    );

    const exported = JSON.stringify({
      spans: t.spans.getFinishedSpans().map((s) => ({
        name: s.name,
        attributes: s.attributes,
        events: s.events,
        status: s.status,
      })),
      metrics: await t.collect(),
      logs: t.logs.getFinishedLogRecords().map((l) => ({ body: l.body, attributes: l.attributes })),
    });
    for (const s of SECRETS) assert.ok(!exported.includes(s), `secret ${s} leaked`);
    assert.ok(exported.includes("q=shoes"), "non-secret query kept");
  });
});

describe("errors through the redaction module", () => {
  it("keeps an error's class, stack and code while scrubbing its message and stack", () => {
    class PaymentError extends Error {
      code = "E_PAY";
    }
    const err = new PaymentError("card rejected for password=hunter2");
    const clean = redactError(err);
    assert.ok(clean instanceof PaymentError);
    assert.equal(clean.code, "E_PAY");
    assert.equal(clean.message, "card rejected for password=[REDACTED]");
    assert.ok(clean.stack?.includes("PaymentError") || clean.stack?.includes("Error"));
    assert.ok(!clean.stack?.includes("hunter2"));
    assert.equal(err.message, "card rejected for password=hunter2", "the original is untouched");
  });
});

describe("client addresses in headers", () => {
  it("truncates forwarding headers, as header maps and as span attributes", () => {
    assert.deepEqual(
      redactHeaders({ "X-Forwarded-For": "203.0.113.77, 10.0.0.5", forwarded: 'for="198.51.100.17"' }),
      {
        "x-forwarded-for": "203.0.113.0, 10.0.0.0",
        forwarded: "198.51.100.0",
      },
    );
    assert.deepEqual(redactObject({ "http.request.header.x-real-ip": "192.0.2.44" }), {
      "http.request.header.x-real-ip": "192.0.2.0",
    });
  });
});
