/**
 * Uncaught exceptions and unhandled rejections, captured without changing how the process behaves.
 *
 * Sentry's integrations capture them; what happens next stays Node's default:
 * - an uncaught exception (with no handler of the app's own) prints the error and exits with code 1 - after
 *   the lifecycle's bounded shutdown, so the Sentry event and the OpenTelemetry data are flushed first;
 * - an unhandled rejection under Node's default `--unhandled-rejections=throw` does the same when the app
 *   has no 'unhandledRejection' listener of its own (registering Sentry's listener would otherwise silently
 *   turn Node's crash into a warning); `strict` reaches the uncaught-exception path by itself; `warn`,
 *   `warn-with-error-code` and `none` keep the process running, as Node would.
 */
import { getLifecycle } from "../lifecycle";

export type RejectionMode = "throw" | "strict" | "warn" | "none" | "warn-with-error-code";

const MODES: readonly RejectionMode[] = ["throw", "strict", "warn", "none", "warn-with-error-code"];

/** The --unhandled-rejections mode the process runs with (command line, then NODE_OPTIONS; default throw). */
export function unhandledRejectionMode(
  execArgv: readonly string[] = process.execArgv,
  nodeOptions: string = process.env.NODE_OPTIONS ?? "",
): RejectionMode {
  const args = [...nodeOptions.split(/\s+/), ...execArgv];
  let mode: RejectionMode = "throw";
  for (let i = 0; i < args.length; i++) {
    const a = args[i] ?? "";
    let value: string | undefined;
    if (a.startsWith("--unhandled-rejections=")) value = a.slice("--unhandled-rejections=".length);
    else if (a === "--unhandled-rejections") value = args[i + 1];
    const hit = MODES.find((m) => m === value);
    if (hit) mode = hit;
  }
  return mode;
}

function describe(err: unknown): string {
  if (err instanceof Error) return err.stack ?? `${err.name}: ${err.message}`;
  return String(err);
}

let exiting = false;

/** Prints the error the way Node would, runs the bounded shutdown (flushing Sentry and OTel), exits 1. */
export function fatalExit(err: unknown, origin: string, shutdownTimeoutMs: number): void {
  process.exitCode = 1;
  if (exiting) return;
  exiting = true;
  process.stderr.write(`${origin === "unhandledRejection" ? "Unhandled rejection: " : ""}${describe(err)}\n`);
  const hard = setTimeout(() => process.exit(1), shutdownTimeoutMs + 1000);
  hard.unref();
  void getLifecycle()
    .shutdown(origin, shutdownTimeoutMs)
    .finally(() => process.exit(1));
}

/**
 * Keeps Node's default for unhandled rejections once Sentry's listener exists. `sdkListeners` are the
 * listeners Sentry registered; any other listener means the app handles rejections itself.
 */
export function keepRejectionDefault(shutdownTimeoutMs: number, sdkListeners: ReadonlySet<unknown>): void {
  const mode = unhandledRejectionMode();
  if (mode !== "throw") return;
  const listener = (reason: unknown): void => {
    const appListeners = process
      .listeners("unhandledRejection")
      .filter((l) => l !== listener && !sdkListeners.has(l));
    if (appListeners.length === 0) fatalExit(reason, "unhandledRejection", shutdownTimeoutMs);
  };
  process.on("unhandledRejection", listener);
}
