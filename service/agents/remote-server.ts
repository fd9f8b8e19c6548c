/**
 * A remote agent as its own HTTP service (the demo and the tests run three): POST /v1/tasks {task, input}
 * answers with the task's result, GET /health says it is up. It can be made slow (every answer delayed) or
 * unreachable (its listening socket closed: connection refused) at run time, through
 * - IPC messages from a parent that forked it: {"type": "mode", "mode": "slow", "delayMs": 3000},
 * - an optional control port: POST /mode {"mode": "down"} (GET /mode reads it),
 * - or the start mode (--mode / REMOTE_AGENT_MODE).
 *
 * Run: node build/service/agents/remote-server.js --name payment-gateway --port 8091 [--control-port 8191]
 */
import { type ServerType, serve } from "@hono/node-server";
import { getLifecycle } from "@procode/observability";
import { observabilityMiddleware } from "@procode/observability/hono";
import { Hono } from "hono";
import { REMOTE_TASKS } from "./remote-tasks";

export type RemoteMode = "normal" | "slow" | "down";
const MODES: readonly RemoteMode[] = ["normal", "slow", "down"];

export interface RemoteAgentServerOptions {
  readonly name: string;
  readonly host?: string;
  /** 0: a free port (read it from `port` after start). */
  readonly port: number;
  readonly mode?: RemoteMode;
  readonly slowMs?: number;
}

export class RemoteAgentServer {
  private server: ServerType | undefined;
  private boundPort: number;
  private modeValue: RemoteMode;
  private slowMsValue: number;
  private readonly app: Hono;
  private served = 0;

  constructor(readonly options: RemoteAgentServerOptions) {
    const tasks = REMOTE_TASKS[options.name];
    if (tasks === undefined) {
      throw new Error(
        `unknown remote agent ${JSON.stringify(options.name)} (known: ${Object.keys(REMOTE_TASKS).join(", ")})`,
      );
    }
    this.boundPort = options.port;
    this.modeValue = options.mode ?? "normal";
    this.slowMsValue = options.slowMs ?? 3_000;
    const app = new Hono();
    app.use(observabilityMiddleware());
    app.get("/health", (c) => c.json({ status: "ok", agent: options.name }));
    app.post("/v1/tasks", async (c) => {
      if (this.modeValue === "slow") await new Promise((r) => setTimeout(r, this.slowMsValue));
      let body: unknown;
      try {
        body = await c.req.json();
      } catch {
        return c.json({ error: "body must be JSON" }, 400);
      }
      const { task, input } = (body ?? {}) as { task?: unknown; input?: unknown };
      const handler = typeof task === "string" ? tasks[task] : undefined;
      if (handler === undefined) return c.json({ error: `unknown task for ${options.name}` }, 404);
      try {
        const result = handler((input ?? {}) as Record<string, unknown>);
        this.served++;
        return c.json({ agent: options.name, task, result });
      } catch (err) {
        return c.json({ error: err instanceof Error ? err.message : "bad input" }, 400);
      }
    });
    this.app = app;
  }

  get port(): number {
    return this.boundPort;
  }

  get mode(): RemoteMode {
    return this.modeValue;
  }

  get requestsServed(): number {
    return this.served;
  }

  async start(): Promise<number> {
    if (this.modeValue !== "down") await this.listen();
    return this.boundPort;
  }

  private listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      const server = serve(
        { fetch: this.app.fetch, hostname: this.options.host ?? "127.0.0.1", port: this.boundPort },
        (info) => {
          this.boundPort = info.port;
          resolve();
        },
      );
      server.once("error", reject);
      this.server = server;
    });
  }

  private close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server === undefined) return Promise.resolve();
    return new Promise((resolve) => {
      server.close(() => resolve());
      // Unreachable means unreachable: open keep-alive connections go too.
      (server as { closeAllConnections?: () => void }).closeAllConnections?.();
    });
  }

  async setMode(mode: RemoteMode, slowMs?: number): Promise<void> {
    if (slowMs !== undefined) this.slowMsValue = slowMs;
    const wasDown = this.modeValue === "down";
    this.modeValue = mode;
    if (mode === "down" && !wasDown) await this.close();
    if (mode !== "down" && wasDown) await this.listen();
  }

  async stop(): Promise<void> {
    await this.close();
  }
}

