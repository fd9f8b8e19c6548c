/**
 * The SDK assembly, as a side-effect-free factory: `createSdk(config)` builds the providers, exporters and
 * instrumentations; nothing is global until `start()`. We assemble the component SDKs (sdk-trace,
 * sdk-metrics, sdk-logs) instead of using NodeSDK because NodeSDK loads every exporter at import (about
 * 300 ms of start-up here) and offers no hook for the redacting processors; see docs/decisions.md.
 */
import {
  type MeterProvider as ApiMeterProvider,
  type ContextManager,
  context,
  diag,
  logs,
  metrics,
  propagation,
  type TextMapPropagator,
  trace,
} from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from "@opentelemetry/core";
import type { PrometheusExporter } from "@opentelemetry/exporter-prometheus";
import { type Instrumentation, registerInstrumentations } from "@opentelemetry/instrumentation";
import type { Resource } from "@opentelemetry/resources";
import { BatchLogRecordProcessor, LoggerProvider, type LogRecordProcessor } from "@opentelemetry/sdk-logs";
import {
  type IMetricReader,
  MeterProvider,
  type MetricProducer,
  PeriodicExportingMetricReader,
} from "@opentelemetry/sdk-metrics";
import { BatchSpanProcessor, type Sampler, type SpanProcessor } from "@opentelemetry/sdk-trace";
import type { ObservabilityConfig } from "../config/config";
import type { HttpServerMetrics } from "../instrument/http-metrics";
import { RedactingLogRecordProcessor } from "../redaction/log-processor";
import { RedactingSpanProcessor } from "../redaction/span-processor";
import { EncodingBatchSpanProcessor } from "./encoding-span-processor";
import { HotPathMetrics } from "./hot-path-metrics";
import { createInstrumentations } from "./instrumentations";
import {
  createLogExporter,
  createMetricExporter,
  createTraceExporter,
  isProtobufSpanExporter,
} from "./otlp-exporters";
import { registerProcessMetrics } from "./process-metrics";
import { createResource } from "./resource";
import { createSampler } from "./sampler";
import { RecordingTracerProvider } from "./tracer";
import { createViews } from "./views";

export interface SdkOptions {
  /** Replaces the default resource (tests). */
  readonly resource?: Resource;
  /** Replaces the sampler named by OTEL_TRACES_SAMPLER. */
  readonly sampler?: Sampler;
  /**
   * Span processors added after the exporting one (each still sees redacted spans). For OTLP/protobuf the span
   * is already encoded when they see it: a processor that changes an ended span changes nothing exported.
   */
  readonly spanProcessors?: readonly SpanProcessor[];
  /** Replaces the OTLP export of spans (tests: an in-memory exporter behind a simple processor). */
  readonly exportSpanProcessor?: SpanProcessor;
  /**
   * Replaces the metric reader chosen by OTEL_METRICS_EXPORTER (tests: an in-memory reader). A factory is given
   * the HTTP hot path's producer, which its reader must collect from (`MetricReaderOptions.metricProducers`);
   * with a plain reader the middleware records its HTTP metrics through the metrics API instead.
   */
  readonly metricReader?: IMetricReader | ((metricProducers: MetricProducer[]) => IMetricReader);
  readonly logRecordProcessor?: LogRecordProcessor;
  readonly contextManager?: ContextManager;
  readonly propagator?: TextMapPropagator;
  /** Replaces the auto-instrumentations chosen by configuration. */
  readonly instrumentations?: readonly Instrumentation[];
  /** The filesystem path whose utilization is reported (defaults to HEALTH_CHECK_DISK_PATH). */
  readonly filesystemPath?: string;
}

export interface Sdk {
  readonly config: ObservabilityConfig;
  readonly resource: Resource;
  readonly tracerProvider: RecordingTracerProvider | undefined;
  readonly meterProvider: MeterProvider | undefined;
  readonly loggerProvider: LoggerProvider | undefined;
  /** The hot path the Hono middleware records HTTP metrics into (undefined: the metrics API is used). */
  readonly httpServerMetrics: HttpServerMetrics | undefined;
  /** Set in embedded mode: the reader whose collection the /metrics route serialises. */
  readonly prometheusExporter: PrometheusExporter | undefined;
  start(): void;
  forceFlush(): Promise<void>;
  /** Flushes and shuts down every provider; idempotent. */
  shutdown(): Promise<void>;
}

function createMetricReader(
  config: ObservabilityConfig,
  metricProducers: MetricProducer[],
): {
  reader: IMetricReader;
  prometheus?: PrometheusExporter;
} {
  if (config.metrics.exporter === "prometheus") {
    // Never the exporter's own server: the app serves the text through its own route (see hono/metrics-route).
    const { PrometheusExporter } =
      require("@opentelemetry/exporter-prometheus") as typeof import("@opentelemetry/exporter-prometheus");
    const prometheus = new PrometheusExporter({ preventServerStart: true, metricProducers });
    return { reader: prometheus, prometheus };
  }
  const exporter = createMetricExporter(config.otlp, config.metrics.exportTimeoutMs);
  return {
    reader: new PeriodicExportingMetricReader({
      exporter,
      metricProducers,
      exportIntervalMillis: config.metrics.exportIntervalMs,
      exportTimeoutMillis: Math.min(config.metrics.exportTimeoutMs, config.metrics.exportIntervalMs),
      cardinalityLimits: { default: config.metrics.cardinalityLimit },
    }),
  };
}

