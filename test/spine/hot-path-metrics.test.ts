/**
 * The HTTP hot path (src/sdk/hot-path-metrics.ts) exports what the SDK's own histograms would: the same
 * values recorded both ways give the same data points; the cardinality limit folds extra attribute sets
 * into one overflow series with the total exact; active requests are counted while in flight; embedded mode
 * uses the Prometheus names; and without the preload the middleware still records through the metrics API.
 */
import assert from "node:assert/strict";
import { after, afterEach, before, describe, it } from "node:test";
import { type Attributes, metrics } from "@opentelemetry/api";
import { resourceFromAttributes } from "@opentelemetry/resources";
import {
  AggregationType,
  DataPointType,
  type Histogram,
  type HistogramMetricData,
  MeterProvider,
  type MetricData,
} from "@opentelemetry/sdk-metrics";
import { Hono } from "hono";
import {
  HTTP_SERVER_REQUEST_BODY_SIZE,
  HTTP_SERVER_REQUEST_DURATION,
  HTTP_SERVER_RESPONSE_BODY_SIZE,
} from "../../src/catalogue/instruments";
import { prometheusBaseName } from "../../src/catalogue/prometheus-names";
import { resolveConfig } from "../../src/config/config";
import { observabilityMiddleware } from "../../src/hono/middleware";
import { setActiveSdk } from "../../src/sdk/active";
import { createSdk } from "../../src/sdk/create-sdk";
import { HotPathMetrics } from "../../src/sdk/hot-path-metrics";
import { reset, startTestSdk, TestReader, type TestSdk } from "../support/in-memory-sdk";

const resource = resourceFromAttributes({ "service.name": "test" });

function histograms(all: MetricData[], name: string): HistogramMetricData {
  const m = all.find((x) => x.descriptor.name === name);
  assert.ok(m, `${name} exported`);
  assert.equal(m.dataPointType, DataPointType.HISTOGRAM);
  return m;
}

/** Data points without their timestamps, in a stable order; keys whose value is undefined left out. */
function points(m: HistogramMetricData): { attributes: Attributes; value: Histogram }[] {
  return m.dataPoints
    .map((d) => ({
      attributes: d.attributes,
      value: Object.fromEntries(Object.entries(d.value).filter(([, v]) => v !== undefined)) as Histogram,
    }))
    .sort((a, b) => JSON.stringify(a.attributes).localeCompare(JSON.stringify(b.attributes)));
}

