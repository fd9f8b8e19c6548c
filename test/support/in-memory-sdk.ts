/**
 * The real SDK assembly with in-memory exporters, for tests that assert on what leaves the process.
 * `reset()` disables every OTel global so tests do not leak providers into each other.
 */
import { context, diag, logs, metrics, propagation, trace } from "@opentelemetry/api";
import { InMemoryLogRecordExporter, SimpleLogRecordProcessor } from "@opentelemetry/sdk-logs";
import {
  AggregationTemporality,
  type MetricProducer,
  MetricReader,
  type ResourceMetrics,
} from "@opentelemetry/sdk-metrics";
import { InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace";
import { resolveConfig } from "../../src/config/config";
import { setActiveSdk } from "../../src/sdk/active";
import { createSdk, type Sdk } from "../../src/sdk/create-sdk";

/** A pull reader: tests call collect() when they want the current cumulative state. */
export class TestReader extends MetricReader {
  constructor(metricProducers: MetricProducer[] = []) {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE, metricProducers });
  }
  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }
}

export interface TestSdk {
  readonly sdk: Sdk;
  readonly spans: InMemorySpanExporter;
  readonly logs: InMemoryLogRecordExporter;
  readonly reader: TestReader;
  collect(): Promise<ResourceMetrics>;
  shutdown(): Promise<void>;
}

export function reset(): void {
  trace.disable();
  metrics.disable();
  logs.disable();
  propagation.disable();
  context.disable();
  diag.disable();
  setActiveSdk(undefined);
}

export function startTestSdk(env: Record<string, string> = {}): TestSdk {
  reset();
  const config = resolveConfig({ OTEL_SERVICE_NAME: "test", ...env });
  const spans = new InMemorySpanExporter();
  const logExporter = new InMemoryLogRecordExporter();
  let reader: TestReader | undefined;
  const sdk = createSdk(config, {
    exportSpanProcessor: new SimpleSpanProcessor({ exporter: spans }),
    metricReader: (producers) => {
      reader = new TestReader(producers);
      return reader;
    },
    logRecordProcessor: new SimpleLogRecordProcessor({ exporter: logExporter }),
    instrumentations: [],
  });
  if (reader === undefined) throw new Error("createSdk did not ask for its metric reader");
  const r = reader;
  sdk.start();
  setActiveSdk(sdk);
  return {
    sdk,
    spans,
    logs: logExporter,
    reader: r,
    async collect() {
      const { resourceMetrics, errors } = await r.collect();
      if (errors.length > 0) throw new AggregateError(errors, "metric collection failed");
      return resourceMetrics;
    },
    async shutdown() {
      await sdk.shutdown();
      reset();
    },
  };
}
