/**
 * Database metrics: db.client.operation.duration counts every query, and failed ones (promise or callback
 * style) carry error.type = the SQLSTATE code — which the upstream pg instrumentation leaves off for promise
 * queries. Real PostgreSQL, real pg, the preload in a child process, the OTLP receiver.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type PostgresServer, startPostgres } from "../../scripts/stack/postgres";
import { operationName, pgErrorType } from "../../src/sdk/pg-instrumentation";
import { startChild } from "../support/child";
import { type OtlpReceiver, startOtlpReceiver } from "../support/otlp-receiver";

describe("pg operation metrics", () => {
  let pg: PostgresServer;
  let receiver: OtlpReceiver;
  before(async () => {
    [pg, receiver] = await Promise.all([startPostgres(), startOtlpReceiver()]);
  });
  after(async () => {
    await receiver?.stop();
    await pg?.destroy();
  });

  it("records every query, with the SQLSTATE of failed ones", async () => {
    const child = await startChild(["--require", "./dist/register.js", "build/test/fixtures/pg-app.js"], {
      DATABASE_URL: pg.url,
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_METRIC_EXPORT_INTERVAL: "600000",
    });
    const exit = await child.signal("SIGTERM");
    assert.equal(exit.code, 0, child.stderr());
    const points = receiver.latest("db.client.operation.duration");
    const byKey = Object.fromEntries(
      points.map((pt) => [
        `${pt.attributes["db.operation.name"]}/${pt.attributes["error.type"] ?? "ok"}`,
        pt.count,
      ]),
    );
    assert.deepEqual(byKey, {
      "SELECT/ok": 1,
      "SELECT/42P01": 1, // undefined_table (promise)
      "SELEC/42601": 1, // syntax_error (promise)
      "SELECT/22012": 1, // division_by_zero (callback)
      "SELECT/42703": 1, // undefined_column (a client's promise query)
    });
    for (const pt of points) {
      assert.deepEqual(
        Object.keys(pt.attributes).sort(),
        [
          "db.operation.name",
          "db.system.name",
          ...(pt.attributes["error.type"] ? ["error.type"] : []),
        ].sort(),
        "only the allow-listed keys (no server.address, no db.namespace)",
      );
    }
    for (const pt of points) assert.equal(pt.attributes["db.system.name"], "postgresql");
    const failed = receiver.spans().filter((s) => s.kind === 3 && s.status.code === 2);
    assert.equal(failed.length, 4, "the failed queries' spans are errors too");
  });

  it("names operations by verb and errors by SQLSTATE or class", () => {
    assert.equal(operationName("  /* c */ select x from t"), "SELECT");
    assert.equal(operationName({ text: "INSERT INTO t VALUES ($1)" }), "INSERT");
    assert.equal(operationName(42), undefined);
    assert.equal(pgErrorType(Object.assign(new Error("x"), { code: "57P01" })), "57P01");
    assert.equal(pgErrorType(new TypeError("x")), "TypeError");
  });
});
