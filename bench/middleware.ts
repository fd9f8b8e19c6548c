/**
 * The middleware's own cost, without the network: CPU microseconds per request of a Hono app driven through
 * `app.fetch`, bare vs. with the observability middleware (metrics only; traces at 100% with metrics and the
 * OTLP export to a local sink). Interleaved rounds, one fresh process per variant and round; medians.
 *   node build/bench/middleware.js [--rounds 7] [--n 20000]
 * CPU time, unlike throughput, does not depend on how much of the core the machine's neighbours leave.
 */
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { numberFlag } from "./args";
import { median, startOtlpSink } from "./load";

const ROUNDS = numberFlag("rounds", 7);
const N = numberFlag("n", 20000);
const CHILD = path.join(__dirname, "middleware-child.js");
const execFileAsync = promisify(execFile);

const VARIANTS: Record<string, Record<string, string>> = {
  bare: {},
  metrics: { ENABLE_TRACING: "false", OTEL_LOGS_EXPORTER: "none" },
  full: { OTEL_LOGS_EXPORTER: "none" },
};

void (async () => {
  const sink = await startOtlpSink();
  const endpoint = sink.url;
  const results: Record<string, number[]> = { bare: [], metrics: [], full: [] };
  const exported: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    for (const [variant, env] of Object.entries(VARIANTS)) {
      const spans0 = sink.spans();
      // Asynchronously: the OTLP sink runs in this process and must answer the child's exports.
      const { stdout: out } = await execFileAsync(process.execPath, [CHILD], {
        env: {
          PATH: process.env.PATH,
          BENCH_VARIANT: variant,
          BENCH_N: String(N),
          OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
          OTEL_METRIC_EXPORT_INTERVAL: "1000",
          ...env,
        },
        encoding: "utf8",
      });
      const { us } = JSON.parse(out.trim().split("\n").pop() ?? "{}") as { us: number };
      results[variant]?.push(us);
      // The child answers 2,000 warm-up requests and N measured ones; at 100 % each must have left as a span.
      if (variant === "full") exported.push((sink.spans() - spans0) / (N + 2000));
    }
  }
  sink.close();
  const bare = median(results.bare ?? []);
  process.stdout.write(
    "| variant | CPU per request (us, median) | added (us) | all rounds |\n| --- | --- | --- | --- |\n",
  );
  for (const [variant, xs] of Object.entries(results)) {
    const m = median(xs);
    process.stdout.write(
      `| ${variant} | ${m.toFixed(1)} | ${(m - bare).toFixed(1)} | ${xs.map((x) => x.toFixed(1)).join(", ")} |\n`,
    );
  }
  process.stdout.write(
    `\nfull: spans exported per request ${exported.map((x) => x.toFixed(3)).join(", ")}\n`,
  );
  process.stdout.write(`\n${ROUNDS} interleaved rounds of ${N} requests; node ${process.version}\n`);
})();
