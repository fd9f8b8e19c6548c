/**
 * Shared pieces of the health tests: a Hono app served by @hono/node-server on 127.0.0.1 (port 0), small
 * real HTTP dependencies (agents that answer, refuse or hang, with a hit counter), an HTTP client that can
 * pick its local address, and an in-memory metric reader.
 */
import {
  createServer as createHttpServer,
  request as httpRequest,
  type IncomingHttpHeaders,
  type Server,
} from "node:http";
import { connect, createServer, type Socket } from "node:net";
import { type ServerType, serve } from "@hono/node-server";
import type { ResourceMetrics } from "@opentelemetry/sdk-metrics";
import { AggregationTemporality, MetricReader } from "@opentelemetry/sdk-metrics";
import type { Hono } from "hono";

export interface Served {
  readonly url: string;
  readonly port: number;
  readonly server: Server;
  close(): Promise<void>;
}

export async function serveApp(app: Hono): Promise<Served> {
  let server: ServerType | undefined;
  const port = await new Promise<number>((resolve) => {
    server = serve({ fetch: app.fetch, hostname: "127.0.0.1", port: 0 }, (info) => resolve(info.port));
  });
  const http = server as Server;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    server: http,
    close: () =>
      new Promise<void>((resolve) => {
        http.closeAllConnections();
        http.close(() => resolve());
      }),
  };
}

export interface Reply {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly text: string;
  readonly json: Record<string, unknown>;
}

/** One GET over a fresh connection (no keep-alive), optionally from a given local address. */
export function get(
  url: string,
  opts: { headers?: Record<string, string>; localAddress?: string; method?: string } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      { method: opts.method ?? "GET", headers: opts.headers, localAddress: opts.localAddress, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          let json: Record<string, unknown> = {};
          try {
            json = text ? (JSON.parse(text) as Record<string, unknown>) : {};
          } catch {
            json = {};
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
        res.on("error", reject);
      },
    );
    req.setTimeout(30_000, () => req.destroy(new Error(`GET ${url}: no answer within 30 s`)));
    req.on("error", reject);
    req.end();
  });
}

export type AgentMode = "up" | "error" | "unauthorized" | "hang";

const MODE_STATUS = { up: 200, error: 503, unauthorized: 401 } as const;

/** A remote agent's health endpoint: answers 200 (up), 503 (error), 401 (unauthorized) or never (hang); counts requests. */
export class FakeAgent {
  hits = 0;
  mode: AgentMode = "up";
  private readonly sockets = new Set<Socket>();
  private constructor(
    readonly server: Server,
    readonly port: number,
  ) {}

  static async start(): Promise<FakeAgent> {
    const server = createHttpServer();
    const port = await new Promise<number>((resolve) => {
      server.listen(0, "127.0.0.1", () => {
        const a = server.address();
        resolve(typeof a === "object" && a ? a.port : 0);
      });
    });
    const agent = new FakeAgent(server, port);
    server.on("connection", (s: Socket) => {
      agent.sockets.add(s);
      s.on("close", () => agent.sockets.delete(s));
    });
    server.on("request", (_req, res) => {
      agent.hits++;
      if (agent.mode === "hang") return;
      res.writeHead(MODE_STATUS[agent.mode], { "content-type": "application/json" });
      res.end(JSON.stringify({ status: agent.mode === "up" ? "ok" : "down" }));
    });
    return agent;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/health`;
  }

  /** Stops listening and drops every connection: the agent is down (connection refused). */
  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    if (!this.server.listening) return;
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Listens again on the same port. */
  async restart(): Promise<void> {
    if (this.server.listening) return;
    await new Promise<void>((resolve) => this.server.listen(this.port, "127.0.0.1", () => resolve()));
  }
}

/** A TCP server that accepts connections and never says a word (a hung dependency). */
export async function silentServer(): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  const port = await new Promise<number>((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      const a = server.address();
      resolve(typeof a === "object" && a ? a.port : 0);
    });
  });
  return {
    url: `http://127.0.0.1:${port}/health`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A port nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  const port = await new Promise<number>((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      const a = server.address();
      resolve(typeof a === "object" && a ? a.port : 0);
    });
  });
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A pull-only metric reader: `collect()` returns what the SDK would export now. */
export class TestReader extends MetricReader {
  constructor(temporality: AggregationTemporality = AggregationTemporality.CUMULATIVE) {
    super({ aggregationTemporalitySelector: () => temporality });
  }

  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}

  async metrics(): Promise<ResourceMetrics> {
    const { resourceMetrics, errors } = await this.collect();
    if (errors.length > 0) throw new AggregateError(errors, "metric collection failed");
    return resourceMetrics;
  }
}

export interface Point {
  readonly value: number;
  readonly attributes: Record<string, unknown>;
}

/** The data points of one metric by name, with its unit. */
export function pointsOf(rm: ResourceMetrics, name: string): { unit: string; points: Point[] } | undefined {
  for (const sm of rm.scopeMetrics) {
    for (const m of sm.metrics) {
      if (m.descriptor.name !== name) continue;
      const points = m.dataPoints.map((p) => ({
        value: typeof p.value === "number" ? p.value : Number.NaN,
        attributes: { ...p.attributes },
      }));
      return { unit: m.descriptor.unit, points };
    }
  }
  return undefined;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `predicate` every `everyMs` until it holds; throws with `what` after `deadlineMs`. */
export async function eventually(
  what: string,
  predicate: () => boolean | Promise<boolean>,
  deadlineMs = 30_000,
  everyMs = 20,
): Promise<void> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    if (await predicate()) return;
    if (Date.now() > end) throw new Error(`not within ${deadlineMs} ms: ${what}`);
    await sleep(everyMs);
  }
}

/** A raw keep-alive HTTP/1.1 connection: send requests, read heads, see when the server closes it. */
export class RawConnection {
  private buffer = "";
  closed = false;
  private constructor(private readonly socket: Socket) {
    socket.setEncoding("utf8");
    socket.on("data", (d: string) => {
      this.buffer += d;
    });
    socket.on("close", () => {
      this.closed = true;
    });
    socket.on("error", () => undefined);
  }

  static open(port: number): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const s = connect(port, "127.0.0.1", () => resolve(new RawConnection(s)));
      s.once("error", reject);
    });
  }

  /** Sends one GET and resolves with the response head and body once complete (Content-Length framing). */
  async request(path: string): Promise<{ status: number; head: string; body: string }> {
    this.buffer = "";
    this.socket.write(`GET ${path} HTTP/1.1\r\nHost: test\r\nConnection: keep-alive\r\n\r\n`);
    let parsed: { status: number; head: string; body: string } | undefined;
    await eventually(`response to ${path}`, () => {
      const end = this.buffer.indexOf("\r\n\r\n");
      if (end < 0) return false;
      const head = this.buffer.slice(0, end);
      const length = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? "0");
      const body = this.buffer.slice(end + 4);
      if (Buffer.byteLength(body) < length) return false;
      parsed = { status: Number(head.split(" ")[1]), head, body };
      return true;
    });
    if (!parsed) throw new Error("unreachable");
    return parsed;
  }

  destroy(): void {
    this.socket.destroy();
  }
}
