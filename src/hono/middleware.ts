/**
 * The HTTP server side for Hono apps: one SERVER span per request, named `{method} {route template}`, with
 * W3C context extracted from the request, and the HTTP server metrics labelled by route template (requests
 * that match no route carry no http.route). It replaces the http instrumentation's server side, which costs
 * several times more per request and cannot see the route (see docs/decisions.md). Mount it first.
 *
 * Errors that Hono turns into responses (`c.error`) are recorded on the span as they are; 5xx responses set
 * status ERROR. Telemetry failures never affect the response.
 */
import {
  type Attributes,
  context,
  ProxyTracerProvider,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  type TextMapGetter,
  type Tracer,
  type TracerProvider,
  trace,
} from "@opentelemetry/api";
import type { Context, MiddlewareHandler } from "hono";
import { errorTypeOf, recordError } from "../instrument/errors";
import { type HistogramRecorder, httpServerMetrics } from "../instrument/http-metrics";
import { redactUrl } from "../redaction/redact";
import { contextWithSpan } from "../sdk/child-context";
import { startSpanAdopting } from "../sdk/tracer";
import {
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_URL_PATH,
  ATTR_URL_QUERY,
  ATTR_URL_SCHEME,
  ATTR_USER_AGENT_ORIGINAL,
} from "../semconv";
import { LIBRARY_NAME, LIBRARY_VERSION } from "../version";

const KNOWN_METHODS = new Set([
  "GET",
  "HEAD",
  "POST",
  "PUT",
  "DELETE",
  "CONNECT",
  "OPTIONS",
  "TRACE",
  "PATCH",
]);

/** Request headers read without materialising a Fetch `Headers` object where the runtime allows it. */
interface HeaderSource {
  get(name: string): string | undefined;
  keys(): string[];
}

type IncomingHeaders = Record<string, string | string[] | undefined>;

/**
 * On @hono/node-server the Node request's own header object is read directly: touching `c.req.raw.headers`
 * makes node-server build a Fetch Headers object for every request, which the metrics path does not need.
 */
function rawHeaders(c: Context): HeaderSource {
  const incoming = (c.env as { incoming?: { headers?: IncomingHeaders } } | undefined)?.incoming?.headers;
  if (incoming && typeof incoming === "object") {
    return {
      get: (name) => {
        const v = incoming[name];
        return Array.isArray(v) ? v.join(", ") : v;
      },
      keys: () => Object.keys(incoming),
    };
  }
  const h = c.req.raw.headers;
  return { get: (name) => h.get(name) ?? undefined, keys: () => [...h.keys()] };
}

const headerGetter: TextMapGetter<HeaderSource> = {
  keys: (h) => h.keys(),
  get: (h, key) => h.get(key),
};

const NOOP_TRACER_PROVIDER = new ProxyTracerProvider().getDelegate();

let tracerCache: { provider: TracerProvider; tracer: Tracer } | undefined;

/**
 * The library's tracer, or undefined when no tracer provider is registered (tracing off: the middleware then
 * only records metrics). Cached per provider: `getTracer` builds a key string on every call.
 */
function activeTracer(): Tracer | undefined {
  let provider: TracerProvider = trace.getTracerProvider();
  if (provider instanceof ProxyTracerProvider) provider = provider.getDelegate();
  if (provider === NOOP_TRACER_PROVIDER) return undefined;
  if (tracerCache?.provider !== provider) {
    tracerCache = { provider, tracer: provider.getTracer(LIBRARY_NAME, LIBRARY_VERSION) };
  }
  return tracerCache.tracer;
}

/** Cached names per method; past this many routes a name is made afresh (routes are the app's own templates). */
const SPAN_NAME_CACHE_LIMIT = 1024;
const spanNames = new Map<string, Map<string, string>>();

/**
 * `${method} ${route}`, one string per pair, reused: a fresh concatenation is a rope that the span's encoder
 * flattens (an allocation, a copy and a runtime call) for every request.
 */
function spanName(method: string, route: string): string {
  let byRoute = spanNames.get(method);
  if (byRoute === undefined) {
    byRoute = new Map();
    spanNames.set(method, byRoute);
  }
  let name = byRoute.get(route);
  if (name === undefined) {
    name = `${method} ${route}`;
    if (byRoute.size < SPAN_NAME_CACHE_LIMIT) byRoute.set(route, name);
  }
  return name;
}

export interface ObservabilityMiddlewareOptions {
  /** Paths served without a span or metrics (probes, /metrics). Default: none. */
  readonly ignorePaths?: readonly string[];
}

/**
 * The route template of the request: the most specific route it matched, whoever answered (a route-level
 * middleware refusing the request still names the route). Requests that matched only wildcard middleware
 * (`app.use("*", ...)`), i.e. no route, have none.
 */
export function routeTemplate(c: Context): string | undefined {
  try {
    const routes = c.req.matchedRoutes;
    for (let i = routes.length - 1; i >= 0; i--) {
      const r = routes[i];
      if (r && !(r.method === "ALL" && r.path.endsWith("*"))) return r.path;
    }
    return undefined;
  } catch {
    return undefined;
  }
}

function contentLength(v: string | null | undefined): number | undefined {
  if (v === null || v === undefined) return undefined;
  const n = Number(v);
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}

