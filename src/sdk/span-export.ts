/**
 * The span processor that exports: sdk-trace's BatchSpanProcessor (queue, batch size, schedule, export timeout,
 * drop counting, flush and shutdown, exports under suppressed tracing) in front of the OTLP exporter. With
 * OTLP/protobuf each sampled span is also encoded the moment it ends, while its objects are still in the CPU's
 * caches, and the batch copies those bytes (see otlp-trace-encoder.ts): the same request, about a third of the
 * encoding time on a busy server.
 */
import { type Context, diag, TraceFlags } from "@opentelemetry/api";
import {
  BatchSpanProcessor,
  type ReadableSpan,
  type Span,
  type SpanProcessor,
} from "@opentelemetry/sdk-trace";
import type { ObservabilityConfig } from "../config/config";
import { createTraceExporter } from "./otlp-exporters";
import { OtlpTraceEncoder } from "./otlp-trace-encoder";

/** Encodes each sampled span as it ends, then hands it to the batch processor. */
export class EncodeOnEndProcessor implements SpanProcessor {
  private warned = false;

  constructor(
    private readonly encoder: OtlpTraceEncoder,
    private readonly next: SpanProcessor,
  ) {}

  onStart(span: Span, parentContext: Context): void {
    this.next.onStart(span, parentContext);
  }

  onEnd(span: ReadableSpan): void {
    if ((span.spanContext().traceFlags & TraceFlags.SAMPLED) !== 0) {
      try {
        this.encoder.encodeEnded(span);
      } catch (err) {
        // The batch encodes this span again when it is exported, and reports there if it still fails.
        if (!this.warned) diag.warn("could not encode an ended span; it is encoded with its batch", err);
        this.warned = true;
      }
    }
    this.next.onEnd(span);
  }

  forceFlush(): Promise<void> {
    return this.next.forceFlush();
  }

  shutdown(): Promise<void> {
    return this.next.shutdown();
  }
}

export function createSpanExportProcessor(config: ObservabilityConfig): SpanProcessor {
  const encoder = config.otlp.tracesProtocol === "http/protobuf" ? new OtlpTraceEncoder() : undefined;
  const batch = new BatchSpanProcessor({
    exporter: createTraceExporter(config.otlp, encoder),
    scheduledDelayMillis: config.tracing.batch.scheduleDelayMs,
    maxQueueSize: config.tracing.batch.maxQueueSize,
    maxExportBatchSize: config.tracing.batch.maxExportBatchSize,
    exportTimeoutMillis: config.tracing.batch.exportTimeoutMs,
  });
  return encoder ? new EncodeOnEndProcessor(encoder, batch) : batch;
}
