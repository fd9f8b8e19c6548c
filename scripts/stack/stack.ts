/**
 * startStack: any subset of the native backends, started in dependency order (PostgreSQL, Jaeger, Alertmanager,
 * Collector, Prometheus) with free ports (tests) or the default ones (the CLI), each waited on until healthy,
 * their logs together in <runDir>/logs. stop() stops exactly what was started, in reverse order; a failed
 * start stops what had started before throwing.
 */
import { join, resolve } from "node:path";
import { type AlertmanagerHandle, type AlertmanagerOptions, startAlertmanager } from "./alertmanager";
import { type CollectorHandle, type CollectorOptions, startCollector } from "./collector";
import { type JaegerHandle, type JaegerOptions, startJaeger } from "./jaeger";
import { type PostgresOptions, type PostgresServer, startPostgres } from "./postgres";
import { type PrometheusHandle, type PrometheusOptions, startPrometheus } from "./prometheus";
import { createTempRunDir, ensureDir, removeTempRunDir } from "./rundir";
import { resolvePorts } from "./service";
import { type PortMap, SERVICE_NAMES, type ServiceName } from "./services";

type Shared = "runDir" | "ports" | "fixedPorts" | "dieWithParent" | "startDeadlineMs";

export interface StackOptions {
  /** Which services (default: the four telemetry backends, without PostgreSQL). */
  services?: readonly ServiceName[];
  /** Run directory (default: a temp dir removed at exit). */
  runDir?: string;
  /** Unspecified ports take the defaults instead of free ports (the CLI). */
  fixedPorts?: boolean;
  /** Ports per service and port name (see SERVICES). */
  ports?: Partial<Record<ServiceName, Readonly<Record<string, number>>>>;
  /** Kill the servers when this process dies (default true). */
  dieWithParent?: boolean;
  startDeadlineMs?: number;
  collector?: Omit<CollectorOptions, Shared | "jaegerPorts">;
  jaeger?: Omit<JaegerOptions, Shared>;
  alertmanager?: Omit<AlertmanagerOptions, Shared>;
  prometheus?: Omit<PrometheusOptions, Shared | "peers">;
  postgres?: Omit<PostgresOptions, "port" | "runDir" | "logDir" | "dieWithParent" | "startDeadlineMs">;
  /** Called after each service is healthy (the CLI records PIDs as it goes). */
  onStarted?: (name: ServiceName, pid: number, ports: PortMap) => void;
}

export interface Stack {
  readonly runDir: string;
  readonly logDir: string;
  /** Ports of every started service. */
  readonly ports: Readonly<Partial<Record<ServiceName, PortMap>>>;
  readonly postgres?: PostgresServer;
  readonly jaeger?: JaegerHandle;
  readonly alertmanager?: AlertmanagerHandle;
  readonly collector?: CollectorHandle;
  readonly prometheus?: PrometheusHandle;
  /** Started services in start order. */
  readonly started: readonly ServiceName[];
  /** PIDs of the running services. */
  pids(): Partial<Record<ServiceName, number>>;
  /** Environment for an app sending its telemetry to this stack's Collector (OTLP/HTTP). */
  otlpEnv(): Record<string, string>;
  /** Stops every started service in reverse order (all of them, even when one fails); idempotent. */
  stop(): Promise<void>;
}

export const DEFAULT_SERVICES: readonly ServiceName[] = ["jaeger", "alertmanager", "collector", "prometheus"];

interface Stoppable {
  readonly pid: number | undefined;
  stop(): Promise<void>;
}

