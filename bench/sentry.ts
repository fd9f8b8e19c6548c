/**
 * Benchmark: what Sentry costs a request, with Sentry up, down (connection refused) and hanging (accepts,
 * never answers), against no Sentry at all. Interleaved rounds; each round starts every variant afresh.
 *   npm run build && node build/bench/sentry.js [--rounds 5] [--seconds 5] [--connections 8] [--error-every 10]
 * The app is the Sentry test fixture under the preload (`--require ./dist/register.js`, traces, metrics and
 * logs exported over OTLP to a local sink in every variant), serving GET /ok and, every `error-every`-th
 * request, GET /boom (a thrown error -> 500 -> one Sentry event). The server is pinned to CPU 0 and this
 * load generator to CPU 1 (taskset) when the machine has two cores. Writes a Markdown table to stdout;
 * bench/results/sentry.md records a run.
 */
import { type ChildProcess, execFileSync } from "node:child_process";
import { once } from "node:events";
import { Agent, createServer, request, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { cpus } from "node:os";
import path from "node:path";
import { numberFlag } from "./args";
import { HAVE_TASKSET, median, percentile, startPinnedNode } from "./load";

const ROOT = path.resolve(__dirname, "../..");
const APP = "build/test/fixtures/sentry-app.js";
const ROUNDS = numberFlag("rounds", 5);
const SECONDS = numberFlag("seconds", 5);
const CONNECTIONS = numberFlag("connections", 8);
const ERROR_EVERY = numberFlag("error-every", 10);

type Mode = "none" | "up" | "down" | "hang";
const MODES: readonly Mode[] = ["none", "up", "down", "hang"];

interface Sample {
  rps: number;
  okP50: number;
  okP99: number;
  errP50: number;
  errP99: number;
  allP99: number;
  events: number;
}

async function listen(server: Server): Promise<number> {
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return (server.address() as AddressInfo).port;
}

/** The OTLP sink and the Sentry stand-in: answers, or holds every request open in "hang" mode. */
async function startSentry(
  mode: "up" | "hang",
): Promise<{ port: number; events: () => number; close(): void }> {
  let envelopes = 0;
  const held = new Set<ServerResponse>();
  const server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      if (mode === "hang") {
        held.add(res);
        return;
      }
      envelopes++;
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  const port = await listen(server);
  return {
    port,
    events: () => envelopes,
    close() {
      for (const r of held) r.destroy();
      server.closeAllConnections();
      server.close();
    },
  };
}

async function closedPort(): Promise<number> {
  const s = createServer();
  const port = await listen(s);
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

let running: ChildProcess | undefined;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    running?.kill("SIGKILL");
    process.exit(130);
  });
}

async function startApp(env: Record<string, string>): Promise<{ proc: ChildProcess; port: number }> {
  const app = await startPinnedNode(["--require", "./dist/register.js", APP], env, ROOT);
  running = app.proc;
  return app;
}

async function stopApp(proc: ChildProcess): Promise<void> {
  const exited = once(proc, "exit");
  proc.kill("SIGKILL");
  await exited;
}

/** Closed loop: `connections` keep-alive clients, each sending the next request when the answer arrives. */
async function load(port: number, seconds: number): Promise<Omit<Sample, "events">> {
  const agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  const ok: number[] = [];
  const err: number[] = [];
  let n = 0;
  const start = performance.now();
  const deadline = start + seconds * 1000;
  const one = () =>
    new Promise<void>((resolve) => {
      const isError = n++ % ERROR_EVERY === 0;
      const t0 = performance.now();
      const req = request({ host: "127.0.0.1", port, path: isError ? "/boom" : "/ok", agent }, (res) => {
        res.resume();
        res.on("end", () => {
          (isError ? err : ok).push((performance.now() - t0) * 1000);
          resolve();
        });
      });
      req.on("error", () => resolve());
      req.end();
    });
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (performance.now() < deadline) await one();
    }),
  );
  const elapsed = (performance.now() - start) / 1000;
  agent.destroy();
  ok.sort((a, b) => a - b);
  err.sort((a, b) => a - b);
  const all = [...ok, ...err].sort((a, b) => a - b);
  return {
    rps: all.length / elapsed,
    okP50: percentile(ok, 50),
    okP99: percentile(ok, 99),
    errP50: percentile(err, 50),
    errP99: percentile(err, 99),
    allP99: percentile(all, 99),
  };
}

