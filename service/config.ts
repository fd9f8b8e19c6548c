/**
 * The reference service's own configuration (the telemetry library reads its own variables): one function
 * reads the environment strictly (unset, or blank, means "use the default"; a value that is present but
 * invalid is an error naming the variable), checks invariants, and returns a frozen object. Every variable
 * is documented in service/README.md. The library's settings the service itself acts on (health checks,
 * the internal port, shutdown bounds) come from the library's resolveConfig (libraryConfig below).
 */
import { ConfigError, type ObservabilityConfig, resolveConfig } from "@procode/observability";

export type Env = Readonly<Record<string, string | undefined>>;

export const LLM_PROVIDERS = ["simulated", "openai", "anthropic"] as const;
export type LlmProviderName = (typeof LLM_PROVIDERS)[number];

export interface RemoteAgentConfig {
  readonly name: string;
  readonly url: string;
}

export interface SimulatedModelConfig {
  readonly seed: number;
  /** Multiplies every simulated latency (0: answer at once; tests use it). */
  readonly latencyScale: number;
  readonly rateLimitRate: number;
  readonly timeoutRate: number;
  readonly serverErrorRate: number;
  readonly malformedRate: number;
}

export interface DatabaseConfig {
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly user: string;
  readonly password: string;
  readonly poolMax: number;
  readonly idleTimeoutMs: number;
  readonly connectTimeoutMs: number;
  readonly statementTimeoutMs: number;
  readonly migrate: boolean;
  readonly seed: boolean;
}

export interface ServiceConfig {
  readonly host: string;
  readonly port: number;
  /** Undefined when DATABASE_URL is unset (main refuses to start; the demo starts its own PostgreSQL). */
  readonly database: DatabaseConfig | undefined;
  readonly llm: {
    readonly provider: LlmProviderName;
    readonly classifierModel: string;
    readonly responseModel: string;
    readonly baseUrl: string | undefined;
    readonly apiKey: string | undefined;
    readonly timeoutMs: number;
    readonly maxRetries: number;
    readonly maxOutputTokens: number;
    readonly simulated: SimulatedModelConfig;
  };
  readonly remoteAgents: readonly RemoteAgentConfig[];
  readonly remoteAgentTimeoutMs: number;
  readonly cache: { readonly maxBytes: number; readonly ttlMs: number };
  readonly maxBodyBytes: number;
  readonly maxMessageChars: number;
  readonly adminToken: string | undefined;
  readonly faultInjection: boolean;
}

export interface ConfigIssue {
  readonly variable: string;
  readonly value: string;
  readonly allowed: string;
}

export class ServiceConfigError extends Error {
  constructor(readonly issues: readonly ConfigIssue[]) {
    super(
      issues
        .map((i) => `${i.variable}=${JSON.stringify(i.value)} is invalid: expected ${i.allowed}`)
        .join("; "),
    );
    this.name = "ServiceConfigError";
  }
}

export const DEFAULT_REMOTE_AGENTS =
  "payment-gateway=http://127.0.0.1:8091,knowledge-base=http://127.0.0.1:8092,search-index=http://127.0.0.1:8093";

const DEFAULT_MODELS: Record<LlmProviderName, { classifier: string; response: string }> = {
  simulated: { classifier: "sim-small", response: "sim-large" },
  openai: { classifier: "gpt-4o-mini", response: "gpt-4o" },
  anthropic: { classifier: "claude-haiku-4-5", response: "claude-sonnet-4-5" },
};

class Reader {
  readonly issues: ConfigIssue[] = [];
  constructor(private readonly env: Env) {}

  raw(name: string): string | undefined {
    const v = this.env[name]?.trim();
    return v === undefined || v === "" ? undefined : v;
  }

  fail<T>(variable: string, value: string, allowed: string, fallback: T): T {
    this.issues.push({ variable, value, allowed });
    return fallback;
  }

  string(name: string, fallback: string): string {
    return this.raw(name) ?? fallback;
  }

  bool(name: string, fallback: boolean): boolean {
    const v = this.raw(name);
    if (v === undefined) return fallback;
    const l = v.toLowerCase();
    if (["true", "1", "yes", "on"].includes(l)) return true;
    if (["false", "0", "no", "off"].includes(l)) return false;
    return this.fail(name, v, "true or false (also 1/0, yes/no, on/off)", fallback);
  }

