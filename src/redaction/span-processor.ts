/**
 * A span processor that scrubs every span before the processors after it (batching, export) see it:
 * attribute values, event attributes (exception messages and stack traces), the status message and links.
 * It runs in `onEnd`, where the span is final; it mutates the span's own attribute objects so no copy is made.
 */
import type { Attributes, AttributeValue, Context } from "@opentelemetry/api";
import type { ReadableSpan, Span, SpanProcessor } from "@opentelemetry/sdk-trace";
import { redactValue } from "./redact";

function scrub(attributes: Attributes): void {
  // for...in with an own-property check: no key array, and values read through the enumeration cache.
  for (const key in attributes) {
    if (!Object.hasOwn(attributes, key)) continue;
    const value = attributes[key];
    if (value === undefined) continue;
    const next = redactValue(key, value);
    if (next !== value) (attributes as Record<string, AttributeValue>)[key] = next as AttributeValue;
  }
}

export class RedactingSpanProcessor implements SpanProcessor {
  constructor(private readonly next: SpanProcessor) {}

  onStart(span: Span, parentContext: Context): void {
    this.next.onStart(span, parentContext);
  }

  onEnd(span: ReadableSpan): void {
    try {
      scrub(span.attributes);
      for (const event of span.events) if (event.attributes) scrub(event.attributes);
      for (const link of span.links) if (link.attributes) scrub(link.attributes);
      const status = span.status as { message?: string };
      if (typeof status.message === "string")
        status.message = redactValue("status.message", status.message) as string;
    } catch {
      // Telemetry never breaks the request: an unexpected span shape is exported as it is.
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