interface NodeOutgoing {
  on(event: "finish", fn: () => void): void;
  getHeader(name: string): number | string | string[] | undefined;
  /** Node's own record of a Content-Length given to writeHead() (no public accessor exists). */
  _contentLength?: unknown;
  /** The header block Node wrote. */
  _header?: unknown;
}

/**
 * The Content-Length of a finished Node response. @hono/node-server passes it to `writeHead()`, which Node does
 * not expose through `getHeader()`; Node keeps it in `_contentLength` and in the written header block, both
 * stable for many Node versions and read defensively (test/spine/embedded.test.ts pins the result).
 */
function writtenContentLength(outgoing: NodeOutgoing): number | undefined {
  const header = outgoing.getHeader("content-length");
  if (typeof header === "string" || typeof header === "number") return contentLength(String(header));
  if (typeof outgoing._contentLength === "number") return contentLength(String(outgoing._contentLength));
  if (typeof outgoing._header === "string") {
    return contentLength(/\r\ncontent-length:\s*(\d+)/i.exec(outgoing._header)?.[1]);
  }
  return undefined;
}

/**
 * Response size: on @hono/node-server, the Content-Length the server wrote (read when the response
 * finishes); elsewhere the Content-Length the app set. Streamed (chunked) bodies have none.
 */
function recordResponseSize(c: Context, histogram: HistogramRecorder): void {
  const outgoing = (c.env as { outgoing?: NodeOutgoing } | undefined)?.outgoing;
  if (outgoing && typeof outgoing.on === "function") {
    // Do not touch c.res.body or its headers here: on @hono/node-server that turns its lightweight
    // response into a stream-backed one and costs several times the request (measured: 4k vs 15k req/s).
    // `on`, not `once`: the response object dies with the request, and `once` costs a wrapper and a removal.
    outgoing.on("finish", () => {
      const n = writtenContentLength(outgoing);
      if (n !== undefined) histogram.record(n);
    });
    return;
  }
  const set = contentLength(c.res.headers.get("content-length"));
  if (set !== undefined) histogram.record(set);
  else if (c.res.body === null) histogram.record(0);
}

export function observabilityMiddleware(options: ObservabilityMiddlewareOptions = {}): MiddlewareHandler {
  const ignore = new Set(options.ignorePaths ?? []);
  return async function observability(c, next) {
    const path = c.req.path;
    if (ignore.has(path)) return next();
    const start = performance.now();
    const rawMethod = c.req.method;
    const method = KNOWN_METHODS.has(rawMethod) ? rawMethod : "_OTHER";
    const metrics = httpServerMetrics();
    metrics.activeAdd(method, 1);
    // Hono has matched the route before any middleware runs, so the span is named and carries http.route
    // from its start (where samplers can see it), with no rename at the end.
    const route = routeTemplate(c);

    let span: Span | undefined;
    let thrown: unknown;
    const headers = rawHeaders(c);
    try {
      const tracer = activeTracer();
      if (tracer === undefined) {
        // No tracer provider: no span, no context switch, no header parsing.
        await next();
      } else {
        const parent = propagation.extract(ROOT_CONTEXT, headers, headerGetter);
        const url = c.req.url;
        const q = url.indexOf("?");
        const attrs: Attributes = {
          [ATTR_HTTP_REQUEST_METHOD]: method,
          [ATTR_URL_PATH]: path,
          [ATTR_URL_SCHEME]: url.startsWith("https:") ? "https" : "http",
        };
        if (q >= 0) attrs[ATTR_URL_QUERY] = redactUrl(url.slice(q + 1));
        const ua = headers.get("user-agent");
        if (ua !== undefined) attrs[ATTR_USER_AGENT_ORIGINAL] = ua;
        if (route !== undefined) attrs[ATTR_HTTP_ROUTE] = route;
        const name = route === undefined ? method : spanName(method, route);
        span = startSpanAdopting(tracer, name, { kind: SpanKind.SERVER, attributes: attrs }, parent);
        await context.with(contextWithSpan(parent, span), next);
      }
    } catch (err) {
      thrown = err;
    }

    try {
      const error = thrown ?? c.error;
      const status = thrown !== undefined ? 500 : c.res.status;
      // Server spans: only 5xx are errors (a thrown 4xx, e.g. Hono's HTTPException(401), is the client's).
      let errorType: string | undefined;
      if (status >= 500) errorType = error !== undefined ? errorTypeOf(error) : String(status);

      const series = metrics.series(method, status, route, errorType);
      series.duration.record((performance.now() - start) / 1000);
      const reqSize = contentLength(headers.get("content-length"));
      if (reqSize !== undefined) series.requestSize.record(reqSize);
      if (thrown === undefined) recordResponseSize(c, series.responseSize);

      if (span) {
        span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, status);
        if (error !== undefined && errorType !== undefined) recordError(span, error, errorType);
        else if (errorType !== undefined) {
          span.setStatus({ code: SpanStatusCode.ERROR });
          span.setAttribute(ATTR_ERROR_TYPE, String(status));
        }
        span.end();
      }
    } catch {
      // Telemetry never breaks the response.
    } finally {
      metrics.activeAdd(method, -1);
    }
    if (thrown !== undefined) throw thrown;
  };
}