describe("hot-path HTTP metrics against the SDK", () => {
  it("give the SDK's data points for the same records: all three histograms, bucket edges, NaN and negatives", async () => {
    const specs = [
      HTTP_SERVER_REQUEST_DURATION,
      HTTP_SERVER_REQUEST_BODY_SIZE,
      HTTP_SERVER_RESPONSE_BODY_SIZE,
    ] as const;
    const sdkReader = new TestReader();
    const provider = new MeterProvider({
      resource,
      readers: [sdkReader],
      views: specs.map((spec) => ({
        instrumentName: spec.name,
        aggregation: {
          type: AggregationType.EXPLICIT_BUCKET_HISTOGRAM,
          options: { boundaries: [...(spec.buckets ?? [])] },
        },
      })),
    });
    const meter = provider.getMeter("x");
    const sdkHistograms = specs.map((spec) =>
      meter.createHistogram(spec.name, { unit: spec.unit, description: spec.description }),
    );
    const hot = new HotPathMetrics(resource, { cardinalityLimit: 2000, prometheusNames: false });
    type Combo = [string, number, string | undefined, string | undefined];
    const record = ([method, status, route, errorType]: Combo, v: number) => {
      const attrs: Attributes = { "http.request.method": method, "http.response.status_code": status };
      if (route !== undefined) attrs["http.route"] = route;
      if (errorType !== undefined) attrs["error.type"] = errorType;
      const sizeAttrs: Attributes = { "http.request.method": method };
      if (route !== undefined) sizeAttrs["http.route"] = route;
      const series = hot.series(method, status, route, errorType);
      [series.duration, series.requestSize, series.responseSize].forEach((r, i) => {
        sdkHistograms[i]?.record(v, i === 0 ? attrs : sizeAttrs);
        r.record(v);
      });
    };

    const edges = [...new Set(specs.flatMap((spec) => spec.buckets ?? []))];
    const values = [0, ...edges, ...edges.map((e) => e * 1.0001), 1e9, Number.NaN, -1, 0.0123, 3.3];
    const combos: Combo[] = [
      ["GET", 200, "/users/:id", undefined],
      ["POST", 500, "/api/chat", "TypeError"],
      ["GET", 404, undefined, undefined],
    ];
    for (const [i, v] of values.entries()) record(combos[i % combos.length] as Combo, v);
    // Attribute sets that only ever see a negative value (refused: no series) or NaN (a series, no min/max).
    record(["DELETE", 200, "/only-negative", undefined], -5);
    record(["PUT", 200, "/only-nan", undefined], Number.NaN);

    const fromSdk = (await sdkReader.collect()).resourceMetrics.scopeMetrics.flatMap((s) => s.metrics);
    const fromHot = (await hot.collect()).resourceMetrics.scopeMetrics.flatMap((s) => s.metrics);
    for (const spec of specs) {
      const a = histograms(fromSdk, spec.name);
      const b = histograms(fromHot, spec.name);
      assert.deepEqual({ ...b.descriptor, advice: undefined }, { ...a.descriptor, advice: undefined });
      assert.equal(b.aggregationTemporality, a.aggregationTemporality);
      assert.deepEqual(points(b), points(a), spec.name);
      assert.ok(!points(b).some((p) => p.attributes["http.route"] === "/only-negative"));
    }
    // And the points stay cumulative: a second collection carries the same totals.
    const again = histograms(
      (await hot.collect()).resourceMetrics.scopeMetrics.flatMap((s) => s.metrics),
      HTTP_SERVER_REQUEST_DURATION.name,
    );
    assert.deepEqual(points(again), points(histograms(fromHot, HTTP_SERVER_REQUEST_DURATION.name)));
    await provider.shutdown();
  });

  it("hold the cardinality limit for the life of the process, across collections", async () => {
    const hot = new HotPathMetrics(resource, { cardinalityLimit: 3, prometheusNames: false });
    const routes = ["/a", "/b", "/c", "/d", "/e"];
    for (const [i, route] of routes.entries()) {
      hot.series("GET", 200, route, undefined).duration.record(0.01);
      if (i % 2 === 1) await hot.collect();
    }
    const d = histograms(
      (await hot.collect()).resourceMetrics.scopeMetrics.flatMap((s) => s.metrics),
      HTTP_SERVER_REQUEST_DURATION.name,
    );
    assert.deepEqual(
      points(d).map((p) => [p.attributes["http.route"] ?? "overflow", p.value.count]),
      [
        ["/a", 1],
        ["/b", 1],
        ["overflow", 3],
      ],
    );
  });

  it("embedded mode: the Collector-translated Prometheus names", async () => {
    const hot = new HotPathMetrics(resource, { cardinalityLimit: 2000, prometheusNames: true });
    const s = hot.series("GET", 200, "/", undefined);
    s.duration.record(0.01);
    s.requestSize.record(10);
    s.responseSize.record(20);
    const names = (await hot.collect()).resourceMetrics.scopeMetrics
      .flatMap((x) => x.metrics)
      .map((m) => m.descriptor.name)
      .sort();
    assert.deepEqual(
      names,
      [HTTP_SERVER_REQUEST_DURATION, HTTP_SERVER_REQUEST_BODY_SIZE, HTTP_SERVER_RESPONSE_BODY_SIZE]
        .map((spec) => prometheusBaseName(spec))
        .sort(),
    );
  });
});

