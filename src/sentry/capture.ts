/**
 * Capturing an error for Sentry with the seed's categories and contexts:
 *
 *   captureError(err, { category: "llm", llm: { provider: "openai", model: "gpt-4o", inputTokens: 150 } })
 *
 * Categories: application, llm, database, agent, validation (validation errors are warnings, the rest are
 * errors, unless `level` says otherwise). Contexts: user (id, organization, API key id - never the key),
 * request (method, URL without secrets, allow-listed headers), llm (provider, model, tokens), agent,
 * database. Every value passes through the shared redaction module again in the before-send hook.
 *
 * The decision is made once per error object: sampled away, ignored or sent, a second captureError (or the
 * Hono hook seeing the same error become a 5xx) does nothing, so capturing where the context is richest and
 * letting the error bubble up never makes two events. Without SENTRY_DSN this is a no-op that loads nothing.
 * It does not touch the span: wrappers and the Hono middleware already record the error there, once.
 */
import { randomUUID } from "node:crypto";
import type { Scope, SeverityLevel } from "@sentry/node";
import { errorTypeOf } from "../instrument/errors";
import { classifyLlmError } from "../instrument/llm";
import { redactObject, redactUrl } from "../redaction/redact";
import { ATTR_DB_COLLECTION_NAME, ATTR_DB_OPERATION_NAME, ATTR_DB_SYSTEM_NAME } from "../semconv";
import { getActiveSentry } from "./active";
import type { IgnoreRule, SentryLevel } from "./config";
import { TAG_CATEGORY, TAG_LLM_ERROR_TYPE, TAG_LLM_MODEL, TAG_LLM_PROVIDER } from "./fingerprint";
import { recordDropped } from "./sampling";
import { sanitizeHeaders } from "./scrub";

export const ERROR_CATEGORIES = ["application", "llm", "database", "agent", "validation"] as const;
export type ErrorCategory = (typeof ERROR_CATEGORIES)[number];

/** The mechanism of events made by captureError (their sampling was decided before the pipeline). */
export const CAPTURE_MECHANISM = "procode.capture_error";

export interface UserContext {
  readonly id?: string;
  readonly organization?: string;
  /** The API key's id. There is deliberately no field for the key itself. */
  readonly apiKeyId?: string;
}

export interface RequestContext {
  readonly method: string;
  /** The full URL; secret query parameters and credentials are removed before it is stored. */
  readonly url: string;
  /** Only allow-listed headers are kept (see ALLOWED_REQUEST_HEADERS); values are redacted. */
  readonly headers?: Readonly<Record<string, string | string[] | undefined>>;
  /** The route template (e.g. /users/:id); names the event's transaction `<METHOD> <route>`. */
  readonly route?: string;
}

export interface LlmContext {
  readonly provider: string;
  readonly model: string;
  readonly inputTokens?: number;
  readonly outputTokens?: number;
}

export interface AgentContext {
  readonly type: string;
  readonly name?: string;
}

export interface DatabaseContext {
  readonly system?: string;
  readonly operation?: string;
  readonly collection?: string;
}

export interface CaptureOptions {
  readonly category: ErrorCategory;
  /** Default: "warning" for validation, "error" otherwise. */
  readonly level?: SentryLevel;
  readonly user?: UserContext;
  readonly request?: RequestContext;
  readonly llm?: LlmContext;
  readonly agent?: AgentContext;
  readonly database?: DatabaseContext;
  /** Low-cardinality tags (searchable in Sentry). */
  readonly tags?: Readonly<Record<string, string | number | boolean>>;
  /** Free-form data; deep-redacted. */
  readonly extra?: Readonly<Record<string, unknown>>;
  /** Overrides the grouping rules (see fingerprint.ts). */
  readonly fingerprint?: readonly string[];
}

const decided = new WeakSet<object>();

/** True when the error was already captured, sampled away or ignored through captureError. */
export function alreadyDecided(err: unknown): boolean {
  return typeof err === "object" && err !== null && decided.has(err);
}

/** Whether an error type and (raw) message match an ignore rule. */
export function matchesIgnore(
  rules: readonly IgnoreRule[],
  type: string | undefined,
  message: string | undefined,
): boolean {
  return rules.some(
    (r) => r.type === type && (r.message === undefined || message?.includes(r.message) === true),
  );
}

const CONNECTION_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EPIPE",
  "UND_ERR_SOCKET",
]);

/** The LLM error type used for grouping: classifyLlmError's, plus connection failures as their own type. */
export function llmErrorType(err: unknown): string {
  const type = classifyLlmError(err);
  if (type === "rate_limit" || type === "timeout" || type === "server_error") return type;
  if (err !== null && typeof err === "object") {
    const e = err as { code?: unknown; name?: unknown; cause?: unknown };
    const code = typeof e.code === "string" ? e.code : undefined;
    const causeCode =
      e.cause !== null && typeof e.cause === "object" ? (e.cause as { code?: unknown }).code : undefined;
    if (
      (code !== undefined && CONNECTION_CODES.has(code)) ||
      (typeof causeCode === "string" && CONNECTION_CODES.has(causeCode)) ||
      (typeof e.name === "string" && /Connection/.test(e.name))
    )
      return "connection_error";
  }
  return type;
}

