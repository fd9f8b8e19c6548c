/**
 * One native backend process: spawned with its output in its own log file, waited on until healthy with a
 * deadline, and stopped by PID (stop signal, then SIGKILL after a grace period).
 *
 * Orphans: each child is the leader of its own process group (everything it forks is signalled with it), and,
 * unless `dieWithParent` is false (the CLI's `up`, whose servers outlive it), it is started through
 * `setpriv --pdeathsig KILL`, so the kernel kills it when this process dies for any reason - a crash, SIGKILL,
 * a test file killed on timeout - and an `exit` hook kills what is left on a normal exit.
 * Privileges: `runAs` drops to another user with `setpriv` (which execs, so the PID is the server's own).
 */
import { type ChildProcess, spawn } from "node:child_process";
import {
  accessSync,
  closeSync,
  constants,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  statSync,
} from "node:fs";
import { delimiter, isAbsolute, join } from "node:path";

export interface RunAs {
  uid: number;
  gid: number;
}

export interface SpawnOptions {
  /** Short name ("collector", "postgres"): names the log file and appears in every error. */
  name: string;
  /** Absolute path, or a command looked up on PATH. */
  command: string;
  args: readonly string[];
  /** Directory for `<name>.log` (created when missing); the file is appended to across restarts. */
  logDir: string;
  /** Extra environment over this process's environment. */
  env?: Readonly<Record<string, string | undefined>>;
  cwd?: string;
  /** Run as this user and group (requires root). */
  runAs?: RunAs;
  /** Kill the child when this process dies (default true). */
  dieWithParent?: boolean;
  /** Signal asking for a clean shutdown (default SIGTERM; PostgreSQL wants SIGINT, its "fast" shutdown). */
  stopSignal?: NodeJS.Signals;
  /** How long stop() waits after the stop signal before SIGKILL (default 10 s). */
  stopGraceMs?: number;
}

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Default deadline for a backend to become healthy; the machine is shared, so it is generous. */
export const DEFAULT_START_DEADLINE_MS = envInt("PROCODE_STACK_START_TIMEOUT_MS", 90_000);

const SETPRIV = "/usr/bin/setpriv";
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const live = new Set<ManagedProcess>();
let exitHookInstalled = false;

function envInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0)
    throw new Error(`${name} must be a positive integer, got "${raw}"`);
  return value;
}

/** The absolute path of `command` (as given when it contains a slash, else searched on PATH), or undefined. */
export function findExecutable(command: string): string | undefined {
  const candidates = command.includes("/")
    ? [command]
    : (process.env.PATH ?? "").split(delimiter).map((dir) => join(dir, command));
  for (const candidate of candidates) {
    try {
      accessSync(candidate, constants.X_OK);
      if (statSync(candidate).isFile())
        return isAbsolute(candidate) ? candidate : join(process.cwd(), candidate);
    } catch {
      // not this one
    }
  }
  return undefined;
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Synchronous by necessity: on `exit` only synchronous work runs. The pdeathsig covers abnormal deaths.
  process.on("exit", () => {
    for (const child of live) if (child.dieWithParent) signalGroup(child.pid, "SIGKILL");
  });
}

/** Signals the process group led by `pid`; false when no such group exists any more. */
function signalGroup(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ESRCH") return false;
    throw error;
  }
}

/** PIDs of the processes (zombies excepted) in process group `pgid`, read from /proc. */
export function groupMembers(pgid: number): number[] {
  const members: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const [state, , pgrp] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(pgrp) === pgid && state !== "Z") members.push(Number(entry));
    } catch {
      // exited while we looked
    }
  }
  return members;
}

/**
 * SIGKILLs what is left of process group `pgid` and waits until none of it runs (PostgreSQL's backends hold
 * its shared memory until they are gone; a restart before that fails).
 */
export async function killGroupAndWait(pgid: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!signalGroup(pgid, "SIGKILL") || groupMembers(pgid).length === 0) return;
    if (Date.now() >= deadline) {
      throw new Error(
        `process group ${pgid} still has members after ${timeoutMs} ms: ${groupMembers(pgid).join(", ")}`,
      );
    }
    await sleep(20);
  }
}

