/**
 * Scrubbing for every Sentry before-send hook (events, breadcrumbs, logs, metrics), through the one shared redaction
 * module: whatever pattern it knows is removed here too. On top of it, Sentry-specific rules:
 * - the client's IP address is never stored: `user.ip_address` is removed and `sdk.settings.infer_ip` is
 *   "never", so Sentry's ingest does not fill it in from the connection either;
 * - request data keeps only what the library set (method, URL, allow-listed headers): cookies, bodies, query
 *   strings and environment are removed whatever put them there;
 * - stack frames lose local variables; their source lines are scrubbed like any other text.
 * The SDK's processing metadata (which carries the trace header of the envelope) is kept as it is.
 */
import type { Breadcrumb, ErrorEvent, Log, Metric } from "@sentry/node";
import { REDACTED, redactHeaders, redactObject, redactText, redactUrl } from "../redaction/redact";

/** Deep enough for exception -> values -> [i] -> stacktrace -> frames -> [j] -> pre_context -> [k]. */
const MAX_DEPTH = 24;

/** Request headers worth keeping on an event; everything else (credentials, cookies, client IPs) is dropped. */
export const ALLOWED_REQUEST_HEADERS: readonly string[] = [
  "accept",
  "accept-language",
  "content-length",
  "content-type",
  "host",
  "origin",
  "user-agent",
  "x-request-id",
];
const ALLOWED = new Set(ALLOWED_REQUEST_HEADERS);

/** Allow-listed, redacted request headers (names lower-cased). */
export function sanitizeHeaders(
  headers: Record<string, string | string[] | undefined>,
): Record<string, string> {
  const kept: Record<string, string | string[] | undefined> = {};
  for (const [k, v] of Object.entries(headers)) if (ALLOWED.has(k.toLowerCase())) kept[k] = v;
  return redactHeaders(kept);
}

function scrubRequest(request: NonNullable<ErrorEvent["request"]>): NonNullable<ErrorEvent["request"]> {
  const out: NonNullable<ErrorEvent["request"]> = {};
  if (request.method !== undefined) out.method = request.method;
  if (request.url !== undefined) out.url = redactUrl(request.url);
  if (request.headers !== undefined) out.headers = sanitizeHeaders(request.headers);
  return out;
}

/** Returns the event with every secret the redaction module knows removed; never throws. */
export function scrubEvent(event: ErrorEvent): ErrorEvent {
  const { sdkProcessingMetadata, ...rest } = event;
  for (const ex of rest.exception?.values ?? [])
    for (const frame of ex.stacktrace?.frames ?? []) delete frame.vars;
  if (rest.request !== undefined) rest.request = scrubRequest(rest.request);
  if (rest.user !== undefined) {
    const { ip_address: _ip, ...user } = rest.user;
    rest.user = user;
  }
  const scrubbed = redactObject(rest, MAX_DEPTH) as ErrorEvent;
  scrubbed.sdk = { ...scrubbed.sdk, settings: { ...scrubbed.sdk?.settings, infer_ip: "never" } };
  if (sdkProcessingMetadata !== undefined) scrubbed.sdkProcessingMetadata = sdkProcessingMetadata;
  return scrubbed;
}

export function scrubBreadcrumb(breadcrumb: Breadcrumb): Breadcrumb {
  return redactObject(breadcrumb, MAX_DEPTH) as Breadcrumb;
}

export function scrubLog(log: Log): Log {
  const out: Log = { ...log, message: redactText(String(log.message)) };
  if (log.attributes !== undefined)
    out.attributes = redactObject(log.attributes, MAX_DEPTH) as Log["attributes"];
  return out;
}

export function scrubMetric(metric: Metric): Metric {
  if (metric.attributes === undefined) return metric;
  return { ...metric, attributes: redactObject(metric.attributes, MAX_DEPTH) as Metric["attributes"] };
}

export { REDACTED };
