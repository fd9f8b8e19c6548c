/** What the preload runs; see register.ts. Exported for tests and for apps that start telemetry in code. */
import { DiagConsoleLogger, DiagLogLevel, diag } from "@opentelemetry/api";
import { setGlobalErrorHandler } from "@opentelemetry/core";
import { ConfigError, type ObservabilityConfig, resolveConfig } from "../config/config";
import { formatIssue } from "../config/env";
import { setCaptureContent } from "../instrument/settings";
import { getLifecycle } from "../lifecycle";
import { initSentry } from "../sentry/init";
import { LIBRARY_NAME } from "../version";
import { getActiveSdk, setActiveSdk } from "./active";
import { createSdk, type Sdk } from "./create-sdk";
import { registerEsmHooks } from "./esm-hooks";

const PREFIX = `${LIBRARY_NAME}:`;

const DIAG_LEVELS: Record<ObservabilityConfig["logLevel"], DiagLogLevel> = {
  none: DiagLogLevel.NONE,
  error: DiagLogLevel.ERROR,
  warn: DiagLogLevel.WARN,
  info: DiagLogLevel.INFO,
  debug: DiagLogLevel.DEBUG,
  verbose: DiagLogLevel.VERBOSE,
  all: DiagLogLevel.ALL,
};

function readConfig(): ObservabilityConfig | undefined {
  try {
    return resolveConfig(process.env, {
      ...(process.env.npm_package_version ? { defaultServiceVersion: process.env.npm_package_version } : {}),
    });
  } catch (err) {
    const strict = /^(true|1|yes|on)$/i.test(process.env.PROCODE_CONFIG_STRICT ?? "");
    const lines = err instanceof ConfigError ? err.issues.map(formatIssue) : [String(err)];
    for (const line of lines) {
      process.stderr.write(
        `${PREFIX} ${line}; ${strict ? "exiting (PROCODE_CONFIG_STRICT=true)" : "telemetry is off"}\n`,
      );
    }
    if (strict) process.exit(78); // EX_CONFIG
    return undefined;
  }
}

function installSignalHandlers(config: ObservabilityConfig): void {
  const onSignal = (signal: NodeJS.Signals) => {
    const lifecycle = getLifecycle();
    void lifecycle.shutdown(signal, config.shutdownTimeoutMs).then((result) => {
      if (!result.completed || result.failures.length > 0) {
        process.stderr.write(
          `${PREFIX} shutdown on ${signal}: ${result.failures.join("; ") || "incomplete"}\n`,
        );
      }
      process.exit(result.completed ? 0 : 1);
    });
  };
  process.once("SIGTERM", onSignal);
  process.once("SIGINT", onSignal);
  // A process whose event loop runs dry (a script, a batch job) flushes too: the shutdown keeps the loop
  // busy until telemetry is out, then the process exits as it was going to.
  process.once("beforeExit", () => {
    // Bounded like the signals: exporters still retrying an unreachable Collector must not hold the exit.
    void getLifecycle()
      .shutdown("beforeExit", config.shutdownTimeoutMs)
      .then(() => process.exit(process.exitCode ?? 0));
  });
}

/** Starts telemetry once per process; returns the SDK, or undefined when disabled or misconfigured. */
export function start(): Sdk | undefined {
  const existing = getActiveSdk();
  if (existing) return existing;
  const config = readConfig();
  if (!config || config.disabled) return undefined;
  diag.setLogger(new DiagConsoleLogger(), {
    logLevel: DIAG_LEVELS[config.logLevel],
    suppressOverrideMessage: true,
  });
  // SDK errors (a failed export while the Collector is away, ...) as one line each, not a JSON stack dump.
  setGlobalErrorHandler((err) => {
    const text = err instanceof Error ? err.message : typeof err === "string" ? err : JSON.stringify(err);
    diag.warn(text);
  });
  try {
    registerEsmHooks();
    const sdk = createSdk(config);
    sdk.start();
    setActiveSdk(sdk);
    setCaptureContent(config.captureContent);
    const sentry = initSentry(config);
    // Sentry first: what it cannot deliver is counted on a metric that the SDK's shutdown then exports.
    getLifecycle().onShutdown("flush", "opentelemetry", async () => {
      await sentry?.flushForShutdown();
      await sdk.shutdown();
    });
    installSignalHandlers(config);
    if (config.internal.port !== undefined) {
      // Loaded only when asked for: the HTTP server stack is a third of the preload's start-up otherwise.
      const { startInternalServer } =
        require("../hono/internal-server") as typeof import("../hono/internal-server");
      startInternalServer(config.internal.host, config.internal.port, config.metrics.endpoint).catch(
        (err: unknown) =>
          process.stderr.write(`${PREFIX} internal port ${config.internal.port}: ${String(err)}\n`),
      );
    }
    return sdk;
  } catch (err) {
    process.stderr.write(
      `${PREFIX} could not start telemetry: ${err instanceof Error ? err.message : String(err)}; telemetry is off\n`,
    );
    if (config.strict) process.exit(70);
    return undefined;
  }
}
