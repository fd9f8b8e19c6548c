/**
 * Sentry's configuration, read strictly from the environment like the rest of the library (see
 * config/env.ts): unset means the default, a present but invalid value is an issue naming the variable.
 * No SENTRY_DSN means no Sentry at all (nothing is loaded). Every variable is documented in docs/errors.md.
 *
 * Tracing goes through OpenTelemetry only, so SENTRY_TRACES_SAMPLE_RATE and SENTRY_PROFILES_SAMPLE_RATE
 * (the seed's variables) are read, validated and reported as ignored; they never turn on Sentry spans.
 */
import { ConfigError, type ObservabilityConfig } from "../config/config";
import { type Env, EnvReader } from "../config/env";

/** Sentry's event levels, most severe first. */
export const SENTRY_LEVELS = ["fatal", "error", "warning", "log", "info", "debug"] as const;
export type SentryLevel = (typeof SENTRY_LEVELS)[number];

/** The seed's error sampling: every critical error, half the warnings, a tenth of the rest. */
export const DEFAULT_SAMPLE_RATES: Readonly<Record<SentryLevel, number>> = Object.freeze({
  fatal: 1,
  error: 1,
  warning: 0.5,
  log: 0.1,
  info: 0.1,
  debug: 0.1,
});

/** An ignore rule: the error's class name, and optionally a substring of its (redacted) message. */
export interface IgnoreRule {
  readonly type: string;
  readonly message?: string;
}

export interface SentryConfig {
  readonly dsn: string;
  readonly environment: string;
  readonly release: string;
  /** Share of events kept per level (0..1); the rest is counted as dropped with reason "sampled". */
  readonly sampleRates: Readonly<Record<SentryLevel, number>>;
  /** Known issues that are never sent (counted with reason "ignored"). */
  readonly ignore: readonly IgnoreRule[];
  /** Envelopes in flight at most; past it Sentry's transport drops (reason "queue_overflow"). */
  readonly bufferSize: number;
  /** Deadline of one envelope's HTTP request; a hanging Sentry frees its slot after this. */
  readonly sendTimeoutMs: number;
  /** The library's shutdown budget; the flush hook keeps within what is left of it. */
  readonly shutdownTimeoutMs: number;
  readonly strict: boolean;
  /** Seed variables that were set but are ignored because tracing belongs to OpenTelemetry. */
  readonly ignoredTracingVariables: readonly { readonly variable: string; readonly value: number }[];
}

/**
 * Known issues that are not bugs of the service. AbortError is a cancellation the caller asked for (the
 * client went away and the request's signal aborted the work); timeouts are TimeoutError and still count.
 */
export const DEFAULT_IGNORE: readonly IgnoreRule[] = Object.freeze([{ type: "AbortError" }]);

function deepFreeze<T>(o: T): T {
  if (o !== null && typeof o === "object" && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o)) deepFreeze(v);
  }
  return o;
}

/** The DSN's shape as the Sentry SDK accepts it: http(s)://<public key>@<host>[:port][/path]/<project id>. */
function validDsn(dsn: string): boolean {
  try {
    const u = new URL(dsn);
    if (u.protocol !== "http:" && u.protocol !== "https:") return false;
    if (u.username === "" || u.hostname === "") return false;
    const project = u.pathname.split("/").filter(Boolean).pop();
    return project !== undefined && /^\d+$/.test(project);
  } catch {
    return false;
  }
}

function parseIgnore(r: EnvReader, name: string): IgnoreRule[] {
  const raw = r.raw(name);
  if (raw === undefined) return [];
  const rules: IgnoreRule[] = [];
  for (const part of raw.split(",")) {
    const item = part.trim();
    if (item === "") continue;
    const colon = item.indexOf(":");
    const type = (colon >= 0 ? item.slice(0, colon) : item).trim();
    const message = colon >= 0 ? item.slice(colon + 1).trim() : undefined;
    if (!/^[A-Za-z_$][\w$]*$/.test(type) || message === "") {
      r.issues.push({
        variable: name,
        value: raw,
        allowed: "comma-separated error class names, each optionally followed by :<message substring>",
      });
      return [];
    }
    rules.push(message === undefined ? { type } : { type, message });
  }
  return rules;
}

function parseSampleRates(r: EnvReader, name: string): Record<SentryLevel, number> {
  const rates: Record<SentryLevel, number> = { ...DEFAULT_SAMPLE_RATES };
  const raw = r.raw(name);
  if (raw === undefined) return rates;
  const pairs = r.keyValues(name);
  for (const [key, value] of Object.entries(pairs)) {
    const level = SENTRY_LEVELS.find((l) => l === key.toLowerCase());
    const rate = Number(value);
    if (level === undefined || value === "" || !Number.isFinite(rate) || rate < 0 || rate > 1) {
      r.issues.push({
        variable: name,
        value: raw,
        allowed: `comma-separated level=rate pairs, levels ${SENTRY_LEVELS.join(", ")}, rates from 0 to 1`,
      });
      return { ...DEFAULT_SAMPLE_RATES };
    }
    rates[level] = rate;
  }
  return rates;
}

/**
 * Reads Sentry's configuration. Returns undefined when SENTRY_DSN is unset (Sentry stays off); throws a
 * {@link ConfigError} listing every invalid variable.
 */
export function resolveSentryConfig(env: Env, base: ObservabilityConfig): SentryConfig | undefined {
  const r = new EnvReader(env);
  const dsn = r.raw("SENTRY_DSN");
  if (dsn === undefined) return undefined;
  if (!validDsn(dsn)) {
    r.issues.push({
      variable: "SENTRY_DSN",
      value: dsn,
      allowed: "a Sentry DSN: http(s)://<public key>@<host>/<project id>",
    });
  }
  const ignoredTracingVariables: { variable: string; value: number }[] = [];
  for (const variable of ["SENTRY_TRACES_SAMPLE_RATE", "SENTRY_PROFILES_SAMPLE_RATE"]) {
    if (r.raw(variable) === undefined) continue;
    const value = r.number(variable, Number.NaN, { min: 0, max: 1 });
    if (!Number.isNaN(value)) ignoredTracingVariables.push({ variable, value });
  }
  const config: SentryConfig = {
    dsn,
    environment: r.string("SENTRY_ENVIRONMENT", base.environment),
    release: r.string("SENTRY_RELEASE", `${base.serviceName}@${base.serviceVersion}`),
    sampleRates: parseSampleRates(r, "SENTRY_SAMPLE_RATES"),
    ignore: [...DEFAULT_IGNORE, ...parseIgnore(r, "PROCODE_SENTRY_IGNORE")],
    bufferSize: r.number("PROCODE_SENTRY_BUFFER_SIZE", 64, { min: 1, max: 10_000, integer: true }),
    sendTimeoutMs: r.number("PROCODE_SENTRY_SEND_TIMEOUT_MS", 5000, {
      min: 100,
      max: 600_000,
      integer: true,
    }),
    shutdownTimeoutMs: base.shutdownTimeoutMs,
    strict: base.strict,
    ignoredTracingVariables,
  };
  if (r.issues.length > 0) throw new ConfigError(r.issues);
  return deepFreeze(config);
}
