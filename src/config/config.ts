/**
 * The library's configuration: one function reads the environment strictly, applies defaults, checks
 * invariants and returns a frozen object. Standard `OTEL_*` variables are used wherever one exists; the
 * seed's switches (ENABLE_METRICS, ENABLE_TRACING, ...) and our own `PROCODE_*` switches cover the rest.
 * Every variable is documented in the README ("Configuration").
 */
import { type ConfigIssue, type Env, EnvReader, formatIssue } from "./env";

export const SAMPLERS = [
  "always_on",
  "always_off",
  "traceidratio",
  "parentbased_always_on",
  "parentbased_always_off",
  "parentbased_traceidratio",
] as const;
export type SamplerName = (typeof SAMPLERS)[number];

export const INSTRUMENTATIONS = ["http", "undici", "pg", "pino", "runtime"] as const;
export type InstrumentationName = (typeof INSTRUMENTATIONS)[number];

export type MetricsExporter = "otlp" | "prometheus" | "none";
export type SignalExporter = "otlp" | "none";

/** OTLP over HTTP with protobuf bodies (the specification's default) or JSON bodies. */
export type OtlpProtocol = "http/protobuf" | "http/json";
const OTLP_PROTOCOLS: readonly OtlpProtocol[] = ["http/protobuf", "http/json"];
const GRPC_HINT = "grpc is not shipped: send OTLP/HTTP to the Collector's port 4318 with http/protobuf";

export interface OtlpConfig {
  readonly tracesEndpoint: string;
  readonly metricsEndpoint: string;
  readonly logsEndpoint: string;
  /** OTEL_EXPORTER_OTLP_PROTOCOL, overridden per signal by OTEL_EXPORTER_OTLP_{TRACES,METRICS,LOGS}_PROTOCOL. */
  readonly tracesProtocol: OtlpProtocol;
  readonly metricsProtocol: OtlpProtocol;
  readonly logsProtocol: OtlpProtocol;
  /**
   * Export headers per signal: OTEL_EXPORTER_OTLP_HEADERS, with OTEL_EXPORTER_OTLP_{TRACES,METRICS,LOGS}_HEADERS
   * winning for the keys both set (as the OTLP exporter specification orders them).
   */
  readonly tracesHeaders: Readonly<Record<string, string>>;
  readonly metricsHeaders: Readonly<Record<string, string>>;
  readonly logsHeaders: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
}

export interface HealthConfig {
  readonly enabled: boolean;
  readonly timeoutMs: number;
  readonly intervalMs: number;
  readonly database: boolean;
  readonly llm: boolean;
  readonly agents: boolean;
  readonly disk: boolean;
  readonly memory: boolean;
  /** Checks whose failure makes /health answer 503; the others degrade. */
  readonly critical: readonly string[];
  readonly diskPath: string;
  readonly diskMinFreeRatio: number;
  readonly memoryMaxRssBytes: number;
  /** PROCODE_HEALTH_TOKEN: a bearer token (16+ characters) that unlocks health detail on the public port. */
  readonly token: string | undefined;
  /** HEALTH_CHECK_RATE_LIMIT ("30/10s"): public /health requests per client address, or false ("off"). */
  readonly rateLimit: { readonly limit: number; readonly windowMs: number } | false;
}

export interface ShutdownConfig {
  /** PROCODE_SHUTDOWN_TIMEOUT_MS: bound on the whole sequence (drain, flush, close). */
  readonly timeoutMs: number;
  /** PROCODE_SHUTDOWN_ACCEPT_DELAY_MS: keep accepting this long after /ready turns 503 (load balancers). */
  readonly acceptDelayMs: number;
  /** PROCODE_SHUTDOWN_DRAIN_TIMEOUT_MS: bound on the drain (accept delay included); below the timeout. */
  readonly drainTimeoutMs: number;
}

