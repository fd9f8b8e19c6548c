/**
 * The metrics catalogue: every metric of the seed design mapped to the instrument that carries it and to the
 * exact Prometheus series (and PromQL) it becomes through the Collector. Alert rules and dashboards may use
 * only series named here or produced by the recording rules; `docs/metrics-catalogue.md` is generated from
 * this table and a test pins both.
 */

import type { InstrumentSpec } from "./instruments";
import * as i from "./instruments";
import { prometheusBaseName } from "./prometheus-names";

export type SeedCategory = "http" | "llm" | "agent" | "database" | "cache" | "api_key" | "system";

export interface CatalogueEntry {
  readonly seed: string;
  readonly category: SeedCategory;
  readonly instrument: InstrumentSpec;
  /** Who records it: this library, an in-process instrumentation, or the runtime collector. */
  readonly source: "library" | "instrumentation-pg" | "instrumentation-runtime-node";
  /** The PromQL that answers the seed metric's question, using only catalogue series. */
  readonly promql: string;
}

const p = prometheusBaseName;
const e = (
  seed: string,
  category: SeedCategory,
  instrument: InstrumentSpec,
  promql: string,
  source: CatalogueEntry["source"] = "library",
): CatalogueEntry => ({ seed, category, instrument, promql, source });

export const RUNTIME_EVENTLOOP_DELAY_P99: InstrumentSpec = {
  name: "nodejs.eventloop.delay.p99",
  kind: "observable_gauge",
  unit: "s",
  description: "Event loop 99th percentile delay.",
  attributes: [],
};
export const RUNTIME_EVENTLOOP_UTILIZATION: InstrumentSpec = {
  name: "nodejs.eventloop.utilization",
  kind: "observable_gauge",
  unit: "1",
  description: "Event loop utilization.",
  attributes: [],
};
export const RUNTIME_HEAP_USED: InstrumentSpec = {
  name: "v8js.memory.heap.used",
  kind: "observable_gauge",
  unit: "By",
  description: "V8 heap memory used, by heap space.",
  attributes: ["v8js.heap.space.name"],
};

