/**
 * Jaeger's query API as the pipeline test reads it (`/api/traces?service=…`, `/api/traces/<id>`), with the
 * few views of its JSON the assertions need: tags as an object, a span's parent, children in start order,
 * whether a span is an error, a trace's duration as the tail sampler measures it.
 */

export interface JaegerKeyValue {
  readonly key: string;
  readonly type: string;
  readonly value: string | number | boolean;
}

export interface JaegerSpan {
  readonly traceID: string;
  readonly spanID: string;
  readonly operationName: string;
  readonly references: readonly { refType: string; traceID: string; spanID: string }[];
  /** Microseconds since the epoch. */
  readonly startTime: number;
  /** Microseconds. */
  readonly duration: number;
  readonly tags: readonly JaegerKeyValue[];
  readonly logs: readonly { timestamp: number; fields: readonly JaegerKeyValue[] }[];
  readonly processID: string;
}

export interface JaegerTrace {
  readonly traceID: string;
  readonly spans: readonly JaegerSpan[];
  readonly processes: Readonly<Record<string, { serviceName: string; tags: readonly JaegerKeyValue[] }>>;
}

interface JaegerResponse {
  readonly data: JaegerTrace[] | null;
  readonly errors?: { code: number; msg: string }[] | null;
}

export type Tags = Record<string, string | number | boolean>;

export const tagsOf = (list: readonly JaegerKeyValue[]): Tags =>
  Object.fromEntries(list.map((kv) => [kv.key, kv.value]));

/** The parent span id (CHILD_OF), or "" for a root. */
export const parentOf = (span: JaegerSpan): string =>
  span.references.find((r) => r.refType === "CHILD_OF")?.spanID ?? "";

export const isErrorSpan = (span: JaegerSpan): boolean => tagsOf(span.tags)["otel.status_code"] === "ERROR";

/** The spans whose parent is `span`, in start order. */
export function childrenOf(trace: JaegerTrace, span: JaegerSpan): JaegerSpan[] {
  return trace.spans.filter((s) => parentOf(s) === span.spanID).sort((a, b) => a.startTime - b.startTime);
}

/** The trace's length as the tail sampler's latency policy measures it: earliest start to latest end (ms). */
export function traceDurationMs(trace: JaegerTrace): number {
  const start = Math.min(...trace.spans.map((s) => s.startTime));
  const end = Math.max(...trace.spans.map((s) => s.startTime + s.duration));
  return (end - start) / 1000;
}

/** The service's HTTP server span in the trace (the request's span), if the trace has one. */
export function serverSpanOf(trace: JaegerTrace, operation: string): JaegerSpan | undefined {
  return trace.spans.find((s) => s.operationName === operation && tagsOf(s.tags)["span.kind"] === "server");
}

export class JaegerClient {
  constructor(readonly queryUrl: string) {}

  private async get(path: string): Promise<{ body: JaegerResponse; raw: string; status: number }> {
    const response = await fetch(`${this.queryUrl}${path}`, { signal: AbortSignal.timeout(30_000) });
    const raw = await response.text();
    return { body: JSON.parse(raw) as JaegerResponse, raw, status: response.status };
  }

  /** Every trace of `service` in the last hour (up to `limit`), and the JSON exactly as Jaeger sent it. */
  async traces(service: string, limit = 10_000): Promise<{ traces: JaegerTrace[]; raw: string }> {
    const params = new URLSearchParams({ service, limit: String(limit), lookback: "1h" });
    const { body, raw, status } = await this.get(`/api/traces?${params}`);
    if (status !== 200 || body.data === null)
      throw new Error(`Jaeger /api/traces: ${status} ${JSON.stringify(body.errors)}`);
    return { traces: body.data, raw };
  }

  /** One trace by id, or undefined when Jaeger does not hold it. */
  async trace(traceId: string): Promise<JaegerTrace | undefined> {
    const { body, status } = await this.get(`/api/traces/${traceId}`);
    if (status === 404) return undefined;
    if (status !== 200)
      throw new Error(`Jaeger /api/traces/${traceId}: ${status} ${JSON.stringify(body.errors)}`);
    return body.data?.[0];
  }
}
