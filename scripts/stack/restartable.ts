/**
 * A server process that can be started again with the same command line, ports and data: what the HTTP
 * backends (service.ts) and PostgreSQL (postgres.ts) share. Each start checks its ports, spawns, and waits
 * until the server is ready; a start that fails leaves nothing running. The controls act on the current
 * process, if any.
 */
import { ManagedProcess, type SpawnOptions } from "./process";

export interface RestartableSpec {
  /** Runs before each spawn (e.g. the ports must be free). */
  beforeSpawn(): Promise<void>;
  spawn: SpawnOptions;
  /** Resolves once the spawned process is ready; a rejection kills it and fails the start. */
  ready(child: ManagedProcess): Promise<void>;
}

/** The controls a handle exposes: PID while running, stop, kill, pause, resume and restart. */
export interface ProcessControls {
  readonly pid: number | undefined;
  /** The log file of the latest start (<logDir>/<name>.log, appended to across restarts). */
  readonly logFile: string;
  /** Clean stop (the process's stop signal, SIGKILL after its grace period); idempotent. */
  stop(): Promise<void>;
  /** SIGKILL (a crash). */
  kill(): Promise<void>;
  /** SIGSTOP / SIGCONT: a hung server that keeps its sockets. */
  pause(): void;
  resume(): void;
  /** Stops when running, starts again. */
  restart(): Promise<void>;
}

/** Starts the process once (rejecting when it does not become ready) and returns its controls. */
export async function startRestartable(spec: RestartableSpec): Promise<ProcessControls> {
  let current: ManagedProcess | undefined;
  let logFile = "";

  const start = async (): Promise<void> => {
    await spec.beforeSpawn();
    const child = await ManagedProcess.spawn(spec.spawn);
    current = child;
    logFile = child.logFile;
    try {
      await spec.ready(child);
    } catch (error) {
      await child.kill();
      current = undefined;
      throw error;
    }
  };
  /** Forgets the current process and hands it to `action` (stop or kill). */
  const release = async (action: (child: ManagedProcess) => Promise<unknown>): Promise<void> => {
    const child = current;
    current = undefined;
    if (child) await action(child);
  };
  const stop = (): Promise<void> => release((child) => child.stop());

  await start();
  return {
    get pid() {
      return current?.running ? current.pid : undefined;
    },
    get logFile() {
      return logFile;
    },
    stop,
    kill: () => release((child) => child.kill()),
    pause() {
      current?.pause();
    },
    resume() {
      current?.resume();
    },
    async restart() {
      await stop();
      await start();
    },
  };
}
