/**
 * The Sentry client, as Sentry JS SDK 11 documents it for an application that owns its OpenTelemetry setup
 * ("Your own OpenTelemetry, Sentry linked to it"):
 * - `enableOpenTelemetrySetup: false` (v11's default, stated): Sentry registers no tracer provider, no
 *   propagator and no context manager; the project's one TracerProvider stays the only one;
 * - no `tracesSampleRate`/`tracesSampler` (and SENTRY_TRACES_SAMPLE_RATE removed from the environment
 *   before init, because the SDK reads it itself): Sentry records no spans, sends no transactions;
 * - `openTelemetryIntegration()`: every event takes the trace and span id of the OpenTelemetry span that is
 *   active when it is captured, so an Issue links to the trace in Jaeger.
 * The v8-v10 bridge (SentrySpanProcessor, SentrySampler, SentryContextManager, SentryPropagator wired into
 * the OTel SDK) no longer exists in v11 and is not needed: @sentry/opentelemetry is used through
 * @sentry/node, which depends on it.
 *
 * Default integrations are off; the ones listed are the ones that capture errors or describe them. Left out
 * on purpose: http/fetch (they instrument requests and collect headers, cookies, bodies and query strings),
 * requestData, localVariables (values of locals), modules (the dependency list on every event: the release
 * names the build), console breadcrumbs (other requests' lines would leak
 * into an event: per-request scopes would cost every request), dedupe (it hides repeated errors; repeats of
 * one error object are already stopped), process sessions, and Sentry's diagnostics-channel injection
 * (module hooks for Sentry's own tracing, which is off).
 */
import { diag } from "@opentelemetry/api";
import type { ErrorEvent } from "@sentry/node";
import * as Sentry from "@sentry/node";
import { getLifecycle } from "../lifecycle";
import type { SentryHandle } from "./active";
import { CAPTURE_MECHANISM, matchesIgnore } from "./capture";
import { SENTRY_LEVELS, type SentryConfig, type SentryLevel } from "./config";
import { fingerprintFor, TAG_CATEGORY } from "./fingerprint";
import { fatalExit, keepRejectionDefault } from "./process-errors";
import { LevelSampler, pipelineReason, recordDropped } from "./sampling";
import { scrubBreadcrumb, scrubEvent, scrubLog, scrubMetric } from "./scrub";
import { boundedTransport } from "./transport";

/**
 * The SDK warns whenever init() runs from a --require preload, because its own module hooks would run
 * on Node's loader thread there. Here they are off (enableRuntimeChannelInjection: false), the preload
 * registers its ESM hooks in-thread, and init() returns early on the loader thread anyway; the warning
 * does not apply, and is replaced by nothing. Every other console line passes through.
 */
const REQUIRE_WARNING = "[Sentry] Initializing the SDK via the Node `--require` flag";

function levelOf(event: ErrorEvent): SentryLevel {
  return SENTRY_LEVELS.find((l) => l === event.level) ?? "error";
}

function mainException(event: ErrorEvent) {
  const values = event.exception?.values ?? [];
  return values.find((v) => v.mechanism?.exception_id === 0) ?? values[values.length - 1];
}

function capturedByUs(event: ErrorEvent): boolean {
  return (event.exception?.values ?? []).some((v) => v.mechanism?.type === CAPTURE_MECHANISM);
}

