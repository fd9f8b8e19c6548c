/**
 * Benchmark: a Hono hello app bare vs. with the preload, in interleaved rounds.
 *   node build/bench/overhead.js [--rounds 5] [--seconds 4] [--connections 16] [--profile] [--env K=V,...]
 *     [--compare K=V,...] [--baseline DIR]
 * Variants: bare (no preload, no middleware); metrics (preload + middleware, tracing and logs off, metrics
 * over OTLP); full (traces at 100%, metrics and logs, all exported over OTLP to a local sink). The server is
 * pinned to CPU 0 and the load generator runs on CPU 1 (taskset) when the machine has two cores.
 * Writes the table to stdout; the results file is bench/results/overhead.md (written by hand from a run).
 */
import { type ChildProcess, execFile, execFileSync } from "node:child_process";
import { once } from "node:events";
import path from "node:path";
import { promisify } from "node:util";
import { envFlag, hasFlag, numberFlag, stringFlag } from "./args";
import {
  cpuSeconds,
  HAVE_TASKSET,
  type LoadResult,
  median,
  runLoad,
  startOtlpSink,
  startPinnedNode,
} from "./load";

const execFileAsync = promisify(execFile);

/**
 * wrk (Debian package `wrk`) when installed: a C load generator that does not saturate before the server. Run
 * asynchronously: the OTLP sink lives in this process, and a blocked event loop would leave the server's
 * exports unanswered, its span queue full and the rest of its spans dropped, which costs less than exporting.
 */
async function wrkLoad(port: number, seconds: number, connections: number): Promise<LoadResult | undefined> {
  try {
    const { stdout: out } = await execFileAsync(
      "taskset",
      [
        "-c",
        "1",
        "wrk",
        "-t1",
        `-c${connections}`,
        `-d${seconds}s`,
        "--latency",
        `http://127.0.0.1:${port}/hello/x`,
      ],
      { encoding: "utf8" },
    );
    const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
    const toUs = (v: string | undefined, unit: string | undefined) =>
      Number(v) * (unit === "ms" ? 1000 : unit === "s" ? 1e6 : 1);
    const p50 = /50%\s+([\d.]+)(us|ms|s)/.exec(out);
    const p99 = /99%\s+([\d.]+)(us|ms|s)/.exec(out);
    const requests = Number(/(\d+) requests in/.exec(out)?.[1]);
    return {
      requests,
      errors: Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0),
      seconds,
      rps,
      p50Us: toUs(p50?.[1], p50?.[2]),
      p99Us: toUs(p99?.[1], p99?.[2]),
    };
  } catch {
    return undefined;
  }
}

const ROOT = path.resolve(__dirname, "../..");
const ROUNDS = numberFlag("rounds", 5);
const SECONDS = numberFlag("seconds", 4);
const CONNECTIONS = numberFlag("connections", 16);
const PROFILE = hasFlag("profile");
/** `--env K=V[,K=V]`: extra environment for the preload variants (experiments with SDK settings). */
const EXTRA_ENV = envFlag("env");
/** `--compare K=V[,K=V]`: a fourth variant, full with this environment, interleaved with the others. */
const COMPARE_ENV = envFlag("compare");
/** `--baseline DIR`: a variant running full telemetry from another built checkout (before/after, one run). */
const BASELINE_DIR = stringFlag("baseline");
const BASELINE = BASELINE_DIR === undefined ? undefined : path.resolve(BASELINE_DIR);

interface Variant {
  name: string;
  preload: boolean;
  env: Record<string, string>;
  /** Another checkout (built, with its node_modules) whose preload and hello app this variant runs. */
  root?: string;
}

async function startServer(
  v: Variant,
  sinkUrl: string,
  profileDir?: string,
): Promise<{ proc: ChildProcess; port: number; startMs: number }> {
  const nodeArgs = [
    ...(profileDir ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] : []),
    ...(v.preload ? ["--require", "./dist/register.js"] : []),
    "build/bench/hello-app.js",
  ];
  const t0 = performance.now();
  const { proc, port } = await startPinnedNode(
    nodeArgs,
    { OTEL_EXPORTER_OTLP_ENDPOINT: sinkUrl, ...v.env, ...(v.preload ? EXTRA_ENV : {}) },
    v.root ?? ROOT,
    "inherit",
  );
  // Start-up: spawn to the first answered request.
  for (;;) {
    try {
      const r = await fetch(`http://127.0.0.1:${port}/hello/warm`);
      await r.text();
      break;
    } catch {
      await new Promise((r) => setTimeout(r, 5));
    }
  }
  return { proc, port, startMs: performance.now() - t0 };
}

async function stop(proc: ChildProcess): Promise<void> {
  const exited = once(proc, "exit");
  proc.kill("SIGTERM");
  await exited;
}

