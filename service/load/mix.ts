/**
 * The traffic mix: which key, which intent, which kind of bad request, which injected fault - drawn from a
 * seeded generator, so a run with the same seed sends the same sequence of requests.
 */

import { SEED_API_KEYS, usersOf } from "../db/seed-data";
import { INTENT_NAMES, type Intent } from "../intents";
import { Rng } from "../random";

export interface MixOptions {
  readonly seed: number;
  /** Shares of all requests (0..1). */
  readonly invalidKeyRate: number;
  readonly revokedKeyRate: number;
  readonly badRequestRate: number;
  /** Share of traffic from the free-plan key (10 requests per minute): it exceeds its limit. */
  readonly burstShare: number;
  /** Injected through X-Procode-Fault (the service honours it with SERVICE_FAULT_INJECTION=true). */
  readonly llmFailureRate: number;
  readonly dbFailureRate: number;
}

export interface PlannedRequest {
  /** What the generator meant to send (for the progress line and tests). */
  readonly kind: string;
  readonly headers: Record<string, string>;
  readonly body: string;
}

const MESSAGES: Record<Intent, readonly string[]> = {
  check_balance: [
    "What is my account balance?",
    "How much money do I have available?",
    "Show my balance please",
  ],
  list_payments: [
    "Show my recent payments",
    "List my transactions from last month",
    "What did I spend on purchases?",
  ],
  refund_status: [
    "Where is my refund?",
    "I want my money back for the last order",
    "Was my chargeback refunded?",
  ],
  open_ticket: [
    "The export is broken and not working",
    "I found a bug in the webhook signature",
    "Please report a problem with my invoice",
  ],
  ticket_status: ["What is the status of my ticket?", "Any news on my support request?", "Show my tickets"],
  search_docs: [
    "How do I rotate API keys?",
    "Explain the monthly quotas",
    "Where is the documentation for webhooks?",
  ],
};
const UNKNOWN = ["Tell me a joke about cats", "Write a poem about the sea", "Who won the football match?"];

const GOOD_KEYS = SEED_API_KEYS.filter((k) => !k.revoked && k.id !== "key_initech_dev");
const FREE_KEY = SEED_API_KEYS.find((k) => k.id === "key_initech_dev");
const REVOKED_KEY = SEED_API_KEYS.find((k) => k.revoked);
// Weights of the good keys: production traffic dominates; the trial key runs into its monthly quota.
const KEY_WEIGHTS: Record<string, number> = {
  key_acme_prod: 0.4,
  key_acme_batch: 0.15,
  key_globex_app: 0.35,
  key_umbrella_trial: 0.1,
};

export class TrafficMix {
  private readonly rng: Rng;

  constructor(private readonly options: MixOptions) {
    this.rng = new Rng(options.seed);
  }

  private goodKey(): (typeof SEED_API_KEYS)[number] {
    let roll = this.rng.next();
    for (const k of GOOD_KEYS) {
      roll -= KEY_WEIGHTS[k.id] ?? 0;
      if (roll < 0) return k;
    }
    return GOOD_KEYS[0] as (typeof SEED_API_KEYS)[number];
  }

  private chat(key: (typeof SEED_API_KEYS)[number], kind: string): PlannedRequest {
    const r = this.rng;
    const user = r.pick(usersOf(key.organizationId));
    const unknown = r.next() < 0.04;
    const intent = r.pick(INTENT_NAMES);
    const message = unknown ? r.pick(UNKNOWN) : r.pick(MESSAGES[intent]);
    const headers: Record<string, string> = {
      "content-type": "application/json",
      authorization: `Bearer ${key.key}`,
    };
    const faults: string[] = [];
    if (r.next() < this.options.llmFailureRate) {
      const kinds = ["rate_limit", "timeout", "server_error", "malformed_response"];
      faults.push(`llm=${r.pick(kinds)}@${r.next() < 0.7 ? "classification" : "generation"}`);
    }
    if (r.next() < this.options.dbFailureRate) faults.push("db=timeout");
    if (faults.length > 0) headers["x-procode-fault"] = faults.join(",");
    return {
      kind: faults.length > 0 ? `${kind}+fault` : unknown ? "unknown_intent" : kind,
      headers,
      body: JSON.stringify({ message, user_id: user.id }),
    };
  }

  private badKey(): PlannedRequest {
    const body = JSON.stringify({ message: "What is my balance?", user_id: "user_acme_01" });
    return this.rng.next() < 0.5
      ? { kind: "missing_key", headers: { "content-type": "application/json" }, body }
      : {
          kind: "invalid_key",
          headers: {
            "content-type": "application/json",
            authorization: "Bearer pk_demo_not_a_real_key_000000",
          },
          body,
        };
  }

  private badRequest(): PlannedRequest {
    const key = this.goodKey();
    const auth = { authorization: `Bearer ${key.key}` };
    const json = { "content-type": "application/json", ...auth };
    switch (this.rng.int(0, 4)) {
      case 0:
        return { kind: "malformed_json", headers: json, body: '{"message": "What is my balance?", ' };
      case 1:
        return { kind: "missing_field", headers: json, body: JSON.stringify({ message: "Show my tickets" }) };
      case 2:
        return {
          kind: "oversized_body",
          headers: json,
          body: JSON.stringify({ message: "x".repeat(40_000), user_id: "user_acme_01" }),
        };
      case 3:
        return {
          kind: "unknown_intent_field",
          headers: json,
          body: JSON.stringify({ message: "Hello", user_id: "user_acme_01", intent: "order_pizza" }),
        };
      default:
        return {
          kind: "wrong_content_type",
          headers: { "content-type": "text/plain", ...auth },
          body: "balance?",
        };
    }
  }

  next(): PlannedRequest {
    const o = this.options;
    const roll = this.rng.next();
    let edge = o.invalidKeyRate;
    if (roll < edge) return this.badKey();
    edge += o.revokedKeyRate;
    if (roll < edge && REVOKED_KEY) return this.chat(REVOKED_KEY, "revoked_key");
    edge += o.badRequestRate;
    if (roll < edge) return this.badRequest();
    edge += o.burstShare;
    if (roll < edge && FREE_KEY) return this.chat(FREE_KEY, "burst_client");
    return this.chat(this.goodKey(), "chat");
  }
}
