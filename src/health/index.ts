/**
 * The health app's public API: checks, the background monitor, the Hono app (/health, /ready, /livez) and
 * the shutdown wiring for an http.Server.
 */
export {
  createHealthApp,
  DEFAULT_HEALTH_RATE_LIMIT,
  type HealthAppOptions,
  type HealthExposure,
} from "./app";
export {
  type AgentEndpoint,
  type CheckComponent,
  type CheckObservation,
  type CheckOptions,
  type CheckOutcome,
  type ComponentType,
  type DatabaseCheckOptions,
  type DatabaseSource,
  databaseCheck,
  diskCheck,
  type ExternalAgentsCheckOptions,
  externalAgentsCheck,
  type HealthCheck,
  type HealthStatus,
  type HttpProbeOptions,
  httpProbe,
  type LlmProviderCheckOptions,
  llmProviderCheck,
  memoryCheck,
  type PgClientLike,
  type PgPoolLike,
} from "./checks";
export { rateLimitKey, socketAddress } from "./client-address";
export { checksFromConfig, type HealthDependencies } from "./from-config";
export { EventLoopWatch, type EventLoopWatchOptions, getEventLoopWatch } from "./liveness";
export {
  type CheckResult,
  HEALTH_METER_NAME,
  HealthMonitor,
  type HealthMonitorOptions,
  type HealthSnapshot,
} from "./monitor";
export {
  type OutcomeSnapshot,
  type OutcomeSource,
  RecentOutcomes,
  type RecentOutcomesOptions,
} from "./outcomes";
export { AddressRateLimiter, type RateDecision, type RateLimitOptions } from "./rate-limit";
export {
  evaluateReadiness,
  ReadinessGate,
  type ReadinessOptions,
  type ReadinessProbe,
  type ReadinessReport,
  type ReadinessSources,
  type ReadinessState,
} from "./readiness";
export { drainServerOnShutdown, type ServerShutdownHandle, type ServerShutdownOptions } from "./shutdown";
