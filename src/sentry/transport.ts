/**
 * Sentry's own Node transport, bounded in time as well as in space. Space: at most `bufferSize` envelopes in
 * flight (Sentry's promise buffer; past it, envelopes are dropped as "queue_overflow"). Time: every request
 * has an absolute deadline, so a Sentry that accepts connections and never answers (or a black-holed
 * address where even the connect hangs) frees its slot after `sendTimeoutMs` instead of holding it forever.
 * Sending is asynchronous and never on a request's path: a down or hanging Sentry costs the app nothing but
 * the lost events, which are counted (sentry.events.dropped, transport reasons, no level). Sentry's own
 * requests bypass the OpenTelemetry http instrumentation: no span, and none of its per-request cost.
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

function requestWithDeadline(
  options: RequestOptions,
  callback: ((res: IncomingMessage) => void) | undefined,
  timeoutMs: number,
): ClientRequest {
  // Sending to Sentry is not the app's work. http.request is what the http instrumentation wraps: the
  // ClientRequest it would construct is built directly (Sentry always passes its own http or https agent),
  // so the instrumentation spends nothing on it and makes no span; tracing is suppressed for anything else.
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

export function boundedTransport(sendTimeoutMs: number): TransportFactory {
  return (options: NodeTransportOptions) =>
    makeNodeTransport({
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
}
