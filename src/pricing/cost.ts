/** LLM call cost from the repository's price table. */
import { diag } from "@opentelemetry/api";
import { type ModelPrice, PRICES } from "./prices";

const warned = new Set<string>();

export function priceOf(provider: string, model: string): ModelPrice | undefined {
  const byProvider = PRICES[provider];
  if (!byProvider) return undefined;
  // Exact model first, then the longest listed prefix (dated snapshots such as gpt-4o-2024-08-06).
  const exact = byProvider[model];
  if (exact) return exact;
  let best: string | undefined;
  for (const name of Object.keys(byProvider)) {
    if (model.startsWith(`${name}-`) && (best === undefined || name.length > best.length)) best = name;
  }
  return best === undefined ? undefined : byProvider[best];
}

/** Cost in USD of one call; 0 (and one diag warning per model) when the model has no price. */
export function costUsd(provider: string, model: string, inputTokens: number, outputTokens: number): number {
  const price = priceOf(provider, model);
  if (!price) {
    const key = `${provider}/${model}`;
    if (!warned.has(key)) {
      warned.add(key);
      diag.warn(`no price for LLM model ${key}; its cost is recorded as 0`);
    }
    return 0;
  }
  return (inputTokens * price.inputPerMillion + outputTokens * price.outputPerMillion) / 1_000_000;
}
