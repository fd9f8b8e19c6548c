/**
 * What each remote agent computes: small deterministic functions of their input, standing in for a payment
 * gateway, a knowledge base and a search index run by other teams.
 */
import { hash32, Rng } from "../random";

export type TaskInput = Readonly<Record<string, unknown>>;
export type TaskHandler = (input: TaskInput) => Record<string, unknown>;

function text(input: TaskInput, key: string): string {
  const v = input[key];
  if (typeof v !== "string" || v.trim() === "")
    throw new TypeError(`input.${key} must be a non-empty string`);
  return v.trim().slice(0, 500);
}

const TOPICS = ["billing", "refunds", "api keys", "rate limits", "webhooks", "security", "exports", "plans"];

export const REMOTE_TASKS: Readonly<Record<string, Readonly<Record<string, TaskHandler>>>> = {
  "payment-gateway": {
    account_status(input) {
      const user = text(input, "user_id");
      const rng = new Rng(hash32("gateway", user));
      const risk = rng.int(1, 99);
      return {
        account_status: risk > 90 ? "review" : "active",
        risk_score: risk,
        card_on_file: rng.next() > 0.2,
      };
    },
  },
  "knowledge-base": {
    suggest_articles(input) {
      const topic = text(input, "topic").toLowerCase();
      const rng = new Rng(hash32("kb", topic));
      return {
        articles: [0, 1].map((i) => {
          const t = rng.pick(TOPICS);
          return { id: `kb-${hash32(topic, i) % 10_000}`, title: `Troubleshooting ${t}` };
        }),
      };
    },
  },
  "search-index": {
    web_search(input) {
      const query = text(input, "query").toLowerCase();
      const rng = new Rng(hash32("search", query));
      const n = rng.int(1, 3);
      return {
        results: Array.from({ length: n }, (_, i) => ({
          title: `Community answer ${i + 1} about ${query.split(" ").slice(0, 4).join(" ")}`,
          score: Number((0.9 - i * 0.15 - rng.next() * 0.05).toFixed(3)),
        })),
      };
    },
  },
};