export function startSentryClient(config: SentryConfig): SentryHandle | undefined {
  const sampler = new LevelSampler(config.sampleRates);

  const beforeSend = (event: ErrorEvent): ErrorEvent | null => {
    const level = levelOf(event);
    try {
      // captureError decided sampling and the ignore list before the pipeline; the rest is decided here.
      if (!capturedByUs(event)) {
        const main = mainException(event);
        if (matchesIgnore(config.ignore, main?.type, main?.value)) {
          recordDropped("ignored", level);
          return null;
        }
        if (!sampler.keep(level)) {
          recordDropped("sampled", level);
          return null;
        }
        event.tags = { [TAG_CATEGORY]: "application", ...event.tags };
      }
      const fingerprint = fingerprintFor(event);
      if (fingerprint) event.fingerprint = fingerprint;
      return scrubEvent(event);
    } catch (err) {
      // Never send what could not be scrubbed.
      recordDropped("before_send_error", level);
      diag.warn("sentry: an event was dropped because scrubbing failed", err);
      return null;
    }
  };

  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    if (typeof args[0] === "string" && args[0].startsWith(REQUIRE_WARNING)) return;
    warn.apply(console, args);
  };
  let client: Sentry.NodeClient | undefined;
  try {
    client = Sentry.init({
      dsn: config.dsn,
      environment: config.environment,
      release: config.release,
      enableOpenTelemetrySetup: false,
      enableRuntimeChannelInjection: false,
      defaultIntegrations: false,
      integrations: [
        Sentry.openTelemetryIntegration(),
        Sentry.linkedErrorsIntegration(),
        Sentry.contextLinesIntegration(),
        // Memory figures are read per event (about 0.1 ms) and are metrics already (process_memory_usage_bytes).
        Sentry.nodeContextIntegration({ app: false, device: { cpu: true, memory: false } }),
        Sentry.onUncaughtExceptionIntegration({
          exitEvenIfOtherHandlersAreRegistered: false,
          onFatalError: (err) => fatalExit(err, "uncaughtException", config.shutdownTimeoutMs),
        }),
        Sentry.onUnhandledRejectionIntegration({ mode: "none" }),
      ],
      // Belt and braces: nothing below is collected by the integrations above, and stays off if one is added.
      dataCollection: {
        userInfo: false,
        cookies: false,
        httpHeaders: false,
        httpBodies: [],
        urlQueryParams: false,
        graphQL: { document: false, variables: false },
        genAI: { inputs: false, outputs: false },
        mcp: { inputs: false, outputs: false },
        databaseQueryData: false,
        queues: false,
        stackFrameVariables: false,
      },
      transport: boundedTransport(config.sendTimeoutMs),
      transportOptions: { bufferSize: config.bufferSize },
      shutdownTimeout: config.shutdownTimeoutMs,
      beforeSend,
      beforeBreadcrumb: (breadcrumb) => scrubBreadcrumb(breadcrumb),
      // Nothing here sends logs or metrics to Sentry (OTLP carries them); should the app, they are scrubbed too.
      beforeSendLog: (log) => scrubLog(log),
      beforeSendMetric: (metric) => scrubMetric(metric),
      // Tracing is OpenTelemetry's: should Sentry ever start a span, it is dropped, not sent.
      ignoreSpans: [/.*/],
    });
  } finally {
    console.warn = warn;
  }
  if (!client) return undefined;
  const sdkListeners = new Set<unknown>(process.listeners("unhandledRejection"));
  keepRejectionDefault(config.shutdownTimeoutMs, sdkListeners);

  // Losses inside Sentry's pipeline after our decision (its processing buffer overflowing, say) are
  // reported only to recordDroppedEvent; count them too. Our own before-send drops are counted already.
  const record = client.recordDroppedEvent.bind(client);
  client.recordDroppedEvent = (reason, category, count) => {
    if (category === "error" && reason !== "before_send")
      recordDropped(pipelineReason(reason), undefined, count ?? 1);
    record(reason, category, count);
  };

  const sentryClient = client;
  // The client's flush waits up to `timeout` for processing and again for the transport: bound the sum.
  const flush = async (timeoutMs: number): Promise<boolean> => {
    // Captures made just before are built on the next turn of the event loop (see captureError).
    await new Promise<void>((resolve) => setImmediate(resolve));
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
      timer.unref();
    });
    return Promise.race([sentryClient.flush(timeoutMs), deadline]).finally(() => clearTimeout(timer));
  };
  const flushForShutdown = shutdownFlusher(flush, config.shutdownTimeoutMs);
  getLifecycle().onShutdown("flush", "sentry", flushForShutdown);
  return { config, client, sampler, sdk: Sentry, flush, flushForShutdown };
}

/**
 * The shutdown flush, run once: at most half of what is left of the shutdown budget, so that the
 * OpenTelemetry SDK (which the preload shuts down after it, to export the count of what Sentry dropped)
 * keeps the other half. A Sentry that does not take everything in time costs one stderr line, not the exit.
 */
function shutdownFlusher(
  flush: (timeoutMs: number) => Promise<boolean>,
  budgetMs: number,
): () => Promise<void> {
  let drainingSince: number | undefined;
  getLifecycle().onStateChange((state) => {
    if (state === "draining") drainingSince ??= Date.now();
  });
  let running: Promise<void> | undefined;
  return () => {
    running ??= (async () => {
      const elapsed = drainingSince === undefined ? 0 : Date.now() - drainingSince;
      const budget = Math.max(50, Math.floor((budgetMs - elapsed) / 2));
      const done = await flush(budget);
      if (!done) {
        process.stderr.write(
          `@procode/observability: Sentry did not take every queued event within ${budget} ms; the rest is dropped\n`,
        );
      }
    })();
    return running;
  };
}
