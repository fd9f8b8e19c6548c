/**
 * What the preload calls: `initSentry(config)` starts Sentry when SENTRY_DSN is set, and does nothing else
 * (it does not even load @sentry/node) when it is not. A bad Sentry variable logs one line per variable and
 * the app runs without Sentry (or exits 78 under PROCODE_CONFIG_STRICT=true); OpenTelemetry is unaffected.
 */
import { ConfigError, type ObservabilityConfig } from "../config/config";
import { type Env, formatIssue } from "../config/env";
import { LIBRARY_NAME } from "../version";
import { getActiveSentry, type SentryHandle, setActiveSentry } from "./active";
import { resolveSentryConfig, type SentryConfig } from "./config";

const PREFIX = `${LIBRARY_NAME}:`;

function readSentryConfig(env: Env, config: ObservabilityConfig): SentryConfig | undefined {
  try {
    return resolveSentryConfig(env, config);
  } catch (err) {
    const lines = err instanceof ConfigError ? err.issues.map(formatIssue) : [String(err)];
    for (const line of lines) {
      process.stderr.write(
        `${PREFIX} ${line}; ${config.strict ? "exiting (PROCODE_CONFIG_STRICT=true)" : "Sentry is off"}\n`,
      );
    }
    if (config.strict) process.exit(78); // EX_CONFIG
    return undefined;
  }
}

/** Starts Sentry once per process; returns its handle, or undefined when off or misconfigured. */
export function initSentry(
  config: ObservabilityConfig,
  env: NodeJS.ProcessEnv = process.env,
): SentryHandle | undefined {
  const existing = getActiveSentry();
  if (existing) return existing;
  const sentryConfig = readSentryConfig(env, config);
  if (!sentryConfig) return undefined;
  for (const { variable, value } of sentryConfig.ignoredTracingVariables) {
    process.stderr.write(
      `${PREFIX} ${variable}=${value} is ignored: traces go through OpenTelemetry (OTEL_TRACES_SAMPLER) and Sentry sends no spans\n`,
    );
    // The Sentry SDK reads SENTRY_TRACES_SAMPLE_RATE by itself and would start its own tracing.
    delete env[variable];
  }
  try {
    const { startSentryClient } = require("./client") as typeof import("./client");
    const handle = startSentryClient(sentryConfig);
    setActiveSentry(handle);
    return handle;
  } catch (err) {
    process.stderr.write(
      `${PREFIX} could not start Sentry: ${err instanceof Error ? err.message : String(err)}; Sentry is off\n`,
    );
    if (config.strict) process.exit(70);
    return undefined;
  }
}

/** Flushes queued Sentry events (apps that exit by themselves); resolves false when some were left. */
export function flushSentry(timeoutMs = 2000): Promise<boolean> {
  return getActiveSentry()?.flush(timeoutMs) ?? Promise.resolve(true);
}
