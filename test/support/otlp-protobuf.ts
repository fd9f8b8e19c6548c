/**
 * A decoder for OTLP protobuf requests: what the preload's exporters send by default
 * (`OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf`) and what the Collector's otlp_http exporter sends to Sentry's
 * OTLP endpoints from the overlay (`encoding: proto`, gzip). ExportTraceServiceRequest,
 * ExportMetricsServiceRequest and ExportLogsServiceRequest are read field by field from the wire format of
 * opentelemetry-proto v1 into the same flattened shapes as the JSON path of test/support/otlp-receiver.ts. A known field with an unexpected
 * wire type is an error (a mis-decoded request must fail loudly, not read as nothing); unknown fields are
 * skipped, as protobuf requires.
 */
import type { Attrs, AttrValue, ReceivedLog, ReceivedPoint, ReceivedSpan } from "./otlp-receiver";

const VARINT = 0;
const FIXED64 = 1;
const LENGTH = 2;
const FIXED32 = 5;

class Reader {
  private pos = 0;
  private readonly view: DataView;

  constructor(private readonly buf: Uint8Array) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  get done(): boolean {
    return this.pos >= this.buf.length;
  }

  private need(n: number): void {
    if (this.pos + n > this.buf.length) throw new Error(`protobuf: truncated at byte ${this.pos} (+${n})`);
  }

  varint(): bigint {
    let result = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      this.need(1);
      const byte = this.buf[this.pos++] as number;
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return BigInt.asUintN(64, result);
    }
    throw new Error(`protobuf: varint longer than 10 bytes at byte ${this.pos}`);
  }

  tag(): { field: number; wire: number } {
    const key = Number(this.varint());
    return { field: key >>> 3, wire: key & 7 };
  }

  bytes(): Uint8Array {
    const length = Number(this.varint());
    this.need(length);
    const out = this.buf.subarray(this.pos, this.pos + length);
    this.pos += length;
    return out;
  }

  string(): string {
    return Buffer.from(this.bytes()).toString("utf8");
  }

  fixed64(): bigint {
    this.need(8);
    const v = this.view.getBigUint64(this.pos, true);
    this.pos += 8;
    return v;
  }

  double(): number {
    this.need(8);
    const v = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }

  skip(wire: number): void {
    if (wire === VARINT) this.varint();
    else if (wire === FIXED64) this.fixed64();
    else if (wire === LENGTH) this.bytes();
    else if (wire === FIXED32) {
      this.need(4);
      this.pos += 4;
    } else throw new Error(`protobuf: unsupported wire type ${wire} at byte ${this.pos}`);
  }
}

