/**
 * The server span's own cost, in isolation: no HTTP server, no load generator.
 *   node build/bench/span-path.js [--rounds 5] [--n 200000] [--batches 400] [--root DIR]
 * 1. Span path: what the Hono middleware does for one request's span (W3C extract, start with the middleware's
 *    attributes, context switch, status, end), through the preload's tracer, the redacting processor and the
 *    batch processor the preload uses for OTLP/protobuf (EncodingBatchSpanProcessor: each span encoded as it
 *    ends; checkouts before it: sdk-trace's, with an exporter that encodes each batch), the request's bytes
 *    dropped. CPU ns per span.
 * 2. Export: one 512-span batch encoded, then encoded and sent by the preload's OTLP/protobuf exporter to a sink
 *    in another process (on CPU 1 when taskset is present). CPU us per batch, this process only.
 * `--root DIR` runs another built checkout's dist/ (for before/after in one sitting). Medians of the rounds.
 */
import type { ChildProcess } from "node:child_process";
import path from "node:path";
import type { SpanOptions, TextMapGetter } from "@opentelemetry/api";
import type { ReadableSpan, SpanProcessor } from "@opentelemetry/sdk-trace";
import { numberFlag, stringFlag } from "./args";
import { cpuSeconds, median, startPinnedNode } from "./load";

const ROUNDS = numberFlag("rounds", 5);
const N = numberFlag("n", 200_000);
const BATCHES = numberFlag("batches", 400);
const ROOT = path.resolve(stringFlag("root") ?? path.join(__dirname, "../.."));

/** A module of the checkout under test (its dist/ and its node_modules). */
function load<T>(id: string): T {
  const resolved = id.startsWith("dist/") ? path.join(ROOT, id) : require.resolve(id, { paths: [ROOT] });
  return require(resolved) as T;
}

const api = load<typeof import("@opentelemetry/api")>("@opentelemetry/api");
const core = load<typeof import("@opentelemetry/core")>("@opentelemetry/core");
const sdk = load<typeof import("@opentelemetry/sdk-trace")>("@opentelemetry/sdk-trace");
const { resourceFromAttributes } =
  load<typeof import("@opentelemetry/resources")>("@opentelemetry/resources");
const { AsyncLocalStorageContextManager } = load<typeof import("@opentelemetry/context-async-hooks")>(
  "@opentelemetry/context-async-hooks",
);
const tracerModule = load<typeof import("../src/sdk/tracer")>("dist/sdk/tracer.js");
const { encodeTraceRequest } = load<typeof import("../src/sdk/otlp-trace-encoder")>(
  "dist/sdk/otlp-trace-encoder.js",
);
const { RedactingSpanProcessor } = load<typeof import("../src/redaction/span-processor")>(
  "dist/redaction/span-processor.js",
);
const { createTraceExporter } = load<typeof import("../src/sdk/otlp-exporters")>(
  "dist/sdk/otlp-exporters.js",
);
/** Checkouts before the fourth session have neither; they then run what their middleware ran. */
let childContext: typeof import("../src/sdk/child-context") | undefined;
try {
  childContext = load<typeof import("../src/sdk/child-context")>("dist/sdk/child-context.js");
} catch {
  childContext = undefined;
}
/** Checkouts before encoding at span end have no encoding processor. */
let encodingProcessor: typeof import("../src/sdk/encoding-span-processor") | undefined;
try {
  encodingProcessor = load<typeof import("../src/sdk/encoding-span-processor")>(
    "dist/sdk/encoding-span-processor.js",
  );
} catch {
  encodingProcessor = undefined;
}
const startSpanAdopting = tracerModule.startSpanAdopting as typeof tracerModule.startSpanAdopting | undefined;

const resource = resourceFromAttributes({
  "service.name": "bench",
  "service.version": "1.0.0",
  "deployment.environment.name": "bench",
  "service.instance.id": "8f5c1f2e-4a3b-4c1d-9e0f-123456789abc",
});

/** The hello route's server span as the middleware starts it (a fresh object each time: it may be adopted). */
function serverSpanOptions(): SpanOptions {
  return {
    kind: api.SpanKind.SERVER,
    attributes: {
      "http.request.method": "GET",
      "url.path": "/hello/x",
      "url.scheme": "http",
      "http.route": "/hello/:name",
    },
  };
}

const yieldToLoop = () => new Promise<void>((r) => setImmediate(r));

