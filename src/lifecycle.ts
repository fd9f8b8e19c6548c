/**
 * The process lifecycle: starting -> ready -> draining -> stopped. One instance per process (kept on a
 * global symbol so that the preload's copy and the app's copy of this library agree).
 *
 * Shutdown runs once, bounded by a timeout, in phases:
 *   1. draining: readiness turns 503 at once; "drain" hooks run (servers stop accepting and wait for their
 *      in-flight requests);
 *   2. telemetry: "flush" hooks run (the SDK's shutdown, Sentry's flush);
 *   3. close: "close" hooks run (database pools, clients);
 *   4. stopped.
 * A hook that throws or hangs does not stop the later phases; the whole sequence never exceeds the timeout.
 */
import { diag } from "@opentelemetry/api";

export type LifecycleState = "starting" | "ready" | "draining" | "stopped";
export type ShutdownPhase = "drain" | "flush" | "close";
export type ShutdownHook = () => Promise<void> | void;

export interface ShutdownResult {
  readonly reason: string;
  /** False when the timeout cut the sequence short. */
  readonly completed: boolean;
  readonly durationMs: number;
  readonly failures: readonly string[];
}

type Listener = (state: LifecycleState) => void;

export class Lifecycle {
  private stateValue: LifecycleState = "starting";
  private readonly hooks: Record<ShutdownPhase, { name: string; fn: ShutdownHook }[]> = {
    drain: [],
    flush: [],
    close: [],
  };
  private readonly listeners = new Set<Listener>();
  private shutdownPromise: Promise<ShutdownResult> | undefined;
  readonly startedAt = Date.now();

  get state(): LifecycleState {
    return this.stateValue;
  }

  /** True from the moment shutdown begins. */
  get shuttingDown(): boolean {
    return this.stateValue === "draining" || this.stateValue === "stopped";
  }

  onStateChange(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private setState(s: LifecycleState): void {
    if (this.stateValue === s) return;
    this.stateValue = s;
    for (const l of this.listeners) {
      try {
        l(s);
      } catch (err) {
        diag.warn("lifecycle listener failed", err);
      }
    }
  }

  /** The app has warmed up and may receive traffic. Ignored once shutdown has begun. */
  markReady(): void {
    if (this.stateValue === "starting") this.setState("ready");
  }

  /** Registers a hook for a shutdown phase; hooks of one phase run concurrently. Returns an unregister. */
  onShutdown(phase: ShutdownPhase, name: string, fn: ShutdownHook): () => void {
    const entry = { name, fn };
    this.hooks[phase].push(entry);
    return () => {
      const list = this.hooks[phase];
      const at = list.indexOf(entry);
      if (at >= 0) list.splice(at, 1);
    };
  }

  /** Runs the shutdown sequence once; later calls return the same promise. */
  shutdown(reason: string, timeoutMs: number): Promise<ShutdownResult> {
    this.shutdownPromise ??= this.runShutdown(reason, timeoutMs);
    return this.shutdownPromise;
  }

  private async runShutdown(reason: string, timeoutMs: number): Promise<ShutdownResult> {
    const started = Date.now();
    const deadline = started + timeoutMs;
    const failures: string[] = [];
    let completed = true;
    this.setState("draining");
    for (const phase of ["drain", "flush", "close"] as const) {
      const remaining = deadline - Date.now();
      const ok = await runPhase(this.hooks[phase], Math.max(remaining, 0), failures);
      if (!ok) completed = false;
    }
    this.setState("stopped");
    return { reason, completed, durationMs: Date.now() - started, failures };
  }
}

async function runPhase(
  hooks: readonly { name: string; fn: ShutdownHook }[],
  budgetMs: number,
  failures: string[],
): Promise<boolean> {
  if (hooks.length === 0) return true;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), budgetMs);
    timer.unref();
  });
  const all = Promise.all(
    hooks.map(async (h) => {
      try {
        await h.fn();
      } catch (err) {
        failures.push(`${h.name}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }),
  );
  const outcome = await Promise.race([all.then(() => "done" as const), timeout]);
  if (timer) clearTimeout(timer);
  if (outcome === "timeout") {
    failures.push(`timeout after ${budgetMs} ms in ${hooks.map((h) => h.name).join(", ")}`);
    return false;
  }
  return true;
}

const KEY = Symbol.for("procode.observability.lifecycle");
type GlobalWithLifecycle = typeof globalThis & { [KEY]?: Lifecycle };

/** The process-wide lifecycle. */
export function getLifecycle(): Lifecycle {
  const g = globalThis as GlobalWithLifecycle;
  g[KEY] ??= new Lifecycle();
  return g[KEY];
}
