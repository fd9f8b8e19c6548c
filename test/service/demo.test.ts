/**
 * The demo as a process (`node build/service/demo.js`, what scripts/demo.sh runs after installing and
 * building), without the telemetry backends: PostgreSQL, remote agents, the service and the load generator
 * come up, the printed addresses answer, the generator stops by itself with a summary, and SIGTERM stops
 * everything it started.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { ROOT } from "./support";

async function refused(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    await res.body?.cancel();
    return false;
  } catch {
    return true;
  }
}

describe("scripts/demo.sh's orchestrator", () => {
  let demo: ChildProcess;
  let out = "";
  const waitFor = (pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray> =>
    new Promise((resolve, reject) => {
      const check = (): boolean => {
        const m = pattern.exec(out);
        if (m) {
          clearInterval(timer);
          clearTimeout(deadline);
          resolve(m);
        }
        return m !== null;
      };
      const timer = setInterval(check, 100);
      const deadline = setTimeout(() => {
        clearInterval(timer);
        reject(new Error(`no ${pattern} within ${timeoutMs} ms; output:\n${out}`));
      }, timeoutMs);
      check();
    });

  before(() => {
    demo = spawn(
      process.execPath,
      [join(ROOT, "build", "service", "demo.js"), "--no-stack", "--load-duration", "4s", "--rps", "10"],
      {
        cwd: ROOT,
        env: { PATH: process.env.PATH, HOME: process.env.HOME },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    demo.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
    });
    demo.stderr?.on("data", (d: Buffer) => {
      out += d.toString();
    });
  });
  after(() => {
    if (demo.exitCode === null && demo.signalCode === null) demo.kill("SIGKILL");
  });

  it("starts everything, prints where to look, runs the generator to its end, and stops everything on SIGTERM", async () => {
    await waitFor(/ProCode demo is up/, 120_000);
    const service = (await waitFor(/service\s+(http:\/\/127\.0\.0\.1:\d+)/, 1_000))[1] as string;
    const metrics = (await waitFor(/metrics\s+(http:\/\/127\.0\.0\.1:\d+\/metrics)/, 1_000))[1] as string;
    const agents = [...out.matchAll(/remote agent\s+\S+\s+(http:\/\/127\.0\.0\.1:\d+)/g)].map(
      (m) => m[1] as string,
    );
    assert.equal(agents.length, 3);
    const ready = await fetch(`${service}/ready`);
    assert.equal(ready.status, 200);
    await ready.body?.cancel();

    await waitFor(/the load generator finished/, 60_000);
    assert.match(out, /requests\s+\d+ in [\d.]+ s/);
    assert.match(out, /status codes .*200: \d+/);
    assert.match(out, /latency ms\s+p50 [\d.]+\s+p90 [\d.]+\s+p95 [\d.]+\s+p99 [\d.]+/);
    const text = await (await fetch(metrics)).text();
    assert.match(text, /^api_key_requests_total\{.*api_key_status="accepted".*\} \d+/m);
    assert.match(text, /^gen_ai_client_operation_duration_seconds_count\{/m);
    assert.match(text, /^db_client_connection_count\{/m);
    // The library's health checks, and the streamed answers' time to first chunk.
    assert.match(text, /^health_check_status\{.*health_check_name="database".*\} 1$/m);
    assert.match(text, /^gen_ai_client_operation_time_to_first_chunk_seconds_count\{.*sim-large.*\} [1-9]/m);
    const detail = (await waitFor(/health detail\s+(http:\/\/127\.0\.0\.1:\d+\/health)/, 1_000))[1] as string;
    const health = (await (await fetch(detail)).json()) as {
      checks: Record<string, { components?: { name: string }[] }>;
    };
    assert.deepEqual(
      health.checks.external_agents?.components?.map((c) => c.name),
      ["payment-gateway", "knowledge-base", "search-index"],
    );
    assert.match(out, /errors\s+Sentry off/);

    const exited = once(demo, "exit") as Promise<[number | null, NodeJS.Signals | null]>;
    demo.kill("SIGTERM");
    const [code] = await exited;
    assert.equal(code, 0, out);
    assert.match(out, /stopped service[\s\S]*stopped remote agent[\s\S]*stopped PostgreSQL/);
    for (const url of [service, metrics, ...agents]) assert.ok(await refused(url), `${url} still answers`);
  });
});
