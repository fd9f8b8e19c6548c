/**
 * The reference agent service (service/, under the telemetry preload as `npm start` runs it) for the live alert
 * test: exporting to a stack's Collector every second, on the stack's PostgreSQL, with fault injection on
 * (X-Procode-Fault) and a fast simulated model; plus a small traffic driver.
 */
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repoRoot } from "../../scripts/stack/binaries";
import { freePort } from "../../scripts/stack/ports";
import { httpOk, ManagedProcess, waitUntil } from "../../scripts/stack/process";
import type { Stack } from "../../scripts/stack/stack";

const SERVICE_MAIN = (): string => join(repoRoot(), "build", "service", "main.js");
const PRELOAD = (): string => join(repoRoot(), "dist", "register.js");

/** Demo API keys of service/db/seed-data.ts: enterprise (1200/min) and free (10/min). */
export const ENTERPRISE_KEY = "pk_demo_acme_prod_7f3c9a1e5b2d4f60";
export const FREE_PLAN_KEY = "pk_demo_initech_dev_9a3f5e1c7b2d6048";

/** What is missing to run the reference service, or undefined. */
export function missingReferenceService(): string | undefined {
  const missing = [
    [SERVICE_MAIN(), "the reference service (service/main.ts)"],
    [PRELOAD(), "the preload (dist/register.js)"],
  ].filter(([file]) => file !== undefined && !existsSync(file));
  if (missing.length === 0) return undefined;
  return `needs ${missing.map(([file, what]) => `${what} built at ${file} (npm run build)`).join(" and ")}`;
}

export interface RunningService {
  readonly url: string;
  readonly name: string;
  readonly process: ManagedProcess;
  stop(): Promise<void>;
}

export async function startReferenceService(stack: Stack, name: string): Promise<RunningService> {
  if (!stack.postgres) throw new Error("the reference service needs the stack's PostgreSQL");
  const port = await freePort();
  const child = await ManagedProcess.spawn({
    name,
    command: process.execPath,
    args: ["--require", PRELOAD(), SERVICE_MAIN()],
    cwd: repoRoot(),
    logDir: mkdtempSync(join(tmpdir(), "procode-alerts-service-")),
    env: {
      ...stack.otlpEnv(),
      OTEL_SERVICE_NAME: name,
      OTEL_METRIC_EXPORT_INTERVAL: "1000",
      OTEL_METRIC_EXPORT_TIMEOUT: "1000",
      HEALTH_CHECK_INTERVAL_SECONDS: "1",
      HOST: "127.0.0.1",
      PORT: String(port),
      DATABASE_URL: stack.postgres.url,
      REMOTE_AGENTS: "none",
      SERVICE_FAULT_INJECTION: "true",
      LLM_SIM_LATENCY_SCALE: "0.05",
    },
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitUntil(`${name} ready`, () => httpOk(`${url}/ready`), { process: child, deadlineMs: 90_000 });
  } catch (error) {
    await child.stop();
    throw error;
  }
  return { url, name, process: child, stop: async () => void (await child.stop()) };
}

export interface ChatOptions {
  readonly apiKey?: string;
  /** X-Procode-Fault, e.g. "llm=server_error@classification". */
  readonly fault?: string;
}

/** One chat request; resolves to the HTTP status (0 when the request itself failed). */
export async function chat(service: RunningService, options: ChatOptions = {}): Promise<number> {
  try {
    const res = await fetch(`${service.url}/api/chat`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        authorization: `Bearer ${options.apiKey ?? ENTERPRISE_KEY}`,
        ...(options.fault !== undefined ? { "x-procode-fault": options.fault } : {}),
      },
      body: JSON.stringify({ message: "Where is my refund for order 1234?", user_id: "user_acme_01" }),
      signal: AbortSignal.timeout(10_000),
    });
    await res.body?.cancel();
    return res.status;
  } catch {
    return 0;
  }
}

/** Sends `perSecond` requests a second (fire and forget, at most `maxInFlight` at once) until stopped. */
export class Traffic {
  private readonly timer: NodeJS.Timeout;
  private inFlight = 0;
  readonly statuses = new Map<number, number>();

  constructor(send: () => Promise<number>, perSecond: number, maxInFlight = 8) {
    this.timer = setInterval(() => {
      if (this.inFlight >= maxInFlight) return;
      this.inFlight++;
      void send().then((status) => {
        this.inFlight--;
        this.statuses.set(status, (this.statuses.get(status) ?? 0) + 1);
      });
    }, 1000 / perSecond);
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
