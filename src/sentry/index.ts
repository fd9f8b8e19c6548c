/** Error tracking with Sentry: started by the preload when SENTRY_DSN is set (see docs/errors.md). */
export { getActiveSentry, type SentryHandle } from "./active";
export {
  type AgentContext,
  type CaptureOptions,
  captureError,
  type DatabaseContext,
  ERROR_CATEGORIES,
  type ErrorCategory,
  type LlmContext,
  type RequestContext,
  type UserContext,
} from "./capture";
export {
  DEFAULT_SAMPLE_RATES,
  type IgnoreRule,
  resolveSentryConfig,
  SENTRY_LEVELS,
  type SentryConfig,
  type SentryLevel,
} from "./config";
export { fingerprintFor } from "./fingerprint";
export { type SentryMiddlewareOptions, sentryMiddleware } from "./hono";
export { flushSentry, initSentry } from "./init";
export { SENTRY_EVENTS_DROPPED } from "./sampling";
export { ALLOWED_REQUEST_HEADERS } from "./scrub";