export const CATALOGUE: readonly CatalogueEntry[] = [
  e(
    "http_requests_total",
    "http",
    i.HTTP_SERVER_REQUEST_DURATION,
    `${p(i.HTTP_SERVER_REQUEST_DURATION)}_count`,
  ),
  e(
    "http_request_duration_seconds",
    "http",
    i.HTTP_SERVER_REQUEST_DURATION,
    `${p(i.HTTP_SERVER_REQUEST_DURATION)}_bucket`,
  ),
  e(
    "http_request_size_bytes",
    "http",
    i.HTTP_SERVER_REQUEST_BODY_SIZE,
    `${p(i.HTTP_SERVER_REQUEST_BODY_SIZE)}_sum`,
  ),
  e(
    "http_response_size_bytes",
    "http",
    i.HTTP_SERVER_RESPONSE_BODY_SIZE,
    `${p(i.HTTP_SERVER_RESPONSE_BODY_SIZE)}_sum`,
  ),
  e("http_requests_in_progress", "http", i.HTTP_SERVER_ACTIVE_REQUESTS, p(i.HTTP_SERVER_ACTIVE_REQUESTS)),

  e(
    "llm_requests_total",
    "llm",
    i.GEN_AI_CLIENT_OPERATION_DURATION,
    `${p(i.GEN_AI_CLIENT_OPERATION_DURATION)}_count`,
  ),
  e(
    "llm_request_duration_seconds",
    "llm",
    i.GEN_AI_CLIENT_OPERATION_DURATION,
    `${p(i.GEN_AI_CLIENT_OPERATION_DURATION)}_bucket`,
  ),
  e("llm_tokens_total", "llm", i.GEN_AI_CLIENT_TOKEN_USAGE, `${p(i.GEN_AI_CLIENT_TOKEN_USAGE)}_sum`),
  e("llm_cost_usd_total", "llm", i.LLM_COST, p(i.LLM_COST)),
  e("llm_errors_total", "llm", i.LLM_ERRORS, p(i.LLM_ERRORS)),
  e(
    "llm_time_to_first_chunk_seconds",
    "llm",
    i.GEN_AI_CLIENT_TIME_TO_FIRST_CHUNK,
    `${p(i.GEN_AI_CLIENT_TIME_TO_FIRST_CHUNK)}_bucket`,
  ),

  e("agent_executions_total", "agent", i.AGENT_EXECUTION_DURATION, `${p(i.AGENT_EXECUTION_DURATION)}_count`),
  e(
    "agent_execution_duration_seconds",
    "agent",
    i.AGENT_EXECUTION_DURATION,
    `${p(i.AGENT_EXECUTION_DURATION)}_bucket`,
  ),
  e("agent_executions_in_progress", "agent", i.AGENT_EXECUTIONS_ACTIVE, p(i.AGENT_EXECUTIONS_ACTIVE)),

  e(
    "db_connections_active",
    "database",
    i.DB_CLIENT_CONNECTION_COUNT,
    `${p(i.DB_CLIENT_CONNECTION_COUNT)}{db_client_connection_state="used"}`,
    "instrumentation-pg",
  ),
  e(
    "db_pool_size",
    "database",
    i.DB_CLIENT_CONNECTION_MAX,
    p(i.DB_CLIENT_CONNECTION_MAX),
    "instrumentation-pg",
  ),
  e(
    "db_query_duration_seconds",
    "database",
    i.DB_CLIENT_OPERATION_DURATION,
    `${p(i.DB_CLIENT_OPERATION_DURATION)}_bucket`,
  ),
  e(
    "db_errors_total",
    "database",
    i.DB_CLIENT_OPERATION_DURATION,
    `${p(i.DB_CLIENT_OPERATION_DURATION)}_count{error_type!=""}`,
  ),

  e("cache_operations_total", "cache", i.CACHE_OPERATIONS, p(i.CACHE_OPERATIONS)),
  e("cache_size_bytes", "cache", i.CACHE_SIZE, p(i.CACHE_SIZE)),

  e("api_key_requests_total", "api_key", i.API_KEY_REQUESTS, p(i.API_KEY_REQUESTS)),
  e("rate_limit_exceeded_total", "api_key", i.RATE_LIMIT_EXCEEDED, p(i.RATE_LIMIT_EXCEEDED)),
  e("quota_usage_percent", "api_key", i.QUOTA_USAGE, p(i.QUOTA_USAGE)),

  e("python_info", "system", i.APP_INFO, `${p(i.APP_INFO)}{process_runtime_name="nodejs"}`),
  e("app_info", "system", i.APP_INFO, p(i.APP_INFO)),
  e("process_cpu_seconds_total", "system", i.PROCESS_CPU_TIME, p(i.PROCESS_CPU_TIME)),
  e("process_resident_memory_bytes", "system", i.PROCESS_MEMORY_USAGE, p(i.PROCESS_MEMORY_USAGE)),
  e("process_virtual_memory_bytes", "system", i.PROCESS_MEMORY_VIRTUAL, p(i.PROCESS_MEMORY_VIRTUAL)),
  e("process_open_fds", "system", i.PROCESS_FILE_DESCRIPTORS, p(i.PROCESS_FILE_DESCRIPTORS)),
  e("disk_free_percent", "system", i.FILESYSTEM_UTILIZATION, `100 * (1 - ${p(i.FILESYSTEM_UTILIZATION)})`),
  e(
    "nodejs_eventloop_delay_p99 (added)",
    "system",
    RUNTIME_EVENTLOOP_DELAY_P99,
    p(RUNTIME_EVENTLOOP_DELAY_P99),
    "instrumentation-runtime-node",
  ),
  e(
    "nodejs_eventloop_utilization (added)",
    "system",
    RUNTIME_EVENTLOOP_UTILIZATION,
    p(RUNTIME_EVENTLOOP_UTILIZATION),
    "instrumentation-runtime-node",
  ),
  e(
    "v8js_heap_used (added)",
    "system",
    RUNTIME_HEAP_USED,
    p(RUNTIME_HEAP_USED),
    "instrumentation-runtime-node",
  ),
  e("health_check_status (added)", "system", i.HEALTH_CHECK_STATUS, p(i.HEALTH_CHECK_STATUS)),
  e("health_check_duration_seconds (added)", "system", i.HEALTH_CHECK_DURATION, p(i.HEALTH_CHECK_DURATION)),
  e("sentry_events_dropped_total (added)", "system", i.SENTRY_EVENTS_DROPPED, p(i.SENTRY_EVENTS_DROPPED)),
];