export interface ObservabilityConfig {
  /** OTEL_SDK_DISABLED: nothing is started at all. */
  readonly disabled: boolean;
  readonly serviceName: string;
  readonly serviceVersion: string;
  readonly environment: string;
  readonly resourceAttributes: Readonly<Record<string, string>>;
  readonly tracing: {
    readonly enabled: boolean;
    readonly exporter: SignalExporter;
    readonly sampler: SamplerName;
    readonly samplerArg: number;
    readonly batch: {
      readonly scheduleDelayMs: number;
      readonly maxQueueSize: number;
      readonly maxExportBatchSize: number;
      readonly exportTimeoutMs: number;
    };
  };
  readonly metrics: {
    readonly enabled: boolean;
    readonly exporter: MetricsExporter;
    readonly exportIntervalMs: number;
    readonly exportTimeoutMs: number;
    /** Path of the Prometheus text endpoint in embedded mode (OTEL_METRICS_EXPORTER=prometheus). */
    readonly endpoint: string;
    /** Bearer token guarding the endpoint when it is served on the app's public port. */
    readonly token: string | undefined;
    readonly cardinalityLimit: number;
  };
  readonly logs: {
    readonly enabled: boolean;
    readonly exporter: SignalExporter;
  };
  readonly otlp: OtlpConfig;
  readonly instrumentations: readonly InstrumentationName[];
  /** PROCODE_HTTP_SERVER_INSTRUMENTATION: server spans from the http instrumentation (non-Hono apps). */
  readonly httpServerInstrumentation: boolean;
  /** OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: prompt and completion content on spans (off). */
  readonly captureContent: boolean;
  readonly internal: { readonly host: string; readonly port: number | undefined };
  readonly health: HealthConfig;
  readonly shutdownTimeoutMs: number;
  readonly shutdown: ShutdownConfig;
  /** PROCODE_CONFIG_STRICT: a bad configuration exits the process instead of running without telemetry. */
  readonly strict: boolean;
  readonly logLevel: "none" | "error" | "warn" | "info" | "debug" | "verbose" | "all";
}

export class ConfigError extends Error {
  constructor(readonly issues: readonly ConfigIssue[]) {
    super(issues.map(formatIssue).join("; "));
    this.name = "ConfigError";
  }
}

export interface ResolveOptions {
  /** The version reported when neither OTEL_RESOURCE_ATTRIBUTES nor OTEL_SERVICE_VERSION sets one. */
  readonly defaultServiceVersion?: string;
}

function deepFreeze<T>(o: T): T {
  if (o !== null && typeof o === "object" && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o)) deepFreeze(v);
  }
  return o;
}

function signalEndpoint(r: EnvReader, base: string, signal: "traces" | "metrics" | "logs"): string {
  const specific = r.url(`OTEL_EXPORTER_OTLP_${signal.toUpperCase()}_ENDPOINT`, undefined);
  if (specific !== undefined) return specific;
  return `${base.replace(/\/+$/, "")}/v1/${signal}`;
}

function signalProtocol(
  r: EnvReader,
  base: OtlpProtocol,
  signal: "traces" | "metrics" | "logs",
): OtlpProtocol {
  return r.oneOf(`OTEL_EXPORTER_OTLP_${signal.toUpperCase()}_PROTOCOL`, OTLP_PROTOCOLS, base, GRPC_HINT);
}

/** "N/Ds", "N/Dms", "N/Dm" or "off": requests per window per client address. */
function parseRateLimit(
  r: EnvReader,
  name: string,
  fallback: { limit: number; windowMs: number },
): { limit: number; windowMs: number } | false {
  const v = r.raw(name);
  if (v === undefined) return fallback;
  if (/^(off|false|0)$/i.test(v)) return false;
  const m = /^(\d+)\s*\/\s*(\d+)\s*(ms|s|m)$/.exec(v);
  const limit = Number(m?.[1]);
  const amount = Number(m?.[2]);
  if (!m || limit < 1 || amount < 1) {
    r.issues.push({
      variable: name,
      value: v,
      allowed: 'requests per window such as "30/10s" or "600/1m", or "off"',
    });
    return fallback;
  }
  const unit = m[3] === "ms" ? 1 : m[3] === "s" ? 1000 : 60_000;
  return { limit, windowMs: amount * unit };
}

/**
 * Reads the configuration from `env`. Returns the frozen config, or throws a {@link ConfigError} that lists
 * every invalid variable (never only the first).
 */
