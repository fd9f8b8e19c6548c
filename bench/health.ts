/**
 * Latency of the health routes under load, with every dependency up, down, and hanging.
 *
 *   npm run build && node build/bench/health.js [--rounds 5] [--requests 4000] [--connections 8] [--pin]
 *
 * Three health servers run as child processes (pinned to one core with --pin), each with the real
 * checks against real dependencies: "healthy" (PostgreSQL from scripts/stack, three agents and an LLM probe
 * target answering), "down" (the same dependencies on ports nothing listens on: connection refused; disk and
 * memory limits set so those checks fail too) and "hanging" (dependencies that accept connections and never
 * answer). A closed-loop load generator (keep-alive connections, each sending its next request when the
 * previous answer arrives) measures /health and /ready on the internal exposure and /health on the public
 * one (rate limiter on, with a limit above the load), in interleaved rounds whose order rotates, so drift
 * on this shared machine spreads over every series. Bounded in count and time. Results go to
 * bench/results/health.md.
 */
import { execFileSync, spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { Agent, createServer, request, type Server } from "node:http";
import { createServer as createTcpServer, type Socket, type Server as TcpServer } from "node:net";
import { cpus, loadavg, release, totalmem } from "node:os";
import { join, resolve } from "node:path";
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import { Pool } from "pg";
import { type PostgresServer, startPostgres } from "../scripts/stack/postgres";
import {
  createHealthApp,
  databaseCheck,
  diskCheck,
  externalAgentsCheck,
  HealthMonitor,
  httpProbe,
  llmProviderCheck,
  memoryCheck,
} from "../src/health";
import { getLifecycle } from "../src/lifecycle";
import { numberFlag } from "./args";
import { median, percentile } from "./load";

const ROOT = resolve(__dirname, "../..");
const SCENARIOS = ["healthy", "down", "hanging"] as const;
type Scenario = (typeof SCENARIOS)[number];
const ROUTES = [
  { name: "/health (internal)", path: "/internal/health" },
  { name: "/ready (internal)", path: "/internal/ready" },
  { name: "/health (public, rate-limited)", path: "/health" },
] as const;
const INTERVAL_MS = 10_000; // HEALTH_CHECK_INTERVAL_SECONDS default
const TIMEOUT_MS = 1000;
const TIME_CAP_MS = 240_000;

interface ServerSpec {
  readonly scenario: Scenario;
  readonly databaseUrl: string;
  readonly agentUrls: readonly string[];
  readonly llmUrl: string;
}

// --- child: one health server ---------------------------------------------------------------------------

function buildApp(spec: ServerSpec): { app: Hono; monitor: HealthMonitor; pool: Pool } {
  const down = spec.scenario !== "healthy";
  const pool = new Pool({ connectionString: spec.databaseUrl, max: 2, idleTimeoutMillis: 30_000 });
  pool.on("error", () => undefined);
  const monitor = new HealthMonitor({
    checks: [
      databaseCheck(pool),
      llmProviderCheck({ probe: httpProbe(spec.llmUrl) }),
      externalAgentsCheck(spec.agentUrls.map((url, i) => ({ name: `agent-${i + 1}`, url }))),
      diskCheck("/", down ? 1 : 0),
      memoryCheck(down ? 1 : 64 * 1024 ** 3),
    ],
    intervalMs: INTERVAL_MS,
    timeoutMs: TIMEOUT_MS,
    lifecycle: false,
  });
  const app = new Hono();
  app.route("/", createHealthApp({ monitor, version: "0.1.0", rateLimit: { limit: 1e9, windowMs: 10_000 } }));
  app.route("/internal", createHealthApp({ monitor, version: "0.1.0", exposure: "internal" }));
  return { app, monitor, pool };
}

async function runServer(spec: ServerSpec): Promise<void> {
  const { app, monitor } = buildApp(spec);
  monitor.start();
  await monitor.whenComplete();
  getLifecycle().markReady();
  serve({ fetch: app.fetch, hostname: "127.0.0.1", port: 0 }, (info) => {
    process.stdout.write(`listening ${info.port} ${monitor.snapshot().status}\n`);
  });
}

/** The handlers alone: `app.request()` in this process, no socket (microseconds per call). */
async function inProcessCost(spec: ServerSpec, calls: number): Promise<string[]> {
  const { app, monitor, pool } = buildApp(spec);
  monitor.start();
  await monitor.whenComplete();
  getLifecycle().markReady();
  const rows: string[] = [];
  try {
    for (const route of ROUTES) {
      for (let i = 0; i < calls / 4; i++) await (await app.request(route.path)).text();
      const started = performance.now();
      for (let i = 0; i < calls; i++) await (await app.request(route.path)).text();
      const us = ((performance.now() - started) * 1000) / calls;
      rows.push(`| ${spec.scenario} | ${route.name} | ${calls} | ${us.toFixed(1)} |`);
    }
  } finally {
    await monitor.stop();
    // A pool with a connection attempt to a hanging server never finishes ending: do not wait for it.
    await Promise.race([pool.end().catch(() => undefined), new Promise((r) => setTimeout(r, 1000).unref())]);
  }
  return rows;
}

// --- parent: dependencies, load, report ---------------------------------------------------------------------

function listen(server: Server | TcpServer): Promise<number> {
  return new Promise((resolvePort) => {
    server.listen(0, "127.0.0.1", () => {
      const a = server.address();
      resolvePort(typeof a === "object" && a ? a.port : 0);
    });
  });
}

async function closedPort(): Promise<number> {
  const s = createTcpServer();
  const port = await listen(s);
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

interface Started {
  readonly name: Scenario;
  readonly port: number;
  readonly status: string;
  stop(): Promise<void>;
}

function startServer(spec: ServerSpec, pin: boolean): Promise<Started> {
  const args = [join(ROOT, "build/bench/health.js"), "server", JSON.stringify(spec)];
  const child = pin
    ? spawn("taskset", ["-c", "1", process.execPath, ...args], {
        cwd: ROOT,
        stdio: ["ignore", "pipe", "pipe"],
      })
    : spawn(process.execPath, args, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stderr?.on("data", (d: Buffer) => {
    err += d.toString();
  });
  return new Promise((resolveStarted, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${spec.scenario} server did not start: ${err}`)),
      30_000,
    );
    child.once("exit", (code) => reject(new Error(`${spec.scenario} server exited ${code}: ${err}`)));
    child.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /listening (\d+) (\w+)/.exec(out);
      if (!m) return;
      clearTimeout(timer);
      resolveStarted({
        name: spec.scenario,
        port: Number(m[1]),
        status: m[2] ?? "",
        stop: () =>
          new Promise<void>((r) => {
            if (child.exitCode !== null) return r();
            child.once("exit", () => r());
            child.kill("SIGKILL");
          }),
      });
    });
  });
}

interface SeriesResult {
  all: number[];
  roundP99: number[];
  statuses: Map<number, number>;
  seconds: number;
}

interface Sample {
  latenciesUs: number[];
  statuses: Map<number, number>;
  seconds: number;
}

/** `connections` keep-alive clients send `total` requests between them, each as soon as the last answered. */
async function load(
  port: number,
  path: string,
  total: number,
  connections: number,
  deadline: number,
): Promise<Sample> {
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  const latenciesUs: number[] = [];
  const statuses = new Map<number, number>();
  let sent = 0;
  const one = (): Promise<void> =>
    new Promise((done) => {
      const t0 = process.hrtime.bigint();
      const req = request({ host: "127.0.0.1", port, path, agent }, (res) => {
        res.resume();
        res.on("end", () => {
          latenciesUs.push(Number(process.hrtime.bigint() - t0) / 1000);
          statuses.set(res.statusCode ?? 0, (statuses.get(res.statusCode ?? 0) ?? 0) + 1);
          done();
        });
      });
      req.on("error", () => {
        statuses.set(-1, (statuses.get(-1) ?? 0) + 1);
        done();
      });
      req.end();
    });
  const started = performance.now();
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (sent < total && Date.now() < deadline) {
        sent++;
        await one();
      }
    }),
  );
  agent.destroy();
  return { latenciesUs, statuses, seconds: (performance.now() - started) / 1000 };
}

async function main(): Promise<void> {
  const rounds = numberFlag("rounds", 5);
  const perSeries = numberFlag("requests", 4000);
  const connections = numberFlag("connections", 8);
  const deadline = Date.now() + TIME_CAP_MS;
  const loadStart = loadavg()[0] ?? 0;
  let pin = false;
  // Pinning is opt-in: on a shared two-core machine a pinned server cannot move off a core another process
  // is using, and its tail latency measures that other process (p99 5-8 ms pinned vs 1.5-3 ms not, here).
  if (process.argv.includes("--pin")) {
    try {
      execFileSync("taskset", ["-pc", "0", String(process.pid)], { stdio: "ignore" });
      pin = cpus().length >= 2;
    } catch {
      pin = false;
    }
  }

  // Dependencies: real PostgreSQL, agents and an LLM endpoint that answer; ports that refuse; servers that hang.
  let pg: PostgresServer | undefined;
  const httpServers: Server[] = [];
  const hangSockets = new Set<Socket>();
  const tcpServers: TcpServer[] = [];
  const children: Started[] = [];
  let agentHits = 0;
  try {
    pg = await startPostgres();
    const answering = async (): Promise<string> => {
      const s = createServer((_req, res) => {
        agentHits++;
        res.writeHead(200, { "content-type": "application/json" }).end('{"status":"ok"}');
      });
      httpServers.push(s);
      return `http://127.0.0.1:${await listen(s)}/health`;
    };
    const hanging = async (): Promise<number> => {
      const s = createTcpServer((sock) => {
        hangSockets.add(sock);
        sock.on("close", () => hangSockets.delete(sock));
        sock.on("error", () => undefined);
      });
      tcpServers.push(s);
      return listen(s);
    };
    const refused = async (): Promise<string> => `http://127.0.0.1:${await closedPort()}/health`;

    const specs: ServerSpec[] = [
      {
        scenario: "healthy",
        databaseUrl: pg.url,
        agentUrls: [await answering(), await answering(), await answering()],
        llmUrl: await answering(),
      },
      {
        scenario: "down",
        databaseUrl: `postgresql://app:secret@127.0.0.1:${await closedPort()}/app`,
        agentUrls: [await refused(), await refused(), await refused()],
        llmUrl: await refused(),
      },
      {
        scenario: "hanging",
        databaseUrl: `postgresql://app:secret@127.0.0.1:${await hanging()}/app`,
        agentUrls: [
          `http://127.0.0.1:${await hanging()}/health`,
          `http://127.0.0.1:${await hanging()}/health`,
          `http://127.0.0.1:${await hanging()}/health`,
        ],
        llmUrl: `http://127.0.0.1:${await hanging()}/v1/models`,
      },
    ];
    for (const spec of specs) children.push(await startServer(spec, pin));
    const hitsAtStart = agentHits;
    const benchStarted = Date.now();

    const series = children.flatMap((c) => ROUTES.map((r) => ({ server: c, route: r })));
    const results = new Map<string, SeriesResult>();
    const roundLoad: number[] = [];
    // One discarded warm-up round, then `rounds` measured ones; the order rotates every round.
    for (let round = 0; round <= rounds; round++) {
      for (let k = 0; k < series.length; k++) {
        const s = series[(k + round) % series.length];
        if (!s) continue;
        const sample = await load(s.server.port, s.route.path, perSeries, connections, deadline);
        if (round === 0) continue;
        const key = `${s.server.name}\u0000${s.route.name}`;
        const entry: SeriesResult = results.get(key) ?? {
          all: [],
          roundP99: [],
          statuses: new Map(),
          seconds: 0,
        };
        entry.all.push(...sample.latenciesUs);
        entry.roundP99.push(
          percentile(
            [...sample.latenciesUs].sort((a, b) => a - b),
            99,
          ),
        );
        for (const [code, n] of sample.statuses)
          entry.statuses.set(code, (entry.statuses.get(code) ?? 0) + n);
        entry.seconds += sample.seconds;
        results.set(key, entry);
      }
      if (round > 0) roundLoad.push(loadavg()[0] ?? 0);
      if (Date.now() > deadline) break;
    }
    const benchSeconds = (Date.now() - benchStarted) / 1000;
    const hits = agentHits - hitsAtStart;
    const inProcess: string[] = [];
    for (const spec of specs) inProcess.push(...(await inProcessCost(spec, 20_000)));

    const ms = (us: number): string => (us / 1000).toFixed(2);
    const rows: string[] = [];
    let worstP99 = 0;
    for (const s of series) {
      const e = results.get(`${s.server.name}\u0000${s.route.name}`);
      if (!e) continue;
      const sorted = e.all.sort((a, b) => a - b);
      const p99 = percentile(sorted, 99);
      worstP99 = Math.max(worstP99, p99);
      const statuses = [...e.statuses.entries()].map(([c, n]) => `${c === -1 ? "error" : c}×${n}`).join(", ");
      rows.push(
        `| ${s.server.name} | ${s.route.name} | ${sorted.length} | ${ms(percentile(sorted, 50))} | ${ms(p99)} | ${ms(sorted.at(-1) ?? Number.NaN)} | ${ms(Math.min(...e.roundP99))} / ${ms(median(e.roundP99))} / ${ms(Math.max(...e.roundP99))} | ${Math.round(sorted.length / e.seconds)} | ${statuses} |`,
      );
    }
    const cpu = cpus();
    const now = new Date();
    const report = [
      "# Health routes: latency under load",
      "",
      `Measured ${now.toISOString()} with \`node build/bench/health.js --rounds ${rounds} --requests ${perSeries} --connections ${connections}${pin ? " --pin" : ""}\` (bench/health.ts).`,
      "",
      `Machine: ${cpu[0]?.model ?? "unknown CPU"} × ${cpu.length} cores (shared with other builds), ${(totalmem() / 1024 ** 3).toFixed(0)} GiB RAM, Linux ${release()}, Node ${process.version}. ` +
        (pin
          ? "Health servers pinned to CPU 1, the load generator to CPU 0 (taskset)."
          : "No CPU pinning (the default; --pin pins the servers to CPU 1 and the load generator to CPU 0)."),
      "",
      "Setup: three health servers (child processes, @hono/node-server, no preload), each with the five real checks " +
        `(interval ${INTERVAL_MS / 1000} s, timeout ${TIMEOUT_MS / 1000} s): **healthy** (PostgreSQL ${pg ? "from scripts/stack" : ""} through a pg Pool, three agents and an LLM probe target answering over HTTP), ` +
        "**down** (database, agents and LLM on ports nothing listens on; disk and memory limits set so those checks fail: /health is 503, every check unhealthy) and " +
        "**hanging** (database, agents and LLM accept connections and never answer: every run ends at its timeout). " +
        `Closed-loop load: ${connections} keep-alive connections, each sending its next request when the previous answer arrives; ` +
        `${perSeries} requests per series per round, one discarded warm-up round, then ${rounds} measured rounds with the series order rotating each round. ` +
        "Latency is client-observed (request written to response fully read) on loopback. " +
        "/ready is 200 in every scenario (readiness does not follow shared dependencies by default). " +
        "The public /health runs its per-address rate limiter with a limit above the load, so the limiter's cost is included.",
      "",
      "| scenario | route | requests | p50 ms | p99 ms | max ms | p99 per round ms (min / median / max) | req/s | statuses |",
      "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
      ...rows,
      "",
      `Target: p99 under 5 ms for every series (the seed's target is 100 ms). Worst p99 here: ${ms(worstP99)} ms — ${worstP99 < 5000 ? "met" : "NOT met"}.`,
      "",
      `Dependency calls do not follow the load: during the ${benchSeconds.toFixed(0)} s of load (${results.size * rounds * perSeries} measured probes, plus the warm-up), ` +
        `the four answering endpoints of the healthy server (three agents, the LLM probe target) received ${hits} requests in all: one each per check run, ` +
        `and a run starts every ${INTERVAL_MS / 1000} s whatever the load.`,
      "",
      `Load average (1 min) on this shared machine: ${loadStart.toFixed(2)} before, ${roundLoad.map((l) => l.toFixed(2)).join(", ")} after each round; ` +
        "the per-round p99 spread shows how much of the tail is other work on the machine. The handlers alone " +
        "(`app.request()` in the load generator's process, no socket, same checks and dependencies):",
      "",
      "| scenario | route | calls | µs per call |",
      "| --- | --- | ---: | ---: |",
      ...inProcess,
      "",
    ].join("\n");
    const file = join(ROOT, "bench/results/health.md");
    writeFileSync(file, report);
    process.stdout.write(`${report}\nwritten to ${file}\n`);
  } finally {
    for (const c of children) await c.stop();
    for (const s of hangSockets) s.destroy();
    for (const s of tcpServers) s.close();
    for (const s of httpServers) {
      s.closeAllConnections();
      s.close();
    }
    await pg?.destroy();
  }
}

if (process.argv[2] === "server") {
  runServer(JSON.parse(process.argv[3] ?? "{}") as ServerSpec).catch((err: unknown) => {
    process.stderr.write(`${String(err)}\n`);
    process.exit(1);
  });
} else {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(1);
    },
  );
}
