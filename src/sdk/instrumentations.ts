/**
 * The auto-instrumentations this library turns on, loaded one by one (not through
 * @opentelemetry/auto-instrumentations-node, which loads every instrumentation package at import: about
 * 450 ms of start-up here). http covers outgoing requests; incoming requests get their server span and
 * metrics from the Hono middleware, which knows the route template and costs a fraction of the http
 * instrumentation's server side (set PROCODE_HTTP_SERVER_INSTRUMENTATION=true for non-Hono servers).
 */
import type { Instrumentation } from "@opentelemetry/instrumentation";
import type { ObservabilityConfig } from "../config/config";

function semconvOptIn(): void {
  // Stable HTTP and database conventions (db.system.name, db.client.operation.duration in seconds).
  const current = process.env.OTEL_SEMCONV_STABILITY_OPT_IN ?? "";
  const want = ["http", "database"].filter(
    (k) =>
      !current
        .split(",")
        .map((s) => s.trim())
        .includes(k),
  );
  if (want.length > 0)
    process.env.OTEL_SEMCONV_STABILITY_OPT_IN = [current, ...want].filter(Boolean).join(",");
}

export function createInstrumentations(config: ObservabilityConfig): Instrumentation[] {
  semconvOptIn();
  const out: Instrumentation[] = [];
  const on = new Set(config.instrumentations);
  if (on.has("http")) {
    const { HttpInstrumentation } =
      require("@opentelemetry/instrumentation-http") as typeof import("@opentelemetry/instrumentation-http");
    out.push(
      new HttpInstrumentation({
        disableIncomingRequestInstrumentation: !config.httpServerInstrumentation,
      }),
    );
  }
  if (on.has("undici")) {
    const { UndiciInstrumentation } =
      require("@opentelemetry/instrumentation-undici") as typeof import("@opentelemetry/instrumentation-undici");
    out.push(new UndiciInstrumentation());
  }
  if (on.has("pg")) {
    const { createPgInstrumentation } =
      require("./pg-instrumentation") as typeof import("./pg-instrumentation");
    // requireParentSpan: background health-check queries make no root spans (their metrics still count).
    out.push(createPgInstrumentation({ requireParentSpan: true, enhancedDatabaseReporting: false }));
  }
  if (on.has("pino")) {
    const { PinoInstrumentation } =
      require("@opentelemetry/instrumentation-pino") as typeof import("@opentelemetry/instrumentation-pino");
    out.push(new PinoInstrumentation({ disableLogSending: !config.logs.enabled }));
  }
  if (on.has("runtime") && config.metrics.enabled) {
    const { RuntimeNodeInstrumentation } =
      require("@opentelemetry/instrumentation-runtime-node") as typeof import("@opentelemetry/instrumentation-runtime-node");
    out.push(new RuntimeNodeInstrumentation({ monitoringPrecision: 20 }));
  }
  return out;
}