/** True while `pid` runs: it exists and is not a zombie (an exited child not yet reaped by its new parent). */
export function processRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[0] !== "Z";
  } catch {
    return false;
  }
}

/** True while a process with this PID exists (zombies included). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The last `lines` lines of a log file ("" when it does not exist). */
export function logTail(file: string, lines = 40): string {
  let fd: number;
  try {
    fd = openSync(file, "r");
  } catch {
    return "";
  }
  try {
    const size = statSync(file).size;
    const length = Math.min(size, 32 * 1024);
    const buffer = Buffer.alloc(length);
    readSync(fd, buffer, 0, length, size - length);
    return buffer
      .toString("utf8")
      .split("\n")
      .slice(-lines - 1)
      .join("\n")
      .trimEnd();
  } finally {
    closeSync(fd);
  }
}

export class ManagedProcess {
  readonly name: string;
  readonly pid: number;
  readonly logFile: string;
  readonly dieWithParent: boolean;
  /** Resolves when the process has exited (never rejects). */
  readonly exited: Promise<ExitInfo>;
  private exitInfo: ExitInfo | undefined;
  private readonly stopSignal: NodeJS.Signals;
  private readonly stopGraceMs: number;

  private constructor(child: ChildProcess, options: SpawnOptions, logFile: string) {
    if (child.pid === undefined) throw new Error(`${options.name}: spawn returned no PID`);
    this.name = options.name;
    this.pid = child.pid;
    this.logFile = logFile;
    this.dieWithParent = options.dieWithParent ?? true;
    this.stopSignal = options.stopSignal ?? "SIGTERM";
    this.stopGraceMs = options.stopGraceMs ?? 10_000;
    this.exited = new Promise((resolve) => {
      child.once("exit", (code, signal) => {
        this.exitInfo = { code, signal };
        live.delete(this);
        resolve(this.exitInfo);
      });
    });
    live.add(this);
  }

  /** Starts `options.command`; resolves once the process runs (not once it is healthy: see waitUntil). */
  static async spawn(options: SpawnOptions): Promise<ManagedProcess> {
    const command = findExecutable(options.command);
    if (command === undefined) throw new Error(`${options.name}: executable not found: ${options.command}`);
    mkdirSync(options.logDir, { recursive: true });
    const logFile = join(options.logDir, `${options.name}.log`);
    const dieWithParent = options.dieWithParent ?? true;
    const wrapped = dieWithParent || options.runAs !== undefined;
    if (wrapped && findExecutable(SETPRIV) === undefined) {
      throw new Error(`${options.name}: ${SETPRIV} is missing (Debian package util-linux)`);
    }
    const setprivArgs: string[] = [];
    if (options.runAs !== undefined) {
      setprivArgs.push(`--reuid=${options.runAs.uid}`, `--regid=${options.runAs.gid}`, "--clear-groups");
    }
    // After the uid change (a credential change clears the parent-death signal), so setpriv sets it last.
    if (dieWithParent) setprivArgs.push("--pdeathsig", "KILL");
    const file = wrapped ? SETPRIV : command;
    const args = wrapped ? [...setprivArgs, "--", command, ...options.args] : [...options.args];

    const fd = openSync(logFile, "a");
    let child: ChildProcess;
    try {
      child = spawn(file, args, {
        cwd: options.cwd,
        env: { ...process.env, ...options.env },
        stdio: ["ignore", fd, fd],
        detached: true,
      });
    } finally {
      closeSync(fd);
    }
    await new Promise<void>((resolve, reject) => {
      child.once("spawn", resolve);
      child.once("error", (error) =>
        reject(new Error(`${options.name}: cannot start ${command}: ${error.message}`)),
      );
    });
    if (!dieWithParent) child.unref();
    installExitHook();
    return new ManagedProcess(child, options, logFile);
  }

  /** Exit code and signal once exited, else undefined. */
  get exitStatus(): ExitInfo | undefined {
    return this.exitInfo;
  }

