/**
 * The demo (`bash scripts/demo.sh`): everything the reference service needs, started on this machine and
 * stopped together.
 *
 *   1. PostgreSQL: a private server from the Debian package (its own data directory in a temp run dir, a
 *      free port) through scripts/stack/postgres.ts - the demo's embedded database (see service/README.md,
 *      "Database", for why not an in-process one);
 *   2. the telemetry backends (Jaeger, Alertmanager, Collector, Prometheus) through scripts/stack/stack.ts on
 *      their default ports; with --no-stack the service serves its own /metrics on the internal port instead;
 *   3. the three remote agents (payment-gateway, knowledge-base, search-index), each its own process;
 *   4. the service under the preload (`node --require ./dist/register.js build/service/main.js`), waited on
 *      until /ready answers 200;
 *   5. the traffic generator, its progress on this terminal.
 *
 * Then it prints where to look and keeps everything up until Ctrl-C or SIGTERM, which stops what it started,
 * in reverse order, by PID. Options: --no-stack, --no-load, --load-duration D, --rps R, --port N.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { freePort, isPortFree } from "../scripts/stack/ports";
import { startPostgres } from "../scripts/stack/postgres";
import { httpOk, ManagedProcess, waitUntil } from "../scripts/stack/process";
import { DEFAULT_SERVICES, type Stack, startStack } from "../scripts/stack/stack";

const ROOT = resolve(__dirname, "../..");
const PRELOAD = join(ROOT, "dist", "register.js");
const SERVICE_MAIN = join(ROOT, "build", "service", "main.js");
const REMOTE_MAIN = join(ROOT, "build", "service", "agents", "remote-server.js");
const LOAD_CLI = join(ROOT, "build", "service", "load", "cli.js");

const REMOTE_AGENTS = [
  { name: "payment-gateway", port: 8091, controlPort: 8191 },
  { name: "knowledge-base", port: 8092, controlPort: 8192 },
  { name: "search-index", port: 8093, controlPort: 8193 },
] as const;

export interface DemoOptions {
  readonly stack: boolean;
  readonly load: boolean;
  readonly loadDuration: string;
  readonly rps: number;
  readonly port: number;
}

export function parseDemoArgs(argv: readonly string[]): DemoOptions {
  let stack = true;
  let load = true;
  let loadDuration = "30m";
  let rps = 4;
  let port = 8080;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === "--stack") stack = true;
    else if (a === "--no-stack") stack = false;
    else if (a === "--no-load") load = false;
    else if (a === "--load-duration") loadDuration = value();
    else if (a === "--rps") {
      rps = Number(value());
      if (!(rps > 0)) throw new Error("--rps must be a positive number");
    } else if (a === "--port") {
      port = Number(value());
      if (!Number.isInteger(port) || port < 1 || port > 65535)
        throw new Error("--port must be a port number");
    } else
      throw new Error(
        `unknown option ${a} (known: --stack, --no-stack, --no-load, --load-duration D, --rps R, --port N)`,
      );
  }
  return { stack, load, loadDuration, rps, port };
}

/** The preferred port when it is free, else a free one (said on the terminal). */
async function portFor(what: string, preferred: number): Promise<number> {
  if (await isPortFree(preferred)) return preferred;
  const other = await freePort();
  process.stdout.write(`demo: port ${preferred} (${what}) is in use; using ${other}\n`);
  return other;
}

type Stopper = { readonly name: string; stop(): Promise<unknown> };

/** Where error events go: the DSN's host only (its public key stays out of the terminal). */
export function sentryWhere(dsn: string | undefined): string {
  if (dsn === undefined || dsn.trim() === "") {
    return "Sentry off (set SENTRY_DSN before the demo to send error events; the service inherits it)";
  }
  try {
    return `Sentry at ${new URL(dsn).host} (SENTRY_DSN), one event per failing request`;
  } catch {
    return "SENTRY_DSN is not a URL: the preload reports it and sends no events";
  }
}

