/**
 * The native stack for users without Docker (scripts/stack.sh wraps it):
 *
 *   node build/scripts/stack/cli.js up [--services=collector,jaeger,...] [--free-ports]
 *                                                                          start (on the default ports unless
 *                                                                          --free-ports), wait until healthy, detach
 *   node build/scripts/stack/cli.js status                                 what runs, and is it healthy
 *   node build/scripts/stack/cli.js down                                   stop exactly what `up` started
 *
 * Run dir: $PROCODE_STACK_DIR or <repo>/.run/stack; logs in <run dir>/logs/<service>.log; PostgreSQL data
 * persists in <run dir>/postgres/data. `up` records each server's PID and process start time in
 * <run dir>/stack.json, so `down` signals those processes and nothing else (a reused PID does not match).
 * Alertmanager: its secret files (alertmanager/alertmanager.yml lists them) are read from $ALERTMANAGER_SECRETS_DIR,
 * default <repo>/.run/alertmanager/secrets - the directory compose.yaml mounts.
 * Sentry: when SENTRY_OTLP_TRACES_ENDPOINT, SENTRY_OTLP_LOGS_ENDPOINT and SENTRY_OTLP_PUBLIC_KEY are all set,
 * the Collector also loads otel-collector/sentry.yaml.
 */
import { execFile } from "node:child_process";
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { repoRoot } from "./binaries";
import { postgresBinDir } from "./postgres";
import { httpOk, killGroupAndWait } from "./process";
import { ensureDir } from "./rundir";
import { HOST, SERVICE_NAMES, SERVICES, type ServiceName } from "./services";
import { type Stack, startStack } from "./stack";

interface Recorded {
  name: ServiceName;
  pid: number;
  /** Field 22 of /proc/<pid>/stat: with the PID, identifies the process across PID reuse. */
  startTime: string;
  stopSignal: NodeJS.Signals;
  ports: Record<string, number>;
}

interface StackFile {
  runDir: string;
  services: Recorded[];
}

const execFileAsync = promisify(execFile);
const runDir = (): string => process.env.PROCODE_STACK_DIR ?? join(repoRoot(), ".run", "stack");
const stackFile = (): string => join(runDir(), "stack.json");

/** Fields of /proc/<pid>/stat after the command name: [0] state, [19] start time (clock ticks after boot). */
function procStat(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  } catch {
    return undefined;
  }
}

function processStartTime(pid: number): string | undefined {
  return procStat(pid)?.[19];
}

/** True when the recorded process still runs and is the one `up` started (a zombie has ended). */
function isOurs(record: Recorded): boolean {
  const fields = procStat(record.pid);
  return fields !== undefined && fields[0] !== "Z" && fields[19] === record.startTime;
}

function readStackFile(): StackFile | undefined {
  const file = stackFile();
  if (!existsSync(file)) return undefined;
  return JSON.parse(readFileSync(file, "utf8")) as StackFile;
}

function writeStackFile(content: StackFile): void {
  const file = stackFile();
  writeFileSync(`${file}.tmp`, `${JSON.stringify(content, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
}

function parseServices(args: readonly string[]): ServiceName[] {
  for (const arg of args) {
    if (!arg.startsWith("--services=") && arg !== "--free-ports")
      throw new Error(`unknown argument "${arg}"`);
  }
  const flag = args.find((a) => a.startsWith("--services="));
  if (flag === undefined) return [...SERVICE_NAMES];
  const names = flag.slice("--services=".length).split(",").filter(Boolean);
  for (const name of names) {
    if (!(SERVICE_NAMES as readonly string[]).includes(name)) {
      throw new Error(`unknown service "${name}" (known: ${SERVICE_NAMES.join(", ")})`);
    }
  }
  return names as ServiceName[];
}

function sentryFromEnv() {
  const tracesEndpoint = process.env.SENTRY_OTLP_TRACES_ENDPOINT;
  const logsEndpoint = process.env.SENTRY_OTLP_LOGS_ENDPOINT;
  const publicKey = process.env.SENTRY_OTLP_PUBLIC_KEY;
  if (tracesEndpoint && logsEndpoint && publicKey) return { tracesEndpoint, logsEndpoint, publicKey };
  return undefined;
}

async function up(args: readonly string[]): Promise<number> {
  const existing = readStackFile();
  if (existing?.services.some(isOurs)) {
    console.error(`stack: already up (${stackFile()}); run \`down\` first, or \`status\``);
    return 1;
  }
  const dir = ensureDir(runDir());
  const services = parseServices(args);
  const record: StackFile = { runDir: dir, services: [] };
  writeStackFile(record);
  const sentry = sentryFromEnv();
  // The same directory compose.yaml mounts at /etc/alertmanager/secrets (see alertmanager/alertmanager.yml).
  const secrets = SERVICES.alertmanager.secrets;
  const secretsDir = secrets ? (process.env[secrets.env] ?? join(repoRoot(), secrets.default)) : undefined;
  if (secretsDir !== undefined && services.includes("alertmanager")) ensureDir(secretsDir);
  let stack: Stack;
  try {
    stack = await startStack({
      services,
      runDir: dir,
      fixedPorts: !args.includes("--free-ports"),
      dieWithParent: false,
      postgres: { durable: true, dataDir: join(dir, "postgres", "data") },
      ...(sentry ? { collector: { sentry } } : {}),
      ...(secretsDir !== undefined ? { alertmanager: { secretsDir } } : {}),
      onStarted(name, pid, ports) {
        const startTime = processStartTime(pid);
        if (startTime === undefined) return;
        const stopSignal = name === "postgres" ? "SIGINT" : "SIGTERM";
        record.services.push({ name, pid, startTime, stopSignal, ports: { ...ports } });
        writeStackFile(record);
        console.log(`stack: ${name} is up (pid ${pid})`);
      },
    });
  } catch (error) {
    rmSync(stackFile(), { force: true });
    const message = error instanceof Error ? error.message : String(error);
    console.error(`stack: up failed, nothing left running.\n${message}`);
    if (/already in use/.test(message)) {
      console.error(
        "stack: a server already holds a default port. The Debian packages may start system services " +
          "(prometheus :9090, prometheus-alertmanager :9093, postgresql :5432): `systemctl disable --now prometheus " +
          "prometheus-alertmanager postgresql` (without systemd: `service <name> stop`), stop whatever else listens there, or use --free-ports.",
      );
    }
    return 1;
  }
  console.log(`stack: up; logs in ${stack.logDir}`);
  printEndpoints(stack);
  if (stack.alertmanager && secretsDir !== undefined) {
    console.log(
      `  Alertmanager reads its notification secrets from ${secretsDir} (see alertmanager/alertmanager.yml)`,
    );
  }
  return 0;
}