  get running(): boolean {
    return this.exitInfo === undefined;
  }

  logTail(lines = 40): string {
    return logTail(this.logFile, lines);
  }

  /** Describes how the process ended, with the end of its log: the text of every start failure. */
  describeExit(): string {
    const info = this.exitInfo;
    const how =
      info === undefined
        ? "is running"
        : info.signal
          ? `was killed by ${info.signal}`
          : `exited with code ${info.code}`;
    return `${this.name} (pid ${this.pid}) ${how}; log ${this.logFile}:\n${this.logTail()}`;
  }

  /**
   * Clean stop: the stop signal to the process group (plus SIGCONT, in case it is paused), SIGKILL after the
   * grace period, then waits for the exit. Idempotent.
   */
  async stop(graceMs: number = this.stopGraceMs): Promise<ExitInfo> {
    if (this.running) {
      signalGroup(this.pid, this.stopSignal);
      signalGroup(this.pid, "SIGCONT");
      const timedOut = Symbol("timeout");
      let timer: NodeJS.Timeout | undefined;
      const outcome = await Promise.race([
        this.exited,
        new Promise<symbol>((resolve) => {
          timer = setTimeout(() => resolve(timedOut), graceMs);
        }),
      ]);
      clearTimeout(timer);
      if (outcome === timedOut) signalGroup(this.pid, "SIGKILL");
    }
    const info = await this.exited;
    // Whatever the leader forked and left behind (its group outlives it while members remain).
    await killGroupAndWait(this.pid);
    return info;
  }

  /** Immediate SIGKILL of the whole group (a crash, for tests); waits for the exit. */
  async kill(): Promise<ExitInfo> {
    if (this.running) signalGroup(this.pid, "SIGKILL");
    const info = await this.exited;
    await killGroupAndWait(this.pid);
    return info;
  }

  /** SIGSTOP to the group: the process keeps its sockets but answers nothing (a hung dependency). */
  pause(): void {
    if (this.running) signalGroup(this.pid, "SIGSTOP");
  }

  /** SIGCONT to the group after pause(). */
  resume(): void {
    if (this.running) signalGroup(this.pid, "SIGCONT");
  }
}

export interface WaitOptions {
  /** Total time allowed (default DEFAULT_START_DEADLINE_MS). */
  deadlineMs?: number;
  /** Pause between checks (default 200 ms). */
  intervalMs?: number;
  /** Fail at once, with its log, when this process exits while waiting. */
  process?: ManagedProcess;
}

/**
 * Calls `check` until it returns true. A check that throws counts as "not yet" (its last message is reported).
 * Throws when the deadline passes or the watched process exits, with the end of the process's log.
 */
export async function waitUntil(
  what: string,
  check: () => Promise<boolean>,
  options: WaitOptions = {},
): Promise<void> {
  const deadlineMs = options.deadlineMs ?? DEFAULT_START_DEADLINE_MS;
  const intervalMs = options.intervalMs ?? 200;
  const deadline = Date.now() + deadlineMs;
  let lastError = "";
  for (;;) {
    const watched = options.process;
    if (watched !== undefined && !watched.running) {
      throw new Error(`${what}: the process ended before it was ready. ${watched.describeExit()}`);
    }
    try {
      if (await check()) return;
      lastError = "";
    } catch (error) {
      lastError = error instanceof Error ? error.message : String(error);
    }
    if (Date.now() >= deadline) {
      const detail = lastError === "" ? "" : ` (last error: ${lastError})`;
      const log = watched === undefined ? "" : ` ${watched.describeExit()}`;
      throw new Error(`${what}: not ready within ${deadlineMs} ms${detail}.${log}`);
    }
    await sleep(intervalMs);
  }
}

/** True when a GET of `url` answers with a 2xx status within `timeoutMs`. */
export async function httpOk(url: string, timeoutMs = 2_000): Promise<boolean> {
  const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  await response.body?.cancel();
  return response.ok;
}

/** Every process started by this module that has not exited yet (for leak checks in tests). */
export function liveProcesses(): readonly ManagedProcess[] {
  return [...live];
}
