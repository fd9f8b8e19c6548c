/**
 * The HTTP server metrics as the middleware records them: `http.server.request.duration`, the request and
 * response body sizes, and `http.server.active_requests`.
 *
 * Under the preload they go to the SDK's hot-path producer (src/sdk/hot-path-metrics.ts: series resolved once
 * per attribute combination, no attribute hashing per record). Otherwise (an OpenTelemetry SDK someone else
 * started, a test reader given without the producer, metrics off) they go through the metrics API to whatever
 * MeterProvider is global.
 */
import type { Attributes } from "@opentelemetry/api";
import { getActiveSdk } from "../sdk/active";
import {
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
} from "../semconv";
import { instruments } from "./instruments";

export interface HistogramRecorder {
  record(value: number): void;
}

/** The three histogram series one request records into. */
export interface HttpRequestSeries {
  readonly duration: HistogramRecorder;
  readonly requestSize: HistogramRecorder;
  readonly responseSize: HistogramRecorder;
}

export interface HttpServerMetrics {
  /** In-flight requests by method: +1 when a request starts, -1 when it ends. */
  activeAdd(method: string, delta: number): void;
  /** The series for a finished request; `route` and `errorType` are left off the attributes when undefined. */
  series(
    method: string,
    status: number,
    route: string | undefined,
    errorType: string | undefined,
  ): HttpRequestSeries;
}

/** The attributes of `http.server.request.duration`: route and error type only when known. */
export function durationAttributes(
  method: string,
  status: number,
  route: string | undefined,
  errorType: string | undefined,
): Attributes {
  const attrs: Attributes = {
    [ATTR_HTTP_REQUEST_METHOD]: method,
    [ATTR_HTTP_RESPONSE_STATUS_CODE]: status,
  };
  if (route !== undefined) attrs[ATTR_HTTP_ROUTE] = route;
  if (errorType !== undefined) attrs[ATTR_ERROR_TYPE] = errorType;
  return attrs;
}

/** The attributes of the request and response body sizes. */
export function sizeAttributes(method: string, route: string | undefined): Attributes {
  return route === undefined
    ? { [ATTR_HTTP_REQUEST_METHOD]: method }
    : { [ATTR_HTTP_REQUEST_METHOD]: method, [ATTR_HTTP_ROUTE]: route };
}

/** Through the metrics API: attribute sets built per request, as any instrumentation would. */
const API: HttpServerMetrics = {
  activeAdd(method, delta) {
    instruments().httpActive.add(delta, method);
  },
  series(method, status, route, errorType) {
    const inst = instruments();
    const attrs = durationAttributes(method, status, route, errorType);
    const sizeAttrs = sizeAttributes(method, route);
    return {
      duration: { record: (v) => inst.httpDuration.record(v, attrs) },
      requestSize: { record: (v) => inst.httpRequestSize.record(v, sizeAttrs) },
      responseSize: { record: (v) => inst.httpResponseSize.record(v, sizeAttrs) },
    };
  },
};

/**
 * Where HTTP server metrics go now: the preload's hot path when its SDK collects them; otherwise the metrics
 * API, i.e. whatever MeterProvider is global (the app's own SDK, or the no-op one when metrics are off).
 */
export function httpServerMetrics(): HttpServerMetrics {
  return getActiveSdk()?.httpServerMetrics ?? API;
}
