/**
 * The lean OTLP/HTTP transport (src/sdk/otlp-http-transport.ts) against real servers on loopback: Node's HTTP
 * server for the ordinary exchanges, and a raw TCP server for what a server may do on the wire (split and
 * chunked responses, informational responses, closing connections, never answering). Every result is what
 * otlp-exporter-base's own transport gives for the same server behaviour.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createTcpServer, type Socket, type Server as TcpServer } from "node:net";
import { after, describe, it } from "node:test";
import { OTLPExporterError } from "@opentelemetry/otlp-exporter-base";
import { MAX_RESPONSE_BODY_BYTES, PlainHttpTransport, retrying } from "../../src/sdk/otlp-http-transport";

const servers: (Server | TcpServer)[] = [];
after(() => {
  for (const s of servers) s.close();
});

interface Received {
  readonly headers: IncomingMessage["headers"];
  readonly body: Buffer;
  readonly socketPort: number | undefined;
}

async function httpServer(
  handle: (req: IncomingMessage, res: ServerResponse, n: number) => void,
): Promise<{ url: string; received: Received[]; server: Server }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks), socketPort: req.socket.remotePort });
      handle(req, res, received.length);
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  servers.push(server);
  const port = (server.address() as { port: number }).port;
  return { url: `http://127.0.0.1:${port}/v1/traces`, received, server };
}

/** A TCP server that reads one request (head and Content-Length body) per exchange and answers with `reply`. */
async function tcpServer(
  reply: (socket: Socket, n: number) => void,
): Promise<{ url: string; requests: () => number; connections: () => number }> {
  let n = 0;
  let connections = 0;
  const server = createTcpServer((socket) => {
    connections++;
    let buf = Buffer.alloc(0);
    socket.on("data", (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      for (;;) {
        const end = buf.indexOf("\r\n\r\n");
        if (end < 0) return;
        const length = Number(/content-length: (\d+)/i.exec(buf.toString("latin1", 0, end))?.[1] ?? 0);
        if (buf.length < end + 4 + length) return;
        buf = buf.subarray(end + 4 + length);
        n++;
        reply(socket, n);
      }
    });
    socket.on("error", () => {});
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  servers.push(server);
  const port = (server.address() as { port: number }).port;
  return { url: `http://127.0.0.1:${port}/v1/traces`, requests: () => n, connections: () => connections };
}

function transport(url: string, headers: Record<string, string> = {}): PlainHttpTransport {
  return new PlainHttpTransport({
    url,
    headers: async () => ({ "Content-Type": "application/x-protobuf", ...headers }),
    userAgent: "test-agent/1",
  });
}

describe("PlainHttpTransport", () => {
  it("posts the bytes with the delegate's headers over one keep-alive connection and returns the response body", async () => {
    const { url, received } = await httpServer((_req, res, n) => {
      res.writeHead(200, { "content-type": "application/x-protobuf" });
      res.end(Buffer.from([n]));
    });
    const t = transport(url, { "x-api-key": "k1" });
    const payloads = [Buffer.from("first"), Buffer.alloc(300_000, 7), Buffer.from("third")];
    const results = [];
    for (const p of payloads) results.push(await t.send(p, 5000));
    t.shutdown();
    assert.deepEqual(
      results.map((r) => r.status),
      ["success", "success", "success"],
    );
    assert.deepEqual(
      results.map((r) => (r.status === "success" ? [...(r.data ?? [])] : [])),
      [[1], [2], [3]],
    );
    assert.deepEqual(
      received.map((r) => r.body),
      payloads,
    );
    const h = received[0]?.headers;
    assert.equal(h?.["content-type"], "application/x-protobuf");
    assert.equal(h?.["x-api-key"], "k1");
    assert.equal(h?.["user-agent"], "test-agent/1");
    assert.equal(new Set(received.map((r) => r.socketPort)).size, 1, "one connection for all three");
  });

  it("serialises concurrent sends on its connection; each gets its own answer", async () => {
    const { url, received } = await httpServer((_req, res, n) => {
      setTimeout(() => res.end(`answer-${n}`), 5);
    });
    const shared = transport(url);
    const results = await Promise.all([0, 1, 2, 3].map((i) => shared.send(Buffer.from(`body-${i}`), 5000)));
    shared.shutdown();
    assert.deepEqual(
      results.map((r) => (r.status === "success" ? Buffer.from(r.data ?? []).toString() : r.status)),
      ["answer-1", "answer-2", "answer-3", "answer-4"],
    );
    assert.deepEqual(
      received.map((r) => r.body.toString()),
      ["body-0", "body-1", "body-2", "body-3"],
    );
  });

  it("maps statuses as otlp-exporter-base does: retryable with Retry-After, failures with status and body", async () => {
    const { url } = await httpServer((req, res) => {
      const mode = req.headers["x-mode"];
      if (mode === "503") res.writeHead(503, { "retry-after": "2" }).end();
      else if (mode === "429") res.writeHead(429).end();
      else if (mode === "400") res.writeHead(400, "Bad Request").end("bad payload");
      else res.writeHead(204).end();
    });
    const send = (mode: string) => {
      const t = transport(url, { "x-mode": mode });
      return t.send(Buffer.from("x"), 5000).finally(() => t.shutdown());
    };
    assert.deepEqual(await send("503"), { status: "retryable", retryInMillis: 2000 });
    assert.deepEqual(await send("429"), { status: "retryable", retryInMillis: undefined });
    const failed = await send("400");
    assert.equal(failed.status, "failure");
    assert.ok(failed.status === "failure" && failed.error instanceof OTLPExporterError);
    assert.equal((failed as { error: OTLPExporterError }).error.code, 400);
    assert.equal((failed as { error: OTLPExporterError }).error.data, "bad payload");
    const empty = await send("204");
    assert.equal(empty.status, "success");
  });

  it("reads responses split across packets, chunked, after an informational response, or until close", async () => {
    const replies: ((s: Socket) => void)[] = [
      (s) => {
        s.write("HTTP/1.1 200 OK\r\nContent-Le");
        setTimeout(() => s.write("ngth: 5\r\n\r\nhe"), 5);
        setTimeout(() => s.write("llo"), 10);
      },
      (s) =>
        s.write(
          "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;ext=1\r\nabc\r\n2\r\nde\r\n0\r\nX-Trailer: t\r\n\r\n",
        ),
      (s) => s.end("HTTP/1.0 200 OK\r\n\r\nuntil-close"),
    ];
    const { url } = await tcpServer((s, n) => replies[n - 1]?.(s));
    const t = transport(url);
    const bodies = [];
    for (let i = 0; i < replies.length; i++) {
      const r = await t.send(Buffer.from("x"), 5000);
      assert.equal(r.status, "success", `reply ${i}`);
      bodies.push(r.status === "success" ? Buffer.from(r.data ?? []).toString() : "");
    }
    t.shutdown();
    assert.deepEqual(bodies, ["hello", "abcde", "until-close"]);
  });

  it("opens a new connection after the server closes one, before or between requests", async () => {
    const { url, server } = await httpServer((_req, res) => res.end("ok"));
    server.keepAliveTimeout = 30;
    const t = transport(url);
    assert.equal((await t.send(Buffer.from("a"), 5000)).status, "success");
    await new Promise((r) => setTimeout(r, 150));
    assert.equal((await t.send(Buffer.from("b"), 5000)).status, "success");
    const closing = await tcpServer((s) =>
      s.end("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"),
    );
    const c = transport(closing.url);
    for (let i = 0; i < 3; i++) assert.equal((await c.send(Buffer.from("x"), 5000)).status, "success");
    assert.equal(closing.requests(), 3);
    t.shutdown();
    c.shutdown();
  });

  it("network errors, hang-ups and timeouts are retryable; oversized and malformed responses fail", async () => {
    const refused = await tcpServer(() => {});
    for (const s of servers.splice(-1)) s.close();
    await new Promise((r) => setTimeout(r, 20));
    const r1 = await transport(refused.url).send(Buffer.from("x"), 2000);
    assert.equal(r1.status, "retryable");
    assert.equal((r1 as { error?: NodeJS.ErrnoException }).error?.code, "ECONNREFUSED");

    const hangUp = await tcpServer((s) => s.destroy());
    const r2 = await transport(hangUp.url).send(Buffer.from("x"), 2000);
    assert.equal(r2.status, "retryable");

    const silent = await tcpServer(() => {});
    const r3 = await transport(silent.url).send(Buffer.from("x"), 100);
    assert.equal(r3.status, "retryable");
    assert.match(String((r3 as { error?: Error }).error), /timed out/);

    const huge = await tcpServer((s) =>
      s.write(
        `HTTP/1.1 200 OK\r\nContent-Length: ${MAX_RESPONSE_BODY_BYTES + 1}\r\n\r\n${"x".repeat(MAX_RESPONSE_BODY_BYTES + 1)}`,
      ),
    );
    const r4 = await transport(huge.url).send(Buffer.from("x"), 5000);
    assert.equal(r4.status, "failure");
    assert.match(String((r4 as { error: Error }).error), /exceeded size limit/);

    const garbage = await tcpServer((s) => s.write("SSH-2.0-OpenSSH\r\n\r\n"));
    const r5 = await transport(garbage.url).send(Buffer.from("x"), 5000);
    assert.equal(r5.status, "failure");

    // Bare-LF line endings fail as Node's parser fails them (HPE_CR_EXPECTED, not retried), not by timing out.
    for (const answer of [
      "HTTP/1.1 200 OK\nContent-Length: 2\n\nok",
      "HTTP/1.1 200 OK\r\nContent-Length: 2\n\r\nok",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\nok\n0\n\n",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\n0\r\n\r\n",
    ]) {
      const lf = await tcpServer((s) => s.write(answer));
      const r = await transport(lf.url).send(Buffer.from("x"), 5000);
      assert.equal(r.status, "failure", JSON.stringify(answer));
      assert.equal(
        (r as { error?: NodeJS.ErrnoException }).error?.code,
        "HPE_CR_EXPECTED",
        JSON.stringify(answer),
      );
    }
  });

  it("refuses a header that would split the request, sending nothing", async () => {
    const { url, received } = await httpServer((_req, res) => res.end());
    const t = transport(url, { "x-evil": "a\r\nX-Injected: 1" });
    const r = await t.send(Buffer.from("x"), 2000);
    t.shutdown();
    assert.equal(r.status, "failure");
    assert.match(String((r as { error: Error }).error), /invalid OTLP export header/);
    assert.equal(received.length, 0);
  });
});

describe("PlainHttpTransport, as Node's client would send and read", () => {
  it("sends one value per header name (the last), credentials from the URL, the user's Host, and no framing headers of the user's", async () => {
    const { url, received } = await httpServer((_req, res) => res.end());
    const withCredentials = url.replace("http://", "http://user%40corp:p%3Ass@");
    const t = new PlainHttpTransport({
      url: withCredentials,
      headers: () => ({
        "x-tenant": "general",
        "X-Tenant": "traces",
        host: "collector.internal",
        "transfer-encoding": "chunked",
        expect: "100-continue",
      }),
      userAgent: "ua",
    });
    const r = await t.send(Buffer.from("body"), 5000);
    t.shutdown();
    assert.equal(r.status, "success");
    const h = received[0]?.headers ?? {};
    assert.equal(h["x-tenant"], "traces");
    assert.equal(h.host, "collector.internal");
    assert.equal(h.authorization, `Basic ${Buffer.from("user@corp:p:ss").toString("base64")}`);
    assert.equal(h["transfer-encoding"], undefined);
    assert.equal(h.expect, undefined);
    assert.equal(received[0]?.body.toString(), "body");
  });

  it("a request whose time ran out while it waited is not sent", async () => {
    let release: (() => void) | undefined;
    const server = await tcpServer((s) => {
      release = () => s.write("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
    });
    const t = transport(server.url);
    const first = t.send(Buffer.from("first"), 5000);
    const second = t.send(Buffer.from("second"), 50);
    await new Promise((r) => setTimeout(r, 150));
    release?.();
    assert.equal((await first).status, "success");
    const r = await second;
    t.shutdown();
    assert.equal(r.status, "retryable");
    assert.match(String((r as { error?: Error }).error), /timed out/);
    assert.equal(server.requests(), 1);
  });

  it("an answer cut off after its status line: 2xx counts as accepted, 503 stays retryable, others fail", async () => {
    const statuses = ["200 OK", "503 Service Unavailable", "400 Bad Request"];
    const server = await tcpServer((s, n) => {
      s.write(`HTTP/1.1 ${statuses[n - 1]}\r\nContent-Length: 10\r\nRetry-After: 3\r\n\r\nab`);
      setTimeout(() => s.destroy(), 5);
    });
    const results = [];
    for (let i = 0; i < statuses.length; i++) {
      const t = transport(server.url);
      results.push(await t.send(Buffer.from("x"), 5000));
      t.shutdown();
    }
    assert.deepEqual(
      results.map((r) => r.status),
      ["success", "retryable", "failure"],
    );
    assert.equal((results[1] as { retryInMillis?: number }).retryInMillis, 3000);
  });

  it("closes a connection that received bytes after an answer, and reads Content-Length and codings strictly", async () => {
    const answers = [
      "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\nJUNK",
      "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
      "HTTP/1.1 200 OK\r\nContent-Length: +5\r\n\r\nhello",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\nConnection: close\r\n\r\nraw",
    ];
    const server = await tcpServer((s, n) => {
      const a = answers[n - 1] as string;
      if (a.includes("Connection: close")) s.end(a);
      else s.write(a);
    });
    const t = transport(server.url);
    const results = [];
    const connections = [];
    for (let i = 0; i < answers.length; i++) {
      results.push(await t.send(Buffer.from("x"), 5000));
      connections.push(server.connections());
    }
    t.shutdown();
    assert.deepEqual(
      results.map((r) => r.status),
      ["success", "success", "failure", "success"],
    );
    assert.equal(Buffer.from((results[3] as { data?: Uint8Array }).data ?? []).toString(), "raw");
    assert.deepEqual(connections.slice(0, 2), [1, 2], "the connection that got JUNK was not reused");
  });
});

describe("retrying", () => {
  it("retries retryable answers with the server's Retry-After until one succeeds", async () => {
    const { url, received } = await httpServer((_req, res, n) => {
      if (n < 3) res.writeHead(503, { "retry-after": "0" }).end();
      else res.end("done");
    });
    const t = retrying(transport(url));
    const r = await t.send(Buffer.from("payload"), 10_000);
    t.shutdown();
    assert.equal(r.status, "success");
    assert.equal(received.length, 3);
    assert.deepEqual(
      received.map((x) => x.body.toString()),
      ["payload", "payload", "payload"],
    );
  });

  it("stops when the next wait would pass the export's timeout, and does not retry failures", async () => {
    const { url, received } = await httpServer((req, res) => {
      if (req.headers["x-mode"] === "slow") res.writeHead(503, { "retry-after": "30" }).end();
      else res.writeHead(400).end();
    });
    const slow = retrying(transport(url, { "x-mode": "slow" }));
    assert.equal((await slow.send(Buffer.from("x"), 2000)).status, "retryable");
    const bad = retrying(transport(url, { "x-mode": "bad" }));
    assert.equal((await bad.send(Buffer.from("x"), 2000)).status, "failure");
    slow.shutdown();
    bad.shutdown();
    assert.equal(received.length, 2);
  });
});
