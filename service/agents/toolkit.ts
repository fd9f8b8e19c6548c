/**
 * What the agents share: a database query that honours an injected fault, and a remote-agent call behind a
 * cache (a hit skips the call; a failed call degrades the answer instead of failing it). The remote call is
 * a tool run (span `execute_tool {agent}`), under which the fetch instrumentation puts the HTTP client span.
 */
import { traceTool } from "@procode/observability";
import type { LruCache } from "../cache/lru";
import type { Database } from "../db/database";
import { RemoteAgentError, type RemoteAgentRegistry } from "./registry";
import type { AgentRequest } from "./types";

export interface AgentDeps {
  readonly db: Database;
  readonly remote: RemoteAgentRegistry;
  /** One cache per remote agent, named after it. */
  readonly caches: ReadonlyMap<string, LruCache<Record<string, unknown>>>;
}

export async function dbQuery<R extends Record<string, unknown>>(
  deps: AgentDeps,
  request: AgentRequest,
  text: string,
  values: readonly unknown[],
): Promise<R[]> {
  if (request.dbFault) return deps.db.injectedFault();
  return deps.db.query<R>(text, values);
}

export interface RemoteOutcome {
  readonly result: Record<string, unknown> | undefined;
  readonly degraded: boolean;
}

export async function cachedRemoteCall(
  deps: AgentDeps,
  agent: string,
  task: string,
  input: Record<string, unknown>,
  cacheKey: string,
): Promise<RemoteOutcome> {
  const cache = deps.caches.get(agent);
  const key = `${task}:${cacheKey}`;
  const hit = cache?.get(key);
  if (hit !== undefined) return { result: hit, degraded: false };
  try {
    const result = await traceTool({ name: agent, type: "extension" }, () =>
      deps.remote.invoke(agent, task, input),
    );
    cache?.set(key, result);
    return { result, degraded: false };
  } catch (err) {
    if (err instanceof RemoteAgentError) return { result: undefined, degraded: true };
    throw err;
  }
}

/** A cache key part from free text: lower case, words only, bounded. */
export function normalise(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9 ]+/g, " ")
    .replace(/\s+/g, " ")
    .trim()
    .slice(0, 200);
}
