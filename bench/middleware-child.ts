/**
 * One variant of bench/middleware.ts, in its own process (OTel globals are per process). Drives the Hono app
 * through `app.fetch` with no network, and prints the CPU microseconds per request of the whole process
 * (middleware, metrics, spans, and the batch export to the local sink, flushed before the clock stops).
 */
import { Hono } from "hono";
import { observabilityMiddleware } from "../src/hono/middleware";
import { getActiveSdk } from "../src/sdk/active";
import { start } from "../src/sdk/start";

const variant = process.env.BENCH_VARIANT ?? "bare";
if (variant !== "bare") start();
const app = new Hono();
if (variant !== "bare") app.use(observabilityMiddleware());
app.get("/hello/:name", (c) => c.text(`hello ${c.req.param("name")}`));

async function run(n: number): Promise<number> {
  const t0 = process.cpuUsage();
  for (let i = 0; i < n; i++) {
    const res = await app.fetch(
      new Request(`http://127.0.0.1/hello/${i % 100}`, { headers: { "user-agent": "bench" } }),
    );
    await res.text();
    // A server yields to the event loop between requests; without it the exporter's own I/O never runs, its
    // queue fills and spans are dropped, which is cheaper than exporting them.
    if (i % 64 === 63) await new Promise((r) => setImmediate(r));
  }
  // Every span and metric of the run exported inside the measurement.
  await getActiveSdk()?.forceFlush();
  const d = process.cpuUsage(t0);
  return (d.user + d.system) / n;
}

void (async () => {
  const n = Number(process.env.BENCH_N ?? 20000);
  await run(2000);
  const us = await run(n);
  process.stdout.write(`${JSON.stringify({ variant, us })}\n`);
  process.exit(0);
})();
