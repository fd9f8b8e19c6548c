/**
 * Recording an error on a span, once: status ERROR, an exception event, and `error.type` (a class name, a
 * status code or a known category; never a message). Messages are redacted by the span processor.
 */
import { type Span, SpanStatusCode } from "@opentelemetry/api";
import { ATTR_ERROR_TYPE } from "../semconv";

/** The low-cardinality type of an error: an explicit `errorType`, else the class name. */
export function errorTypeOf(err: unknown): string {
  if (err !== null && typeof err === "object") {
    const t = (err as { errorType?: unknown }).errorType;
    if (typeof t === "string" && t !== "") return t;
    const name = (err as { constructor?: { name?: unknown } }).constructor?.name;
    if (typeof name === "string" && name !== "" && name !== "Object") return name;
  }
  return "_OTHER";
}

/** Errors whose exception event is already on a span: enclosing spans get status and type only. */
const recorded = new WeakSet<object>();

/**
 * Marks the span failed: status ERROR and `error.type` always; the `exception` event only on the first span
 * that records this error object, so an error that propagates through stage, agent and server spans is
 * recorded once, where it happened.
 */
export function recordError(span: Span, err: unknown, type: string = errorTypeOf(err)): void {
  try {
    const isObject = typeof err === "object" && err !== null;
    if (!isObject || !recorded.has(err)) {
      if (isObject) recorded.add(err);
      if (err instanceof Error) span.recordException(err);
      else span.recordException({ name: type, message: String(err) });
    }
    span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
    span.setAttribute(ATTR_ERROR_TYPE, type);
  } catch {
    // Telemetry never throws into the caller.
  }
}
