import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { type CollectorHandle, startCollector } from "../../scripts/stack/collector";
import { processRunning, waitUntil } from "../../scripts/stack/process";

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
}

describe("startCollector with the Sentry overlay", () => {
  const received: Received[] = [];
  let sentry: Server;
  let collector: CollectorHandle;

  before(async () => {
    // Stands in for Sentry's OTLP ingest: records what arrives, answers like an OTLP endpoint.
    sentry = createServer((request, response) => {
      request.resume();
      request.on("end", () => {
        received.push({ path: request.url ?? "", headers: request.headers });
        response.writeHead(200, { "content-type": "application/x-protobuf" }).end();
      });
    });
    await new Promise<void>((resolve) => sentry.listen(0, "127.0.0.1", resolve));
    const base = `http://127.0.0.1:${(sentry.address() as AddressInfo).port}/api/1/integration/otlp`;
    collector = await startCollector({
      sentry: {
        tracesEndpoint: `${base}/v1/traces`,
        logsEndpoint: `${base}/v1/logs`,
        publicKey: "public-key-1",
      },
      env: { COLLECTOR_BATCH_TIMEOUT: "100ms" },
    });
  });
  after(async () => {
    await collector?.stop();
    await new Promise((resolve) => sentry?.close(resolve));
  });

  it("forwards an error span to the configured Sentry endpoint with the DSN's public key", async () => {
    const now = BigInt(Date.now()) * 1_000_000n;
    const span = (error: boolean) => ({
      traceId: randomBytes(16).toString("hex"),
      spanId: randomBytes(8).toString("hex"),
      name: error ? "failing" : "fine",
      kind: 1,
      startTimeUnixNano: String(now - 1_000_000n),
      endTimeUnixNano: String(now),
      status: { code: error ? 2 : 1 },
    });
    const response = await fetch(`${collector.otlpHttpUrl}/v1/traces`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        resourceSpans: [{ resource: { attributes: [] }, scopeSpans: [{ spans: [span(true), span(false)] }] }],
      }),
    });
    assert.equal(response.status, 200);
    await waitUntil("an export at the Sentry stand-in", async () => received.length > 0, {
      deadlineMs: 60_000,
    });
    assert.equal(received[0]?.path, "/api/1/integration/otlp/v1/traces");
    assert.equal(received[0]?.headers["x-sentry-auth"], "sentry sentry_key=public-key-1");
  });

  it("stop() ends the process", async () => {
    const pid = collector.pid;
    assert.ok(pid !== undefined);
    await collector.stop();
    assert.equal(processRunning(pid), false);
    assert.equal(collector.pid, undefined);
  });
});
