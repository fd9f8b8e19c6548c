/**
 * Every instrument this library creates, as data: name, kind, unit, description, the attribute allow-list
 * and bucket boundaries. Instrument factories, the SDK's views (allow-lists, cardinality limits) and the
 * metrics catalogue document are all derived from this one table.
 */
import * as sc from "../semconv";

export type InstrumentKind =
  | "counter"
  | "histogram"
  | "updowncounter"
  | "gauge"
  | "observable_counter"
  | "observable_updowncounter"
  | "observable_gauge";

export interface InstrumentSpec {
  readonly name: string;
  readonly kind: InstrumentKind;
  readonly unit: string;
  readonly description: string;
  /** The only attribute keys that survive into exported data (a view enforces it). */
  readonly attributes: readonly string[];
  readonly buckets?: readonly number[];
}

const spec = <T extends InstrumentSpec>(s: T): T => s;

export const ATTR_AGENT_TYPE = "agent.type";
export const ATTR_CACHE_NAME = "cache.name";
export const ATTR_CACHE_OPERATION = "cache.operation";
export const ATTR_CACHE_RESULT = "cache.result";
export const ATTR_ORGANIZATION_ID = "organization.id";
export const ATTR_API_KEY_ID = "api_key.id";
export const ATTR_API_KEY_STATUS = "api_key.status";
export const ATTR_RATE_LIMIT_TYPE = "rate_limit.type";
export const ATTR_HEALTH_CHECK_NAME = "health.check.name";
export const ATTR_APP_BUILD = "app.build";

export const HTTP_SERVER_REQUEST_DURATION = spec({
  name: sc.METRIC_HTTP_SERVER_REQUEST_DURATION,
  kind: "histogram",
  unit: "s",
  description: "Duration of HTTP server requests.",
  attributes: [
    sc.ATTR_HTTP_REQUEST_METHOD,
    sc.ATTR_HTTP_ROUTE,
    sc.ATTR_HTTP_RESPONSE_STATUS_CODE,
    sc.ATTR_ERROR_TYPE,
  ],
  buckets: sc.BUCKETS_HTTP_DURATION,
});
export const HTTP_SERVER_ACTIVE_REQUESTS = spec({
  name: sc.METRIC_HTTP_SERVER_ACTIVE_REQUESTS,
  kind: "observable_updowncounter",
  unit: "{request}",
  description: "Number of active HTTP server requests.",
  attributes: [sc.ATTR_HTTP_REQUEST_METHOD],
});
const SIZE_BUCKETS = [0, 100, 1000, 10_000, 100_000, 1_000_000, 10_000_000];
export const HTTP_SERVER_REQUEST_BODY_SIZE = spec({
  name: sc.METRIC_HTTP_SERVER_REQUEST_BODY_SIZE,
  kind: "histogram",
  unit: "By",
  description: "Size of HTTP server request bodies.",
  attributes: [sc.ATTR_HTTP_REQUEST_METHOD, sc.ATTR_HTTP_ROUTE],
  buckets: SIZE_BUCKETS,
});
export const HTTP_SERVER_RESPONSE_BODY_SIZE = spec({
  name: sc.METRIC_HTTP_SERVER_RESPONSE_BODY_SIZE,
  kind: "histogram",
  unit: "By",
  description: "Size of HTTP server response bodies.",
  attributes: [sc.ATTR_HTTP_REQUEST_METHOD, sc.ATTR_HTTP_ROUTE],
  buckets: SIZE_BUCKETS,
});

