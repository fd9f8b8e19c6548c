/**
 * A local OTLP/HTTP receiver for tests: accepts /v1/traces, /v1/metrics and /v1/logs in OTLP protobuf (the
 * preload's default, `application/x-protobuf`) or OTLP JSON (`application/json`), gzip accepted, decodes
 * them as they arrive, and offers flattened views of what arrived. Any other content type is refused with
 * 415 and a body that cannot be decoded with 400, so a test never silently reads nothing.
 */
import { once } from "node:events";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { gunzipSync } from "node:zlib";
import { decodeLogsRequest, decodeMetricsRequest, decodeTraceRequest } from "./otlp-protobuf";

export type AttrValue = string | number | boolean | null | AttrValue[] | { [k: string]: AttrValue };
export type Attrs = Record<string, AttrValue>;

interface OtlpAnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: string | number;
  doubleValue?: number;
  arrayValue?: { values?: OtlpAnyValue[] };
  kvlistValue?: { values?: OtlpKeyValue[] };
  bytesValue?: string;
}
interface OtlpKeyValue {
  key: string;
  value?: OtlpAnyValue;
}

export function anyValue(v: OtlpAnyValue | undefined): AttrValue {
  if (!v) return null;
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.boolValue !== undefined) return v.boolValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.doubleValue !== undefined) return v.doubleValue;
  if (v.arrayValue) return (v.arrayValue.values ?? []).map(anyValue);
  if (v.kvlistValue) return attrs(v.kvlistValue.values);
  if (v.bytesValue !== undefined) return v.bytesValue;
  return null;
}

export function attrs(kvs: OtlpKeyValue[] | undefined): Attrs {
  const out: Attrs = {};
  for (const kv of kvs ?? []) out[kv.key] = anyValue(kv.value);
  return out;
}

export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  status: { code: number; message?: string };
  attributes: Attrs;
  events: { name: string; attributes: Attrs }[];
  resource: Attrs;
  scope: string;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
}

export interface ReceivedPoint {
  name: string;
  unit: string;
  type: "sum" | "gauge" | "histogram" | "exponentialHistogram" | "summary";
  monotonic?: boolean;
  temporality?: number;
  attributes: Attrs;
  value?: number;
  count?: number;
  sum?: number;
  bucketCounts?: number[];
  explicitBounds?: number[];
  resource: Attrs;
  scope: string;
  timeUnixNano: string;
}

export interface ReceivedLog {
  body: AttrValue;
  severityNumber: number;
  severityText: string;
  attributes: Attrs;
  traceId: string;
  spanId: string;
  resource: Attrs;
  scope: string;
}

interface TraceRequest {
  resourceSpans?: {
    resource?: { attributes?: OtlpKeyValue[] };
    scopeSpans?: {
      scope?: { name?: string };
      spans?: {
        traceId: string;
        spanId: string;
        parentSpanId?: string;
        name: string;
        kind?: number;
        status?: { code?: number; message?: string };
        attributes?: OtlpKeyValue[];
        events?: { name: string; attributes?: OtlpKeyValue[] }[];
        startTimeUnixNano: string;
        endTimeUnixNano: string;
      }[];
    }[];
  }[];
}
interface NumberPoint {
  attributes?: OtlpKeyValue[];
  asDouble?: number;
  asInt?: string | number;
  timeUnixNano: string;
}
interface HistPoint {
  attributes?: OtlpKeyValue[];
  count?: string | number;
  sum?: number;
  bucketCounts?: (string | number)[];
  explicitBounds?: number[];
  timeUnixNano: string;
}
interface MetricsRequest {
  resourceMetrics?: {
    resource?: { attributes?: OtlpKeyValue[] };
    scopeMetrics?: {
      scope?: { name?: string };
      metrics?: {
        name: string;
        unit?: string;
        sum?: { dataPoints?: NumberPoint[]; isMonotonic?: boolean; aggregationTemporality?: number };
        gauge?: { dataPoints?: NumberPoint[] };
        histogram?: { dataPoints?: HistPoint[]; aggregationTemporality?: number };
      }[];
    }[];
  }[];
}
interface LogsRequest {
  resourceLogs?: {
    resource?: { attributes?: OtlpKeyValue[] };
    scopeLogs?: {
      scope?: { name?: string };
      logRecords?: {
        body?: OtlpAnyValue;
        severityNumber?: number;
        severityText?: string;
        attributes?: OtlpKeyValue[];
        traceId?: string;
        spanId?: string;
      }[];
    }[];
  }[];
}

