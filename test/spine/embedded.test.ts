/**
 * Embedded mode (no Collector): OTEL_METRICS_EXPORTER=prometheus makes the app serve Prometheus text
 * itself — on the internal port without a token, never through the exporter's own server — with the same
 * series names the Collector's translation gives (so rules and dashboards work unchanged).
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { freePort } from "../../scripts/stack/ports";
import { type Child, startChild } from "../support/child";

describe("embedded /metrics on the internal port", () => {
  let child: Child;
  let internal: number;

  before(async () => {
    internal = await freePort();
    child = await startChild(["--require", "./dist/register.js", "build/test/fixtures/hono-app.js"], {
      OTEL_METRICS_EXPORTER: "prometheus",
      OTEL_TRACES_EXPORTER: "none",
      OTEL_LOGS_EXPORTER: "none",
      PROCODE_INTERNAL_PORT: String(internal),
      PORT: "0",
    });
    for (let i = 0; i < 7; i++) await (await fetch(`http://127.0.0.1:${child.port}/users/${i}`)).text();
    await (await fetch(`http://127.0.0.1:${child.port}/llm`)).text();
  });
  after(() => child?.kill());

  it("serves the catalogue's Prometheus names with exact counts", async () => {
    const res = await fetch(`http://127.0.0.1:${internal}/metrics`);
    assert.equal(res.status, 200);
    const text = await res.text();
    assert.match(
      text,
      /^http_server_request_duration_seconds_count\{[^}]*http_route="\/users\/:id"[^}]*\} 7$/m,
    );
    assert.match(text, /^llm_cost_usd_total\{[^}]*\} 0\.000045$/m);
    // node-server gives Content-Length to writeHead(): the size histogram still sees every response
    // (7 bodies of {"id":"N"}, 10 bytes each).
    assert.match(
      text,
      /^http_server_response_body_size_bytes_count\{[^}]*http_route="\/users\/:id"[^}]*\} 7$/m,
    );
    assert.match(
      text,
      /^http_server_response_body_size_bytes_sum\{[^}]*http_route="\/users\/:id"[^}]*\} 70$/m,
    );
    assert.match(text, /^gen_ai_client_token_usage_sum\{[^}]*gen_ai_token_type="input"[^}]*\} 100$/m);
    assert.match(text, /^process_memory_usage_bytes\{?[^\n]*\} ?\d+/m);
    assert.match(text, /^app_info\{[^}]*process_runtime_name="nodejs"[^}]*\} 1$/m);
    assert.match(text, /^target_info\{[^}]*service_name="procode-agent-framework"/m);
  });

  it("does not serve /metrics on the public port and answers /livez on the internal one", async () => {
    assert.equal((await fetch(`http://127.0.0.1:${child.port}/metrics`)).status, 404);
    const live = await fetch(`http://127.0.0.1:${internal}/livez`);
    assert.equal(live.status, 200);
    assert.deepEqual(await live.json(), { status: "alive" });
  });
});
