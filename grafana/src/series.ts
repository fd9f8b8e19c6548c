/**
 * The application series the dashboards read, each computed from its catalogue instrument through the
 * catalogue's own Prometheus translation (src/catalogue/prometheus-names.ts), never typed by hand: renaming an
 * instrument renames it here, and a series outside the catalogue cannot be spelled.
 */
import {
  RUNTIME_EVENTLOOP_DELAY_P99,
  RUNTIME_EVENTLOOP_UTILIZATION,
  RUNTIME_HEAP_USED,
} from "../../src/catalogue/catalogue";
import type { InstrumentSpec } from "../../src/catalogue/instruments";
import * as i from "../../src/catalogue/instruments";
import { prometheusBaseName, prometheusLabel } from "../../src/catalogue/prometheus-names";
import * as sc from "../../src/semconv";

export interface HistogramSeries {
  readonly bucket: string;
  readonly sum: string;
  readonly count: string;
}

function histogram(spec: InstrumentSpec): HistogramSeries {
  if (spec.kind !== "histogram") throw new Error(`grafana: ${spec.name} is a ${spec.kind}, not a histogram`);
  const base = prometheusBaseName(spec);
  return { bucket: `${base}_bucket`, sum: `${base}_sum`, count: `${base}_count` };
}

function single(spec: InstrumentSpec): string {
  if (spec.kind === "histogram") throw new Error(`grafana: ${spec.name} is a histogram; use histogram()`);
  return prometheusBaseName(spec);
}

export const httpDuration = histogram(i.HTTP_SERVER_REQUEST_DURATION);
export const httpActive = single(i.HTTP_SERVER_ACTIVE_REQUESTS);
export const httpRequestSize = histogram(i.HTTP_SERVER_REQUEST_BODY_SIZE);
export const httpResponseSize = histogram(i.HTTP_SERVER_RESPONSE_BODY_SIZE);

export const genAiDuration = histogram(i.GEN_AI_CLIENT_OPERATION_DURATION);
export const genAiTokens = histogram(i.GEN_AI_CLIENT_TOKEN_USAGE);
export const genAiTimeToFirstChunk = histogram(i.GEN_AI_CLIENT_TIME_TO_FIRST_CHUNK);
export const llmCost = single(i.LLM_COST);
export const llmErrors = single(i.LLM_ERRORS);

export const agentDuration = histogram(i.AGENT_EXECUTION_DURATION);
export const agentActive = single(i.AGENT_EXECUTIONS_ACTIVE);

export const cacheOperations = single(i.CACHE_OPERATIONS);
export const cacheSize = single(i.CACHE_SIZE);

export const apiKeyRequests = single(i.API_KEY_REQUESTS);
export const rateLimitExceeded = single(i.RATE_LIMIT_EXCEEDED);
export const quotaUsage = single(i.QUOTA_USAGE);

export const dbDuration = histogram(i.DB_CLIENT_OPERATION_DURATION);
export const dbConnections = single(i.DB_CLIENT_CONNECTION_COUNT);
export const dbConnectionsMax = single(i.DB_CLIENT_CONNECTION_MAX);
export const dbPending = single(i.DB_CLIENT_CONNECTION_PENDING_REQUESTS);

export const processCpu = single(i.PROCESS_CPU_TIME);
export const processRss = single(i.PROCESS_MEMORY_USAGE);
export const processFds = single(i.PROCESS_FILE_DESCRIPTORS);
export const processUptime = single(i.PROCESS_UPTIME);
export const filesystemUtilization = single(i.FILESYSTEM_UTILIZATION);
export const appInfo = single(i.APP_INFO);
export const eventLoopDelayP99 = single(RUNTIME_EVENTLOOP_DELAY_P99);
export const eventLoopUtilization = single(RUNTIME_EVENTLOOP_UTILIZATION);
export const heapUsed = single(RUNTIME_HEAP_USED);
export const healthStatus = single(i.HEALTH_CHECK_STATUS);
export const healthDuration = single(i.HEALTH_CHECK_DURATION);

/** Label names, translated from the attribute keys the instruments allow. */
export const label = {
  method: prometheusLabel(sc.ATTR_HTTP_REQUEST_METHOD),
  route: prometheusLabel(sc.ATTR_HTTP_ROUTE),
  status: prometheusLabel(sc.ATTR_HTTP_RESPONSE_STATUS_CODE),
  errorType: prometheusLabel(sc.ATTR_ERROR_TYPE),
  operation: prometheusLabel(sc.ATTR_GEN_AI_OPERATION_NAME),
  provider: prometheusLabel(sc.ATTR_GEN_AI_PROVIDER_NAME),
  model: prometheusLabel(sc.ATTR_GEN_AI_REQUEST_MODEL),
  tokenType: prometheusLabel(sc.ATTR_GEN_AI_TOKEN_TYPE),
  agentType: prometheusLabel(i.ATTR_AGENT_TYPE),
  cacheName: prometheusLabel(i.ATTR_CACHE_NAME),
  cacheResult: prometheusLabel(i.ATTR_CACHE_RESULT),
  organization: prometheusLabel(i.ATTR_ORGANIZATION_ID),
  apiKey: prometheusLabel(i.ATTR_API_KEY_ID),
  apiKeyStatus: prometheusLabel(i.ATTR_API_KEY_STATUS),
  rateLimitType: prometheusLabel(i.ATTR_RATE_LIMIT_TYPE),
  dbSystem: prometheusLabel(sc.ATTR_DB_SYSTEM_NAME),
  dbOperation: prometheusLabel(sc.ATTR_DB_OPERATION_NAME),
  dbCollection: prometheusLabel(sc.ATTR_DB_COLLECTION_NAME),
  dbState: prometheusLabel(sc.ATTR_DB_CLIENT_CONNECTION_STATE),
  dbPool: prometheusLabel(sc.ATTR_DB_CLIENT_CONNECTION_POOL_NAME),
  cpuMode: prometheusLabel(sc.ATTR_CPU_MODE),
  mountpoint: prometheusLabel(sc.ATTR_SYSTEM_FILESYSTEM_MOUNTPOINT),
  healthCheck: prometheusLabel(i.ATTR_HEALTH_CHECK_NAME),
  environment: prometheusLabel(sc.ATTR_DEPLOYMENT_ENVIRONMENT_NAME),
  serviceVersion: prometheusLabel(sc.ATTR_SERVICE_VERSION),
  runtimeVersion: prometheusLabel(sc.ATTR_PROCESS_RUNTIME_VERSION),
} as const;
