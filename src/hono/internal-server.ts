/**
 * The internal port (PROCODE_INTERNAL_PORT, bound to PROCODE_INTERNAL_HOST, 127.0.0.1 by default): probes,
 * health detail and, in embedded mode, /metrics without a token. Apps mount more Hono apps on it at any
 * time (`mountInternal(app)`); a request goes to the first mounted app that does not answer 404.
 */
import { type ServerType, serve } from "@hono/node-server";
import { Hono } from "hono";
import { getLifecycle } from "../lifecycle";
import { metricsHandler } from "./metrics-route";

const KEY = Symbol.for("procode.observability.internal");
interface Internal {
  apps: Hono[];
  server?: ServerType;
  port?: number;
}
type G = typeof globalThis & { [KEY]?: Internal };

function state(): Internal {
  const g = globalThis as G;
  g[KEY] ??= { apps: [] };
  return g[KEY];
}

/** Adds an app to the internal port (it is consulted after the ones mounted before it). */
export function mountInternal(app: Hono): void {
  state().apps.push(app);
}

/** The bound port of the internal server, once it listens. */
export function internalPort(): number | undefined {
  return state().port;
}

export function startInternalServer(host: string, port: number, metricsPath: string): Promise<number> {
  const s = state();
  const base = new Hono();
  const metrics = metricsHandler();
  if (metrics) base.get(metricsPath, metrics);
  // Liveness of the process alone: answers while the event loop runs and shutdown has not completed.
  base.get("/livez", (c) =>
    getLifecycle().state === "stopped" ? c.json({ status: "stopped" }, 503) : c.json({ status: "alive" }),
  );
  const apps = [base, ...s.apps];
  s.apps = apps;
  return new Promise((resolve, reject) => {
    const server = serve(
      {
        hostname: host,
        port,
        fetch: async (req, env) => {
          let last: Response | undefined;
          for (const app of s.apps) {
            const res = await app.fetch(req, env);
            if (res.status !== 404) return res;
            last = res;
          }
          return last ?? new Response("not found\n", { status: 404 });
        },
      },
      (info) => {
        s.port = info.port;
        resolve(info.port);
      },
    );
    server.once("error", reject);
    s.server = server;
    getLifecycle().onShutdown(
      "close",
      "internal server",
      () => new Promise<void>((r) => server.close(() => r())),
    );
  });
}
