/**
 * LLM failures, shaped like the errors of the official SDKs so that the telemetry library classifies them the
 * same way whether they come from the simulated model or a real provider: `status` 429 (rate limit), 5xx
 * (server error), a `TimeoutError` (the client's deadline), and `errorType = "malformed_response"` for an
 * answer that cannot be used.
 */

export class LlmApiError extends Error {
  override name = "LlmApiError";
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export class LlmTimeoutError extends Error {
  override name = "TimeoutError";
  readonly errorType = "timeout";
}

export class MalformedResponseError extends Error {
  override name = "MalformedResponseError";
  readonly errorType = "malformed_response";
}

/** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** Normalises an abort into an LlmTimeoutError when the signal timed out (AbortSignal.timeout). */
export function abortReason(signal: AbortSignal, timeoutMs: number): Error {
  const r: unknown = signal.reason;
  if (r instanceof Error && r.name === "TimeoutError")
    return new LlmTimeoutError(`no answer within ${timeoutMs} ms`);
  return r instanceof Error ? r : new Error("aborted");
}
