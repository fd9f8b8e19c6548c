/** The service's environment: defaults, strict parsing, every problem named at once. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { loadServiceConfig, ServiceConfigError } from "../../service/config";

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