/** Calls `onField` for each field of the message in `buf` named in `expected` (field number -> wire type). */
function fields(
  buf: Uint8Array,
  message: string,
  expected: Readonly<Record<number, number>>,
  onField: (field: number, r: Reader) => void,
): void {
  const r = new Reader(buf);
  while (!r.done) {
    const { field, wire } = r.tag();
    const want = expected[field];
    if (want === undefined) {
      r.skip(wire);
      continue;
    }
    if (want !== wire)
      throw new Error(`protobuf: ${message}.${field} has wire type ${wire}, expected ${want}`);
    onField(field, r);
  }
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");

function anyValue(buf: Uint8Array): AttrValue {
  let value: AttrValue = null;
  fields(
    buf,
    "AnyValue",
    { 1: LENGTH, 2: VARINT, 3: VARINT, 4: FIXED64, 5: LENGTH, 6: LENGTH, 7: LENGTH },
    (field, r) => {
      if (field === 1) value = r.string();
      else if (field === 2) value = r.varint() !== 0n;
      else if (field === 3) value = Number(BigInt.asIntN(64, r.varint()));
      else if (field === 4) value = r.double();
      else if (field === 5) {
        const items: AttrValue[] = [];
        fields(r.bytes(), "ArrayValue", { 1: LENGTH }, (_f, a) => {
          items.push(anyValue(a.bytes()));
        });
        value = items;
      } else if (field === 6) value = keyValues(r.bytes(), "KeyValueList");
      else value = Buffer.from(r.bytes()).toString("base64");
    },
  );
  return value;
}

/** KeyValueList { repeated KeyValue values = 1 } */
function keyValues(buf: Uint8Array, message: string): Attrs {
  const out: Attrs = {};
  fields(buf, message, { 1: LENGTH }, (_f, r) => addKeyValue(out, r.bytes()));
  return out;
}

function addKeyValue(out: Attrs, buf: Uint8Array): void {
  let key = "";
  let value: AttrValue = null;
  fields(buf, "KeyValue", { 1: LENGTH, 2: LENGTH }, (field, r) => {
    if (field === 1) key = r.string();
    else value = anyValue(r.bytes());
  });
  out[key] = value;
}

/** Resource { repeated KeyValue attributes = 1 } */
function resource(buf: Uint8Array): Attrs {
  const out: Attrs = {};
  fields(buf, "Resource", { 1: LENGTH }, (_f, r) => addKeyValue(out, r.bytes()));
  return out;
}

/** InstrumentationScope { string name = 1; string version = 2; ... } */
function scopeName(buf: Uint8Array): string {
  let name = "";
  fields(buf, "InstrumentationScope", { 1: LENGTH }, (_f, r) => {
    name = r.string();
  });
  return name;
}

function span(buf: Uint8Array, res: Attrs, scope: string): ReceivedSpan {
  const s: ReceivedSpan = {
    traceId: "",
    spanId: "",
    parentSpanId: "",
    name: "",
    kind: 0,
    status: { code: 0 },
    attributes: {},
    events: [],
    resource: res,
    scope,
    startTimeUnixNano: "0",
    endTimeUnixNano: "0",
  };
  fields(
    buf,
    "Span",
    {
      1: LENGTH,
      2: LENGTH,
      4: LENGTH,
      5: LENGTH,
      6: VARINT,
      7: FIXED64,
      8: FIXED64,
      9: LENGTH,
      11: LENGTH,
      15: LENGTH,
    },
    (field, r) => {
      switch (field) {
        case 1:
          s.traceId = hex(r.bytes());
          break;
        case 2:
          s.spanId = hex(r.bytes());
          break;
        case 4:
          s.parentSpanId = hex(r.bytes());
          break;
        case 5:
          s.name = r.string();
          break;
        case 6:
          s.kind = Number(r.varint());
          break;
        case 7:
          s.startTimeUnixNano = String(r.fixed64());
          break;
        case 8:
          s.endTimeUnixNano = String(r.fixed64());
          break;
        case 9:
          addKeyValue(s.attributes, r.bytes());
          break;
        case 11: {
          const event = { name: "", attributes: {} as Attrs };
          fields(r.bytes(), "Span.Event", { 2: LENGTH, 3: LENGTH }, (f, e) => {
            if (f === 2) event.name = e.string();
            else addKeyValue(event.attributes, e.bytes());
          });
          s.events.push(event);
          break;
        }
        default: {
          const status: ReceivedSpan["status"] = { code: 0 };
          fields(r.bytes(), "Status", { 2: LENGTH, 3: VARINT }, (f, st) => {
            if (f === 2) status.message = st.string();
            else status.code = Number(st.varint());
          });
          s.status = status;
        }
      }
    },
  );
  return s;
}

/** Walks Resource{X} { Resource resource = 1; repeated Scope{X} scope_x = 2 } messages at field 1 of `buf`. */
function eachScope(
  buf: Uint8Array,
  names: { request: string; resourceItems: string; scopeItems: string },
  onItem: (item: Uint8Array, res: Attrs, scope: string) => void,
): void {
  fields(buf, names.request, { 1: LENGTH }, (_f, r) => {
    let res: Attrs = {};
    const scopes: Uint8Array[] = [];
    fields(r.bytes(), names.resourceItems, { 1: LENGTH, 2: LENGTH }, (f, rr) => {
      if (f === 1) res = resource(rr.bytes());
      else scopes.push(rr.bytes());
    });
    for (const scopeBytes of scopes) {
      let scope = "";
      const items: Uint8Array[] = [];
      fields(scopeBytes, names.scopeItems, { 1: LENGTH, 2: LENGTH }, (f, sr) => {
        if (f === 1) scope = scopeName(sr.bytes());
        else items.push(sr.bytes());
      });
      for (const item of items) onItem(item, res, scope);
    }
  });
}

/** ExportTraceServiceRequest (protobuf) -> its spans. */
export function decodeTraceRequest(body: Uint8Array): ReceivedSpan[] {
  const spans: ReceivedSpan[] = [];
  eachScope(
    body,
    { request: "ExportTraceServiceRequest", resourceItems: "ResourceSpans", scopeItems: "ScopeSpans" },
    (item, res, scope) => spans.push(span(item, res, scope)),
  );
  return spans;
}

function logRecord(buf: Uint8Array, res: Attrs, scope: string): ReceivedLog {
  const l: ReceivedLog = {
    body: null,
    severityNumber: 0,
    severityText: "",
    attributes: {},
    traceId: "",
    spanId: "",
    resource: res,
    scope,
  };
  fields(
    buf,
    "LogRecord",
    { 2: VARINT, 3: LENGTH, 5: LENGTH, 6: LENGTH, 9: LENGTH, 10: LENGTH },
    (field, r) => {
      if (field === 2) l.severityNumber = Number(r.varint());
      else if (field === 3) l.severityText = r.string();
      else if (field === 5) l.body = anyValue(r.bytes());
      else if (field === 6) addKeyValue(l.attributes, r.bytes());
      else if (field === 9) l.traceId = hex(r.bytes());
      else l.spanId = hex(r.bytes());
    },
  );
  return l;
}

/** ExportLogsServiceRequest (protobuf) -> its log records. */
export function decodeLogsRequest(body: Uint8Array): ReceivedLog[] {
  const logs: ReceivedLog[] = [];
  eachScope(
    body,
    { request: "ExportLogsServiceRequest", resourceItems: "ResourceLogs", scopeItems: "ScopeLogs" },
    (item, res, scope) => logs.push(logRecord(item, res, scope)),
  );
  return logs;
}

/** Packed `repeated fixed64` / `repeated double`. */
function packed<T>(buf: Uint8Array, read: (r: Reader) => T): T[] {
  const r = new Reader(buf);
  const out: T[] = [];
  while (!r.done) out.push(read(r));
  return out;
}

/** NumberDataPoint { 2 start, 3 time: fixed64; 4 as_double: double; 6 as_int: sfixed64; 7 attributes } */
function numberPoint(buf: Uint8Array): Pick<ReceivedPoint, "attributes" | "value" | "timeUnixNano"> {
  const p = { attributes: {} as Attrs, value: 0, timeUnixNano: "0" };
  fields(buf, "NumberDataPoint", { 3: FIXED64, 4: FIXED64, 6: FIXED64, 7: LENGTH }, (field, r) => {
    if (field === 3) p.timeUnixNano = String(r.fixed64());
    else if (field === 4) p.value = r.double();
    else if (field === 6) p.value = Number(BigInt.asIntN(64, r.fixed64()));
    else addKeyValue(p.attributes, r.bytes());
  });
  return p;
}

/** HistogramDataPoint { 3 time, 4 count: fixed64; 5 sum: double; 6 bucket_counts, 7 explicit_bounds: packed; 9 attributes } */
function histogramPoint(
  buf: Uint8Array,
): Pick<ReceivedPoint, "attributes" | "count" | "sum" | "bucketCounts" | "explicitBounds" | "timeUnixNano"> {
  const p = {
    attributes: {} as Attrs,
    count: 0,
    sum: 0,
    bucketCounts: [] as number[],
    explicitBounds: [] as number[],
    timeUnixNano: "0",
  };
  fields(
    buf,
    "HistogramDataPoint",
    { 3: FIXED64, 4: FIXED64, 5: FIXED64, 6: LENGTH, 7: LENGTH, 9: LENGTH },
    (field, r) => {
      if (field === 3) p.timeUnixNano = String(r.fixed64());
      else if (field === 4) p.count = Number(r.fixed64());
      else if (field === 5) p.sum = r.double();
      else if (field === 6) p.bucketCounts = packed(r.bytes(), (x) => Number(x.fixed64()));
      else if (field === 7) p.explicitBounds = packed(r.bytes(), (x) => x.double());
      else addKeyValue(p.attributes, r.bytes());
    },
  );
  return p;
}

/**
 * Metric { 1 name, 3 unit; 5 gauge, 7 sum, 9 histogram }; Sum { 1 points, 2 temporality, 3 is_monotonic };
 * Histogram { 1 points, 2 temporality }; Gauge { 1 points }. Exponential histograms and summaries are
 * reported by type with no values (nothing here sends them).
 */
function metricPoints(buf: Uint8Array, res: Attrs, scope: string): ReceivedPoint[] {
  let name = "";
  let unit = "";
  const out: ReceivedPoint[] = [];
  const data: [number, Uint8Array][] = [];
  fields(
    buf,
    "Metric",
    { 1: LENGTH, 3: LENGTH, 5: LENGTH, 7: LENGTH, 9: LENGTH, 10: LENGTH, 11: LENGTH },
    (f, r) => {
      if (f === 1) name = r.string();
      else if (f === 3) unit = r.string();
      else data.push([f, r.bytes()]);
    },
  );
  for (const [kind, bytes] of data) {
    const base = { name, unit, resource: res, scope };
    if (kind === 5) {
      fields(bytes, "Gauge", { 1: LENGTH }, (_f, r) => {
        out.push({ ...base, type: "gauge", ...numberPoint(r.bytes()) });
      });
    } else if (kind === 7) {
      const points: Uint8Array[] = [];
      let temporality = 0;
      let monotonic = false;
      fields(bytes, "Sum", { 1: LENGTH, 2: VARINT, 3: VARINT }, (f, r) => {
        if (f === 1) points.push(r.bytes());
        else if (f === 2) temporality = Number(r.varint());
        else monotonic = r.varint() !== 0n;
      });
      for (const p of points) out.push({ ...base, type: "sum", monotonic, temporality, ...numberPoint(p) });
    } else if (kind === 9) {
      const points: Uint8Array[] = [];
      let temporality = 0;
      fields(bytes, "Histogram", { 1: LENGTH, 2: VARINT }, (f, r) => {
        if (f === 1) points.push(r.bytes());
        else temporality = Number(r.varint());
      });
      for (const p of points) out.push({ ...base, type: "histogram", temporality, ...histogramPoint(p) });
    } else {
      out.push({
        ...base,
        type: kind === 10 ? "exponentialHistogram" : "summary",
        attributes: {},
        timeUnixNano: "0",
      });
    }
  }
  return out;
}

/** ExportMetricsServiceRequest (protobuf) -> its data points, flattened. */
export function decodeMetricsRequest(body: Uint8Array): ReceivedPoint[] {
  const points: ReceivedPoint[] = [];
  eachScope(
    body,
    {
      request: "ExportMetricsServiceRequest",
      resourceItems: "ResourceMetrics",
      scopeItems: "ScopeMetrics",
    },
    (item, res, scope) => points.push(...metricPoints(item, res, scope)),
  );
  return points;
}
