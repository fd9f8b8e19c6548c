/**
 * Shared harness of the service tests: a real PostgreSQL (Debian package, scripts/stack/postgres.ts) with a
 * fresh database per test file, in-process remote agents on free ports, and the service itself started as a
 * process under the preload (`node --require ./dist/register.js build/service/main.js`).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { join, resolve } from "node:path";
import { Client, Pool } from "pg";
import { type PostgresServer, startPostgres } from "../../scripts/stack/postgres";
import { RemoteAgentServer } from "../../service/agents/remote-server";
import { type OtlpReceiver, startOtlpReceiver } from "../support/otlp-receiver";

export const ROOT = resolve(__dirname, "../../..");

let shared: Promise<PostgresServer> | undefined;
let counter = 0;

/** One PostgreSQL per test process (test files run as separate processes), stopped at exit. */
export function postgres(): Promise<PostgresServer> {
  shared ??= startPostgres({});
  return shared;
}

export async function stopPostgres(): Promise<void> {
  const pg = await shared;
  shared = undefined;
  await pg?.destroy();
}

/** A new, empty database on the shared server; returns its URL. */
export async function freshDatabase(prefix: string): Promise<string> {
  const pg = await postgres();
  const name = `${prefix}_${process.pid}_${++counter}`;
  const admin = new Client({ connectionString: pg.url });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(pg.url);
  url.pathname = `/${name}`;
  return url.toString();
}

export function poolFor(url: string, max = 5): Pool {
  const pool = new Pool({ connectionString: url, max });
  // The server stopping at the end of the file must not crash the test process through an idle client.
  pool.on("error", () => undefined);
  return pool;
}

export interface RemoteAgents {
  readonly servers: readonly RemoteAgentServer[];
  /** REMOTE_AGENTS value for the service. */
  readonly env: string;
  get(name: string): RemoteAgentServer;
  stop(): Promise<void>;
}

export async function startRemoteAgents(): Promise<RemoteAgents> {
  const servers = ["payment-gateway", "knowledge-base", "search-index"].map(
    (name) => new RemoteAgentServer({ name, port: 0 }),
  );
  for (const s of servers) await s.start();
  return {
    servers,
    env: servers.map((s) => `${s.options.name}=http://127.0.0.1:${s.port}`).join(","),
    get(name) {
      const s = servers.find((x) => x.options.name === name);
      if (!s) throw new Error(`no remote agent ${name}`);
      return s;
    },
    async stop() {
      await Promise.all(servers.map((s) => s.stop()));
    },
  };
}

export interface ServiceProcess {
  readonly url: string;
  readonly proc: ChildProcess;
  output(): string;
  /** SIGTERM, then the exit code (SIGKILL after 15 s). */
  stop(): Promise<number | null>;
}

/** Starts the service under the preload; resolves once it logs `listening <port>`. */
export async function startService(env: Record<string, string>, timeoutMs = 60_000): Promise<ServiceProcess> {
  const proc = spawn(
    process.execPath,
    ["--require", join(ROOT, "dist", "register.js"), join(ROOT, "build", "service", "main.js")],
    {
      cwd: ROOT,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, PORT: "0", LLM_SIM_LATENCY_SCALE: "0", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let out = "";
  proc.stdout?.on("data", (d: Buffer) => {
    out += d.toString();
  });
  proc.stderr?.on("data", (d: Buffer) => {
    out += d.toString();
  });
  const port = await new Promise<number>((resolvePort, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`service did not listen within ${timeoutMs} ms:\n${out}`)),
      timeoutMs,
    );
    const check = (): void => {
      const m = /"msg":"listening (\d+)"/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolvePort(Number(m[1]));
      }
    };
    proc.stdout?.on("data", check);
    proc.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`service exited with ${code} before listening:\n${out}`));
    });
  });
  return {
    url: `http://127.0.0.1:${port}`,
    proc,
    output: () => out,
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return proc.exitCode;
      const exited = once(proc, "exit") as Promise<[number | null]>;
      proc.kill("SIGTERM");
      const timer = setTimeout(() => proc.kill("SIGKILL"), 15_000);
      const [code] = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

/** The service with its real dependencies, as the end-to-end, health and Sentry tests start it. */
export interface ServiceUnderTest {
  /** Where the service's OTLP goes. */
  readonly receiver: OtlpReceiver;
  readonly agents: RemoteAgents;
  readonly service: ServiceProcess;
  /** Its own fresh database on the shared PostgreSQL. */
  readonly databaseUrl: string;
  /** Stops the service, then the agents and the receiver; the shared PostgreSQL stays (stopPostgres). */
  stop(): Promise<void>;
}

/**
 * An OTLP receiver, the remote agents and a fresh database `<name>_...`, then the service (OTEL_SERVICE_NAME
 * procode-<name>) wired to them, with `env` on top. When a part fails to start, the parts already started
 * are stopped before the error is thrown.
 */
export async function startServiceUnderTest(
  name: string,
  env: Record<string, string> = {},
): Promise<ServiceUnderTest> {
  const receiver = await startOtlpReceiver();
  let agents: RemoteAgents | undefined;
  try {
    const started = await startRemoteAgents();
    agents = started;
    const databaseUrl = await freshDatabase(name);
    const service = await startService({
      DATABASE_URL: databaseUrl,
      REMOTE_AGENTS: started.env,
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_SERVICE_NAME: `procode-${name}`,
      ...env,
    });
    return {
      receiver,
      agents: started,
      service,
      databaseUrl,
      async stop() {
        await service.stop();
        await started.stop();
        await receiver.stop();
      },
    };
  } catch (error) {
    await agents?.stop();
    await receiver.stop();
    throw error;
  }
}

export interface ChatResult {
  readonly status: number;
  readonly headers: Headers;
  readonly body: Record<string, unknown> & { error?: { code: string; message: string; request_id: string } };
}

export async function chat(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
  /** null: no key at all. */
  key: string | null = "pk_demo_acme_prod_7f3c9a1e5b2d4f60",
): Promise<ChatResult> {
  const res = await fetch(`${url}/api/chat`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...(key === null ? {} : { authorization: `Bearer ${key}` }),
      ...headers,
    },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: ChatResult["body"];
  try {
    parsed = JSON.parse(text) as ChatResult["body"];
  } catch {
    throw new Error(`non-JSON answer ${res.status}: ${text}`);
  }
  return { status: res.status, headers: res.headers, body: parsed };
}
