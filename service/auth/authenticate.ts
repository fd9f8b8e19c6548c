/**
 * The API-key gate in front of the chat endpoint: key present and known, not revoked, under its per-minute
 * rate limit, and its organization under its monthly quota - in that order. Each request is counted once in
 * api_key.requests with its outcome; refusals by a limit also count in rate_limit.exceeded, and every quota
 * check updates quota.usage.
 */
import { recordApiKeyRequest, recordQuotaUsage, recordRateLimitExceeded } from "@procode/observability";
import type { Context } from "hono";
import type { AppEnv } from "../context";
import { ApiError } from "../errors";
import type { ApiKeyStore } from "./api-keys";
import type { QuotaStore } from "./quota";
import type { SlidingWindowRateLimiter } from "./rate-limiter";

export interface AuthDeps {
  readonly keys: ApiKeyStore;
  readonly limiter: SlidingWindowRateLimiter;
  readonly quotas: QuotaStore;
  /** Renders a refusal (the app's error responder). */
  readonly refuse: (c: Context<AppEnv>, err: ApiError) => Response;
}

const BEARER = /^Bearer\s+(\S+)\s*$/i;

export function presentedKey(c: Context): string | undefined {
  const auth = c.req.header("authorization");
  if (auth !== undefined) return BEARER.exec(auth)?.[1];
  const header = c.req.header("x-api-key")?.trim();
  return header === "" ? undefined : header;
}

const CHALLENGE = { "www-authenticate": 'Bearer realm="procode"' };

/**
 * Returns the refusal, or undefined after storing the key record in `c.var.apiKey`. A function the route
 * handler calls rather than a Hono middleware: a response given by route middleware is indistinguishable,
 * for the telemetry middleware, from "no route matched" (it would lose http.route on every refusal).
 */
export function apiKeyGate(deps: AuthDeps): (c: Context<AppEnv>) => Promise<Response | undefined> {
  return async (c) => {
    const key = presentedKey(c);
    if (key === undefined) {
      recordApiKeyRequest({ organizationId: "unknown", apiKeyId: "none", status: "invalid" });
      return deps.refuse(
        c,
        new ApiError(
          401,
          "missing_api_key",
          "Send an API key as 'Authorization: Bearer <key>' or in 'X-API-Key'.",
          {
            headers: CHALLENGE,
          },
        ),
      );
    }
    const record = await deps.keys.lookup(key);
    if (record === undefined) {
      recordApiKeyRequest({ organizationId: "unknown", apiKeyId: "unknown", status: "invalid" });
      return deps.refuse(
        c,
        new ApiError(401, "invalid_api_key", "This API key is not valid.", { headers: CHALLENGE }),
      );
    }
    const who = { organizationId: record.organizationId, apiKeyId: record.id };
    if (record.revoked) {
      recordApiKeyRequest({ ...who, status: "revoked" });
      return deps.refuse(
        c,
        new ApiError(
          401,
          "api_key_revoked",
          "This API key has been revoked; use another key of your organization.",
          {
            headers: CHALLENGE,
          },
        ),
      );
    }
    const rate = deps.limiter.take(record.id, record.ratePerMinute);
    if (!rate.allowed) {
      recordApiKeyRequest({ ...who, status: "rate_limited" });
      recordRateLimitExceeded({ organizationId: record.organizationId, limitType: "per_minute" });
      return deps.refuse(
        c,
        new ApiError(429, "rate_limited", `This key allows ${rate.limit} requests per minute; retry later.`, {
          headers: {
            "retry-after": String(Math.ceil(rate.retryAfterMs / 1000)),
            "x-ratelimit-limit": String(rate.limit),
            "x-ratelimit-remaining": "0",
          },
        }),
      );
    }
    const quota = await deps.quotas.consume(record.organizationId, record.monthlyQuota);
    recordQuotaUsage({
      organizationId: record.organizationId,
      percent: Math.min(100, (quota.used / quota.quota) * 100),
    });
    if (!quota.allowed) {
      recordApiKeyRequest({ ...who, status: "over_quota" });
      recordRateLimitExceeded({ organizationId: record.organizationId, limitType: "monthly" });
      return deps.refuse(
        c,
        new ApiError(
          429,
          "quota_exceeded",
          `Your organization has used its monthly quota of ${quota.quota} requests; it resets on the first day of next month (UTC).`,
        ),
      );
    }
    recordApiKeyRequest({ ...who, status: "accepted" });
    c.header("x-ratelimit-limit", String(rate.limit));
    c.header("x-ratelimit-remaining", String(rate.remaining));
    c.set("apiKey", record);
    return undefined;
  };
}