function errorNames(err: unknown): { type: string; name?: string; message?: string } {
  if (err instanceof Error) return { type: errorTypeOf(err), name: err.name, message: err.message };
  return { type: errorTypeOf(err), message: typeof err === "string" ? err : undefined };
}

/**
 * Captures an error for Sentry. Returns the event id when an event was queued (it is built right after the
 * current callback); undefined when Sentry is off, the error was already decided, ignored or sampled away.
 * Never throws.
 */
export function captureError(err: unknown, options: CaptureOptions): string | undefined {
  const sentry = getActiveSentry();
  if (!sentry) return undefined;
  try {
    if (alreadyDecided(err)) return undefined;
    if (typeof err === "object" && err !== null) decided.add(err);
    const level: SentryLevel = options.level ?? (options.category === "validation" ? "warning" : "error");
    const names = errorNames(err);
    if (
      matchesIgnore(sentry.config.ignore, names.type, names.message) ||
      (names.name !== undefined && matchesIgnore(sentry.config.ignore, names.name, names.message))
    ) {
      recordDropped("ignored", level);
      return undefined;
    }
    if (!sentry.sampler.keep(level)) {
      recordDropped("sampled", level);
      return undefined;
    }
    // Building the event (stack, source lines, scrubbing, serialising) happens after the current callback,
    // so the request that failed is answered first; the OpenTelemetry context (hence the trace id) and the
    // Sentry scope follow the callback.
    const eventId = randomUUID().replaceAll("-", "");
    setImmediate(() => {
      try {
        sentry.sdk.captureException(err, {
          event_id: eventId,
          mechanism: { type: CAPTURE_MECHANISM, handled: true },
          captureContext: (scope: Scope) => applyContext(scope, err, level, options),
        });
      } catch {
        // Never thrown into the app.
      }
    });
    return eventId;
  } catch {
    return undefined;
  }
}

function applyContext(scope: Scope, err: unknown, level: SeverityLevel, o: CaptureOptions): Scope {
  const tags: Record<string, string | number | boolean> = { ...o.tags, [TAG_CATEGORY]: o.category };
  scope.setLevel(level);
  if (o.user) {
    const user: Record<string, string> = {};
    if (o.user.id !== undefined) user.id = o.user.id;
    if (o.user.organization !== undefined) user.organization = o.user.organization;
    if (o.user.apiKeyId !== undefined) user.api_key_id = o.user.apiKeyId;
    scope.setUser(user);
  }
  if (o.llm) {
    tags[TAG_LLM_PROVIDER] = o.llm.provider;
    tags[TAG_LLM_MODEL] = o.llm.model;
    tags[TAG_LLM_ERROR_TYPE] = llmErrorType(err);
    const tokens =
      o.llm.inputTokens !== undefined || o.llm.outputTokens !== undefined
        ? (o.llm.inputTokens ?? 0) + (o.llm.outputTokens ?? 0)
        : undefined;
    scope.setContext("llm", {
      provider: o.llm.provider,
      model: o.llm.model,
      ...(tokens !== undefined ? { tokens } : {}),
      ...(o.llm.inputTokens !== undefined ? { input_tokens: o.llm.inputTokens } : {}),
      ...(o.llm.outputTokens !== undefined ? { output_tokens: o.llm.outputTokens } : {}),
    });
  }
  if (o.agent) {
    tags["agent.type"] = o.agent.type;
    scope.setContext("agent", { type: o.agent.type, ...(o.agent.name ? { name: o.agent.name } : {}) });
  }
  if (o.database) {
    const db: Record<string, string> = {};
    if (o.database.system !== undefined) db[ATTR_DB_SYSTEM_NAME] = o.database.system;
    if (o.database.operation !== undefined) db[ATTR_DB_OPERATION_NAME] = o.database.operation;
    if (o.database.collection !== undefined) db[ATTR_DB_COLLECTION_NAME] = o.database.collection;
    if (o.database.system !== undefined) tags[ATTR_DB_SYSTEM_NAME] = o.database.system;
    scope.setContext("database", db);
  }
  if (o.request) {
    const req = o.request;
    const request = {
      method: req.method,
      url: redactUrl(req.url),
      ...(req.headers ? { headers: sanitizeHeaders({ ...req.headers }) } : {}),
    };
    scope.addEventProcessor((event) => {
      event.request = request;
      return event;
    });
    if (req.route !== undefined) scope.setTransactionName(`${req.method} ${req.route}`);
  }
  if (o.extra) scope.setExtras(redactObject(o.extra) as Record<string, unknown>);
  if (o.fingerprint) scope.setFingerprint([...o.fingerprint]);
  scope.setTags(tags);
  return scope;
}