const GEN_AI_ATTRS = [
  sc.ATTR_GEN_AI_OPERATION_NAME,
  sc.ATTR_GEN_AI_PROVIDER_NAME,
  sc.ATTR_GEN_AI_REQUEST_MODEL,
  sc.ATTR_ERROR_TYPE,
] as const;
export const GEN_AI_CLIENT_OPERATION_DURATION = spec({
  name: sc.METRIC_GEN_AI_CLIENT_OPERATION_DURATION,
  kind: "histogram",
  unit: "s",
  description: "GenAI operation duration.",
  attributes: GEN_AI_ATTRS,
  buckets: sc.BUCKETS_GEN_AI_DURATION,
});
export const GEN_AI_CLIENT_TOKEN_USAGE = spec({
  name: sc.METRIC_GEN_AI_CLIENT_TOKEN_USAGE,
  kind: "histogram",
  unit: "{token}",
  description: "Number of input and output tokens used.",
  attributes: [
    sc.ATTR_GEN_AI_OPERATION_NAME,
    sc.ATTR_GEN_AI_PROVIDER_NAME,
    sc.ATTR_GEN_AI_REQUEST_MODEL,
    sc.ATTR_GEN_AI_TOKEN_TYPE,
  ],
  buckets: sc.BUCKETS_GEN_AI_TOKENS,
});
export const GEN_AI_CLIENT_TIME_TO_FIRST_CHUNK = spec({
  name: sc.METRIC_GEN_AI_CLIENT_OPERATION_TIME_TO_FIRST_CHUNK,
  kind: "histogram",
  unit: "s",
  description: "Time to receive the first chunk of a streamed GenAI response.",
  attributes: [sc.ATTR_GEN_AI_OPERATION_NAME, sc.ATTR_GEN_AI_PROVIDER_NAME, sc.ATTR_GEN_AI_REQUEST_MODEL],
  buckets: sc.BUCKETS_GEN_AI_DURATION,
});
export const LLM_COST = spec({
  name: "llm.cost.usd",
  kind: "counter",
  unit: "{USD}",
  description: "Cost of LLM calls in US dollars, from the repository's price table.",
  attributes: [sc.ATTR_GEN_AI_PROVIDER_NAME, sc.ATTR_GEN_AI_REQUEST_MODEL],
});
export const LLM_ERRORS = spec({
  name: "llm.errors",
  kind: "counter",
  unit: "{error}",
  description: "Failed LLM calls by error type (rate_limit, timeout, server_error, malformed_response, ...).",
  attributes: [sc.ATTR_GEN_AI_PROVIDER_NAME, sc.ATTR_GEN_AI_REQUEST_MODEL, sc.ATTR_ERROR_TYPE],
});

export const AGENT_EXECUTION_DURATION = spec({
  name: "agent.execution.duration",
  kind: "histogram",
  unit: "s",
  description: "Duration of agent executions; its count is the number of executions.",
  attributes: [ATTR_AGENT_TYPE, sc.ATTR_ERROR_TYPE],
  buckets: [0.1, 0.5, 1, 2, 5, 10, 30],
});
export const AGENT_EXECUTIONS_ACTIVE = spec({
  name: "agent.executions.active",
  kind: "updowncounter",
  unit: "{execution}",
  description: "Agent executions in progress.",
  attributes: [ATTR_AGENT_TYPE],
});

export const CACHE_OPERATIONS = spec({
  name: "cache.operations",
  kind: "counter",
  unit: "{operation}",
  description: "Cache operations by operation and result (hit, miss, ok).",
  attributes: [ATTR_CACHE_NAME, ATTR_CACHE_OPERATION, ATTR_CACHE_RESULT],
});
export const CACHE_SIZE = spec({
  name: "cache.size",
  kind: "gauge",
  unit: "By",
  description: "Cache size in bytes.",
  attributes: [ATTR_CACHE_NAME],
});