describe("hot-path HTTP metrics through the middleware", () => {
  let t: TestSdk;
  before(() => {
    t = startTestSdk({ PROCODE_METRIC_CARDINALITY_LIMIT: "100" });
  });
  after(() => t.shutdown());

  it("fold routes past the cardinality limit into one overflow series, the total exact", async () => {
    const app = new Hono();
    app.use(observabilityMiddleware());
    for (let i = 0; i < 300; i++) app.post(`/r${i}`, (c) => c.text("x"));
    for (let i = 0; i < 300; i++) {
      for (let k = 0; k <= i % 3; k++) {
        const res = await app.request(`/r${i}`, {
          method: "POST",
          body: "x",
          headers: { "content-length": "1" },
        });
        assert.equal(res.status, 200);
      }
    }
    const all = (await t.collect()).scopeMetrics.flatMap((s) => s.metrics);
    const duration = histograms(all, HTTP_SERVER_REQUEST_DURATION.name);
    assert.equal(duration.dataPoints.length, 100, "series capped at the limit");
    const overflow = duration.dataPoints.filter((d) => d.attributes["otel.metric.overflow"] === true);
    assert.equal(overflow.length, 1);
    assert.deepEqual(Object.keys(overflow[0]?.attributes ?? {}), ["otel.metric.overflow"]);
    const total = duration.dataPoints.reduce((n, d) => n + d.value.count, 0);
    assert.equal(
      total,
      Array.from({ length: 300 }, (_, i) => (i % 3) + 1).reduce((x, y) => x + y, 0),
    );
    const sizes = histograms(all, HTTP_SERVER_REQUEST_BODY_SIZE.name);
    assert.equal(sizes.dataPoints.length, 100);
    assert.equal(
      sizes.dataPoints.reduce((n, d) => n + (d.value.sum ?? 0), 0),
      total,
      "one byte per request",
    );
    // Responses without a Content-Length (app.request has no Node response) leave no empty series.
    assert.equal(
      all.find((m) => m.descriptor.name === HTTP_SERVER_RESPONSE_BODY_SIZE.name),
      undefined,
    );
  });

  it("count a request as active while it is in flight", async () => {
    const app = new Hono();
    app.use(observabilityMiddleware());
    let release: () => void = () => {};
    const held = new Promise<void>((r) => {
      release = r;
    });
    app.get("/slow", async (c) => {
      await held;
      return c.text("done");
    });
    const active = async () => {
      const m = (await t.collect()).scopeMetrics
        .flatMap((s) => s.metrics)
        .find((x) => x.descriptor.name === "http.server.active_requests");
      return m?.dataPoints.find((d) => d.attributes["http.request.method"] === "GET")?.value;
    };
    const pending = app.request("/slow");
    await new Promise((r) => setImmediate(r));
    assert.equal(await active(), 1);
    release();
    assert.equal((await pending).status, 200);
    assert.equal(await active(), 0);
  });
});

describe("an SDK given a plain metric reader (no hot-path producer)", () => {
  afterEach(() => reset());

  it("records the HTTP metrics through the metrics API into that SDK", async () => {
    reset();
    const reader = new TestReader();
    const sdk = createSdk(resolveConfig({ OTEL_SERVICE_NAME: "test", ENABLE_TRACING: "false" }), {
      metricReader: reader,
      instrumentations: [],
    });
    sdk.start();
    setActiveSdk(sdk);
    assert.equal(sdk.httpServerMetrics, undefined);
    const app = new Hono();
    app.use(observabilityMiddleware());
    app.get("/x/:id", (c) => c.text("x"));
    for (let i = 0; i < 4; i++) assert.equal((await app.request(`/x/${i}`)).status, 200);
    const all = (await reader.collect()).resourceMetrics.scopeMetrics.flatMap((s) => s.metrics);
    const d = histograms(all, HTTP_SERVER_REQUEST_DURATION.name);
    assert.equal(d.dataPoints.find((p) => p.attributes["http.route"] === "/x/:id")?.value.count, 4);
    await sdk.shutdown();
  });
});

describe("the middleware without the preload", () => {
  afterEach(() => reset());

  it("records through the metrics API into the MeterProvider someone else registered", async () => {
    reset();
    const reader = new TestReader();
    const provider = new MeterProvider({ resource, readers: [reader] });
    metrics.setGlobalMeterProvider(provider);
    const app = new Hono();
    app.use(observabilityMiddleware());
    app.post("/api/chat", (c) => c.json({ ok: true }));
    for (let i = 0; i < 3; i++) {
      const res = await app.request("/api/chat", {
        method: "POST",
        body: "hello",
        headers: { "content-length": "5" },
      });
      assert.equal(res.status, 200);
    }
    const all = (await reader.collect()).resourceMetrics.scopeMetrics.flatMap((s) => s.metrics);
    const d = histograms(all, HTTP_SERVER_REQUEST_DURATION.name);
    assert.deepEqual(d.dataPoints[0]?.attributes, {
      "http.request.method": "POST",
      "http.response.status_code": 200,
      "http.route": "/api/chat",
    });
    assert.equal(d.dataPoints[0]?.value.count, 3);
    assert.equal(histograms(all, HTTP_SERVER_REQUEST_BODY_SIZE.name).dataPoints[0]?.value.sum, 15);
    await provider.shutdown();
  });
});
