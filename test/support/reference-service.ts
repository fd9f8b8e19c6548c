/**
 * The reference agent service (service/, run under the preload as `npm start` does) sending its telemetry to a
 * native stack's Collector, with its three remote agents, driven by its own load generator (service/load/).
 * Shared by the live tests that need real traffic (test/grafana, test/pipeline). Everything is found by its
 * built entry point; `missingReferenceService()` names what is missing so a live test can say exactly what it
 * waits for.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repoRoot } from "../../scripts/stack/binaries";
import { freePorts } from "../../scripts/stack/ports";
import { httpOk, ManagedProcess, waitUntil } from "../../scripts/stack/process";
import type { Stack } from "../../scripts/stack/stack";
import type { Summary } from "../../service/load/stats";

const REPO_ROOT = repoRoot();
export const SERVICE_MAIN = join(REPO_ROOT, "build", "service", "main.js");
export const LOAD_CLI = join(REPO_ROOT, "build", "service", "load", "cli.js");
export const REMOTE_AGENT = join(REPO_ROOT, "build", "service", "agents", "remote-server.js");
/** The remote agents the service calls (its REMOTE_AGENTS default names these three). */
const REMOTE_AGENT_NAMES = ["payment-gateway", "knowledge-base", "search-index"] as const;
const PRELOAD = join(REPO_ROOT, "dist", "register.js");

/** A sentence naming the missing entry points, or undefined when the reference service can run. */
export function missingReferenceService(): string | undefined {
  const missing = [
    [SERVICE_MAIN, "the reference service (service/main.ts, `npm start`)"],
    [LOAD_CLI, "its traffic generator (service/load/cli.ts, `npm run load`)"],
    [REMOTE_AGENT, "the remote agents (service/agents/remote-server.ts)"],
    [PRELOAD, "the preload (dist/register.js)"],
  ].filter(([file]) => file !== undefined && !existsSync(file));
  if (missing.length === 0) return undefined;
  return `waits for ${missing.map(([file, what]) => `${what} built at ${file}`).join(" and ")}`;
}

export interface ReferenceServiceOptions {
  /** Environment of the service on top of the defaults below (later keys win). */
  readonly env?: Readonly<Record<string, string>>;
}

export interface ReferenceService {
  readonly url: string;
  readonly serviceName: string;
  /** The service's own process (node under the preload): its PID is the one to read in /proc. */
  readonly process: ManagedProcess;
  stop(): Promise<void>;
}

/**
 * Starts the three remote agents, then the reference service under the preload, exporting to `stack`'s
 * Collector every second, with the stack's PostgreSQL; waits until /ready answers 200.
 */
export async function startReferenceService(
  stack: Stack,
  serviceName: string,
  options: ReferenceServiceOptions = {},
): Promise<ReferenceService> {
  const postgres = stack.postgres;
  if (!postgres) throw new Error("the live test's stack needs PostgreSQL for the reference service");
  const logDir = mkdtempSync(join(tmpdir(), "procode-live-service-"));
  const [port, ...agentPorts] = await freePorts(1 + REMOTE_AGENT_NAMES.length);
  const started: ManagedProcess[] = [];
  const stopAll = async (): Promise<void> => {
    for (const p of started.reverse()) await p.stop();
  };
  try {
    const remoteAgents: string[] = [];
    for (const [i, name] of REMOTE_AGENT_NAMES.entries()) {
      const agentPort = agentPorts[i];
      const agent = await ManagedProcess.spawn({
        name: `remote-${name}`,
        command: process.execPath,
        args: [REMOTE_AGENT, "--name", name, "--port", String(agentPort)],
        cwd: REPO_ROOT,
        logDir,
      });
      started.push(agent);
      await waitUntil(`remote agent ${name}`, () => httpOk(`http://127.0.0.1:${agentPort}/health`), {
        process: agent,
        deadlineMs: 60_000,
      });
      remoteAgents.push(`${name}=http://127.0.0.1:${agentPort}`);
    }
    const child = await ManagedProcess.spawn({
      name: "reference-service",
      command: process.execPath,
      args: ["--require", PRELOAD, SERVICE_MAIN],
      cwd: REPO_ROOT,
      logDir,
      env: {
        ...stack.otlpEnv(),
        OTEL_SERVICE_NAME: serviceName,
        OTEL_RESOURCE_ATTRIBUTES: "deployment.environment.name=live-test",
        OTEL_METRIC_EXPORT_INTERVAL: "1000",
        OTEL_METRIC_EXPORT_TIMEOUT: "1000",
        HOST: "127.0.0.1",
        PORT: String(port),
        DATABASE_URL: postgres.url,
        REMOTE_AGENTS: remoteAgents.join(","),
        // The load generator's injected LLM and database failures (X-Procode-Fault) are honoured, so the
        // error panels have errors to show.
        SERVICE_FAULT_INJECTION: "true",
        // The simulated model at a tenth of its latencies: more requests in the test's minute.
        LLM_SIM_LATENCY_SCALE: "0.1",
        ...options.env,
      },
    });
    started.push(child);
    const url = `http://127.0.0.1:${port}`;
    await waitUntil("reference service ready", () => httpOk(`${url}/ready`), {
      process: child,
      deadlineMs: 90_000,
    });
    return {
      url,
      serviceName,
      process: child,
      stop: async () => {
        await stopAll();
        rmSync(logDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/**
 * Runs the service's own load generator against it with `args` (its CLI options; `--json --quiet` are added)
 * and returns its summary: the requests it sent and what each got back.
 */
export async function generateLoad(service: ReferenceService, args: readonly string[]): Promise<Summary> {
  const logDir = mkdtempSync(join(tmpdir(), "procode-live-load-"));
  const load = await ManagedProcess.spawn({
    name: "load",
    command: process.execPath,
    args: [LOAD_CLI, "--target", service.url, "--json", "--quiet", ...args],
    cwd: REPO_ROOT,
    logDir,
  });
  const exit = await load.exited;
  if (exit.code !== 0) throw new Error(`the load generator failed: ${load.describeExit()}`);
  // stdout and stderr share the log: the summary is its one JSON line.
  const line = readFileSync(load.logFile, "utf8")
    .split("\n")
    .find((l) => l.startsWith("{"));
  if (line === undefined) throw new Error(`the load generator printed no summary: ${load.describeExit()}`);
  rmSync(logDir, { recursive: true, force: true });
  return JSON.parse(line) as Summary;
}

/**
 * Runs the load generator for `seconds` and waits for it to finish. Its failure shares are raised from the
 * defaults so that one minute holds every kind of event the dashboards show: rate-limited and over-quota keys,
 * LLM and database failures.
 */
export async function runLoad(service: ReferenceService, seconds: number): Promise<void> {
  await generateLoad(service, [
    ...["--duration", `${seconds}s`],
    ...["--burst-share", "0.3", "--llm-failure-rate", "0.05", "--db-failure-rate", "0.05"],
  ]);
}
