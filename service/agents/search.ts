/**
 * The search agent: full-text search over the documents in PostgreSQL, and community results from the
 * search index (a remote agent).
 */
import { type AgentDeps, cachedRemoteCall, dbQuery, normalise } from "./toolkit";
import type { Agent, AgentRequest, AgentResult } from "./types";

const SEARCH_INDEX = "search-index";

export class SearchAgent implements Agent {
  readonly type = "search" as const;

  constructor(private readonly deps: AgentDeps) {}

  async run(request: AgentRequest): Promise<AgentResult> {
    const query = normalise(request.message) || "help";
    const rows = await dbQuery(
      this.deps,
      request,
      `SELECT d.id::text AS id, d.title, ts_rank(d.search, q)::float8 AS rank
       FROM documents d, websearch_to_tsquery('english', $1) q
       WHERE d.search @@ q ORDER BY rank DESC, d.id LIMIT 3`,
      [query.split(" ").join(" OR ")],
    );
    const index = await cachedRemoteCall(this.deps, SEARCH_INDEX, "web_search", { query }, query);
    const data: Record<string, unknown> = { documents: rows };
    if (index.result) data.community = index.result;
    return { agent: this.type, data, degraded: index.degraded ? [SEARCH_INDEX] : [] };
  }
}
