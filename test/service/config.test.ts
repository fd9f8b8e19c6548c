/** The service's environment: defaults, strict parsing, every problem named at once. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { libraryConfig, loadServiceConfig, ServiceConfigError } from "../../service/config";

function issues(env: Record<string, string>): string[] {
  try {
    loadServiceConfig(env);
  } catch (err) {
    assert.ok(err instanceof ServiceConfigError);
    return err.issues.map((i) => i.variable);
  }
  assert.fail("expected a ServiceConfigError");
}

describe("loadServiceConfig", () => {
  it("has working defaults and no database unless configured", () => {
    const c = loadServiceConfig({});
    assert.equal(c.port, 8080);
    assert.equal(c.host, "127.0.0.1");
    assert.equal(c.database, undefined);
    assert.equal(c.llm.provider, "simulated");
    assert.equal(c.llm.classifierModel, "sim-small");
    assert.equal(c.llm.responseModel, "sim-large");
    assert.deepEqual(
      c.remoteAgents.map((a) => a.name),
      ["payment-gateway", "knowledge-base", "search-index"],
    );
    assert.equal(c.faultInjection, false);
    assert.ok(Object.isFrozen(c.llm));
  });

  it("splits DATABASE_URL into the pool's fields (the pool name needs host, port and database)", () => {
    const c = loadServiceConfig({
      DATABASE_URL: "postgresql://app:p%40ss@127.0.0.1:6543/agents",
      DB_POOL_MAX: "4",
    });
    assert.deepEqual(
      { ...c.database },
      {
        host: "127.0.0.1",
        port: 6543,
        database: "agents",
        user: "app",
        password: "p@ss",
        poolMax: 4,
        idleTimeoutMs: 30_000,
        connectTimeoutMs: 5_000,
        statementTimeoutMs: 5_000,
        migrate: true,
        seed: true,
      },
    );
  });

  it("names every invalid variable, never the secrets in them", () => {
    const env = {
      PORT: "eighty",
      DATABASE_URL: "mysql://root:hunter2@db/x",
      LLM_PROVIDER: "openai",
      LLM_SIM_RATE_LIMIT_RATE: "0.8",
      LLM_SIM_SERVER_ERROR_RATE: "0.5",
      REMOTE_AGENTS: "Bad Name=http://x, ok=ftp://x",
      SERVICE_ADMIN_TOKEN: "short",
      SERVICE_FAULT_INJECTION: "maybe",
    };
    const names = issues(env);
    assert.deepEqual(names.sort(), [
      "DATABASE_URL",
      "LLM_API_KEY",
      "LLM_SIM_*_RATE",
      "PORT",
      "REMOTE_AGENTS",
      "REMOTE_AGENTS",
      "SERVICE_ADMIN_TOKEN",
      "SERVICE_FAULT_INJECTION",
    ]);
    try {
      loadServiceConfig(env);
    } catch (err) {
      assert.doesNotMatch((err as Error).message, /hunter2/);
    }
  });

  it("takes the provider's key from LLM_API_KEY or the provider's usual variable", () => {
    assert.equal(loadServiceConfig({ LLM_PROVIDER: "anthropic", ANTHROPIC_API_KEY: "k" }).llm.apiKey, "k");
    const c = loadServiceConfig({
      LLM_PROVIDER: "openai",
      LLM_API_KEY: "k",
      LLM_BASE_URL: "http://127.0.0.1:9/v1/",
    });
    assert.equal(c.llm.baseUrl, "http://127.0.0.1:9/v1");
    assert.equal(c.llm.classifierModel, "gpt-4o-mini");
  });

  it("takes REMOTE_AGENTS=none for an empty registry (blank means the default)", () => {
    assert.deepEqual(loadServiceConfig({ REMOTE_AGENTS: "none" }).remoteAgents, []);
    assert.equal(loadServiceConfig({ REMOTE_AGENTS: " " }).remoteAgents.length, 3);
  });
});

describe("libraryConfig (the library's health, internal-port and shutdown settings)", () => {
  it("reads them with the library's own parser", () => {
    const c = libraryConfig({
      HEALTH_CHECK_INTERVAL_SECONDS: "2",
      HEALTH_CHECK_CRITICAL: "database,llm_provider",
      HEALTH_CHECK_RATE_LIMIT: "off",
      PROCODE_INTERNAL_PORT: "9464",
      PROCODE_SHUTDOWN_DRAIN_TIMEOUT_MS: "1500",
    });
    assert.equal(c.health.intervalMs, 2_000);
    assert.deepEqual(c.health.critical, ["database", "llm_provider"]);
    assert.equal(c.health.rateLimit, false);
    assert.equal(c.internal.port, 9464);
    assert.equal(c.shutdown.drainTimeoutMs, 1_500);
  });

  it("is not stopped by a bad variable elsewhere in the library's configuration (the preload reports it)", () => {
    const c = libraryConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: "not a url", HEALTH_CHECK_TIMEOUT_SECONDS: "2" });
    assert.equal(c.health.timeoutMs, 2_000);
  });

  it("names a bad health, internal-port or shutdown variable, and hides the health token", () => {
    try {
      libraryConfig({
        HEALTH_CHECK_TIMEOUT_SECONDS: "soon",
        PROCODE_INTERNAL_PORT: "99999",
        PROCODE_HEALTH_TOKEN: "short-secret",
        OTEL_EXPORTER_OTLP_ENDPOINT: "not a url",
      });
      assert.fail("expected a ServiceConfigError");
    } catch (err) {
      assert.ok(err instanceof ServiceConfigError);
      assert.deepEqual(err.issues.map((i) => i.variable).sort(), [
        "HEALTH_CHECK_TIMEOUT_SECONDS",
        "PROCODE_HEALTH_TOKEN",
        "PROCODE_INTERNAL_PORT",
      ]);
      assert.doesNotMatch(err.message, /short-secret/);
    }
  });
});