export const API_KEY_REQUESTS = spec({
  name: "api_key.requests",
  kind: "counter",
  unit: "{request}",
  description:
    "Requests by organization, API key id and outcome (accepted, invalid, revoked, rate_limited, over_quota).",
  attributes: [ATTR_ORGANIZATION_ID, ATTR_API_KEY_ID, ATTR_API_KEY_STATUS],
});
export const RATE_LIMIT_EXCEEDED = spec({
  name: "rate_limit.exceeded",
  kind: "counter",
  unit: "{event}",
  description: "Requests refused by a rate limit or quota, by limit type (per_minute, monthly).",
  attributes: [ATTR_ORGANIZATION_ID, ATTR_RATE_LIMIT_TYPE],
});
export const QUOTA_USAGE = spec({
  name: "quota.usage",
  kind: "gauge",
  unit: "%",
  description: "Monthly quota used, in percent.",
  attributes: [ATTR_ORGANIZATION_ID],
});

export const DB_CLIENT_OPERATION_DURATION = spec({
  name: sc.METRIC_DB_CLIENT_OPERATION_DURATION,
  kind: "histogram",
  unit: "s",
  description: "Duration of database client operations; error.type is the SQLSTATE code of a failed query.",
  attributes: [
    sc.ATTR_DB_SYSTEM_NAME,
    sc.ATTR_DB_OPERATION_NAME,
    sc.ATTR_DB_COLLECTION_NAME,
    sc.ATTR_ERROR_TYPE,
  ],
  buckets: sc.BUCKETS_DB_DURATION,
});
export const DB_CLIENT_CONNECTION_COUNT = spec({
  name: sc.METRIC_DB_CLIENT_CONNECTION_COUNT,
  kind: "updowncounter",
  unit: "{connection}",
  description: "Connections in the pool by state (idle, used).",
  attributes: [sc.ATTR_DB_CLIENT_CONNECTION_STATE, sc.ATTR_DB_CLIENT_CONNECTION_POOL_NAME],
});
export const DB_CLIENT_CONNECTION_MAX = spec({
  name: sc.METRIC_DB_CLIENT_CONNECTION_MAX,
  kind: "updowncounter",
  unit: "{connection}",
  description: "Maximum number of connections the pool allows.",
  attributes: [sc.ATTR_DB_CLIENT_CONNECTION_POOL_NAME],
});
export const DB_CLIENT_CONNECTION_PENDING_REQUESTS = spec({
  name: sc.METRIC_DB_CLIENT_CONNECTION_PENDING_REQUESTS,
  kind: "updowncounter",
  unit: "{request}",
  description: "Requests waiting for a pool connection.",
  attributes: [sc.ATTR_DB_CLIENT_CONNECTION_POOL_NAME],
});

export const PROCESS_CPU_TIME = spec({
  name: sc.METRIC_PROCESS_CPU_TIME,
  kind: "observable_counter",
  unit: "s",
  description: "CPU time used by the process, by mode (user, system).",
  attributes: [sc.ATTR_CPU_MODE],
});
export const PROCESS_MEMORY_USAGE = spec({
  name: sc.METRIC_PROCESS_MEMORY_USAGE,
  kind: "observable_updowncounter",
  unit: "By",
  description: "Resident set size of the process.",
  attributes: [],
});
export const PROCESS_MEMORY_VIRTUAL = spec({
  name: sc.METRIC_PROCESS_MEMORY_VIRTUAL,
  kind: "observable_updowncounter",
  unit: "By",
  description: "Virtual memory size of the process.",
  attributes: [],
});
export const PROCESS_FILE_DESCRIPTORS = spec({
  name: sc.METRIC_PROCESS_UNIX_FILE_DESCRIPTOR_COUNT,
  kind: "observable_updowncounter",
  unit: "{file_descriptor}",
  description: "Open file descriptors of the process.",
  attributes: [],
});
export const PROCESS_UPTIME = spec({
  name: sc.METRIC_PROCESS_UPTIME,
  kind: "observable_gauge",
  unit: "s",
  description: "Time since the process started.",
  attributes: [],
});
export const FILESYSTEM_UTILIZATION = spec({
  name: sc.METRIC_SYSTEM_FILESYSTEM_UTILIZATION,
  kind: "observable_gauge",
  unit: "1",
  description: "Used share of the filesystem holding the service's data (0 to 1).",
  attributes: [sc.ATTR_SYSTEM_FILESYSTEM_MOUNTPOINT],
});
export const APP_INFO = spec({
  name: "app.info",
  kind: "observable_gauge",
  unit: "",
  description: "Always 1; the attributes carry the service version and the runtime (Node.js) version.",
  attributes: [
    sc.ATTR_SERVICE_VERSION,
    sc.ATTR_DEPLOYMENT_ENVIRONMENT_NAME,
    sc.ATTR_PROCESS_RUNTIME_NAME,
    sc.ATTR_PROCESS_RUNTIME_VERSION,
  ],
});

