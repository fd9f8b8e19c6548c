/**
 * A local stand-in for Sentry's ingest, for tests: the real SDK is pointed at it with the DSN
 * `http://publickey@127.0.0.1:<port>/1` and it parses the real envelopes (POST /api/<project>/envelope/,
 * newline-delimited JSON items, `length`-prefixed payloads, gzip above 32 KiB). It also accepts Sentry's OTLP
 * endpoints (/api/<project>/integration/otlp/v1/traces and /logs), which is where the Collector's error
 * pipeline sends, so a test can tell the two paths apart. It can answer, hang (accept and never answer) or
 * fail with a status.
 */
import { once } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { gunzipSync } from "node:zlib";
import type { ErrorEvent } from "@sentry/node";

export interface EnvelopeItem {
  readonly header: { readonly type: string; readonly length?: number; readonly [k: string]: unknown };
  readonly payload: unknown;
}

export interface Envelope {
  readonly path: string;
  readonly header: Record<string, unknown>;
  readonly items: readonly EnvelopeItem[];
  /** The body as received (after gunzip), for byte-level privacy checks. */
  readonly raw: Buffer;
}

export interface OtlpRequest {
  readonly path: string;
  readonly contentType: string;
  readonly headers: IncomingMessage["headers"];
  /** After gunzip. */
  readonly body: Buffer;
}

export type ReceiverMode = "answer" | "hang" | { readonly status: number };

export interface SentryReceiver {
  readonly port: number;
  /** http://publickey@127.0.0.1:<port>/1 */
  readonly dsn: string;
  readonly publicKey: string;
  envelopes(): Envelope[];
  /** Every item of every envelope, with its type. */
  items(): EnvelopeItem[];
  /** Payloads of `event` items (error events). */
  events(): ErrorEvent[];
  otlp(): OtlpRequest[];
  /** Requests seen, including ones left hanging or refused. */
  readonly requestCount: number;
  setMode(mode: ReceiverMode): void;
  waitFor(predicate: () => boolean, timeoutMs?: number, what?: string): Promise<void>;
  stop(): Promise<void>;
}

export function parseEnvelope(path: string, body: Buffer): Envelope {
  let pos = 0;
  const readLine = (): Buffer => {
    const nl = body.indexOf(0x0a, pos);
    const end = nl < 0 ? body.length : nl;
    const line = body.subarray(pos, end);
    pos = nl < 0 ? body.length : nl + 1;
    return line;
  };
  const header = JSON.parse(readLine().toString("utf8")) as Record<string, unknown>;
  const items: EnvelopeItem[] = [];
  while (pos < body.length) {
    const headerLine = readLine();
    if (headerLine.length === 0) continue;
    const itemHeader = JSON.parse(headerLine.toString("utf8")) as EnvelopeItem["header"];
    let payloadBytes: Buffer;
    if (typeof itemHeader.length === "number") {
      payloadBytes = body.subarray(pos, pos + itemHeader.length);
      pos += itemHeader.length;
      if (body[pos] === 0x0a) pos++;
    } else {
      payloadBytes = readLine();
    }
    let payload: unknown = payloadBytes;
    const text = payloadBytes.toString("utf8");
    try {
      payload = JSON.parse(text);
    } catch {
      payload = text;
    }
    items.push({ header: itemHeader, payload });
  }
  return { path, header, items, raw: body };
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

export async function startSentryReceiver(initial: ReceiverMode = "answer"): Promise<SentryReceiver> {
  const envelopes: Envelope[] = [];
  const otlp: OtlpRequest[] = [];
  const hanging = new Set<ServerResponse>();
  let mode: ReceiverMode = initial;
  let requestCount = 0;

  const server: Server = createServer(async (req, res) => {
    requestCount++;
    try {
      let body = await readBody(req);
      if (mode === "hang") {
        hanging.add(res);
        res.on("close", () => hanging.delete(res));
        return;
      }
      if (typeof mode === "object") {
        res.writeHead(mode.status).end();
        return;
      }
      if (req.headers["content-encoding"] === "gzip") body = gunzipSync(body);
      const path = (req.url ?? "").split("?")[0] ?? "";
      if (/^\/api\/\d+\/envelope\/?$/.test(path)) {
        envelopes.push(parseEnvelope(path, body));
        res.writeHead(200, { "content-type": "application/json" }).end("{}");
      } else if (/^\/api\/\d+\/integration\/otlp\/v1\/(traces|logs)\/?$/.test(path)) {
        otlp.push({ path, contentType: req.headers["content-type"] ?? "", headers: req.headers, body });
        res.writeHead(200, { "content-type": "application/x-protobuf" }).end();
      } else {
        res.writeHead(404).end();
      }
    } catch (err) {
      res.writeHead(400).end(String(err));
    }
  });
  server.keepAliveTimeout = 1000;
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const port = (server.address() as AddressInfo).port;
  const publicKey = "publickey";

  return {
    port,
    dsn: `http://${publicKey}@127.0.0.1:${port}/1`,
    publicKey,
    envelopes: () => [...envelopes],
    items: () => envelopes.flatMap((e) => e.items),
    events: () =>
      envelopes.flatMap((e) =>
        e.items.filter((i) => i.header.type === "event").map((i) => i.payload as ErrorEvent),
      ),
    otlp: () => [...otlp],
    get requestCount() {
      return requestCount;
    },
    setMode(m) {
      mode = m;
    },
    async waitFor(predicate, timeoutMs = 10_000, what = "condition") {
      const deadline = Date.now() + timeoutMs;
      while (!predicate()) {
        if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    async stop() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** A port on 127.0.0.1 where nothing listens (a "down" Sentry: connections are refused). */
export async function closedPort(): Promise<number> {
  const s = createServer();
  s.listen(0, "127.0.0.1");
  await once(s, "listening");
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}
