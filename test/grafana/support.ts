/**
 * Test support for the dashboards: the committed dashboard files, a bare Prometheus (Debian package) on a free
 * port, and a small client for Prometheus's HTTP API.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Dashboard } from "@grafana/grafana-foundation-sdk/dashboard";
import { DASHBOARDS_DIR } from "../../grafana/src/paths";
import { freePort } from "../../scripts/stack/ports";
import { findExecutable, httpOk, ManagedProcess, waitUntil } from "../../scripts/stack/process";

export interface CommittedDashboard {
  readonly file: string;
  readonly dashboard: Dashboard;
}

/** Every committed dashboard file, parsed. */
export function committedDashboards(): CommittedDashboard[] {
  return readdirSync(DASHBOARDS_DIR)
    .filter((f) => f.endsWith(".json"))
    .sort()
    .map((file) => ({
      file,
      dashboard: JSON.parse(readFileSync(join(DASHBOARDS_DIR, file), "utf8")) as Dashboard,
    }));
}

export interface PromSample {
  readonly metric: Record<string, string>;
  readonly value?: [number, string];
  readonly values?: [number, string][];
}

interface PromResponse<T> {
  readonly status: "success" | "error";
  readonly data?: T;
  readonly errorType?: string;
  readonly error?: string;
}

export interface QueryData {
  readonly resultType: "vector" | "matrix" | "scalar" | "string";
  readonly result: PromSample[] | [number, string];
}

export interface ExemplarSeries {
  readonly seriesLabels: Record<string, string>;
  readonly exemplars: { labels: Record<string, string>; value: string; timestamp: number }[];
}

/** Prometheus's HTTP API: every call returns the parsed `data` or throws with Prometheus's own error. */
export class PromClient {
  constructor(readonly baseUrl: string) {}

  /** POST with form parameters (what Grafana sends for queries); GET when there are none. */
  private async call<T>(path: string, params: Record<string, string | string[]>): Promise<T> {
    const body = new URLSearchParams();
    for (const [key, value] of Object.entries(params)) {
      for (const v of Array.isArray(value) ? value : [value]) body.append(key, v);
    }
    const post = body.size > 0;
    const response = await fetch(`${this.baseUrl}${path}`, {
      method: post ? "POST" : "GET",
      ...(post ? { body } : {}),
      signal: AbortSignal.timeout(30_000),
    });
    const parsed = (await response.json()) as PromResponse<T>;
    if (parsed.status !== "success" || parsed.data === undefined) {
      throw new Error(`${path}: ${parsed.errorType ?? response.status}: ${parsed.error ?? "no data"}`);
    }
    return parsed.data;
  }

  /** An instant query at `time` (seconds). */
  query(expr: string, time: number): Promise<QueryData> {
    return this.call("/api/v1/query", { query: expr, time: String(time) });
  }

  /** A range query, as a Grafana time series panel sends it. */
  queryRange(expr: string, start: number, end: number, step: number): Promise<QueryData> {
    return this.call("/api/v1/query_range", {
      query: expr,
      start: String(start),
      end: String(end),
      step: String(step),
    });
  }

  /** `label_values(selector, label)` as Grafana resolves it: the label's values among the matching series. */
  async labelValues(label: string, selector: string, start: number, end: number): Promise<string[]> {
    const series = await this.call<Record<string, string>[]>("/api/v1/series", {
      "match[]": selector,
      start: String(start),
      end: String(end),
    });
    return [...new Set(series.map((s) => s[label]).filter((v): v is string => v !== undefined))].sort();
  }

  /** Whether any series matching `selector` has a sample in [start, end]. */
  async hasSeries(selector: string, start: number, end: number): Promise<boolean> {
    const series = await this.call<unknown[]>("/api/v1/series", {
      "match[]": selector,
      start: String(start),
      end: String(end),
    });
    return series.length > 0;
  }

  queryExemplars(expr: string, start: number, end: number): Promise<ExemplarSeries[]> {
    return this.call("/api/v1/query_exemplars", { query: expr, start: String(start), end: String(end) });
  }

  /** The running configuration (YAML text). */
  async config(): Promise<string> {
    const data = await this.call<{ yaml: string }>("/api/v1/status/config", {});
    return data.yaml;
  }
}

/** True when a query result holds at least one sample. */
export function hasData(data: QueryData): boolean {
  if (data.resultType === "scalar" || data.resultType === "string") return true;
  const result = data.result as PromSample[];
  return result.some((s) => s.value !== undefined || (s.values !== undefined && s.values.length > 0));
}

export interface BarePrometheus {
  readonly client: PromClient;
  stop(): Promise<void>;
}

/** A Prometheus with no targets and no rules (an empty TSDB): enough to parse and type-check queries. */
export async function startBarePrometheus(): Promise<BarePrometheus> {
  const bin = process.env.PROCODE_PROMETHEUS_BIN ?? findExecutable("prometheus");
  if (bin === undefined)
    throw new Error("prometheus is not on PATH: install the Debian package (scripts/lib/deps.sh)");
  const dir = mkdtempSync(join(tmpdir(), "procode-grafana-prom-"));
  const config = join(dir, "prometheus.yml");
  writeFileSync(config, "global:\n  scrape_interval: 15s\n");
  const port = await freePort();
  const child = await ManagedProcess.spawn({
    name: "prometheus",
    command: bin,
    args: [
      `--config.file=${config}`,
      `--storage.tsdb.path=${join(dir, "data")}`,
      `--web.listen-address=127.0.0.1:${port}`,
    ],
    logDir: dir,
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  try {
    await waitUntil("prometheus ready", () => httpOk(`${baseUrl}/-/ready`), {
      process: child,
      deadlineMs: 60_000,
    });
  } catch (error) {
    await child.stop();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    client: new PromClient(baseUrl),
    async stop() {
      await child.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
