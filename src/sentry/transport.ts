/**
 * Sentry's own Node transport, bounded in space, in time and in effort:
 * - space: at most `bufferSize` envelopes in flight (Sentry's promise buffer; past it, envelopes are
 *   dropped as "queue_overflow");
 * - time: every request has an absolute deadline, so a Sentry that accepts connections and never answers
 *   (or a black-holed address where even the connect hangs) frees its slot after `sendTimeoutMs`;
 * - effort: after 3 consecutive failures (refused, reset, past the deadline) the transport stops trying for
 *   a while (5 s, doubling up to 60 s while failures go on; one envelope probes at the end of each pause):
 *   envelopes are dropped without being serialised or sent, counted as "backoff". An unreachable Sentry
 *   then costs less than a reachable one.
 * Sending is asynchronous and off the request path. Sentry's own requests bypass the OpenTelemetry http
 * instrumentation: no span, and none of its per-request cost. Every loss is counted on sentry.events.dropped.
 */

import type { ClientRequest, IncomingMessage, RequestOptions } from "node:http";
import * as http from "node:http";
import * as https from "node:https";
import { context } from "@opentelemetry/api";
import { suppressTracing } from "@opentelemetry/core";
import { makeNodeTransport, type NodeOptions } from "@sentry/node";
import { pipelineReason, recordDropped } from "./sampling";

type NodeTransportOptions = Parameters<typeof makeNodeTransport>[0];
type TransportFactory = NonNullable<NodeOptions["transport"]>;
type Transport = ReturnType<typeof makeNodeTransport>;

const FAILURES_TO_OPEN = 3;
const FIRST_PAUSE_MS = 5000;
const MAX_PAUSE_MS = 60_000;

function requestWithDeadline(
  options: RequestOptions,
  callback: ((res: IncomingMessage) => void) | undefined,
  timeoutMs: number,
): ClientRequest {
  // http.request is what the http instrumentation wraps: the ClientRequest it would construct is built
  // directly (Sentry always passes its own http or https agent); tracing is suppressed for anything else.
  const req = context.with(suppressTracing(context.active()), () => {
    if (options.agent === undefined && options.protocol === "https:") return https.request(options, callback);
    return new http.ClientRequest(options, callback);
  });
  const timer = setTimeout(() => {
    req.destroy(new Error(`Sentry did not answer within ${timeoutMs} ms`));
  }, timeoutMs);
  timer.unref();
  req.once("close", () => clearTimeout(timer));
  return req;
}

/** Consecutive failures open it; while open, sending is skipped until the pause ends and one probe goes. */
export class SendBreaker {
  private failures = 0;
  private pauseMs = FIRST_PAUSE_MS;
  private openUntil = 0;
  private probing = false;

  constructor(private readonly now: () => number = Date.now) {}

  /** Whether an envelope may be sent now (at most one probe at a time once a pause has ended). */
  allow(): boolean {
    if (this.failures < FAILURES_TO_OPEN) return true;
    if (this.now() < this.openUntil || this.probing) return false;
    this.probing = true;
    return true;
  }

  success(): void {
    this.failures = 0;
    this.pauseMs = FIRST_PAUSE_MS;
    this.probing = false;
  }

  failure(): void {
    this.failures++;
    if (this.failures < FAILURES_TO_OPEN) return;
    if (this.probing || this.failures === FAILURES_TO_OPEN) {
      if (this.probing) this.pauseMs = Math.min(this.pauseMs * 2, MAX_PAUSE_MS);
      this.openUntil = this.now() + this.pauseMs;
    }
    this.probing = false;
  }
}

export function boundedTransport(sendTimeoutMs: number, breaker = new SendBreaker()): TransportFactory {
  return (options: NodeTransportOptions): Transport => {
    const inner = makeNodeTransport({
      ...options,
      httpModule: {
        request: (reqOptions, callback) => {
          if (typeof reqOptions === "string" || reqOptions instanceof URL)
            throw new TypeError("the Sentry transport passes request options as an object");
          return requestWithDeadline(reqOptions, callback, sendTimeoutMs);
        },
      },
      recordDroppedEvent: (reason, category, count) => {
        if (category === "error") recordDropped(pipelineReason(reason), undefined, count ?? 1);
        options.recordDroppedEvent(reason, category, count);
      },
    });
    return {
      send(envelope) {
        if (!breaker.allow()) {
          for (const [header] of envelope[1]) {
            if (header.type !== "event") continue;
            recordDropped("backoff", undefined, 1);
            options.recordDroppedEvent("network_error", "error", 1);
          }
          return Promise.resolve({});
        }
        return Promise.resolve(inner.send(envelope)).then(
          (response) => {
            // An answer (any status) means Sentry is reachable; an overflow or rate-limit skip is no news.
            if (response.statusCode !== undefined) breaker.success();
            return response;
          },
          (err: unknown) => {
            breaker.failure();
            throw err;
          },
        );
      },
      flush: (timeout) => inner.flush(timeout),
    };
  };
}