async function main(): Promise<void> {
  if (HAVE_TASKSET) {
    // The load generator on the other core.
    execFileSync("taskset", ["-p", "-c", "1", String(process.pid)], { stdio: "ignore" });
  }
  const sink = await startOtlpSink();
  const variants: Variant[] = [
    { name: "bare", preload: false, env: {} },
    {
      name: "metrics",
      preload: true,
      env: {
        BENCH_MIDDLEWARE: "1",
        ENABLE_TRACING: "false",
        OTEL_LOGS_EXPORTER: "none",
        OTEL_METRIC_EXPORT_INTERVAL: "5000",
      },
    },
    { name: "full", preload: true, env: { BENCH_MIDDLEWARE: "1", OTEL_METRIC_EXPORT_INTERVAL: "5000" } },
  ];
  if (BASELINE !== undefined) {
    variants.push({
      name: `full @${path.basename(BASELINE)}`,
      preload: true,
      env: { BENCH_MIDDLEWARE: "1", OTEL_METRIC_EXPORT_INTERVAL: "5000" },
      root: BASELINE,
    });
  }
  if (Object.keys(COMPARE_ENV).length > 0) {
    variants.push({
      name: `full ${Object.entries(COMPARE_ENV)
        .map(([k, v]) => `${k}=${v}`)
        .join(" ")}`,
      preload: true,
      env: { BENCH_MIDDLEWARE: "1", OTEL_METRIC_EXPORT_INTERVAL: "5000", ...COMPARE_ENV },
    });
  }
  const results = new Map<string, { load: LoadResult; startMs: number; cpuUs: number; exported: number }[]>(
    variants.map((v) => [v.name, []]),
  );
  for (let r = 0; r < ROUNDS; r++) {
    for (const v of variants) {
      const profileDir =
        PROFILE && r === ROUNDS - 1 ? path.join(ROOT, "bench/results/tmp", v.name) : undefined;
      const spans0 = sink.spans();
      const s = await startServer(v, sink.url, profileDir);
      const warm = HAVE_TASKSET ? ((await wrkLoad(s.port, 1, CONNECTIONS))?.requests ?? 0) : 0;
      const cpu0 = cpuSeconds(s.proc.pid);
      const sys0 = cpuSeconds(s.proc.pid, "system");
      const load =
        (HAVE_TASKSET && (await wrkLoad(s.port, SECONDS, CONNECTIONS))) ||
        (await runLoad({
          port: s.port,
          path: (i) => `/hello/${i % 100}`,
          connections: CONNECTIONS,
          durationMs: SECONDS * 1000,
        }));
      const cpuUs = ((cpuSeconds(s.proc.pid) - cpu0) * 1e6) / Math.max(1, load.requests);
      const sysUs = ((cpuSeconds(s.proc.pid, "system") - sys0) * 1e6) / Math.max(1, load.requests);
      await stop(s.proc);
      // Spans that reached the sink per request answered (the start-up probe, the warm-up and the load); at
      // 100 % sampling anything below 1 means spans were dropped, and the CPU figure would flatter the variant.
      const exported = (sink.spans() - spans0) / (1 + warm + load.requests);
      results.get(v.name)?.push({ load, startMs: s.startMs, cpuUs, exported });
      process.stderr.write(
        `round ${r + 1} ${v.name}: ${load.rps.toFixed(0)} req/s p50 ${load.p50Us.toFixed(0)} us p99 ${load.p99Us.toFixed(0)} us start ${s.startMs.toFixed(0)} ms cpu ${cpuUs.toFixed(1)} us (system ${sysUs.toFixed(1)}) spans/request ${exported.toFixed(3)}\n`,
      );
    }
  }
  sink.close();
  const bare = results.get("bare") ?? [];
  const bareRps = median(bare.map((x) => x.load.rps));
  const bareP50 = median(bare.map((x) => x.load.p50Us));
  const bareP99 = median(bare.map((x) => x.load.p99Us));
  const bareCpu = median(bare.map((x) => x.cpuUs));
  const lines = [
    `| variant | server CPU per request (us) | CPU ratio bare/variant | median req/s | req/s ratio | p50 (us) | p99 (us) | added p50 (us) | added p99 (us) | start-up (ms) | spans exported per request (min) |`,
    `| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |`,
  ];
  for (const v of variants) {
    const rs = results.get(v.name) ?? [];
    const rps = median(rs.map((x) => x.load.rps));
    const p50 = median(rs.map((x) => x.load.p50Us));
    const p99 = median(rs.map((x) => x.load.p99Us));
    const cpu = median(rs.map((x) => x.cpuUs));
    lines.push(
      `| ${v.name} | ${cpu.toFixed(1)} | ${(bareCpu / cpu).toFixed(2)} | ${rps.toFixed(0)} | ${(rps / bareRps).toFixed(2)} | ${p50.toFixed(0)} | ${p99.toFixed(0)} | ${(p50 - bareP50).toFixed(0)} | ${(p99 - bareP99).toFixed(0)} | ${median(rs.map((x) => x.startMs)).toFixed(0)} | ${Math.min(...rs.map((x) => x.exported)).toFixed(3)} |`,
    );
  }
  process.stdout.write(
    `${lines.join("\n")}\n\n${ROUNDS} interleaved rounds of ${SECONDS} s, ${CONNECTIONS} connections, server on CPU 0${HAVE_TASKSET ? "" : " (no taskset: unpinned)"}; node ${process.version}\n`,
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`${String(err)}\n`);
  process.exit(1);
});
