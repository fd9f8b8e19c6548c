/**
 * The intents the service understands, the agent that handles each, and the keywords the classifier prompt
 * lists for it (the real models read them as hints; the simulated model scores the message against them).
 */
export type AgentType = "payment" | "support" | "search";

export interface IntentSpec {
  readonly agent: AgentType;
  readonly description: string;
  readonly keywords: readonly string[];
}

export const INTENTS = {
  check_balance: {
    agent: "payment",
    description: "the user's balance",
    keywords: ["balance", "how much money", "funds", "available", "owe", "account balance"],
  },
  list_payments: {
    agent: "payment",
    description: "recent payments",
    keywords: [
      "payments",
      "transactions",
      "charges",
      "payment history",
      "spent",
      "purchases",
      "recent payments",
    ],
  },
  refund_status: {
    agent: "payment",
    description: "refunds",
    keywords: ["refund", "refunds", "money back", "refunded", "chargeback", "return"],
  },
  open_ticket: {
    agent: "support",
    description: "report a problem",
    keywords: ["problem", "broken", "not working", "issue", "bug", "complaint", "error", "report", "help me"],
  },
  ticket_status: {
    agent: "support",
    description: "status of support tickets",
    keywords: ["ticket", "tickets", "support request", "my case", "status of my ticket"],
  },
  search_docs: {
    agent: "search",
    description: "questions answered by the documentation",
    keywords: [
      "how do i",
      "how to",
      "documentation",
      "docs",
      "guide",
      "explain",
      "what is",
      "search",
      "find",
    ],
  },
} as const satisfies Record<string, IntentSpec>;

export type Intent = keyof typeof INTENTS;
export const INTENT_NAMES = Object.keys(INTENTS) as Intent[];

export function isIntent(v: unknown): v is Intent {
  return typeof v === "string" && Object.hasOwn(INTENTS, v);
}

export function agentFor(intent: Intent): AgentType {
  return INTENTS[intent].agent;
}

export function classifierPrompt(): string {
  const lines = INTENT_NAMES.map((name) => `- ${name}: ${INTENTS[name].keywords.join(", ")}`);
  return [
    "You route customer messages for the ProCode assistant.",
    'Answer with JSON only, exactly {"intent": "<label>", "confidence": <number from 0 to 1>}.',
    'Use the label whose hints match the message best, or "unknown" when none does.',
    "Labels:",
    ...lines,
    "- unknown: anything else",
  ].join("\n");
}
