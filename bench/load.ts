/**
 * A small closed-loop HTTP load generator for loopback benchmarks: `connections` keep-alive clients each
 * send the next request when the previous answer arrives, for `durationMs`. Returns the request count and
 * latency percentiles. Bounded in time; only 127.0.0.1 targets.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { Agent, createServer, request } from "node:http";
import type { AddressInfo } from "node:net";
import { cpus } from "node:os";
import { decodeTraceRequest } from "../test/support/otlp-protobuf";

export interface LoadResult {
  readonly requests: number;
  readonly errors: number;
  readonly seconds: number;
  readonly rps: number;
  readonly p50Us: number;
  readonly p99Us: number;
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] ?? Number.NaN;
}

export async function runLoad(opts: {
  port: number;
  path: (i: number) => string;
  connections: number;
  durationMs: number;
}): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: opts.connections });
  const latencies: number[] = [];
  let errors = 0;
  let n = 0;
  const start = performance.now();
  const deadline = start + opts.durationMs;
  const one = () =>
    new Promise<void>((resolve) => {
      const t0 = performance.now();
      const req = request({ host: "127.0.0.1", port: opts.port, path: opts.path(n++), agent }, (res) => {
        res.resume();
        res.on("end", () => {
          if (res.statusCode !== 200) errors++;
          latencies.push((performance.now() - t0) * 1000);
          resolve();
        });
      });
      req.on("error", () => {
        errors++;
        resolve();
      });
      req.end();
    });
  await Promise.all(
    Array.from({ length: opts.connections }, async () => {
      while (performance.now() < deadline) await one();
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return {
    requests: latencies.length,
    errors,
    seconds,
    rps: latencies.length / seconds,
    p50Us: percentile(latencies, 50),
    p99Us: percentile(latencies, 99),
  };
}

/** The median of a list (0 for an empty one). */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] ?? 0) : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2;
}

/** True when the server can be pinned to CPU 0 and the load to CPU 1 (taskset present, two cores or more). */
export const HAVE_TASKSET: boolean = (() => {
  try {
    execFileSync("taskset", ["-V"], { stdio: "ignore" });
    return cpus().length >= 2;
  } catch {
    return false;
  }
})();

/**
 * Starts `node <nodeArgs>` (pinned to `cpu`, the server's CPU 0 unless told, when possible) from `cwd` and waits
 * for its `listening <port>` line.
 */
export async function startPinnedNode(
  nodeArgs: readonly string[],
  env: Record<string, string>,
  cwd: string,
  stderr: "inherit" | "ignore" = "ignore",
  cpu: 0 | 1 = 0,
): Promise<{ proc: ChildProcess; port: number }> {
  const cmd = HAVE_TASKSET ? "taskset" : process.execPath;
  const cmdArgs = HAVE_TASKSET ? ["-c", String(cpu), process.execPath, ...nodeArgs] : [...nodeArgs];
  const proc = spawn(cmd, cmdArgs, {
    cwd,
    env: { PATH: process.env.PATH, PORT: "0", ...env },
    stdio: ["ignore", "pipe", stderr],
  });
  let out = "";
  const port = await new Promise<number>((resolve, reject) => {
    proc.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /listening (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    proc.once("exit", (c) => reject(new Error(`server exited ${c}`)));
  });
  return { proc, port };
}

/**
 * CPU seconds (user + system, or system alone) a process has used, from /proc: unlike throughput on a shared
 * machine, CPU per request does not depend on how much of the core the neighbours left.
 */
export function cpuSeconds(pid: number | undefined = process.pid, which: "all" | "system" = "all"): number {
  if (pid === undefined) return Number.NaN;
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const system = Number(fields[12]);
  // utime, stime in clock ticks (USER_HZ = 100)
  return (which === "system" ? system : Number(fields[11]) + system) / 100;
}

/** The number of spans in an OTLP trace export body (protobuf or JSON). */
export function countSpans(body: Uint8Array, json: boolean): number {
  if (!json) return decodeTraceRequest(body).length;
  const req = JSON.parse(Buffer.from(body).toString("utf8")) as {
    resourceSpans?: { scopeSpans?: { spans?: unknown[] }[] }[];
  };
  let n = 0;
  for (const rs of req.resourceSpans ?? []) for (const ss of rs.scopeSpans ?? []) n += ss.spans?.length ?? 0;
  return n;
}

/**
 * An OTLP/HTTP sink on loopback that accepts every export and answers an empty Export*ServiceResponse in the
 * request's encoding (zero bytes for protobuf, `{}` for JSON), so exporters log nothing. It counts the spans
 * that arrive (`spans()`), so a benchmark can check that tracing at 100 % exported every request's span. The
 * counting is deferred to `spans()`: the sink shares a core with the load generator, and decoding while the
 * load runs would slow the load generator down, which changes how requests reach the server and what each
 * costs it (measured: 6 us of server CPU per request at 35k spans/s).
 */
export async function startOtlpSink(): Promise<{ url: string; spans: () => number; close: () => void }> {
  let spans = 0;
  const pending: { body: Buffer; json: boolean }[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    const json = req.headers["content-type"] === "application/json";
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      if (req.url === "/v1/traces") pending.push({ body: Buffer.concat(chunks), json });
      if (json) res.writeHead(200, { "content-type": "application/json" }).end("{}");
      else res.writeHead(200, { "content-type": "application/x-protobuf" }).end();
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    spans: () => {
      for (const p of pending.splice(0)) spans += countSpans(p.body, p.json);
      return spans;
    },
    close: () => server.close(),
  };
}