  number(name: string, fallback: number, min: number, max: number, integer = true): number {
    const v = this.raw(name);
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isFinite(n) || (integer && !Number.isInteger(n)) || n < min || n > max) {
      return this.fail(name, v, `${integer ? "an integer" : "a number"} from ${min} to ${max}`, fallback);
    }
    return n;
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const v = this.raw(name);
    if (v === undefined) return fallback;
    const hit = allowed.find((a) => a === v.toLowerCase());
    return hit ?? this.fail(name, v, `one of ${allowed.join(", ")}`, fallback);
  }

  httpUrl(name: string, value: string): string | undefined {
    try {
      const u = new URL(value);
      if (u.protocol === "http:" || u.protocol === "https:") return value.replace(/\/+$/, "");
    } catch {
      // reported below
    }
    return this.fail(name, value, "an http:// or https:// URL", undefined);
  }
}

function parseDatabaseUrl(r: Reader, raw: string): Omit<DatabaseConfig, keyof DbTuning> | undefined {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return r.fail("DATABASE_URL", "<hidden>", "postgres://user:password@host:port/database", undefined);
  }
  if (u.protocol !== "postgres:" && u.protocol !== "postgresql:") {
    return r.fail("DATABASE_URL", `${u.protocol}//...`, "a postgres:// or postgresql:// URL", undefined);
  }
  const database = decodeURIComponent(u.pathname.replace(/^\//, ""));
  if (u.hostname === "" || database === "") {
    return r.fail("DATABASE_URL", "<hidden>", "a URL with a host and a database name", undefined);
  }
  const port = u.port === "" ? 5432 : Number(u.port);
  return {
    // Explicit fields, not a connection string: the pg instrumentation names the pool host:port/database
    // from these options.
    host: u.hostname.replace(/^\[|\]$/g, ""),
    port,
    database,
    user: decodeURIComponent(u.username || "postgres"),
    password: decodeURIComponent(u.password),
  };
}

type DbTuning = Pick<
  DatabaseConfig,
  "poolMax" | "idleTimeoutMs" | "connectTimeoutMs" | "statementTimeoutMs" | "migrate" | "seed"
>;

function parseRemoteAgents(r: Reader, raw: string): RemoteAgentConfig[] {
  const out: RemoteAgentConfig[] = [];
  if (raw.toLowerCase() === "none") return out;
  for (const part of raw
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)) {
    const at = part.indexOf("=");
    const name = at > 0 ? part.slice(0, at).trim() : "";
    const url = at > 0 ? part.slice(at + 1).trim() : "";
    if (!/^[a-z][a-z0-9-]{0,40}$/.test(name)) {
      r.fail(
        "REMOTE_AGENTS",
        part,
        "name=url pairs, names of lower-case letters, digits and dashes",
        undefined,
      );
      continue;
    }
    const checked = r.httpUrl("REMOTE_AGENTS", url);
    if (checked !== undefined) out.push({ name, url: checked });
  }
  return out;
}

function deepFreeze<T>(o: T): T {
  if (o !== null && typeof o === "object" && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o)) deepFreeze(v);
  }
  return o;
}