export interface OtlpReceiver {
  readonly url: string;
  readonly port: number;
  /** Every raw request body, as received (after gunzip), for byte-level privacy checks. */
  readonly rawBodies: string[];
  /** The Content-Type of every decoded request, in arrival order. */
  readonly contentTypes: string[];
  /** The Content-Encoding of every decoded request ("identity" when none), in arrival order. */
  readonly contentEncodings: string[];
  spans(): ReceivedSpan[];
  /** Every data point of every export, in arrival order (cumulative sums repeat: use latest()). */
  points(): ReceivedPoint[];
  /** The latest point per metric name and attribute set. */
  latest(name: string): ReceivedPoint[];
  logs(): ReceivedLog[];
  waitFor(predicate: () => boolean, timeoutMs?: number, what?: string): Promise<void>;
  /** Answer every request with this status (e.g. 503) until reset with undefined. */
  failWith(status: number | undefined): void;
  stop(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

function jsonSpans(r: TraceRequest): ReceivedSpan[] {
  return (r.resourceSpans ?? []).flatMap((rs) =>
    (rs.scopeSpans ?? []).flatMap((ss) =>
      (ss.spans ?? []).map((s) => ({
        traceId: s.traceId,
        spanId: s.spanId,
        parentSpanId: s.parentSpanId ?? "",
        name: s.name,
        kind: s.kind ?? 0,
        status: {
          code: s.status?.code ?? 0,
          ...(s.status?.message ? { message: s.status.message } : {}),
        },
        attributes: attrs(s.attributes),
        events: (s.events ?? []).map((e) => ({ name: e.name, attributes: attrs(e.attributes) })),
        resource: attrs(rs.resource?.attributes),
        scope: ss.scope?.name ?? "",
        startTimeUnixNano: s.startTimeUnixNano,
        endTimeUnixNano: s.endTimeUnixNano,
      })),
    ),
  );
}

function jsonPoints(r: MetricsRequest): ReceivedPoint[] {
  return (r.resourceMetrics ?? []).flatMap((rm) =>
    (rm.scopeMetrics ?? []).flatMap((sm) =>
      (sm.metrics ?? []).flatMap((m): ReceivedPoint[] => {
        const base = {
          name: m.name,
          unit: m.unit ?? "",
          resource: attrs(rm.resource?.attributes),
          scope: sm.scope?.name ?? "",
        };
        const num = (p: NumberPoint) => (p.asDouble !== undefined ? p.asDouble : Number(p.asInt ?? 0));
        if (m.sum)
          return (m.sum.dataPoints ?? []).map((p) => ({
            ...base,
            type: "sum" as const,
            monotonic: m.sum?.isMonotonic ?? false,
            ...(m.sum?.aggregationTemporality !== undefined
              ? { temporality: m.sum.aggregationTemporality }
              : {}),
            attributes: attrs(p.attributes),
            value: num(p),
            timeUnixNano: p.timeUnixNano,
          }));
        if (m.gauge)
          return (m.gauge.dataPoints ?? []).map((p) => ({
            ...base,
            type: "gauge" as const,
            attributes: attrs(p.attributes),
            value: num(p),
            timeUnixNano: p.timeUnixNano,
          }));
        if (m.histogram)
          return (m.histogram.dataPoints ?? []).map((p) => ({
            ...base,
            type: "histogram" as const,
            ...(m.histogram?.aggregationTemporality !== undefined
              ? { temporality: m.histogram.aggregationTemporality }
              : {}),
            attributes: attrs(p.attributes),
            count: Number(p.count ?? 0),
            sum: p.sum ?? 0,
            bucketCounts: (p.bucketCounts ?? []).map(Number),
            explicitBounds: p.explicitBounds ?? [],
            timeUnixNano: p.timeUnixNano,
          }));
        return [];
      }),
    ),
  );
}

function jsonLogs(r: LogsRequest): ReceivedLog[] {
  return (r.resourceLogs ?? []).flatMap((rl) =>
    (rl.scopeLogs ?? []).flatMap((sl) =>
      (sl.logRecords ?? []).map((l) => ({
        body: anyValue(l.body),
        severityNumber: l.severityNumber ?? 0,
        severityText: l.severityText ?? "",
        attributes: attrs(l.attributes),
        traceId: l.traceId ?? "",
        spanId: l.spanId ?? "",
        resource: attrs(rl.resource?.attributes),
        scope: sl.scope?.name ?? "",
      })),
    ),
  );
}

export async function startOtlpReceiver(port = 0): Promise<OtlpReceiver> {
  const receivedSpans: ReceivedSpan[] = [];
  const receivedPoints: ReceivedPoint[] = [];
  const receivedLogs: ReceivedLog[] = [];
  const rawBodies: string[] = [];
  const contentTypes: string[] = [];
  const contentEncodings: string[] = [];
  let failStatus: number | undefined;

  const server: Server = createServer(async (req, res) => {
    try {
      let body = await readBody(req);
      if (failStatus !== undefined) {
        res.writeHead(failStatus).end();
        return;
      }
      if (req.headers["content-encoding"] === "gzip") body = gunzipSync(body);
      const ct = (req.headers["content-type"] ?? "").split(";")[0]?.trim() ?? "";
      const proto = ct === "application/x-protobuf";
      if (!proto && ct !== "application/json") {
        res
          .writeHead(415, { "content-type": "text/plain" })
          .end("OTLP protobuf (application/x-protobuf) or JSON (application/json) only");
        return;
      }
      if (req.url !== "/v1/traces" && req.url !== "/v1/metrics" && req.url !== "/v1/logs") {
        res.writeHead(404).end();
        return;
      }
      // Decoded before anything is kept: a body that does not decode is answered 400 and counts for nothing.
      const text = body.toString("utf8");
      if (req.url === "/v1/traces")
        receivedSpans.push(
          ...(proto ? decodeTraceRequest(body) : jsonSpans(JSON.parse(text) as TraceRequest)),
        );
      else if (req.url === "/v1/metrics")
        receivedPoints.push(
          ...(proto ? decodeMetricsRequest(body) : jsonPoints(JSON.parse(text) as MetricsRequest)),
        );
      else
        receivedLogs.push(...(proto ? decodeLogsRequest(body) : jsonLogs(JSON.parse(text) as LogsRequest)));
      rawBodies.push(text);
      contentTypes.push(ct);
      contentEncodings.push(req.headers["content-encoding"] ?? "identity");
      // An empty Export*ServiceResponse: zero bytes in protobuf, `{}` in JSON.
      if (proto) res.writeHead(200, { "content-type": "application/x-protobuf" }).end();
      else res.writeHead(200, { "content-type": "application/json" }).end("{}");
    } catch (err) {
      res.writeHead(400).end(String(err));
    }
  });
  server.keepAliveTimeout = 1000;
  server.listen(port, "127.0.0.1");
  await once(server, "listening");
  const bound = (server.address() as AddressInfo).port;

  const spans = (): ReceivedSpan[] => [...receivedSpans];
  const points = (): ReceivedPoint[] => [...receivedPoints];

  const latest = (name: string): ReceivedPoint[] => {
    const byKey = new Map<string, ReceivedPoint>();
    for (const p of points()) {
      if (p.name !== name) continue;
      const key = JSON.stringify([p.resource["service.instance.id"], Object.entries(p.attributes).sort()]);
      byKey.set(key, p);
    }
    return [...byKey.values()];
  };

  const logs = (): ReceivedLog[] => [...receivedLogs];

  return {
    url: `http://127.0.0.1:${bound}`,
    port: bound,
    rawBodies,
    contentTypes,
    contentEncodings,
    spans,
    points,
    latest,
    logs,
    async waitFor(predicate, timeoutMs = 10_000, what = "condition") {
      const deadline = Date.now() + timeoutMs;
      while (!predicate()) {
        if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    failWith(status) {
      failStatus = status;
    },
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
