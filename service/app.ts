/**
 * The service's Hono app, built from its dependencies (no globals, no I/O at construction): the telemetry
 * middleware first (server span and HTTP metrics, none for the probe routes), Sentry's right after it (inside
 * the server span), then request ids, the chat endpoint behind the API-key gate and a body limit, the admin
 * routes (when an admin token is configured) and whatever health routes the caller mounts.
 *
 * Every refusal is a JSON body {error: {code, message, request_id, details?}} with a 4xx status; every
 * failure a 5xx with the same shape and no internals (the cause goes to the logs, the spans and, once, to
 * Sentry with the user and request context).
 */
import { randomUUID, timingSafeEqual } from "node:crypto";
import type { Logger, RequestContext, UserContext } from "@procode/observability";
import { observabilityMiddleware, routeTemplate, sentryMiddleware } from "@procode/observability/hono";
import { type Context, Hono, type MiddlewareHandler } from "hono";
import type { ApiKeyRecord, ApiKeyStore } from "./auth/api-keys";
import { apiKeyGate } from "./auth/authenticate";
import type { QuotaStore } from "./auth/quota";
import type { SlidingWindowRateLimiter } from "./auth/rate-limiter";
import type { ServiceConfig } from "./config";
import type { AppEnv } from "./context";
import { DatabaseError } from "./db/database";
import { type RequestErrorContext, reportRequestFailure } from "./error-reports";
import { ApiError, errorBody } from "./errors";
import { FAULT_HEADER, NO_FAULTS, parseFaultHeader } from "./faults";
import { INTENT_NAMES, INTENTS } from "./intents";
import { LlmCallError } from "./llm/client";
import type { ChatPipeline } from "./pipeline";
import { validateChatBody } from "./validation";

export interface AppDeps {
  readonly config: Pick<ServiceConfig, "maxBodyBytes" | "maxMessageChars" | "adminToken" | "faultInjection">;
  readonly keys: ApiKeyStore;
  readonly limiter: SlidingWindowRateLimiter;
  readonly quotas: QuotaStore;
  readonly pipeline: ChatPipeline;
  readonly logger: Logger;
  /** Health routes (/health, /ready, /livez) mounted at the root. */
  readonly health?: Hono;
  /** True while the service is starting (database, warm-up): the API answers 503 `starting` meanwhile. */
  readonly starting?: () => boolean;
}

/** Probe routes: no server span, no HTTP metrics (a probe every few seconds is not traffic). */
export const PROBE_PATHS = ["/health", "/ready", "/livez"] as const;

const REQUEST_ID = /^[A-Za-z0-9._:-]{8,128}$/;

/** Who made the request, as far as it is known: user id, organization and API key id (never the key). */
export function userOf(c: Context<AppEnv>): UserContext | undefined {
  const key = c.get("apiKey") as ApiKeyRecord | undefined;
  const userId = c.get("userId") as string | undefined;
  if (key === undefined && userId === undefined) return undefined;
  return {
    ...(userId !== undefined ? { id: userId } : {}),
    ...(key !== undefined ? { organization: key.organizationId, apiKeyId: key.id } : {}),
  };
}

/** The request for an error report; the library keeps only allow-listed headers and redacts the URL. */
function requestOf(c: Context<AppEnv>): RequestContext {
  const headers: Record<string, string> = {};
  c.req.raw.headers.forEach((value, name) => {
    headers[name] = value;
  });
  const route = routeTemplate(c);
  return { method: c.req.method, url: c.req.url, headers, ...(route !== undefined ? { route } : {}) };
}

function errorContextOf(c: Context<AppEnv>): RequestErrorContext {
  const user = userOf(c);
  return { request: requestOf(c), ...(user !== undefined ? { user } : {}) };
}

/** Maps what a handler threw to the answer: ApiErrors as they are, dependency failures to 5xx. */
export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof LlmCallError) {
    if (err.errorType === "rate_limit") {
      return new ApiError(
        503,
        "llm_rate_limited",
        "The language model is rate limiting requests; retry shortly.",
        {
          headers: { "retry-after": "5" },
          cause: err,
        },
      );
    }
    if (err.errorType === "timeout") {
      return new ApiError(504, "llm_timeout", "The language model did not answer in time.", { cause: err });
    }
    return new ApiError(502, "llm_error", "The language model failed to answer.", { cause: err });
  }
  if (err instanceof DatabaseError) {
    return new ApiError(503, "database_unavailable", "A database operation failed; retry shortly.", {
      cause: err,
    });
  }
  return new ApiError(500, "internal_error", "An internal error occurred.", { cause: err });
}

/** The chain of causes as names, error types and messages (the logger scrubs secrets from the text). */
function describeCause(err: unknown, depth = 0): Record<string, unknown> | undefined {
  if (!(err instanceof Error) || depth > 3) return undefined;
  const e = err as Error & { errorType?: unknown; code?: unknown; status?: unknown };
  return {
    name: e.name,
    message: e.message,
    ...(typeof e.errorType === "string" ? { error_type: e.errorType } : {}),
    ...(typeof e.code === "string" ? { code: e.code } : {}),
    ...(typeof e.status === "number" ? { status: e.status } : {}),
    ...(e.cause !== undefined ? { cause: describeCause(e.cause, depth + 1) } : {}),
  };
}