function arg(argv: readonly string[], name: string): string | undefined {
  const at = argv.indexOf(`--${name}`);
  return at >= 0 ? argv[at + 1] : undefined;
}

function parseMode(v: string | undefined): RemoteMode | undefined {
  if (v === undefined) return undefined;
  if ((MODES as readonly string[]).includes(v)) return v as RemoteMode;
  throw new Error(`mode must be one of ${MODES.join(", ")} (got ${JSON.stringify(v)})`);
}

function parsePort(v: string | undefined, what: string): number | undefined {
  if (v === undefined || v === "") return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new Error(`${what} must be a port number (got ${JSON.stringify(v)})`);
  return n;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const env = process.env;
  const name = arg(argv, "name") ?? env.REMOTE_AGENT_NAME;
  if (name === undefined) throw new Error("--name (or REMOTE_AGENT_NAME) is required");
  const port = parsePort(arg(argv, "port") ?? env.REMOTE_AGENT_PORT, "--port") ?? 0;
  const controlPort = parsePort(arg(argv, "control-port") ?? env.REMOTE_AGENT_CONTROL_PORT, "--control-port");
  const slowRaw = arg(argv, "slow-ms") ?? env.REMOTE_AGENT_SLOW_MS;
  const slowMs = slowRaw === undefined ? undefined : Number(slowRaw);
  if (slowMs !== undefined && !(Number.isFinite(slowMs) && slowMs >= 0))
    throw new Error("--slow-ms must be >= 0");
  const agent = new RemoteAgentServer({
    name,
    port,
    host: arg(argv, "host") ?? env.REMOTE_AGENT_HOST ?? "127.0.0.1",
    mode: parseMode(arg(argv, "mode") ?? env.REMOTE_AGENT_MODE) ?? "normal",
    ...(slowMs !== undefined ? { slowMs } : {}),
  });
  const bound = await agent.start();
  process.on("message", (msg: unknown) => {
    const m = msg as { type?: unknown; mode?: unknown; delayMs?: unknown };
    if (m?.type !== "mode") return;
    const mode = parseMode(typeof m.mode === "string" ? m.mode : undefined);
    if (mode === undefined) return;
    void agent.setMode(mode, typeof m.delayMs === "number" ? m.delayMs : undefined).then(() => {
      process.send?.({ type: "mode-set", mode });
    });
  });
  let control: ServerType | undefined;
  if (controlPort !== undefined) {
    const app = new Hono();
    app.get("/mode", (c) => c.json({ mode: agent.mode }));
    app.post("/mode", async (c) => {
      const body = (await c.req.json().catch(() => ({}))) as { mode?: unknown; delay_ms?: unknown };
      let mode: RemoteMode | undefined;
      try {
        mode = parseMode(typeof body.mode === "string" ? body.mode : undefined);
      } catch (err) {
        return c.json({ error: (err as Error).message }, 400);
      }
      if (mode === undefined) return c.json({ error: `mode must be one of ${MODES.join(", ")}` }, 400);
      await agent.setMode(mode, typeof body.delay_ms === "number" ? body.delay_ms : undefined);
      return c.json({ mode: agent.mode });
    });
    control = serve({ fetch: app.fetch, hostname: "127.0.0.1", port: controlPort });
  }
  process.stdout.write(`remote agent ${name} listening ${bound}\n`);
  getLifecycle().onShutdown("drain", `remote agent ${name}`, async () => {
    control?.close();
    await agent.stop();
  });
  // Under the preload, SIGTERM/SIGINT already run the lifecycle's shutdown; without it, do the same here.
  if (process.listenerCount("SIGTERM") === 0) {
    const stop = (): void => {
      void getLifecycle()
        .shutdown("signal", 5_000)
        .then(() => process.exit(0));
    };
    process.once("SIGTERM", stop);
    process.once("SIGINT", stop);
  }
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`remote agent: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