/**
 * The batching processor in front of the trace exporter (OTEL_BSP_*): spans encoded as they end for
 * OTLP/protobuf (EncodingBatchSpanProcessor), sdk-trace's BatchSpanProcessor for OTLP/JSON.
 */
export function createExportingSpanProcessor(config: ObservabilityConfig): SpanProcessor {
  const exporter = createTraceExporter(config.otlp);
  const batch = {
    scheduledDelayMillis: config.tracing.batch.scheduleDelayMs,
    maxQueueSize: config.tracing.batch.maxQueueSize,
    maxExportBatchSize: config.tracing.batch.maxExportBatchSize,
    exportTimeoutMillis: config.tracing.batch.exportTimeoutMs,
  };
  return isProtobufSpanExporter(exporter)
    ? new EncodingBatchSpanProcessor({ exporter, ...batch })
    : new BatchSpanProcessor({ exporter, ...batch });
}

export function createSdk(config: ObservabilityConfig, options: SdkOptions = {}): Sdk {
  const resource = options.resource ?? createResource(config);

  let tracerProvider: RecordingTracerProvider | undefined;
  if (config.tracing.enabled || options.exportSpanProcessor) {
    const exporting = options.exportSpanProcessor ?? createExportingSpanProcessor(config);
    tracerProvider = new RecordingTracerProvider({
      resource,
      sampler: options.sampler ?? createSampler(config.tracing.sampler, config.tracing.samplerArg),
      spanProcessors: [new RedactingSpanProcessor(exporting), ...(options.spanProcessors ?? [])],
    });
  }

  let meterProvider: MeterProvider | undefined;
  let prometheusExporter: PrometheusExporter | undefined;
  let httpServerMetrics: HttpServerMetrics | undefined;
  if (config.metrics.enabled || options.metricReader) {
    const prometheusNames = !options.metricReader && config.metrics.exporter === "prometheus";
    const naming = { cardinalityLimit: config.metrics.cardinalityLimit, prometheusNames };
    const given = options.metricReader;
    let reader: IMetricReader;
    if (given !== undefined && typeof given !== "function") reader = given;
    else {
      const hotPath = new HotPathMetrics(resource, naming);
      httpServerMetrics = hotPath;
      if (given !== undefined) reader = given([hotPath]);
      else {
        const made = createMetricReader(config, [hotPath]);
        reader = made.reader;
        prometheusExporter = made.prometheus;
      }
    }
    meterProvider = new MeterProvider({ resource, readers: [reader], views: createViews(naming) });
  }

  let loggerProvider: LoggerProvider | undefined;
  if (config.logs.enabled || options.logRecordProcessor) {
    const exporting =
      options.logRecordProcessor ??
      new BatchLogRecordProcessor({
        exporter: createLogExporter(config.otlp),
      });
    loggerProvider = new LoggerProvider({
      resource,
      processors: [new RedactingLogRecordProcessor(exporting)],
    });
  }

  let started = false;
  let shutdownPromise: Promise<void> | undefined;
  let disableInstrumentations: (() => void) | undefined;

  return {
    config,
    resource,
    tracerProvider,
    meterProvider,
    loggerProvider,
    httpServerMetrics,
    prometheusExporter,
    start(): void {
      if (started) return;
      started = true;
      const contextManager = options.contextManager ?? new AsyncLocalStorageContextManager();
      context.setGlobalContextManager(contextManager.enable());
      propagation.setGlobalPropagator(
        options.propagator ??
          new CompositePropagator({
            propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()],
          }),
      );
      if (tracerProvider) trace.setGlobalTracerProvider(tracerProvider);
      if (meterProvider) metrics.setGlobalMeterProvider(meterProvider as ApiMeterProvider);
      if (loggerProvider) logs.setGlobalLoggerProvider(loggerProvider);
      if (meterProvider) {
        registerProcessMetrics(meterProvider.getMeter("@procode/observability"), {
          serviceVersion: config.serviceVersion,
          environment: config.environment,
          filesystemPath: options.filesystemPath ?? config.health.diskPath,
        });
      }
      const instrumentations = options.instrumentations ?? createInstrumentations(config);
      disableInstrumentations = registerInstrumentations({
        instrumentations: [...instrumentations],
        ...(tracerProvider ? { tracerProvider } : {}),
        ...(meterProvider ? { meterProvider } : {}),
        ...(loggerProvider ? { loggerProvider } : {}),
      });
    },
    async forceFlush(): Promise<void> {
      await Promise.all([
        tracerProvider?.forceFlush(),
        meterProvider?.forceFlush(),
        loggerProvider?.forceFlush(),
      ]);
    },
    shutdown(): Promise<void> {
      shutdownPromise ??= (async () => {
        const results = await Promise.allSettled([
          tracerProvider?.shutdown(),
          meterProvider?.shutdown(),
          loggerProvider?.shutdown(),
        ]);
        disableInstrumentations?.();
        for (const r of results)
          if (r.status === "rejected") diag.warn("telemetry shutdown failed", r.reason);
      })();
      return shutdownPromise;
    },
  };
}
