/**
 * Errors the API answers with: a status, a stable machine-readable code and a message written for the
 * client. Anything else that escapes a handler becomes a 5xx whose body names only the request id.
 */
import type { ContentfulStatusCode } from "hono/utils/http-status";

export interface FieldProblem {
  readonly field: string;
  readonly problem: string;
}

export class ApiError extends Error {
  override name = "ApiError";

  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    readonly options: {
      readonly details?: readonly FieldProblem[];
      readonly headers?: Readonly<Record<string, string>>;
      /** The error behind a 5xx, kept for logs and spans, never for the response body. */
      readonly cause?: unknown;
    } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
  }
}

export interface ErrorBody {
  readonly error: {
    readonly code: string;
    readonly message: string;
    readonly request_id: string;
    readonly details?: readonly FieldProblem[];
  };
}

export function errorBody(err: ApiError, requestId: string): ErrorBody {
  return {
    error: {
      code: err.code,
      message: err.message,
      request_id: requestId,
      ...(err.options.details ? { details: err.options.details } : {}),
    },
  };
}
