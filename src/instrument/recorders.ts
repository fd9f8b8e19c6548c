/**
 * Recorders for what no span shows by itself: cache operations and size, API-key use, rate-limit hits and
 * quota usage. Each is a single guarded metric call; none throws.
 */
import {
  ATTR_API_KEY_ID,
  ATTR_API_KEY_STATUS,
  ATTR_CACHE_NAME,
  ATTR_CACHE_OPERATION,
  ATTR_CACHE_RESULT,
  ATTR_ORGANIZATION_ID,
  ATTR_RATE_LIMIT_TYPE,
} from "../catalogue/instruments";
import { instruments } from "./instruments";

function guarded(fn: () => void): void {
  try {
    fn();
  } catch {
    // Telemetry never throws into the caller.
  }
}

export function recordCacheOperation(op: {
  cache: string;
  operation: "get" | "set" | "delete";
  result: "hit" | "miss" | "ok";
}): void {
  guarded(() =>
    instruments().cacheOperations.add(1, {
      [ATTR_CACHE_NAME]: op.cache,
      [ATTR_CACHE_OPERATION]: op.operation,
      [ATTR_CACHE_RESULT]: op.result,
    }),
  );
}

export function recordCacheSize(size: { cache: string; bytes: number }): void {
  guarded(() => instruments().cacheSize.record(size.bytes, { [ATTR_CACHE_NAME]: size.cache }));
}

export type ApiKeyStatus = "accepted" | "invalid" | "revoked" | "rate_limited" | "over_quota";

export function recordApiKeyRequest(req: {
  organizationId: string;
  apiKeyId: string;
  status: ApiKeyStatus;
}): void {
  guarded(() =>
    instruments().apiKeyRequests.add(1, {
      [ATTR_ORGANIZATION_ID]: req.organizationId,
      [ATTR_API_KEY_ID]: req.apiKeyId,
      [ATTR_API_KEY_STATUS]: req.status,
    }),
  );
}

export function recordRateLimitExceeded(ev: {
  organizationId: string;
  limitType: "per_minute" | "monthly";
}): void {
  guarded(() =>
    instruments().rateLimitExceeded.add(1, {
      [ATTR_ORGANIZATION_ID]: ev.organizationId,
      [ATTR_RATE_LIMIT_TYPE]: ev.limitType,
    }),
  );
}

export function recordQuotaUsage(q: { organizationId: string; percent: number }): void {
  guarded(() => instruments().quotaUsage.record(q.percent, { [ATTR_ORGANIZATION_ID]: q.organizationId }));
}