/** Reads the service configuration; throws a {@link ServiceConfigError} listing every invalid variable. */
export function loadServiceConfig(env: Env = process.env): ServiceConfig {
  const r = new Reader(env);
  const provider = r.oneOf("LLM_PROVIDER", LLM_PROVIDERS, "simulated");
  const models = DEFAULT_MODELS[provider];
  const baseUrlRaw = r.raw("LLM_BASE_URL");
  const apiKey =
    r.raw("LLM_API_KEY") ??
    (provider === "openai"
      ? r.raw("OPENAI_API_KEY")
      : provider === "anthropic"
        ? r.raw("ANTHROPIC_API_KEY")
        : undefined);
  if (provider !== "simulated" && apiKey === undefined) {
    r.fail("LLM_API_KEY", "", `an API key when LLM_PROVIDER=${provider}`, undefined);
  }

  const rate = (name: string): number => r.number(name, 0, 0, 1, false);
  const simulated: SimulatedModelConfig = {
    seed: r.number("LLM_SIM_SEED", 42, 0, 2 ** 32 - 1),
    latencyScale: r.number("LLM_SIM_LATENCY_SCALE", 1, 0, 100, false),
    rateLimitRate: rate("LLM_SIM_RATE_LIMIT_RATE"),
    timeoutRate: rate("LLM_SIM_TIMEOUT_RATE"),
    serverErrorRate: rate("LLM_SIM_SERVER_ERROR_RATE"),
    malformedRate: rate("LLM_SIM_MALFORMED_RATE"),
  };
  const totalRate =
    simulated.rateLimitRate + simulated.timeoutRate + simulated.serverErrorRate + simulated.malformedRate;
  if (totalRate > 1) {
    r.fail("LLM_SIM_*_RATE", totalRate.toFixed(3), "failure rates that add up to at most 1", undefined);
  }

  const tuning: DbTuning = {
    poolMax: r.number("DB_POOL_MAX", 10, 1, 1000),
    idleTimeoutMs: r.number("DB_POOL_IDLE_TIMEOUT_MS", 30_000, 0, 3_600_000),
    connectTimeoutMs: r.number("DB_CONNECT_TIMEOUT_MS", 5_000, 1, 600_000),
    statementTimeoutMs: r.number("DB_STATEMENT_TIMEOUT_MS", 5_000, 0, 3_600_000),
    migrate: r.bool("DB_MIGRATE", true),
    seed: r.bool("DB_SEED", true),
  };
  const dbUrl = r.raw("DATABASE_URL");
  const dbConn = dbUrl === undefined ? undefined : parseDatabaseUrl(r, dbUrl);

  const adminToken = r.raw("SERVICE_ADMIN_TOKEN");
  if (adminToken !== undefined && adminToken.length < 16) {
    r.fail("SERVICE_ADMIN_TOKEN", "<hidden>", "at least 16 characters", undefined);
  }

  const config: ServiceConfig = {
    host: r.string("HOST", "127.0.0.1"),
    port: r.number("PORT", 8080, 0, 65535),
    database: dbConn === undefined ? undefined : { ...dbConn, ...tuning },
    llm: {
      provider,
      classifierModel: r.string("LLM_CLASSIFIER_MODEL", models.classifier),
      responseModel: r.string("LLM_RESPONSE_MODEL", models.response),
      baseUrl: baseUrlRaw === undefined ? undefined : r.httpUrl("LLM_BASE_URL", baseUrlRaw),
      apiKey,
      timeoutMs: r.number("LLM_TIMEOUT_MS", 30_000, 1, 600_000),
      maxRetries: r.number("LLM_MAX_RETRIES", 0, 0, 10),
      maxOutputTokens: r.number("LLM_MAX_OUTPUT_TOKENS", 512, 1, 100_000),
      simulated,
    },
    remoteAgents: parseRemoteAgents(r, r.string("REMOTE_AGENTS", DEFAULT_REMOTE_AGENTS)),
    remoteAgentTimeoutMs: r.number("REMOTE_AGENT_TIMEOUT_MS", 1_500, 1, 600_000),
    cache: {
      maxBytes: r.number("CACHE_MAX_BYTES", 1_048_576, 1024, 2 ** 31),
      ttlMs: r.number("CACHE_TTL_SECONDS", 30, 0, 86_400, false) * 1000,
    },
    maxBodyBytes: r.number("SERVICE_MAX_BODY_BYTES", 16_384, 64, 10_485_760),
    maxMessageChars: r.number("SERVICE_MAX_MESSAGE_CHARS", 4_000, 1, 1_000_000),
    adminToken,
    faultInjection: r.bool("SERVICE_FAULT_INJECTION", false),
  };
  if (r.issues.length > 0) throw new ServiceConfigError(r.issues);
  return deepFreeze(config);
}

/** The library's settings the service acts on itself. */
export type LibrarySettings = Pick<ObservabilityConfig, "health" | "internal" | "shutdown">;

/** The variables behind LibrarySettings (ENABLE_HEALTH_CHECKS, HEALTH_CHECK_*, PROCODE_HEALTH_TOKEN, ...). */
const LIBRARY_SETTING =
  /^(ENABLE_HEALTH_CHECKS$|HEALTH_CHECK_|PROCODE_HEALTH_|PROCODE_INTERNAL_|PROCODE_SHUTDOWN_)/;

/**
 * The library's health, internal-port and shutdown settings, read by the library's own resolveConfig. A bad
 * variable elsewhere in the library's configuration (an OTLP endpoint, say) is the preload's to report - it
 * runs without telemetry then - and does not stop the service; a bad variable among these does, with a
 * ServiceConfigError naming it (the service cannot run its health checks or its shutdown on a guess).
 */
export function libraryConfig(env: Env = process.env): LibrarySettings {
  try {
    return resolveConfig(env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
  }
  const own = Object.fromEntries(Object.entries(env).filter(([name]) => LIBRARY_SETTING.test(name)));
  try {
    return resolveConfig(own);
  } catch (err) {
    if (err instanceof ConfigError) throw new ServiceConfigError(err.issues);
    throw err;
  }
}
