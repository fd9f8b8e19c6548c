/**
 * drainServerOnShutdown with a real server and real sockets: on shutdown /ready turns 503 at once, in-flight
 * requests finish, idle keep-alive connections close, requests on open connections are told to close, the
 * flush phase runs after the drain, and a request that never ends cannot hold shutdown beyond its bound.
 */
import assert from "node:assert/strict";
import { createServer as createHttp2Server } from "node:http2";
import { describe, test } from "node:test";
import { Hono } from "hono";
import { createHealthApp, drainServerOnShutdown, HealthMonitor } from "../../src/health";
import { Lifecycle } from "../../src/lifecycle";
import { eventually, get, RawConnection, serveApp } from "./support";

function appWith(lifecycle: Lifecycle, gate: Promise<void>, monitor: HealthMonitor): Hono {
  const app = new Hono();
  app.get("/slow", async (c) => {
    await gate;
    return c.text("done");
  });
  app.route("/", createHealthApp({ monitor, lifecycle, eventLoop: false, rateLimit: false }));
  return app;
}

describe("drainServerOnShutdown", () => {
  test("503 at once, in-flight requests finish, idle keep-alive closes, then flush, then close", async () => {
    const lifecycle = new Lifecycle();
    const monitor = new HealthMonitor({ checks: [], intervalMs: 60_000, timeoutMs: 100, lifecycle: false });
    let open: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const served = await serveApp(appWith(lifecycle, gate, monitor));
    // A long accept window: the requests below must reach the server before it stops accepting, whatever the load.
    const handle = drainServerOnShutdown(served.server, {
      lifecycle,
      acceptDelayMs: 2000,
      drainTimeoutMs: 10_000,
    });
    const order: string[] = [];
    lifecycle.onShutdown("flush", "telemetry", () => {
      order.push("flush");
    });
    lifecycle.onShutdown("close", "pool", () => {
      order.push("close");
    });
    lifecycle.markReady();
    try {
      assert.equal((await get(`${served.url}/ready`)).status, 200);
      const idle = await RawConnection.open(served.port);
      assert.equal((await idle.request("/livez")).status, 200);
      const reused = await RawConnection.open(served.port);
      assert.equal((await reused.request("/livez")).status, 200);

      served.server.on("request", (req, res) => {
        if (req.url === "/slow") res.once("finish", () => order.push("slow finished"));
      });
      const slow = get(`${served.url}/slow`);
      await eventually("the slow request is in flight", () => handle.inFlight === 1);

      const shutdown = lifecycle.shutdown("SIGTERM", 15_000);
      assert.equal(lifecycle.state, "draining");
      // New connections are still accepted during acceptDelayMs, and readiness already says 503.
      const ready = await get(`${served.url}/ready`);
      assert.equal(ready.status, 503);
      // A request on an already open connection is answered, and told to close.
      const onReused = await reused.request("/livez");
      assert.equal(onReused.status, 200);
      assert.match(onReused.head, /connection: close/i);
      await eventually("the reused connection closed", () => reused.closed);

      // Past acceptDelayMs: the listener is closed and idle connections with it.
      await eventually("the idle keep-alive connection closed", () => idle.closed);
      assert.equal(served.server.listening, false);
      assert.deepEqual(order, [], "nothing flushed while a request is in flight");

      open();
      const r = await slow;
      assert.equal(r.status, 200);
      assert.equal(r.text, "done");
      const result = await shutdown;
      assert.deepEqual(
        { completed: result.completed, failures: result.failures },
        { completed: true, failures: [] },
      );
      assert.deepEqual(order, ["slow finished", "flush", "close"]);
      assert.equal(lifecycle.state, "stopped");
      await assert.rejects(get(`${served.url}/ready`), /ECONNREFUSED/);
      idle.destroy();
      reused.destroy();
    } finally {
      open();
      await served.close().catch(() => undefined);
    }
  });

  test("a request that never ends holds the drain only up to drainTimeoutMs; flush still runs; close destroys it", async () => {
    const lifecycle = new Lifecycle();
    lifecycle.markReady();
    const monitor = new HealthMonitor({ checks: [], intervalMs: 60_000, timeoutMs: 100, lifecycle: false });
    const never = new Promise<void>(() => undefined);
    const served = await serveApp(appWith(lifecycle, never, monitor));
    const handle = drainServerOnShutdown(served.server, { lifecycle, drainTimeoutMs: 300 });
    const order: string[] = [];
    lifecycle.onShutdown("flush", "telemetry", () => {
      order.push(`flush (in flight: ${handle.inFlight})`);
    });
    try {
      const hung = get(`${served.url}/slow`).then(
        () => "answered",
        (err: Error) => `failed: ${err.message}`,
      );
      await eventually("the request is in flight", () => handle.inFlight === 1);
      const result = await lifecycle.shutdown("SIGTERM", 20_000);
      assert.equal(result.completed, true, result.failures.join("; "));
      assert.deepEqual(order, ["flush (in flight: 1)"]);
      assert.match(await hung, /^failed: socket hang up/);
      assert.equal(served.server.listening, false);
    } finally {
      await served.close().catch(() => undefined);
    }
  });

  test("an accept delay longer than the drain bound is refused", async () => {
    const monitor = new HealthMonitor({ checks: [], intervalMs: 60_000, timeoutMs: 100, lifecycle: false });
    const served = await serveApp(appWith(new Lifecycle(), Promise.resolve(), monitor));
    try {
      assert.throws(
        () => drainServerOnShutdown(served.server, { lifecycle: new Lifecycle(), acceptDelayMs: 5000 }),
        /acceptDelayMs <= drainTimeoutMs/,
      );
    } finally {
      await served.close();
    }
  });

  test("an HTTP/2 server is refused with a clear error", () => {
    assert.throws(
      () => drainServerOnShutdown(createHttp2Server(), { lifecycle: new Lifecycle() }),
      /HTTP\/2 is not supported/,
    );
  });

  test("detach removes the hooks", async () => {
    const lifecycle = new Lifecycle();
    const monitor = new HealthMonitor({ checks: [], intervalMs: 60_000, timeoutMs: 100, lifecycle: false });
    const served = await serveApp(appWith(lifecycle, Promise.resolve(), monitor));
    try {
      drainServerOnShutdown(served.server, { lifecycle }).detach();
      await lifecycle.shutdown("test", 1000);
      assert.equal(served.server.listening, true);
    } finally {
      await served.close();
    }
  });
});