async function main(): Promise<void> {
  // A closed terminal or pipe must not stop the orchestrator half-way through stopping its children.
  process.stdout.on("error", () => undefined);
  const options = parseDemoArgs(process.argv.slice(2));
  const t0 = performance.now();
  const runDir = mkdtempSync(join(tmpdir(), "procode-demo-"));
  const logDir = join(runDir, "logs");
  const started: Stopper[] = [];
  let loadProcess: ChildProcess | undefined;
  let stopping: Promise<void> | undefined;

  const stopAll = (why: string): Promise<void> => {
    stopping ??= (async () => {
      process.stdout.write(`\ndemo: ${why}; stopping everything it started\n`);
      if (loadProcess && loadProcess.exitCode === null && loadProcess.signalCode === null) {
        const exited = new Promise((r) => loadProcess?.once("exit", r));
        loadProcess.kill("SIGINT");
        await exited;
      }
      for (const s of [...started].reverse()) {
        try {
          await s.stop();
          process.stdout.write(`demo: stopped ${s.name}\n`);
        } catch (err) {
          process.stdout.write(`demo: stopping ${s.name} failed: ${(err as Error).message}\n`);
        }
      }
      rmSync(runDir, { recursive: true, force: true });
    })();
    return stopping;
  };
  for (const sig of ["SIGINT", "SIGTERM"] as const) {
    process.once(sig, () => void stopAll(`${sig} received`).then(() => process.exit(0)));
  }

  try {
    process.stdout.write("demo: starting PostgreSQL (Debian package, private data directory)\n");
    // Its own temp run dir (owned by the unprivileged user PostgreSQL runs as when we are root), removed on stop.
    const pg = await startPostgres({});
    started.push({ name: "PostgreSQL", stop: () => pg.destroy() });

    let stack: Stack | undefined;
    if (options.stack) {
      process.stdout.write(
        "demo: starting the telemetry backends (Jaeger, Alertmanager, Collector, Prometheus)\n",
      );
      stack = await startStack({
        services: DEFAULT_SERVICES,
        runDir: join(runDir, "stack"),
        fixedPorts: true,
      });
      const s = stack;
      started.push({ name: "telemetry backends", stop: () => s.stop() });
    }
    const telemetryEnv: Record<string, string> = stack
      ? { ...stack.otlpEnv(), OTEL_METRIC_EXPORT_INTERVAL: "5000" }
      : { OTEL_METRICS_EXPORTER: "prometheus", OTEL_TRACES_EXPORTER: "none", OTEL_LOGS_EXPORTER: "none" };

    const agents: { name: string; url: string; control: string }[] = [];
    for (const a of REMOTE_AGENTS) {
      const port = await portFor(a.name, a.port);
      const controlPort = await portFor(`${a.name} control`, a.controlPort);
      const proc = await ManagedProcess.spawn({
        name: a.name,
        command: process.execPath,
        args: [
          ...(stack ? ["--require", PRELOAD] : []),
          REMOTE_MAIN,
          "--name",
          a.name,
          "--port",
          String(port),
          "--control-port",
          String(controlPort),
        ],
        cwd: ROOT,
        logDir,
        env: stack
          ? { ...telemetryEnv, OTEL_SERVICE_NAME: `remote-agent-${a.name}` }
          : { OTEL_SDK_DISABLED: "true" },
      });
      started.push({ name: `remote agent ${a.name}`, stop: () => proc.stop() });
      const url = `http://127.0.0.1:${port}`;
      await waitUntil(`remote agent ${a.name}`, () => httpOk(`${url}/health`), {
        process: proc,
        deadlineMs: 30_000,
      });
      agents.push({ name: a.name, url, control: `http://127.0.0.1:${controlPort}/mode` });
    }

    const port = await portFor("service", options.port);
    const internal = await portFor("service internal", 9464);
    const service = await ManagedProcess.spawn({
      name: "service",
      command: process.execPath,
      args: ["--require", PRELOAD, SERVICE_MAIN],
      cwd: ROOT,
      logDir,
      env: {
        ...telemetryEnv,
        OTEL_SERVICE_NAME: "procode-agent-service",
        PORT: String(port),
        PROCODE_INTERNAL_PORT: String(internal),
        DATABASE_URL: pg.url,
        REMOTE_AGENTS: agents.map((a) => `${a.name}=${a.url}`).join(","),
        SERVICE_FAULT_INJECTION: "true",
        HEALTH_CHECK_INTERVAL_SECONDS: "5",
      },
    });
    started.push({ name: "service", stop: () => service.stop() });
    const url = `http://127.0.0.1:${port}`;
    await waitUntil("service /ready", () => httpOk(`${url}/ready`), { process: service, deadlineMs: 60_000 });
    const readyMs = Math.round(performance.now() - t0);

    const lines = [
      "",
      `ProCode demo is up (ready in ${(readyMs / 1000).toFixed(1)} s). Where to look:`,
      `  service        ${url}   (POST /api/chat, GET /health, GET /ready, GET /livez)`,
      `  try it         curl -s ${url}/api/chat -H 'authorization: Bearer pk_demo_acme_prod_7f3c9a1e5b2d4f60' \\`,
      `                   -H 'content-type: application/json' -d '{"message":"What is my balance?","user_id":"user_acme_01"}'`,
      stack
        ? `  metrics        ${stack.collector?.metricsUrl ?? "(Collector)"} (the Collector's Prometheus exporter)`
        : `  metrics        http://127.0.0.1:${internal}/metrics (the service's own, embedded mode)`,
      `  health detail  http://127.0.0.1:${internal}/health (internal port; the public ${url}/health has statuses only)`,
      stack
        ? "  health gauges  health_check_status, health_check_duration_seconds (Prometheus; the DatabaseConnectionFailure alert)"
        : `  health gauges  health_check_status in http://127.0.0.1:${internal}/metrics`,
      `  errors         ${sentryWhere(process.env.SENTRY_DSN)}`,
      ...(stack
        ? [
            `  Jaeger         ${stack.jaeger?.queryUrl ?? ""}`,
            `  Prometheus     ${stack.prometheus?.url ?? ""}`,
            `  Alertmanager   ${stack.alertmanager?.url ?? ""}`,
            `  Collector      ${stack.collector?.telemetryUrl ?? ""} (its own telemetry)`,
          ]
        : [
            "  backends       none (--no-stack); run without it for Jaeger, Prometheus, Alertmanager and the Collector",
          ]),
      `  PostgreSQL     ${pg.url.replace(/:[^:@/]+@/, ":***@")}`,
      ...agents.map(
        (a) =>
          `  remote agent   ${a.name.padEnd(16)} ${a.url}  (slow/down: curl -X POST ${a.control} -d '{"mode":"slow"}')`,
      ),
      `  logs           ${logDir} (PostgreSQL: ${pg.logFile})`,
      "Ctrl-C stops everything.",
      "",
    ];
    process.stdout.write(`${lines.join("\n")}\n`);

    if (options.load) {
      loadProcess = spawn(
        process.execPath,
        [
          LOAD_CLI,
          "--target",
          url,
          "--duration",
          options.loadDuration,
          "--rps",
          String(options.rps),
          "--concurrency",
          "8",
        ],
        { cwd: ROOT, stdio: ["ignore", "inherit", "inherit"] },
      );
      loadProcess.once("exit", () => {
        if (stopping === undefined)
          process.stdout.write("demo: the load generator finished; everything else stays up until Ctrl-C\n");
      });
    }
    service.exited.then((info) => {
      if (stopping === undefined) {
        process.stdout.write(`demo: the service exited (${JSON.stringify(info)}); see ${service.logFile}\n`);
        void stopAll("the service exited").then(() => process.exit(1));
      }
    });
  } catch (err) {
    process.stderr.write(`demo: ${err instanceof Error ? err.message : String(err)}\n`);
    await stopAll("start-up failed");
    process.exit(1);
  }
}

if (require.main === module) void main();