function tokenMatches(header: string | undefined, token: string): boolean {
  const m = header === undefined ? undefined : /^Bearer\s+(\S+)$/i.exec(header)?.[1];
  if (m === undefined) return false;
  const a = Buffer.from(m);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

const tooLarge = (max: number): ApiError =>
  new ApiError(413, "body_too_large", `The body must be at most ${max} bytes.`);

/** The body as text, refused (413) past `max` bytes: by Content-Length at once, else while streaming. */
export async function readBodyLimited(req: Request, max: number): Promise<string> {
  const declared = req.headers.get("content-length");
  if (declared !== null && Number(declared) > max) throw tooLarge(max);
  if (req.body === null) return "";
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge(max);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}

export function createApp(deps: AppDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const { config, logger } = deps;

  const respond = (c: Context<AppEnv>, err: ApiError): Response => {
    const requestId = c.get("requestId") ?? "unknown";
    const cause = err.options.cause;
    if (err.status >= 500 && cause !== undefined) {
      // A failure (a refusal while starting has no cause): one event for its cause, unless already captured.
      reportRequestFailure(cause, errorContextOf(c));
      logger.error(
        {
          request_id: requestId,
          code: err.code,
          status: err.status,
          cause: describeCause(cause),
        },
        "request failed",
      );
    }
    return c.json(errorBody(err, requestId), err.status, { ...err.options.headers });
  };

  const requestId: MiddlewareHandler<AppEnv> = async (c, next) => {
    const given = c.req.header("x-request-id");
    const id = given !== undefined && REQUEST_ID.test(given) ? given : `req_${randomUUID()}`;
    c.set("requestId", id);
    c.header("x-request-id", id);
    await next();
  };

  app.use(observabilityMiddleware({ ignorePaths: PROBE_PATHS }));
  app.use(sentryMiddleware({ user: (c) => userOf(c as Context<AppEnv>) }));
  app.use(requestId);

  const starting = deps.starting ?? (() => false);
  /** The refusal while the service starts (a refusal, not a failure: no error log, no Sentry event). */
  const whileStarting = (c: Context<AppEnv>): Response | undefined =>
    starting()
      ? respond(
          c,
          new ApiError(503, "starting", "The service is starting; retry shortly.", {
            headers: { "retry-after": "1" },
          }),
        )
      : undefined;

  // Anything unexpected: a 500 with the request id only (Hono keeps the error as c.error for the span).
  app.onError((err, c) => respond(c, toApiError(err)));
  app.notFound((c) => respond(c, new ApiError(404, "not_found", `No route ${c.req.method} ${c.req.path}.`)));

  app.get("/", (c) =>
    c.json({
      service: "procode-agent-service",
      endpoints: ["POST /api/chat", "GET /api/intents", "GET /health", "GET /ready", "GET /livez"],
    }),
  );

  app.get("/api/intents", (c) =>
    c.json({
      intents: INTENT_NAMES.map((name) => ({
        name,
        agent: INTENTS[name].agent,
        description: INTENTS[name].description,
      })),
    }),
  );

  const gate = apiKeyGate({ keys: deps.keys, limiter: deps.limiter, quotas: deps.quotas, refuse: respond });

  app.post("/api/chat", async (c) => {
    const notYet = whileStarting(c);
    if (notYet !== undefined) return notYet;
    try {
      const refused = await gate(c);
      if (refused !== undefined) return refused;
      const type = c.req.header("content-type") ?? "";
      if (!/^application\/json\b/i.test(type)) {
        throw new ApiError(415, "unsupported_media_type", "Send the body as application/json.");
      }
      const text = await readBodyLimited(c.req.raw, config.maxBodyBytes);
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        throw new ApiError(400, "invalid_json", "The body is not valid JSON.");
      }
      const input = validateChatBody(body, config.maxMessageChars);
      c.set("userId", input.userId);
      const faults = config.faultInjection ? parseFaultHeader(c.req.header(FAULT_HEADER)) : NO_FAULTS;
      const key = c.get("apiKey");
      const requestId = c.get("requestId");
      const out = await deps.pipeline.run({
        requestId,
        organizationId: key.organizationId,
        userId: input.userId,
        message: input.message,
        intent: input.intent,
        faults,
        errorContext: () => errorContextOf(c),
      });
      return c.json({ request_id: requestId, ...out });
    } catch (err) {
      return respond(c, toApiError(err));
    }
  });

  if (config.adminToken !== undefined) {
    const token = config.adminToken;
    const admin = new Hono<AppEnv>();
    admin.use(async (c, next) => {
      const notYet = whileStarting(c);
      if (notYet !== undefined) return notYet;
      if (!tokenMatches(c.req.header("authorization"), token)) {
        return respond(c, new ApiError(401, "unauthorized", "Admin routes need the admin bearer token."));
      }
      await next();
    });
    admin.post("/api-keys", async (c) => {
      const body = (await c.req.json().catch(() => undefined)) as
        | { organization_id?: unknown; label?: unknown }
        | undefined;
      if (typeof body?.organization_id !== "string") {
        return respond(c, new ApiError(400, "invalid_request", "organization_id (a string) is required."));
      }
      const created = await deps.keys.create(
        body.organization_id,
        typeof body.label === "string" ? body.label : "",
      );
      if (created === undefined) return respond(c, new ApiError(404, "not_found", "No such organization."));
      return c.json({ id: created.id, key: created.key, organization_id: body.organization_id }, 201);
    });
    admin.post("/api-keys/:id/revoke", async (c) => {
      const id = c.req.param("id");
      if (!(await deps.keys.revoke(id)))
        return respond(c, new ApiError(404, "not_found", "No such API key."));
      return c.json({ id, revoked: true });
    });
    app.route("/admin", admin);
  }

  if (deps.health) app.route("/", deps.health);
  return app;
}
