/**
 * The Hono side of error capture: errors that the app turns into a 5xx response (Hono's compose catches a
 * thrown error, sets `c.error` and answers with onError's response) are captured for Sentry after `next()`,
 * with the request context (method, redacted URL, allow-listed headers, route template) and, when the app
 * says how to find it, the user context. 4xx answers are the client's problem and are not captured here.
 *
 * Mount it right after observabilityMiddleware() so that it runs inside the request's server span: the event
 * then carries that span's trace id. Errors already captured closer to their cause (captureError in an LLM
 * call, say) are not captured again. Without SENTRY_DSN it only checks `c.error` after each request.
 */
import type { Context, MiddlewareHandler } from "hono";
import { routeTemplate } from "../hono/middleware";
import { captureError, type ErrorCategory, type UserContext } from "./capture";

export interface SentryMiddlewareOptions {
  /** The user behind a request (id, organization, API key id), e.g. read from what auth middleware set. */
  readonly user?: (c: Context) => UserContext | undefined;
  /** The category of an error that reached the HTTP layer (default "application"). */
  readonly category?: (err: unknown) => ErrorCategory | undefined;
}

function headersOf(c: Context): Record<string, string> {
  const out: Record<string, string> = {};
  c.req.raw.headers.forEach((value, key) => {
    out[key] = value;
  });
  return out;
}

function capture(c: Context, err: unknown, options: SentryMiddlewareOptions): void {
  try {
    const route = routeTemplate(c);
    const user = options.user?.(c);
    captureError(err, {
      category: options.category?.(err) ?? "application",
      request: {
        method: c.req.method,
        url: c.req.url,
        headers: headersOf(c),
        ...(route !== undefined ? { route } : {}),
      },
      ...(user ? { user } : {}),
    });
  } catch {
    // Error capture never changes the response.
  }
}

export function sentryMiddleware(options: SentryMiddlewareOptions = {}): MiddlewareHandler {
  return async function sentry(c, next) {
    try {
      await next();
    } catch (err) {
      // Not an Error (Hono only hands Errors to onError): it propagates as a 500 from the server.
      capture(c, err, options);
      throw err;
    }
    if (c.error !== undefined && c.res.status >= 500) capture(c, c.error, options);
  };
}