export const HEALTH_CHECK_STATUS = spec({
  name: "health.check.status",
  kind: "observable_gauge",
  unit: "{status}",
  description: "Last result of a background health check: 1 healthy, 0.5 degraded, 0 unhealthy.",
  attributes: [ATTR_HEALTH_CHECK_NAME],
});
export const HEALTH_CHECK_DURATION = spec({
  name: "health.check.duration",
  kind: "observable_gauge",
  unit: "s",
  description: "Latency of the last run of a background health check.",
  attributes: [ATTR_HEALTH_CHECK_NAME],
});

export const ATTR_SENTRY_LEVEL = "level";
export const ATTR_SENTRY_DROP_REASON = "reason";
export const SENTRY_EVENTS_DROPPED = spec({
  name: "sentry.events.dropped",
  kind: "counter",
  unit: "{event}",
  description:
    "Sentry error events that were not sent, by level and reason (sampled, ignored, before_send_error, backoff, queue_overflow, network_error, ratelimit_backoff, send_error, ...).",
  attributes: [ATTR_SENTRY_LEVEL, ATTR_SENTRY_DROP_REASON],
});

/** Instruments created by this library's code (the pg instrumentation creates the db.client.* ones). */
export const OWN_INSTRUMENTS: readonly InstrumentSpec[] = [
  HTTP_SERVER_REQUEST_DURATION,
  HTTP_SERVER_ACTIVE_REQUESTS,
  HTTP_SERVER_REQUEST_BODY_SIZE,
  HTTP_SERVER_RESPONSE_BODY_SIZE,
  GEN_AI_CLIENT_OPERATION_DURATION,
  GEN_AI_CLIENT_TOKEN_USAGE,
  GEN_AI_CLIENT_TIME_TO_FIRST_CHUNK,
  LLM_COST,
  LLM_ERRORS,
  AGENT_EXECUTION_DURATION,
  AGENT_EXECUTIONS_ACTIVE,
  CACHE_OPERATIONS,
  CACHE_SIZE,
  API_KEY_REQUESTS,
  RATE_LIMIT_EXCEEDED,
  QUOTA_USAGE,
  PROCESS_CPU_TIME,
  PROCESS_MEMORY_USAGE,
  PROCESS_MEMORY_VIRTUAL,
  PROCESS_FILE_DESCRIPTORS,
  PROCESS_UPTIME,
  FILESYSTEM_UTILIZATION,
  APP_INFO,
  HEALTH_CHECK_STATUS,
  HEALTH_CHECK_DURATION,
  DB_CLIENT_OPERATION_DURATION,
  SENTRY_EVENTS_DROPPED,
];

/** Instruments another library creates in-process, under views this library still applies. */
export const INSTRUMENTATION_INSTRUMENTS: readonly InstrumentSpec[] = [
  DB_CLIENT_CONNECTION_COUNT,
  DB_CLIENT_CONNECTION_MAX,
  DB_CLIENT_CONNECTION_PENDING_REQUESTS,
];

export const ALL_INSTRUMENTS: readonly InstrumentSpec[] = [
  ...OWN_INSTRUMENTS,
  ...INSTRUMENTATION_INSTRUMENTS,
];
