/**
 * A small service for the SIGTERM test, run under the preload:
 *   node --require ./dist/register.js build/test/health/sigterm-app.js
 * The health app is mounted at the root and the server is wired into the lifecycle's drain phase. GET /slow
 * finishes only after shutdown has begun and the test calls GET /release, so it is in flight across the
 * signal by construction; it then adds 1 to `fixture.slow.completed`, which only the shutdown flush can
 * deliver (export intervals are long). Prints `listening <port>`, then `state <s>` on each lifecycle change.
 */
import { serve } from "@hono/node-server";
import { metrics } from "@opentelemetry/api";
import { Hono } from "hono";
import {
  createHealthApp,
  diskCheck,
  drainServerOnShutdown,
  HealthMonitor,
  memoryCheck,
} from "../../src/health";
import { getLifecycle } from "../../src/lifecycle";

const lifecycle = getLifecycle();
lifecycle.onStateChange((s) => process.stdout.write(`state ${s}\n`));

const monitor = new HealthMonitor({
  checks: [diskCheck("/", 0), memoryCheck(64 * 1024 ** 3)],
  intervalMs: 60_000,
  timeoutMs: 1000,
}).start();

const completed = metrics.getMeter("sigterm-fixture").createCounter("fixture.slow.completed");
let release: () => void = () => undefined;
const released = new Promise<void>((resolve) => {
  release = resolve;
});

const app = new Hono();
app.get("/slow", async (c) => {
  process.stdout.write("slow started\n");
  await released;
  completed.add(1);
  process.stdout.write("slow finished\n");
  return c.text("slow done");
});
app.get("/release", (c) => {
  release();
  return c.text("released");
});
app.route("/", createHealthApp({ monitor, version: "0.1.0", rateLimit: false }));

const server = serve({ fetch: app.fetch, hostname: "127.0.0.1", port: 0 }, (info) => {
  process.stdout.write(`listening ${info.port}\n`);
  void monitor.whenComplete().then(() => lifecycle.markReady());
});
drainServerOnShutdown(server, {
  acceptDelayMs: Number(process.env.ACCEPT_DELAY_MS ?? 200),
  drainTimeoutMs: 5000,
});
