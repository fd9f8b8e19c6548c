/**
 * Grouping. Sentry's default grouping hashes the whole stack, so the same bug reached through two call
 * paths becomes two Issues, and a message with an id in it becomes one Issue per id. The rules here:
 *
 * 1. An explicit fingerprint (captureError's `fingerprint`) wins.
 * 2. LLM rate limits group per provider and model: `llm-rate-limit / <provider> / <model>`, wherever the
 *    call was made (one Issue says "we are being throttled by X", not one per call site).
 * 3. LLM provider outages (5xx, timeouts, refused or reset connections) group per provider:
 *    `llm-provider-outage / <provider>`, across models and call sites.
 * 4. Otherwise the same error class at the same site groups together: `<type> / <site>`, where the site is
 *    the innermost in-app frame as module + function (no line number, so an edit elsewhere in the file does
 *    not split the Issue); an anonymous function is identified by its source line instead.
 * 5. Events without an exception (messages) keep Sentry's default grouping.
 */
import type { ErrorEvent, StackFrame } from "@sentry/node";

/** Tags captureError puts on events; the rules read them back from the event. */
export const TAG_CATEGORY = "error.category";
export const TAG_LLM_PROVIDER = "gen_ai.provider.name";
export const TAG_LLM_MODEL = "gen_ai.request.model";
export const TAG_LLM_ERROR_TYPE = "llm.error_type";

export const FINGERPRINT_LLM_RATE_LIMIT = "llm-rate-limit";
export const FINGERPRINT_LLM_OUTAGE = "llm-provider-outage";

/** LLM error types (see classifyLlmError) that mean the provider, not the request, is failing. */
const OUTAGE_TYPES = new Set(["server_error", "timeout", "connection_error"]);

const ANONYMOUS = new Set(["", "?", "<anonymous>", "anonymous"]);

function tag(event: ErrorEvent, key: string): string | undefined {
  const v = event.tags?.[key];
  return v === undefined || v === null ? undefined : String(v);
}

/** The frame where the error was thrown, skipping library and runtime frames when an in-app one exists. */
function siteFrame(frames: readonly StackFrame[]): StackFrame | undefined {
  for (let i = frames.length - 1; i >= 0; i--) {
    const f = frames[i];
    if (f && f.in_app !== false) return f;
  }
  return frames[frames.length - 1];
}

function frameSite(frame: StackFrame): string {
  const where = frame.module ?? frame.filename?.split("/").pop() ?? "?";
  const fn = frame.function ?? "";
  if (!ANONYMOUS.has(fn)) return `${where}:${fn}`;
  const line = frame.context_line?.trim();
  if (line) return `${where}:${line}`;
  return `${where}:${frame.lineno ?? "?"}`;
}

/** The fingerprint for an event, or undefined to keep Sentry's default grouping. */
export function fingerprintFor(event: ErrorEvent): string[] | undefined {
  if (event.fingerprint && event.fingerprint.length > 0) return event.fingerprint;
  const provider = tag(event, TAG_LLM_PROVIDER);
  const llmType = tag(event, TAG_LLM_ERROR_TYPE);
  if (provider !== undefined && llmType === "rate_limit")
    return [FINGERPRINT_LLM_RATE_LIMIT, provider, tag(event, TAG_LLM_MODEL) ?? "_OTHER"];
  if (provider !== undefined && llmType !== undefined && OUTAGE_TYPES.has(llmType))
    return [FINGERPRINT_LLM_OUTAGE, provider];
  const values = event.exception?.values ?? [];
  // The captured error itself (causes come before it, linked by exception_id/parent_id).
  const main = values.find((v) => v.mechanism?.exception_id === 0) ?? values[values.length - 1];
  if (!main) return undefined;
  const type = main.type ?? "Error";
  const frames = main.stacktrace?.frames ?? [];
  const frame = siteFrame(frames);
  return frame ? [type, frameSite(frame)] : [type];
}
