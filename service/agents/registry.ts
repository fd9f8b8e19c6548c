/**
 * The registry of remote agents (name -> base URL) and the HTTP client that calls them: POST /v1/tasks
 * through fetch (so the undici instrumentation makes the client span and propagates W3C trace context), a
 * deadline per call, and failures as RemoteAgentError with a low-cardinality errorType.
 */
import type { RemoteAgentConfig } from "../config";

export class RemoteAgentError extends Error {
  override name = "RemoteAgentError";
  constructor(
    readonly agent: string,
    /** timeout, unreachable, http_<status>, bad_response */
    readonly errorType: string,
    message: string,
    cause?: unknown,
  ) {
    super(message, cause === undefined ? undefined : { cause });
  }
}

export class RemoteAgentRegistry {
  private readonly byName: ReadonlyMap<string, RemoteAgentConfig>;

  constructor(
    readonly agents: readonly RemoteAgentConfig[],
    private readonly timeoutMs: number,
  ) {
    this.byName = new Map(agents.map((a) => [a.name, a]));
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  /** For the external-agents health check: each agent's health URL. */
  healthEndpoints(): { name: string; url: string }[] {
    return this.agents.map((a) => ({ name: a.name, url: `${a.url}/health` }));
  }

  async invoke(name: string, task: string, input: Record<string, unknown>): Promise<Record<string, unknown>> {
    const agent = this.byName.get(name);
    if (agent === undefined)
      throw new RemoteAgentError(name, "not_registered", `remote agent ${name} is not registered`);
    let res: Response;
    try {
      res = await fetch(`${agent.url}/v1/tasks`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ task, input }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      const timeout = err instanceof Error && (err.name === "TimeoutError" || err.name === "AbortError");
      throw new RemoteAgentError(
        name,
        timeout ? "timeout" : "unreachable",
        timeout ? `${name} did not answer within ${this.timeoutMs} ms` : `${name} is unreachable`,
        err,
      );
    }
    let body: unknown;
    try {
      body = await res.json();
    } catch (err) {
      throw new RemoteAgentError(name, "bad_response", `${name} answered with a body that is not JSON`, err);
    }
    if (!res.ok)
      throw new RemoteAgentError(name, `http_${res.status}`, `${name} answered HTTP ${res.status}`);
    const result = (body as { result?: unknown }).result;
    if (result === null || typeof result !== "object") {
      throw new RemoteAgentError(name, "bad_response", `${name} answered without a result`);
    }
    return result as Record<string, unknown>;
  }
}
