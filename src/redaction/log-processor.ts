/** A log record processor that scrubs the body and attributes before the processors after it see them. */
import type { AnyValue, Context } from "@opentelemetry/api";
import type { LogRecordProcessor, ReadWriteLogRecord } from "@opentelemetry/sdk-logs";
import { redactObject, redactValue } from "./redact";

export class RedactingLogRecordProcessor implements LogRecordProcessor {
  constructor(private readonly next: LogRecordProcessor) {}

  onEmit(record: ReadWriteLogRecord, ctx?: Context): void {
    try {
      if (typeof record.body === "string") record.setBody(redactValue("body", record.body) as string);
      else if (record.body !== undefined && record.body !== null)
        record.setBody(redactObject(record.body) as AnyValue);
      for (const [key, value] of Object.entries(record.attributes)) {
        const next =
          typeof value === "object" && value !== null
            ? redactObject({ [key]: value })
            : redactValue(key, value);
        const clean =
          typeof value === "object" && value !== null ? (next as Record<string, unknown>)[key] : next;
        if (clean !== value) record.setAttribute(key, clean as AnyValue);
      }
    } catch {
      // Never break logging over an unexpected record shape.
    }
    this.next.onEmit(record, ctx);
  }

  forceFlush(): Promise<void> {
    return this.next.forceFlush();
  }

  shutdown(): Promise<void> {
    return this.next.shutdown();
  }
}
