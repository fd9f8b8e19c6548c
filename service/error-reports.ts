/**
 * Error events for Sentry, through the library's captureError (a no-op without SENTRY_DSN): each failure is
 * captured once, where its context is richest - the LLM call (provider, model, prompt tokens), the agent run
 * (agent type; the database operation when the database failed under it) - with who asked (user id,
 * organization, API key id - never the key) and the request (method, URL, allow-listed headers, route).
 * The HTTP layer then reports the cause of every 5xx through `reportRequestFailure`; the library decides once
 * per error object, so a failure captured below stays one event, and one nobody captured (a bug) still
 * becomes one.
 *
 * Remote agents that fail are not reported: the answer is degraded, not failed (the tool span has the error,
 * the external-agents health check and the alerts say an agent is down); an event per request during an
 * agent's outage would only bury the Issues that need a person.
 */
import { type AgentContext, type CaptureOptions, captureError } from "@procode/observability";
import { DatabaseError } from "./db/database";
import { LlmCallError } from "./llm/client";

/** What the HTTP layer knows about the request behind a failure. */
export type RequestErrorContext = Pick<CaptureOptions, "user" | "request">;

function databaseContext(err: DatabaseError): NonNullable<CaptureOptions["database"]> {
  return { system: "postgresql", operation: err.operation };
}

/** A failed LLM call. */
export function reportLlmFailure(err: LlmCallError, context: RequestErrorContext): void {
  captureError(err, { ...context, category: "llm", llm: err.llm });
}

/** A failed agent run: a database failure when the database failed under it, else the agent's own. */
export function reportAgentFailure(err: unknown, context: RequestErrorContext, agent: AgentContext): void {
  if (err instanceof DatabaseError) {
    captureError(err, { ...context, category: "database", agent, database: databaseContext(err) });
  } else {
    captureError(err, { ...context, category: "agent", agent });
  }
}

/** The cause of a 5xx answer (nothing new when it was already captured where it happened). */
export function reportRequestFailure(err: unknown, context: RequestErrorContext): void {
  if (err instanceof DatabaseError) {
    captureError(err, { ...context, category: "database", database: databaseContext(err) });
  } else if (err instanceof LlmCallError) {
    reportLlmFailure(err, context);
  } else {
    captureError(err, { ...context, category: "application" });
  }
}
