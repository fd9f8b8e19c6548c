/** The public API of @procode/observability. */

export { CATALOGUE, type CatalogueEntry } from "./catalogue/catalogue";
export { ALL_INSTRUMENTS, type InstrumentSpec } from "./catalogue/instruments";
export { prometheusBaseName, prometheusSeries } from "./catalogue/prometheus-names";
export { ConfigError, type ObservabilityConfig, resolveConfig } from "./config/config";
// Health, readiness and liveness (issue 4; src/health).
export * from "./health";
export { internalPort, mountInternal } from "./hono/internal-server";
export { metricsHandler } from "./hono/metrics-route";
export { observabilityMiddleware, routeTemplate } from "./hono/middleware";
export { type AgentRun, type ToolCall, traceAgentRun, traceStage, traceTool } from "./instrument/agent";
export { errorTypeOf, recordError } from "./instrument/errors";
export {
  classifyLlmError,
  type LlmCall,
  type LlmCallControl,
  type LlmOutcomeListener,
  type LlmUsage,
  onLlmOutcome,
  traceLlmCall,
} from "./instrument/llm";
export {
  type ApiKeyStatus,
  recordApiKeyRequest,
  recordCacheOperation,
  recordCacheSize,
  recordQuotaUsage,
  recordRateLimitExceeded,
} from "./instrument/recorders";
export {
  getLifecycle,
  Lifecycle,
  type LifecycleState,
  type ShutdownPhase,
  type ShutdownResult,
} from "./lifecycle";
export { createLogger, type Logger } from "./logging/logger";
export { costUsd, priceOf } from "./pricing/cost";
export {
  isSensitiveKey,
  REDACTED,
  redactHeaders,
  redactObject,
  redactText,
  redactUrl,
  truncateIp,
} from "./redaction/redact";
export { getActiveSdk } from "./sdk/active";
export { createSdk, type Sdk, type SdkOptions } from "./sdk/create-sdk";
export { start } from "./sdk/start";
// Error tracking with Sentry (src/sentry). Loading these does not load @sentry/node.
export * from "./sentry";
