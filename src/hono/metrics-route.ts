/**
 * Embedded mode (no Collector): the Prometheus text of the app's own metrics, collected through
 * @opentelemetry/exporter-prometheus (as a metric reader; its own HTTP server is never started) and served
 * by a Hono handler — on the internal port, or on the public port only behind a bearer token.
 */
import { timingSafeEqual } from "node:crypto";
import type { Handler } from "hono";
import { getActiveSdk } from "../sdk/active";

export interface MetricsHandlerOptions {
  /** Required bearer token; when undefined the route must only be reachable on an internal port. */
  readonly token?: string;
}

function tokenMatches(header: string | undefined, token: string): boolean {
  if (header === undefined || !header.startsWith("Bearer ")) return false;
  const given = Buffer.from(header.slice(7));
  const want = Buffer.from(token);
  return given.length === want.length && timingSafeEqual(given, want);
}

/** The /metrics handler, or undefined when metrics go to the Collector (nothing to serve). */
export function metricsHandler(options: MetricsHandlerOptions = {}): Handler | undefined {
  const sdk = getActiveSdk();
  const exporter = sdk?.prometheusExporter;
  if (!exporter) return undefined;
  const { PrometheusSerializer } =
    require("@opentelemetry/exporter-prometheus") as typeof import("@opentelemetry/exporter-prometheus");
  const serializer = new PrometheusSerializer(undefined, false);
  const token = options.token;
  return async (c) => {
    if (token !== undefined && !tokenMatches(c.req.header("authorization"), token)) {
      return c.text("unauthorized\n", 401, { "www-authenticate": 'Bearer realm="metrics"' });
    }
    const { resourceMetrics, errors } = await exporter.collect();
    const body = serializer.serialize(resourceMetrics);
    return c.body(body, 200, {
      "content-type": "text/plain; version=0.0.4; charset=utf-8",
      ...(errors.length > 0 ? { "x-collection-errors": String(errors.length) } : {}),
    });
  };
}
