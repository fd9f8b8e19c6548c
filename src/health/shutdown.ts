/**
 * Wires an http.Server into the process lifecycle's shutdown (starting -> ready -> draining -> stopped):
 *
 * - "drain" phase: readiness is already 503 (the lifecycle turned to draining). Responses from now on carry
 *   `Connection: close`. The server keeps accepting for `acceptDelayMs` (so load balancers see the 503 and
 *   stop sending before connections are refused), then stops listening, closes idle keep-alive connections
 *   and waits for in-flight requests to finish. The whole phase takes at most `drainTimeoutMs`: keep it
 *   below PROCODE_SHUTDOWN_TIMEOUT_MS, so the telemetry flush that follows has time.
 * - "close" phase (after the telemetry flush): whatever connection is left is destroyed.
 *
 * Attach before the server receives traffic: requests that started earlier are not counted.
 */
import type { Server as HttpServer, IncomingMessage, ServerResponse } from "node:http";
import type { Http2SecureServer, Http2Server } from "node:http2";
import type { Server as HttpsServer } from "node:https";
import { getLifecycle, type Lifecycle } from "../lifecycle";

export interface ServerShutdownOptions {
  readonly lifecycle?: Lifecycle;
  /** Names the hooks in shutdown failures (default "http-server"). */
  readonly name?: string;
  /** Keep accepting new connections this long after shutdown begins (default 0; at most drainTimeoutMs). */
  readonly acceptDelayMs?: number;
  /** Longest the drain takes in all, accept delay included (default 3,000 ms: below the 5 s shutdown default). */
  readonly drainTimeoutMs?: number;
}

export interface ServerShutdownHandle {
  /** Requests being served right now. */
  readonly inFlight: number;
  /** Removes the hooks and the request listener. */
  detach(): void;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Accepts what @hono/node-server's `serve()` returns; only HTTP/1 servers (http, https) can be drained
 * request by request, an HTTP/2 server is refused with a TypeError.
 */
export function drainServerOnShutdown(
  anyServer: HttpServer | HttpsServer | Http2Server | Http2SecureServer,
  opts: ServerShutdownOptions = {},
): ServerShutdownHandle {
  if (!("closeIdleConnections" in anyServer) || typeof anyServer.closeIdleConnections !== "function") {
    throw new TypeError(
      "drainServerOnShutdown: an http or https server is required (HTTP/2 is not supported)",
    );
  }
  const server: HttpServer | HttpsServer = anyServer;
  const lifecycle = opts.lifecycle ?? getLifecycle();
  const name = opts.name ?? "http-server";
  const acceptDelayMs = opts.acceptDelayMs ?? 0;
  const drainTimeoutMs = opts.drainTimeoutMs ?? 3000;
  if (!(acceptDelayMs >= 0) || !(drainTimeoutMs >= 0) || acceptDelayMs > drainTimeoutMs) {
    throw new RangeError("drainServerOnShutdown: need 0 <= acceptDelayMs <= drainTimeoutMs");
  }

  let inFlight = 0;
  /** Shutdown has begun: responses ask the client to close the connection. */
  let draining = false;
  /** The listener is closed: connections are closed as soon as they are idle. */
  let closing = false;
  let idle: (() => void) | undefined;

  const onRequest = (_req: IncomingMessage, res: ServerResponse): void => {
    inFlight++;
    if (draining && !res.headersSent) res.setHeader("connection", "close");
    res.once("close", () => {
      inFlight--;
      if (!closing) return;
      server.closeIdleConnections();
      if (inFlight === 0) idle?.();
    });
  };
  // Before the application's listener, so that the Connection header is set before it writes the head.
  server.prependListener("request", onRequest);

  const drain = async (): Promise<void> => {
    const deadline = Date.now() + drainTimeoutMs;
    draining = true;
    if (acceptDelayMs > 0) await delay(acceptDelayMs);
    closing = true;
    const closed = new Promise<void>((resolve) => {
      if (!server.listening) return resolve();
      server.close(() => resolve());
    });
    server.closeIdleConnections();
    const requestsDone = new Promise<void>((resolve) => {
      if (inFlight === 0) return resolve();
      idle = resolve;
    });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, Math.max(0, deadline - Date.now()));
    });
    await Promise.race([requestsDone.then(() => closed), timeout]);
    clearTimeout(timer);
  };

  const close = (): void => {
    server.closeAllConnections();
    if (server.listening) server.close();
  };

  const offDrain = lifecycle.onShutdown("drain", `${name} drain`, drain);
  const offClose = lifecycle.onShutdown("close", `${name} close`, close);

  return {
    get inFlight() {
      return inFlight;
    },
    detach() {
      offDrain();
      offClose();
      server.off("request", onRequest);
    },
  };
}
