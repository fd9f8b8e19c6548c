/**
 * The benchmark's app: a Hono hello route on @hono/node-server. With BENCH_MIDDLEWARE=1 it mounts the
 * observability middleware (the preload is added by the runner's flags).
 */
import { serve } from "@hono/node-server";
import { observabilityMiddleware } from "@procode/observability/hono";
import { Hono } from "hono";

const app = new Hono();
if (process.env.BENCH_MIDDLEWARE === "1") app.use(observabilityMiddleware());
app.get("/hello/:name", (c) => c.text(`hello ${c.req.param("name")}`));
serve({ fetch: app.fetch, hostname: "127.0.0.1", port: Number(process.env.PORT ?? 0) }, (info) => {
  process.stdout.write(`listening ${info.port}\n`);
});