function printEndpoints(stack: Stack): void {
  const lines: string[] = [];
  if (stack.collector) lines.push(`  OTEL_EXPORTER_OTLP_ENDPOINT=${stack.collector.otlpHttpUrl}`);
  if (stack.collector) lines.push(`  Collector scrape target  ${stack.collector.metricsUrl}`);
  if (stack.jaeger) lines.push(`  Jaeger query/UI          ${stack.jaeger.queryUrl}`);
  if (stack.prometheus) lines.push(`  Prometheus               ${stack.prometheus.url}`);
  if (stack.alertmanager) lines.push(`  Alertmanager             ${stack.alertmanager.url}`);
  if (stack.postgres) lines.push(`  DATABASE_URL=${stack.postgres.url}`);
  console.log(lines.join("\n"));
}

async function signalAndWait(record: Recorded, graceMs: number): Promise<"stopped" | "killed" | "gone"> {
  if (!isOurs(record)) return "gone";
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-record.pid, signal);
    } catch {
      // already gone
    }
  };
  signalGroup(record.stopSignal);
  signalGroup("SIGCONT");
  const deadline = Date.now() + graceMs;
  let outcome: "stopped" | "killed" = "killed";
  while (Date.now() < deadline) {
    if (!isOurs(record)) {
      outcome = "stopped";
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  // The leader has gone (or the grace period has passed): nothing of its group may stay.
  await killGroupAndWait(record.pid);
  return outcome;
}

async function down(): Promise<number> {
  const file = readStackFile();
  if (file === undefined) {
    console.log("stack: not up (no stack.json)");
    return 0;
  }
  for (const record of [...file.services].reverse()) {
    const outcome = await signalAndWait(record, 15_000);
    console.log(
      `stack: ${record.name} (pid ${record.pid}) ${outcome === "gone" ? "was not running" : outcome}`,
    );
  }
  rmSync(stackFile(), { force: true });
  return 0;
}

async function healthy(record: Recorded): Promise<boolean> {
  const health = SERVICES[record.name].health;
  const port = record.ports[health.port];
  if (port === undefined) return false;
  try {
    if ("sql" in health) {
      // pg_isready asks the server whether it accepts connections without logging in.
      const isReady = join(postgresBinDir(), "pg_isready");
      await execFileAsync(isReady, ["--host", HOST, "--port", String(port), "--timeout", "3"]);
      return true;
    }
    return await httpOk(`http://${HOST}:${port}${health.path}`);
  } catch {
    return false;
  }
}

async function status(): Promise<number> {
  const file = readStackFile();
  if (file === undefined || file.services.length === 0) {
    console.log("stack: not up");
    return 1;
  }
  let ok = true;
  for (const record of file.services) {
    const alive = isOurs(record);
    const good = alive && (await healthy(record));
    ok &&= good;
    const ports = Object.entries(record.ports)
      .map(([name, port]) => `${name}=${port}`)
      .join(" ");
    const state = !alive ? "not running" : good ? "healthy" : "running, not healthy";
    console.log(`${record.name.padEnd(13)} pid ${String(record.pid).padEnd(8)} ${state.padEnd(21)} ${ports}`);
  }
  console.log(`logs: ${join(file.runDir, "logs")}`);
  return ok ? 0 : 1;
}

async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case "up":
      return up(rest);
    case "down":
      return down();
    case "status":
      return status();
    default:
      console.error(
        "usage: cli.js up [--services=postgres,jaeger,alertmanager,collector,prometheus] [--free-ports] | down | status",
      );
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(`stack: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  },
);
