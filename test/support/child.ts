/** Starts a Node child process for process tests and waits for its `listening <port>` line. */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import path from "node:path";

export const ROOT = path.resolve(__dirname, "../../..");

export interface Child {
  readonly proc: ChildProcess;
  readonly port: number;
  stdout(): string;
  stderr(): string;
  /** Sends a signal and resolves with the exit code, the signal and how long the exit took. */
  signal(sig: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }>;
  kill(): void;
}

/** Spawns `node <args>` from the repository root with only PATH, HOME and `env`, collecting its output. */
function spawnNode(
  args: readonly string[],
  env: Record<string, string | undefined>,
): { proc: ChildProcess; out: () => string; err: () => string } {
  const proc = spawn(process.execPath, [...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  proc.stdout?.on("data", (d: Buffer) => {
    out += d.toString();
  });
  proc.stderr?.on("data", (d: Buffer) => {
    err += d.toString();
  });
  return { proc, out: () => out, err: () => err };
}

export async function startChild(
  args: readonly string[],
  env: Record<string, string | undefined>,
  timeoutMs = 20_000,
): Promise<Child> {
  const { proc, out, err } = spawnNode(args, env);
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`child did not listen within ${timeoutMs} ms: ${err()}`)),
      timeoutMs,
    );
    const check = () => {
      const m = /listening (\d+)/.exec(out());
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    };
    proc.stdout?.on("data", check);
    proc.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`child exited with ${code} before listening: ${err()}`));
    });
  });
  return {
    proc,
    port,
    stdout: out,
    stderr: err,
    async signal(sig) {
      const t0 = Date.now();
      const exited = once(proc, "exit") as Promise<[number | null, NodeJS.Signals | null]>;
      proc.kill(sig);
      const [code, signal] = await exited;
      return { code, signal, ms: Date.now() - t0 };
    },
    kill() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGKILL");
    },
  };
}

/** Runs a child to completion and returns its output. */
export async function runChild(
  args: readonly string[],
  env: Record<string, string | undefined>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const { proc, out, err } = spawnNode(args, env);
  const [code] = (await once(proc, "exit")) as [number | null];
  return { code, stdout: out(), stderr: err() };
}