async function runVariant(mode: Mode, otlpUrl: string): Promise<Sample> {
  const sentry = mode === "up" || mode === "hang" ? await startSentry(mode) : undefined;
  const dsnPort = mode === "down" ? await closedPort() : sentry?.port;
  const env: Record<string, string> = {
    OTEL_EXPORTER_OTLP_ENDPOINT: otlpUrl,
    OTEL_SERVICE_NAME: "sentry-bench",
    OTEL_METRIC_EXPORT_INTERVAL: "5000",
    ...(dsnPort !== undefined ? { SENTRY_DSN: `http://publickey@127.0.0.1:${dsnPort}/1` } : {}),
  };
  const app = await startApp(env);
  try {
    await load(app.port, 1); // warm-up, not measured
    const sample = await load(app.port, SECONDS);
    return { ...sample, events: sentry?.events() ?? 0 };
  } finally {
    await stopApp(app.proc);
    sentry?.close();
  }
}

async function main(): Promise<void> {
  if (HAVE_TASKSET) execFileSync("taskset", ["-p", "-c", "1", String(process.pid)], { stdio: "ignore" });
  const otlp = await startSentry("up"); // any 200 will do for OTLP/HTTP JSON
  const otlpUrl = `http://127.0.0.1:${otlp.port}`;
  const results = new Map<Mode, Sample[]>(MODES.map((m) => [m, []]));
  for (let r = 0; r < ROUNDS; r++) {
    // Rotate the order each round so that no variant always runs first or last.
    const order = MODES.map((_, i) => MODES[(i + r) % MODES.length] as Mode);
    for (const mode of order) {
      const s = await runVariant(mode, otlpUrl);
      results.get(mode)?.push(s);
      process.stderr.write(
        `round ${r + 1} ${mode}: ${s.rps.toFixed(0)} req/s, ok p50 ${s.okP50.toFixed(0)} us p99 ${s.okP99.toFixed(0)} us, /boom p50 ${s.errP50.toFixed(0)} us p99 ${s.errP99.toFixed(0)} us\n`,
      );
    }
  }
  otlp.close();
  const lines = [
    "| Sentry | req/s | /ok p50 (us) | /ok p99 (us) | /boom p50 (us) | /boom p99 (us) | all p99 (us) |",
    "| --- | --- | --- | --- | --- | --- | --- |",
  ];
  const spread = (xs: number[]) =>
    `${median(xs).toFixed(0)} (${Math.min(...xs).toFixed(0)}-${Math.max(...xs).toFixed(0)})`;
  for (const mode of MODES) {
    const rs = results.get(mode) ?? [];
    lines.push(
      `| ${mode} | ${spread(rs.map((s) => s.rps))} | ${spread(rs.map((s) => s.okP50))} | ${spread(rs.map((s) => s.okP99))} | ${spread(rs.map((s) => s.errP50))} | ${spread(rs.map((s) => s.errP99))} | ${spread(rs.map((s) => s.allP99))} |`,
    );
  }
  process.stdout.write(
    `${lines.join("\n")}\n\nMedian of ${ROUNDS} rounds (min-max in brackets); ${SECONDS} s per round after 1 s of warm-up, ${CONNECTIONS} connections, one request in ${ERROR_EVERY} fails. Node ${process.version}, ${cpus().length} x ${cpus()[0]?.model ?? "?"}, ${new Date().toISOString().slice(0, 10)}; server on CPU 0, load on CPU 1: ${HAVE_TASKSET}.\n`,
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
