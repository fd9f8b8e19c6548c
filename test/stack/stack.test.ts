import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { existsSync, readdirSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { repoRoot } from "../../scripts/stack/binaries";
import { freePort } from "../../scripts/stack/ports";
import { liveProcesses, pidAlive, waitUntil } from "../../scripts/stack/process";
import { SERVICES, type ServiceName } from "../../scripts/stack/services";
import { type Stack, startStack } from "../../scripts/stack/stack";

async function getJson<T>(url: string): Promise<T> {
  const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  assert.equal(response.status, 200, `GET ${url}`);
  return (await response.json()) as T;
}

interface Targets {
  data: { activeTargets: { labels: { job: string }; scrapeUrl: string; health: string }[] };
}

describe("startStack: Collector, Jaeger, Prometheus and Alertmanager as native processes", () => {
  let stack: Stack;

  before(async () => {
    stack = await startStack({ prometheus: { scrapeInterval: "1s", evaluationInterval: "1s" } });
  });
  after(async () => {
    await stack?.stop();
  });

  it("starts each on free ports (never the defaults), healthy, logging into one directory", async () => {
    assert.deepEqual(stack.started, ["jaeger", "alertmanager", "collector", "prometheus"]);
    const handles = [stack.jaeger, stack.alertmanager, stack.collector, stack.prometheus];
    for (const handle of handles) {
      assert.ok(handle);
      const response = await fetch(handle.healthUrl, { signal: AbortSignal.timeout(5_000) });
      assert.equal(response.status, 200, `${handle.name} health ${handle.healthUrl}`);
      for (const [key, port] of Object.entries(handle.ports)) {
        assert.notEqual(port, SERVICES[handle.name].ports[key]?.default, `${handle.name} ${key}`);
      }
      assert.equal(handle.logFile, join(stack.logDir, `${handle.name}.log`));
      assert.ok(existsSync(handle.logFile));
    }
    const all = handles.flatMap((h) => Object.values(h?.ports ?? {}));
    assert.equal(new Set(all).size, all.length, "every port distinct");
  });

  it("points Prometheus at this stack's Collector, Alertmanager and itself", async () => {
    const ports = stack.ports;
    const expected: Record<string, string> = {
      "otel-collector-exporter": `http://127.0.0.1:${ports.collector?.prometheus}/metrics`,
      "otel-collector": `http://127.0.0.1:${ports.collector?.telemetry}/metrics`,
      alertmanager: `http://127.0.0.1:${ports.alertmanager?.web}/metrics`,
      prometheus: `http://127.0.0.1:${ports.prometheus?.web}/metrics`,
    };
    let targets: Targets["data"]["activeTargets"] = [];
    await waitUntil(
      "every scrape target up",
      async () => {
        targets = (await getJson<Targets>(`${stack.prometheus?.url}/api/v1/targets?state=active`)).data
          .activeTargets;
        return targets.length === 4 && targets.every((t) => t.health === "up");
      },
      { deadlineMs: 60_000 },
    );
    const byJob = Object.fromEntries(targets.map((t) => [t.labels.job, t.scrapeUrl]));
    assert.deepEqual(byJob, expected);
    const ams = await getJson<{ data: { activeAlertmanagers: { url: string }[] } }>(
      `${stack.prometheus?.url}/api/v1/alertmanagers`,
    );
    assert.deepEqual(
      ams.data.activeAlertmanagers.map((a) => a.url),
      [`http://127.0.0.1:${ports.alertmanager?.web}/api/v2/alerts`],
    );
  });

  it("loads the repository's rule files through the generated config", async () => {
    const rulesDir = join(repoRoot(), "prometheus", "rules");
    const expected = readdirSync(rulesDir)
      .filter((f) => f.endsWith(".yml"))
      .map((f) => join(rulesDir, f))
      .sort();
    const rules = await getJson<{ data: { groups: { file: string; rules: unknown[] }[] } }>(
      `${stack.prometheus?.url}/api/v1/rules`,
    );
    assert.deepEqual([...new Set(rules.data.groups.map((g) => g.file))].sort(), expected);
    assert.ok(rules.data.groups.every((g) => g.rules.length > 0));
  });

  it("the Collector sends traces to this stack's Jaeger", async () => {
    const traceId = randomBytes(16).toString("hex");
    const now = BigInt(Date.now()) * 1_000_000n;
    const body = {
      resourceSpans: [
        {
          resource: { attributes: [{ key: "service.name", value: { stringValue: "stack-test" } }] },
          scopeSpans: [
            {
              scope: { name: "stack-test" },
              spans: [
                {
                  traceId,
                  spanId: randomBytes(8).toString("hex"),
                  name: "GET /stack-test",
                  kind: 2,
                  startTimeUnixNano: String(now - 5_000_000n),
                  endTimeUnixNano: String(now),
                  // An error: the tail sampler keeps every one.
                  status: { code: 2, message: "boom" },
                },
              ],
            },
          ],
        },
      ],
    };
    const response = await fetch(`${stack.collector?.otlpHttpUrl}/v1/traces`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    assert.equal(response.status, 200, await response.text());
    let found: { data: { traceID: string; spans: { operationName: string }[] }[] } | undefined;
    await waitUntil(
      "trace in Jaeger",
      async () => {
        const r = await fetch(`${stack.jaeger?.queryUrl}/api/traces/${traceId}`, {
          signal: AbortSignal.timeout(5_000),
        });
        if (r.status !== 200) return false;
        found = (await r.json()) as typeof found;
        return true;
      },
      { deadlineMs: 90_000, intervalMs: 500 },
    );
    assert.equal(found?.data[0]?.traceID, traceId);
    assert.deepEqual(
      found?.data[0]?.spans.map((s) => s.operationName),
      ["GET /stack-test"],
    );
  });

  it("stop() stops exactly what it started and leaves no process behind", async () => {
    const pids = stack.pids();
    assert.deepEqual(Object.keys(pids).sort(), ["alertmanager", "collector", "jaeger", "prometheus"]);
    await stack.stop();
    for (const [name, pid] of Object.entries(pids)) assert.equal(pidAlive(pid), false, `${name} pid ${pid}`);
    assert.deepEqual(stack.pids(), {});
    assert.deepEqual(liveProcesses(), []);
    await stack.stop(); // idempotent
  });
});

describe("startStack failures", () => {
  let blocker: Server;
  let blocked: number;
  before(async () => {
    blocked = await freePort();
    blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(blocked, "127.0.0.1", resolve));
  });
  after(async () => {
    await new Promise((resolve) => blocker.close(resolve));
  });

  it("names the busy port and stops what had already started", async () => {
    const services: ServiceName[] = ["postgres", "jaeger"];
    await assert.rejects(
      startStack({ services, ports: { jaeger: { query: blocked } } }),
      new RegExp(`jaeger \\(query\\): port 127\\.0\\.0\\.1:${blocked} is already in use`),
    );
    assert.deepEqual(liveProcesses(), []);
  });
});
