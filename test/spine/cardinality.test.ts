/**
 * Cardinality: 10,000 requests to /users/<random id> give one http.route value (and span names by template),
 * and 1,000 distinct values of one attribute pushed past an instrument's cardinality limit keep the
 * instrument's total exact through the overflow series.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { observabilityMiddleware } from "../../src/hono/middleware";
import { traceAgentRun, traceStage } from "../../src/instrument/agent";
import { recordApiKeyRequest } from "../../src/instrument/recorders";
import { startTestSdk, type TestSdk } from "../support/in-memory-sdk";

describe("route templates", () => {
  let t: TestSdk;
  before(() => {
    t = startTestSdk();
  });
  after(() => t.shutdown());

  it("10,000 requests to /users/<random id> produce one http.route value", async () => {
    const app = new Hono();
    app.use(observabilityMiddleware());
    app.get("/users/:id", (c) => c.text(c.req.param("id")));
    for (let i = 0; i < 10_000; i++) {
      const res = await app.request(`/users/${randomUUID()}`);
      assert.equal(res.status, 200);
    }
    await app.request("/not/a/route");
    const rm = await t.collect();
    const duration = rm.scopeMetrics
      .flatMap((s) => s.metrics)
      .find((m) => m.descriptor.name === "http.server.request.duration");
    const routes = new Set(duration?.dataPoints.map((d) => d.attributes["http.route"]));
    assert.deepEqual([...routes].sort(), ["/users/:id", undefined].sort());
    const users = duration?.dataPoints.find((d) => d.attributes["http.route"] === "/users/:id");
    assert.equal((users?.value as { count: number } | undefined)?.count, 10_000);
    const names = new Set(t.spans.getFinishedSpans().map((s) => s.name));
    assert.deepEqual([...names].sort(), ["GET", "GET /users/:id"]);
    assert.equal(
      t.spans.getFinishedSpans().filter((s) => s.kind === 1).length,
      10_001,
      "one server span per request",
    );
  });

  it("names each span by its own method and route, past the 1,024 names per method the middleware keeps", async () => {
    t.spans.reset();
    const app = new Hono();
    app.use(observabilityMiddleware());
    const routes = Array.from({ length: 1100 }, (_, i) => `/r${i}/:id`);
    for (const route of routes) app.on(["GET", "POST"], route, (c) => c.text("ok"));
    const expected: string[] = [];
    for (const [i, route] of routes.entries()) {
      for (const method of ["GET", "POST"]) {
        await app.request(`/r${i}/x${i}`, { method });
        expected.push(`${method} ${route}`);
      }
    }
    await app.request("/r7/again");
    expected.push("GET /r7/:id");
    assert.deepEqual(
      t.spans.getFinishedSpans().map((s) => s.name),
      expected,
    );
  });
});

describe("cardinality limit", () => {
  let t: TestSdk;
  before(() => {
    t = startTestSdk({ PROCODE_METRIC_CARDINALITY_LIMIT: "100" });
  });
  after(() => t.shutdown());

  it("keeps the total exact past the limit through the overflow series", async () => {
    for (let i = 0; i < 1000; i++) {
      for (let k = 0; k <= i % 3; k++)
        recordApiKeyRequest({ organizationId: "org", apiKeyId: `key_${i}`, status: "accepted" });
    }
    const expected = Array.from({ length: 1000 }, (_, i) => (i % 3) + 1).reduce((a, b) => a + b, 0);
    const rm = await t.collect();
    const m = rm.scopeMetrics.flatMap((s) => s.metrics).find((x) => x.descriptor.name === "api_key.requests");
    assert.ok(m);
    assert.equal(m.dataPoints.length, 100, "series capped at the limit");
    const overflow = m.dataPoints.filter((d) => d.attributes["otel.metric.overflow"] === true);
    assert.equal(overflow.length, 1);
    const total = m.dataPoints.reduce((a, d) => a + (d.value as number), 0);
    assert.equal(total, expected);
  });
});

describe("route template when a route-level middleware answers", () => {
  let t: TestSdk;
  before(() => {
    t = startTestSdk();
  });
  after(() => t.shutdown());

  it("keeps http.route, and a thrown 4xx is not a server error", async () => {
    const app = new Hono();
    app.use(observabilityMiddleware());
    app.use("/api/*", async (_c, next) => next());
    app.post(
      "/api/chat",
      async (c, next) => (c.req.header("x-key") ? next() : c.json({ error: "missing key" }, 401)),
      (c) => c.json({ ok: true }),
    );
    app.get("/api/secret", () => {
      throw new HTTPException(403, { message: "forbidden" });
    });
    assert.equal((await app.request("/api/chat", { method: "POST" })).status, 401);
    assert.equal((await app.request("/api/secret")).status, 403);
    assert.equal((await app.request("/api/none")).status, 404);
    const spans = t.spans.getFinishedSpans();
    assert.deepEqual(
      spans.map((s) => [s.name, s.attributes["http.route"], s.status.code, s.attributes["error.type"]]),
      [
        ["POST /api/chat", "/api/chat", 0, undefined],
        ["GET /api/secret", "/api/secret", 0, undefined],
        ["GET", undefined, 0, undefined],
      ],
    );
  });
});

describe("an error crossing nested spans", () => {
  let t: TestSdk;
  before(() => {
    t = startTestSdk();
  });
  after(() => t.shutdown());

  it("is recorded as an exception event once, where it happened; enclosing spans carry status and type", async () => {
    await traceStage("agent_routing", () =>
      traceAgentRun({ type: "payment" }, async () => {
        throw new RangeError("amount out of range");
      }),
    ).catch(() => undefined);
    const spans = t.spans.getFinishedSpans();
    const agent = spans.find((s) => s.name === "invoke_agent payment");
    const stage = spans.find((s) => s.name === "agent_routing");
    assert.equal(agent?.events.filter((e) => e.name === "exception").length, 1);
    assert.equal(stage?.events.filter((e) => e.name === "exception").length, 0);
    assert.equal(stage?.status.code, 2);
    assert.equal(stage?.attributes["error.type"], "RangeError");
  });
});
