/**
 * One variant of bench/middleware.ts, in its own process (OTel globals are per process). Drives the Hono app
 * through `app.fetch` with no network, and prints the CPU microseconds per request of the whole process
 * (middleware, metrics, spans, and the batch export to the local sink, which happens in this process).
 */
import { Hono } from "hono";
import { observabilityMiddleware } from "../src/hono/middleware";
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
  }
  // Let batched exports run inside the measurement.
  await new Promise((r) => setTimeout(r, 50));
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
