/** Hono integration: `import { observabilityMiddleware } from "@procode/observability/hono"`. */

export { type SentryMiddlewareOptions, sentryMiddleware } from "../sentry";
export { internalPort, mountInternal } from "./internal-server";
export { type MetricsHandlerOptions, metricsHandler } from "./metrics-route";
export { type ObservabilityMiddlewareOptions, observabilityMiddleware, routeTemplate } from "./middleware";
