/**
 * The traffic the live dashboard test reads: the reference agent service (service/, run under the preload as
 * `npm start` does) sending its telemetry to a native stack's Collector, driven by its own load generator
 * (service/load/). Both are found by their built entry points; `missingReferenceService()` names what is
 * missing so the live test can say exactly what it waits for.
 */
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO_ROOT } from "../../grafana/src/paths";
import { freePorts } from "../../scripts/stack/ports";
import { httpOk, ManagedProcess, waitUntil } from "../../scripts/stack/process";
import type { Stack } from "../../scripts/stack/stack";

export const SERVICE_MAIN = join(REPO_ROOT, "build", "service", "main.js");
export const LOAD_CLI = join(REPO_ROOT, "build", "service", "load", "cli.js");
const PRELOAD = join(REPO_ROOT, "dist", "register.js");

/** A sentence naming the missing entry points, or undefined when the reference service can run. */
export function missingReferenceService(): string | undefined {
  const missing = [
    [SERVICE_MAIN, "the reference service (service/main.ts, `npm start`)"],
    [LOAD_CLI, "its traffic generator (service/load/cli.ts, `npm run load`)"],
    [PRELOAD, "the preload (dist/register.js)"],
  ].filter(([file]) => file !== undefined && !existsSync(file));
  if (missing.length === 0) return undefined;
  return `waits for ${missing.map(([file, what]) => `${what} built at ${file}`).join(" and ")}`;
}

export interface ReferenceService {
  readonly url: string;
  readonly serviceName: string;
  stop(): Promise<void>;
}

/**
 * Starts the reference service under the preload, exporting to `stack`'s Collector every second, with the
 * stack's PostgreSQL, and waits until /ready answers 200.
 */
export async function startReferenceService(stack: Stack, serviceName: string): Promise<ReferenceService> {
  if (!stack.postgres) throw new Error("the live test's stack needs PostgreSQL for the reference service");
  const [port, internalPort] = await freePorts(2);
  const logDir = mkdtempSync(join(tmpdir(), "procode-grafana-live-service-"));
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
      PORT: String(port),
      PROCODE_INTERNAL_PORT: String(internalPort),
      DATABASE_URL: stack.postgres.url,
    },
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitUntil("reference service ready", () => httpOk(`${url}/ready`), {
      process: child,
      deadlineMs: 90_000,
    });
  } catch (error) {
    await child.stop();
    throw error;
  }
  return { url, serviceName, stop: async () => void (await child.stop()) };
}

/** Runs the service's own load generator against it for `seconds`, and waits for it to finish. */
export async function runLoad(service: ReferenceService, seconds: number): Promise<void> {
  const logDir = mkdtempSync(join(tmpdir(), "procode-grafana-live-load-"));
  const load = await ManagedProcess.spawn({
    name: "load",
    command: process.execPath,
    args: [LOAD_CLI, "--target", service.url, "--duration", `${seconds}s`],
    cwd: REPO_ROOT,
    logDir,
  });
  const exit = await load.exited;
  if (exit.code !== 0) throw new Error(`the load generator failed: ${load.describeExit()}`);
}
