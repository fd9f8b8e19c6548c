/**
 * The payment agent: balances, recent payments and refunds from PostgreSQL, and the account's standing from
 * the payment gateway (a remote agent).
 */
import type { Intent } from "../intents";
import { type AgentDeps, cachedRemoteCall, dbQuery } from "./toolkit";
import type { Agent, AgentRequest, AgentResult } from "./types";

const GATEWAY = "payment-gateway";

const QUERIES: Partial<Record<Intent, string>> = {
  check_balance: `SELECT u.currency,
      COALESCE(SUM(p.amount_cents) FILTER (WHERE p.status = 'settled'), 0)::int AS settled_cents,
      COALESCE(SUM(p.amount_cents) FILTER (WHERE p.status = 'pending'), 0)::int AS pending_cents,
      COUNT(p.id)::int AS payments
    FROM users u LEFT JOIN payments p ON p.user_id = u.id
    WHERE u.id = $1 AND u.organization_id = $2
    GROUP BY u.currency`,
  list_payments: `SELECT p.id::text AS id, p.amount_cents, p.status, p.merchant, p.created_at
    FROM payments p JOIN users u ON u.id = p.user_id
    WHERE p.user_id = $1 AND u.organization_id = $2
    ORDER BY p.created_at DESC LIMIT 5`,
  refund_status: `SELECT p.id::text AS id, p.amount_cents, p.status, p.merchant, p.created_at
    FROM payments p JOIN users u ON u.id = p.user_id
    WHERE p.user_id = $1 AND u.organization_id = $2 AND p.status IN ('refunded', 'pending')
    ORDER BY p.created_at DESC LIMIT 5`,
};

export class PaymentAgent implements Agent {
  readonly type = "payment" as const;

  constructor(private readonly deps: AgentDeps) {}

  async run(request: AgentRequest): Promise<AgentResult> {
    const sql = QUERIES[request.intent] ?? QUERIES.list_payments;
    const rows = await dbQuery(this.deps, request, sql as string, [request.userId, request.organizationId]);
    const gateway = await cachedRemoteCall(
      this.deps,
      GATEWAY,
      "account_status",
      { user_id: request.userId },
      `${request.organizationId}:${request.userId}`,
    );
    const data: Record<string, unknown> =
      request.intent === "check_balance"
        ? { balance: rows[0] ?? { settled_cents: 0, pending_cents: 0, payments: 0 } }
        : { payments: rows };
    if (gateway.result) data.account = gateway.result;
    return { agent: this.type, data, degraded: gateway.degraded ? [GATEWAY] : [] };
  }
}