export function resolveConfig(env: Env = process.env, opts: ResolveOptions = {}): ObservabilityConfig {
  const r = new EnvReader(env);

  const resourceAttributes = r.keyValues("OTEL_RESOURCE_ATTRIBUTES");
  const serviceName = r.string(
    "OTEL_SERVICE_NAME",
    resourceAttributes["service.name"] ?? "procode-agent-framework",
  );
  const serviceVersion = r.string(
    "OTEL_SERVICE_VERSION",
    resourceAttributes["service.version"] ?? opts.defaultServiceVersion ?? "0.0.0",
  );
  const environment = r.string(
    "DEPLOYMENT_ENVIRONMENT",
    resourceAttributes["deployment.environment.name"] ??
      resourceAttributes["deployment.environment"] ??
      "development",
  );

  const enableTracing = r.bool("ENABLE_TRACING", true);
  const enableMetrics = r.bool("ENABLE_METRICS", true);
  const traceExporter = r.oneOf<SignalExporter>("OTEL_TRACES_EXPORTER", ["otlp", "none"], "otlp");
  const metricsExporter = r.oneOf<MetricsExporter>(
    "OTEL_METRICS_EXPORTER",
    ["otlp", "prometheus", "none"],
    "otlp",
  );
  const logsExporter = r.oneOf<SignalExporter>("OTEL_LOGS_EXPORTER", ["otlp", "none"], "otlp");

  // The app sends every span; sampling for Jaeger happens in the Collector after span metrics are derived.
  const sampler = r.oneOf<SamplerName>("OTEL_TRACES_SAMPLER", SAMPLERS, "parentbased_always_on");
  const samplerArg = r.number("OTEL_TRACES_SAMPLER_ARG", 1, { min: 0, max: 1 });

  const base = r.url("OTEL_EXPORTER_OTLP_ENDPOINT", "http://localhost:4318") ?? "http://localhost:4318";
  const protocol = r.oneOf("OTEL_EXPORTER_OTLP_PROTOCOL", OTLP_PROTOCOLS, "http/protobuf", GRPC_HINT);
  const headers = r.keyValues("OTEL_EXPORTER_OTLP_HEADERS");
  const signalHeaders = (signal: "TRACES" | "METRICS" | "LOGS") => ({
    ...headers,
    ...r.keyValues(`OTEL_EXPORTER_OTLP_${signal}_HEADERS`),
  });
  const otlp: OtlpConfig = {
    tracesEndpoint: signalEndpoint(r, base, "traces"),
    metricsEndpoint: signalEndpoint(r, base, "metrics"),
    logsEndpoint: signalEndpoint(r, base, "logs"),
    tracesProtocol: signalProtocol(r, protocol, "traces"),
    metricsProtocol: signalProtocol(r, protocol, "metrics"),
    logsProtocol: signalProtocol(r, protocol, "logs"),
    tracesHeaders: signalHeaders("TRACES"),
    metricsHeaders: signalHeaders("METRICS"),
    logsHeaders: signalHeaders("LOGS"),
    timeoutMs: r.number("OTEL_EXPORTER_OTLP_TIMEOUT", 10_000, { min: 1, integer: true }),
  };

  const disabledInstr = r.listOf("OTEL_NODE_DISABLED_INSTRUMENTATIONS", INSTRUMENTATIONS, []);
  const enabledInstr = r.listOf("OTEL_NODE_ENABLED_INSTRUMENTATIONS", INSTRUMENTATIONS, INSTRUMENTATIONS);

  const internalPortRaw = r.raw("PROCODE_INTERNAL_PORT");
  const internalPort =
    internalPortRaw === undefined
      ? undefined
      : r.number("PROCODE_INTERNAL_PORT", 0, { min: 0, max: 65535, integer: true });

  const healthEnabled = r.bool("ENABLE_HEALTH_CHECKS", true);
  const critical = r.listOf(
    "HEALTH_CHECK_CRITICAL",
    ["database", "llm_provider", "external_agents", "disk", "memory"] as const,
    ["database"],
  );

  const shutdownTimeout = r.number("PROCODE_SHUTDOWN_TIMEOUT_MS", 5000, {
    min: 100,
    max: 600_000,
    integer: true,
  });

  const config: ObservabilityConfig = {
    disabled: r.bool("OTEL_SDK_DISABLED", false),
    serviceName,
    serviceVersion,
    environment,
    resourceAttributes,
    tracing: {
      enabled: enableTracing && traceExporter !== "none",
      exporter: enableTracing ? traceExporter : "none",
      sampler,
      samplerArg,
      batch: {
        scheduleDelayMs: r.number("OTEL_BSP_SCHEDULE_DELAY", 1000, { min: 0, integer: true }),
        maxQueueSize: r.number("OTEL_BSP_MAX_QUEUE_SIZE", 8192, { min: 1, integer: true }),
        maxExportBatchSize: r.number("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", 512, { min: 1, integer: true }),
        exportTimeoutMs: r.number("OTEL_BSP_EXPORT_TIMEOUT", 10_000, { min: 1, integer: true }),
      },
    },
    metrics: {
      enabled: enableMetrics && metricsExporter !== "none",
      exporter: enableMetrics ? metricsExporter : "none",
      exportIntervalMs: r.number("OTEL_METRIC_EXPORT_INTERVAL", 15_000, { min: 100, integer: true }),
      exportTimeoutMs: r.number("OTEL_METRIC_EXPORT_TIMEOUT", 10_000, { min: 1, integer: true }),
      endpoint: r.path("METRICS_ENDPOINT", "/metrics"),
      token: r.optionalString("PROCODE_METRICS_TOKEN"),
      cardinalityLimit: r.number("PROCODE_METRIC_CARDINALITY_LIMIT", 2000, {
        min: 10,
        max: 1_000_000,
        integer: true,
      }),
    },
    logs: {
      enabled: logsExporter !== "none",
      exporter: logsExporter,
    },
    otlp,
    instrumentations: enabledInstr.filter((i) => !disabledInstr.includes(i)),
    httpServerInstrumentation: r.bool("PROCODE_HTTP_SERVER_INSTRUMENTATION", false),
    captureContent: r.bool("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", false),
    internal: {
      host: r.string("PROCODE_INTERNAL_HOST", "127.0.0.1"),
      port: internalPort,
    },
    health: {
      enabled: healthEnabled,
      timeoutMs: r.number("HEALTH_CHECK_TIMEOUT_SECONDS", 5, { min: 0.01, max: 300 }) * 1000,
      intervalMs: r.number("HEALTH_CHECK_INTERVAL_SECONDS", 10, { min: 0.05, max: 3600 }) * 1000,
      database: r.bool("HEALTH_CHECK_DATABASE", true),
      llm: r.bool("HEALTH_CHECK_LLM", true),
      agents: r.bool("HEALTH_CHECK_AGENTS", true),
      disk: r.bool("HEALTH_CHECK_DISK", true),
      memory: r.bool("HEALTH_CHECK_MEMORY", true),
      critical,
      diskPath: r.string("HEALTH_CHECK_DISK_PATH", "/"),
      diskMinFreeRatio: r.number("HEALTH_CHECK_DISK_MIN_FREE_PERCENT", 10, { min: 0, max: 100 }) / 100,
      memoryMaxRssBytes: r.number("HEALTH_CHECK_MEMORY_MAX_RSS_MB", 2048, { min: 1 }) * 1024 * 1024,
      token: r.optionalString("PROCODE_HEALTH_TOKEN"),
      rateLimit: parseRateLimit(r, "HEALTH_CHECK_RATE_LIMIT", { limit: 30, windowMs: 10_000 }),
    },
    shutdownTimeoutMs: shutdownTimeout,
    shutdown: {
      timeoutMs: shutdownTimeout,
      acceptDelayMs: r.number("PROCODE_SHUTDOWN_ACCEPT_DELAY_MS", 0, { min: 0, max: 600_000, integer: true }),
      drainTimeoutMs: r.number("PROCODE_SHUTDOWN_DRAIN_TIMEOUT_MS", Math.round(shutdownTimeout * 0.6), {
        min: 0,
        max: 600_000,
        integer: true,
      }),
    },
    strict: r.bool("PROCODE_CONFIG_STRICT", false),
    logLevel: r.oneOf("OTEL_LOG_LEVEL", ["none", "error", "warn", "info", "debug", "verbose", "all"], "warn"),
  };

  if (
    config.metrics.exporter === "prometheus" &&
    config.metrics.token === undefined &&
    internalPort === undefined
  ) {
    // Embedded mode must never expose /metrics unauthenticated on the public port.
    r.issues.push({
      variable: "PROCODE_METRICS_TOKEN",
      value: "",
      allowed: "a bearer token, or PROCODE_INTERNAL_PORT set, when OTEL_METRICS_EXPORTER=prometheus",
    });
  }
  if (config.tracing.batch.maxExportBatchSize > config.tracing.batch.maxQueueSize) {
    r.issues.push({
      variable: "OTEL_BSP_MAX_EXPORT_BATCH_SIZE",
      value: String(config.tracing.batch.maxExportBatchSize),
      allowed: `at most OTEL_BSP_MAX_QUEUE_SIZE (${config.tracing.batch.maxQueueSize})`,
    });
  }

  if (config.shutdown.drainTimeoutMs >= config.shutdown.timeoutMs) {
    r.issues.push({
      variable: "PROCODE_SHUTDOWN_DRAIN_TIMEOUT_MS",
      value: String(config.shutdown.drainTimeoutMs),
      allowed: `less than PROCODE_SHUTDOWN_TIMEOUT_MS (${config.shutdown.timeoutMs}), so the telemetry flush keeps its time`,
    });
  }
  if (config.shutdown.acceptDelayMs > config.shutdown.drainTimeoutMs) {
    r.issues.push({
      variable: "PROCODE_SHUTDOWN_ACCEPT_DELAY_MS",
      value: String(config.shutdown.acceptDelayMs),
      allowed: `at most PROCODE_SHUTDOWN_DRAIN_TIMEOUT_MS (${config.shutdown.drainTimeoutMs})`,
    });
  }
  if (config.health.token !== undefined && config.health.token.length < 16) {
    r.issues.push({
      variable: "PROCODE_HEALTH_TOKEN",
      value: "(hidden)",
      allowed: "a token of at least 16 characters",
    });
  }

  if (r.issues.length > 0) throw new ConfigError(r.issues);
  return deepFreeze(config);
}