/** dieWithParent and startDeadlineMs for every service, only where set (unset keeps each service's own). */
function startSettings(options: StackOptions): { dieWithParent?: boolean; startDeadlineMs?: number } {
  return {
    ...(options.dieWithParent !== undefined ? { dieWithParent: options.dieWithParent } : {}),
    ...(options.startDeadlineMs !== undefined ? { startDeadlineMs: options.startDeadlineMs } : {}),
  };
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const wanted = new Set(options.services ?? DEFAULT_SERVICES);
  for (const name of wanted) if (!SERVICE_NAMES.includes(name)) throw new Error(`unknown service "${name}"`);
  const order = SERVICE_NAMES.filter((name) => wanted.has(name));
  const runDir =
    options.runDir === undefined ? createTempRunDir("procode-stack") : ensureDir(resolve(options.runDir));
  const logDir = ensureDir(join(runDir, "logs"));

  // Every port first, so each service can be told where the ones it talks to listen.
  const ports: Partial<Record<ServiceName, PortMap>> = {};
  for (const name of order) {
    if (name === "postgres") {
      const requested = options.ports?.postgres?.sql;
      ports.postgres = await resolvePorts(
        "postgres",
        requested === undefined ? {} : { sql: requested },
        options.fixedPorts,
      );
    } else {
      ports[name] = await resolvePorts(name, options.ports?.[name], options.fixedPorts);
    }
  }
  const common = {
    runDir,
    fixedPorts: true,
    ...startSettings(options),
  };

  const handles: Partial<Record<ServiceName, Stoppable>> = {};
  const started: ServiceName[] = [];
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    const errors: unknown[] = [];
    for (const name of [...started].reverse()) {
      try {
        await handles[name]?.stop();
      } catch (error) {
        errors.push(error);
      }
    }
    removeTempRunDir(runDir);
    if (errors.length > 0)
      throw new AggregateError(errors, `stopping the stack: ${errors.length} service(s) failed`);
  };

  try {
    for (const name of order) {
      const own = ports[name];
      /** What every HTTP backend is given: the stack's run dir and start settings, and its resolved ports. */
      const backend = { ...common, ...(own ? { ports: own } : {}) };
      let handle: Stoppable;
      switch (name) {
        case "postgres":
          handle = await startPostgres({
            ...options.postgres,
            ...(own?.sql !== undefined ? { port: own.sql } : {}),
            runDir: join(runDir, "postgres"),
            logDir,
            ...startSettings(options),
          });
          break;
        case "jaeger":
          handle = await startJaeger({ ...options.jaeger, ...backend });
          break;
        case "alertmanager":
          handle = await startAlertmanager({
            ...options.alertmanager,
            ...backend,
          });
          break;
        case "collector":
          handle = await startCollector({
            ...options.collector,
            ...backend,
            ...(ports.jaeger ? { jaegerPorts: ports.jaeger } : {}),
          });
          break;
        case "prometheus":
          handle = await startPrometheus({
            ...options.prometheus,
            ...backend,
            peers: ports,
          });
          break;
      }
      handles[name] = handle;
      started.push(name);
      if (handle.pid !== undefined) options.onStarted?.(name, handle.pid, own ?? {});
    }
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }

  const collector = handles.collector as CollectorHandle | undefined;
  return {
    runDir,
    logDir,
    ports,
    ...(handles.postgres ? { postgres: handles.postgres as PostgresServer } : {}),
    ...(handles.jaeger ? { jaeger: handles.jaeger as JaegerHandle } : {}),
    ...(handles.alertmanager ? { alertmanager: handles.alertmanager as AlertmanagerHandle } : {}),
    ...(collector ? { collector } : {}),
    ...(handles.prometheus ? { prometheus: handles.prometheus as PrometheusHandle } : {}),
    started,
    pids() {
      const pids: Partial<Record<ServiceName, number>> = {};
      for (const name of started) {
        const pid = handles[name]?.pid;
        if (pid !== undefined) pids[name] = pid;
      }
      return pids;
    },
    otlpEnv() {
      if (!collector) throw new Error("otlpEnv: this stack has no Collector");
      return {
        OTEL_EXPORTER_OTLP_ENDPOINT: collector.otlpHttpUrl,
        OTEL_EXPORTER_OTLP_PROTOCOL: "http/protobuf",
      };
    },
    stop,
  };
}
