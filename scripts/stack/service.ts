/**
 * What every native backend shares: ports resolved from the service table (given, default, or free), a
 * managed process with its log in <runDir>/logs/<name>.log, a wait until its health endpoint answers, and a
 * handle to stop, kill, pause and restart it (same ports, same data).
 */
import { join } from "node:path";
import { assertPortFree, freePort } from "./ports";
import { httpOk, type RunAs, waitUntil } from "./process";
import { type ProcessControls, startRestartable } from "./restartable";
import { createTempRunDir } from "./rundir";
import { HOST, type PortMap, SERVICES, type ServiceName } from "./services";

export interface CommonServiceOptions {
  /** Run directory (logs/, data); default: a temp dir removed at exit. startStack passes its own. */
  runDir?: string;
  /** Ports by name (see SERVICES); unspecified ones are free ports, or the defaults when fixedPorts is set. */
  ports?: Readonly<Record<string, number>>;
  /** Unspecified ports take the service table's defaults (the CLI) instead of free ports (tests). */
  fixedPorts?: boolean;
  /** Kill the server when this process dies (default true; the CLI's `up` passes false). */
  dieWithParent?: boolean;
  /** Deadline for the health endpoint to answer after each start. */
  startDeadlineMs?: number;
  /** Path of the executable (default: see binaries.ts). */
  bin?: string;
  /** Extra environment for the server (e.g. tunables its config file reads). */
  env?: Readonly<Record<string, string>>;
}

export interface ServiceHandle extends ProcessControls {
  readonly name: ServiceName;
  readonly ports: PortMap;
  /** http://127.0.0.1:<port> of the service's main HTTP port. */
  readonly url: string;
  readonly healthUrl: string;
  /** The command line it runs (for the CLI's PID file and error messages). */
  readonly command: readonly string[];
}

/** Ports for `name`: the requested ones, then defaults (fixed) or free ports; fixed ones must be free. */
export async function resolvePorts(
  name: ServiceName,
  requested: Readonly<Record<string, number>> = {},
  fixed = false,
): Promise<PortMap> {
  const definitions = SERVICES[name].ports;
  for (const key of Object.keys(requested)) {
    if (!(key in definitions)) {
      throw new Error(`${name}: unknown port "${key}" (known: ${Object.keys(definitions).join(", ")})`);
    }
  }
  const ports: Record<string, number> = {};
  for (const [key, def] of Object.entries(definitions)) {
    ports[key] = requested[key] ?? (fixed ? def.default : await freePort());
  }
  return ports;
}

/** Where a backend about to start runs: its run directory (given, or a new temp one) and its ports. */
export async function resolveRun(
  name: ServiceName,
  options: CommonServiceOptions,
): Promise<{ runDir: string; ports: PortMap }> {
  const runDir = options.runDir ?? createTempRunDir(`procode-${name}`);
  return { runDir, ports: await resolvePorts(name, options.ports, options.fixedPorts) };
}

export interface LaunchSpec {
  name: ServiceName;
  command: string;
  args: readonly string[];
  env: Readonly<Record<string, string>>;
  /** The log goes to <runDir>/logs/<name>.log. */
  runDir: string;
  ports: PortMap;
  /** The HTTP port `url` names. */
  mainPort: string;
  /** The caller's options: dieWithParent (default true) and startDeadlineMs are taken from them. */
  options: CommonServiceOptions;
  cwd?: string;
  runAs?: RunAs;
  stopSignal?: NodeJS.Signals;
}

/** Starts the service and resolves once its health endpoint answers; on failure nothing is left running. */
export async function launchService(spec: LaunchSpec): Promise<ServiceHandle> {
  const health = SERVICES[spec.name].health;
  if ("sql" in health) throw new Error(`${spec.name}: launchService serves HTTP health checks only`);
  const portOf = (key: string): number => {
    const port = spec.ports[key];
    if (port === undefined) throw new Error(`${spec.name}: no port named ${key}`);
    return port;
  };
  const healthUrl = `http://${HOST}:${portOf(health.port)}${health.path}`;
  const url = `http://${HOST}:${portOf(spec.mainPort)}`;
  const controls = await startRestartable({
    beforeSpawn: async () => {
      for (const [key, port] of Object.entries(spec.ports))
        await assertPortFree(port, `${spec.name} (${key})`);
    },
    spawn: {
      name: spec.name,
      command: spec.command,
      args: spec.args,
      env: spec.env,
      logDir: join(spec.runDir, "logs"),
      ...(spec.cwd !== undefined ? { cwd: spec.cwd } : {}),
      ...(spec.runAs !== undefined ? { runAs: spec.runAs } : {}),
      ...(spec.stopSignal !== undefined ? { stopSignal: spec.stopSignal } : {}),
      dieWithParent: spec.options.dieWithParent ?? true,
    },
    ready: (child) =>
      waitUntil(`${spec.name} health at ${healthUrl}`, () => httpOk(healthUrl), {
        process: child,
        ...(spec.options.startDeadlineMs !== undefined ? { deadlineMs: spec.options.startDeadlineMs } : {}),
      }),
  });
  return Object.assign(controls, {
    name: spec.name,
    ports: spec.ports,
    url,
    healthUrl,
    command: [spec.command, ...spec.args],
  });
}
