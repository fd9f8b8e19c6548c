/**
 * The support agent: opens a ticket (an INSERT) or reads the user's tickets, and asks the knowledge base (a
 * remote agent) for articles on the subject.
 */
import { type AgentDeps, cachedRemoteCall, dbQuery, normalise } from "./toolkit";
import type { Agent, AgentRequest, AgentResult } from "./types";

const KNOWLEDGE_BASE = "knowledge-base";

export class SupportAgent implements Agent {
  readonly type = "support" as const;

  constructor(private readonly deps: AgentDeps) {}

  async run(request: AgentRequest): Promise<AgentResult> {
    const subject = request.message.trim().slice(0, 200);
    const rows =
      request.intent === "open_ticket"
        ? await dbQuery(
            this.deps,
            request,
            `INSERT INTO tickets (user_id, subject, status)
             SELECT id, $3, 'open' FROM users WHERE id = $1 AND organization_id = $2
             RETURNING id::text AS id, status, created_at`,
            [request.userId, request.organizationId, subject],
          )
        : await dbQuery(
            this.deps,
            request,
            `SELECT t.id::text AS id, t.subject, t.status, t.created_at
             FROM tickets t JOIN users u ON u.id = t.user_id
             WHERE t.user_id = $1 AND u.organization_id = $2
             ORDER BY t.created_at DESC LIMIT 5`,
            [request.userId, request.organizationId],
          );
    const topic = normalise(subject);
    const kb = await cachedRemoteCall(
      this.deps,
      KNOWLEDGE_BASE,
      "suggest_articles",
      { topic: topic || "support" },
      topic,
    );
    const data: Record<string, unknown> =
      request.intent === "open_ticket" ? { ticket: rows[0] ?? { error: "unknown user" } } : { tickets: rows };
    if (kb.result) data.suggestions = kb.result;
    return { agent: this.type, data, degraded: kb.degraded ? [KNOWLEDGE_BASE] : [] };
  }
}