async function spanPath(): Promise<number[]> {
  api.context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  api.propagation.setGlobalPropagator(
    new core.CompositePropagator({
      propagators: [new core.W3CTraceContextPropagator(), new core.W3CBaggagePropagator()],
    }),
  );
  const exporter = {
    export(spans: ReadableSpan[], done: (r: { code: number }) => void) {
      encodeTraceRequest(spans);
      done({ code: 0 });
    },
    shutdown: async () => {},
    forceFlush: async () => {},
  };
  const queue = { maxQueueSize: 8192, maxExportBatchSize: 512 };
  const batch = encodingProcessor
    ? new encodingProcessor.EncodingBatchSpanProcessor({
        exporter: {
          exportEncoded: (_batch, done) => done({ code: 0 }),
          shutdown: async () => {},
        },
        ...queue,
      })
    : new sdk.BatchSpanProcessor({ exporter, ...queue });
  const provider = new tracerModule.RecordingTracerProvider({
    resource,
    sampler: new sdk.ParentBasedSampler({ root: new sdk.AlwaysOnSampler() }),
    spanProcessors: [new RedactingSpanProcessor(batch) as SpanProcessor],
  });
  const tracer = provider.getTracer("@procode/observability", "0.1.0");
  const headers: Record<string, string> = { host: "127.0.0.1:8080", accept: "*/*" };
  const getter: TextMapGetter<Record<string, string>> = {
    keys: (h) => Object.keys(h),
    get: (h, k) => h[k],
  };
  const handler = () => 1;
  const one = () => {
    const parent = api.propagation.extract(api.ROOT_CONTEXT, headers, getter);
    const options = serverSpanOptions();
    const span = startSpanAdopting
      ? startSpanAdopting(tracer, "GET /hello/:name", options, parent)
      : tracer.startSpan("GET /hello/:name", options, parent);
    const ctx = childContext ? childContext.contextWithSpan(parent, span) : api.trace.setSpan(parent, span);
    api.context.with(ctx, handler);
    span.setAttribute("http.response.status_code", 200);
    span.end();
  };
  const run = async (n: number) => {
    for (let i = 0; i < n; i++) {
      one();
      if ((i & 63) === 63) await yieldToLoop();
    }
    await provider.forceFlush();
  };
  await run(50_000);
  const out: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const c0 = cpuSeconds();
    await run(N);
    out.push(((cpuSeconds() - c0) * 1e9) / N);
  }
  return out;
}

/** An OTLP/HTTP sink in its own process, on the other CPU, that answers 200 to every request. */
async function startSink(): Promise<{ proc: ChildProcess; url: string }> {
  const code = `require("node:http").createServer((q, s) => { q.resume(); q.on("end", () => { s.writeHead(200, { "content-type": "application/x-protobuf" }); s.end(); }); }).listen(0, "127.0.0.1", function () { process.stdout.write("listening " + this.address().port + "\\n"); });`;
  const { proc, port } = await startPinnedNode(["-e", code], {}, ROOT, "inherit", 1);
  return { proc, url: `http://127.0.0.1:${port}` };
}

async function exportCost(): Promise<{ encode: number[]; send: number[] }> {
  const spans: ReadableSpan[] = [];
  const keep: SpanProcessor = {
    onStart() {},
    onEnd(span) {
      spans.push(span);
    },
    forceFlush: async () => {},
    shutdown: async () => {},
  };
  const provider = new tracerModule.RecordingTracerProvider({
    resource,
    sampler: new sdk.AlwaysOnSampler(),
    spanProcessors: [keep],
  });
  const tracer = provider.getTracer("@procode/observability", "0.1.0");
  for (let i = 0; i < 512; i++) {
    const span = tracer.startSpan("GET /hello/:name", serverSpanOptions(), api.ROOT_CONTEXT);
    span.setAttribute("http.response.status_code", 200);
    span.end();
  }
  const sink = await startSink();
  // The fields the trace exporter reads, under this checkout's names and earlier ones (`headers`).
  const exporter = createTraceExporter({
    tracesEndpoint: `${sink.url}/v1/traces`,
    tracesProtocol: "http/protobuf",
    tracesHeaders: {},
    headers: {},
    timeoutMs: 10_000,
  } as unknown as Parameters<typeof createTraceExporter>[0]);
  const encodeOnce = async () => {
    encodeTraceRequest(spans);
    await yieldToLoop();
  };
  const sendOnce = () =>
    new Promise<void>((resolve, reject) =>
      exporter.export(spans, (r) =>
        r.code === 0 ? resolve() : reject(r.error ?? new Error("export failed")),
      ),
    );
  const encode: number[] = [];
  const send: number[] = [];
  try {
    for (let i = 0; i < 20; i++) await sendOnce();
    for (let r = 0; r < ROUNDS; r++) {
      for (const [out, once] of [
        [encode, encodeOnce],
        [send, sendOnce],
      ] as const) {
        const c0 = cpuSeconds();
        for (let i = 0; i < BATCHES; i++) await once();
        out.push(((cpuSeconds() - c0) * 1e6) / BATCHES);
      }
    }
  } finally {
    await exporter.shutdown();
    sink.proc.kill("SIGTERM");
  }
  return { encode, send };
}

void (async () => {
  const path1 = await spanPath();
  const { encode, send } = await exportCost();
  const fmt = (xs: number[]) => `${median(xs).toFixed(0)} (${xs.map((x) => x.toFixed(0)).join(", ")})`;
  process.stdout.write(
    `${[
      `checkout: ${ROOT}; node ${process.version}; ${ROUNDS} rounds, medians (each round)`,
      `span path, ns CPU per span (${N} spans a round): ${fmt(path1)}`,
      `512-span batch, us CPU to encode: ${fmt(encode)}`,
      `512-span batch, us CPU to encode and send to the sink: ${fmt(send)}`,
    ].join("\n")}\n`,
  );
})().catch((err: unknown) => {
  process.stderr.write(`${String(err)}\n`);
  process.exit(1);
});
