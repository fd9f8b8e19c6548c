/**
 * LLM prices in US dollars per million tokens, kept in the repository (no download at run time). Sources:
 * the providers' public price pages as of the date below; update by editing this table. A model not listed
 * costs 0 and is reported once through OTel's diag logger.
 */
export const PRICE_TABLE_DATE = "2026-11-01";

export interface ModelPrice {
  readonly inputPerMillion: number;
  readonly outputPerMillion: number;
}

export const PRICES: Readonly<Record<string, Readonly<Record<string, ModelPrice>>>> = {
  openai: {
    "gpt-4o": { inputPerMillion: 2.5, outputPerMillion: 10 },
    "gpt-4o-mini": { inputPerMillion: 0.15, outputPerMillion: 0.6 },
    "gpt-4.1": { inputPerMillion: 2, outputPerMillion: 8 },
    "gpt-4.1-mini": { inputPerMillion: 0.4, outputPerMillion: 1.6 },
    "gpt-4": { inputPerMillion: 30, outputPerMillion: 60 },
  },
  anthropic: {
    "claude-sonnet-4-5": { inputPerMillion: 3, outputPerMillion: 15 },
    "claude-haiku-4-5": { inputPerMillion: 1, outputPerMillion: 5 },
    "claude-opus-4-1": { inputPerMillion: 15, outputPerMillion: 75 },
  },
  // The offline simulated provider prices its models like the real ones it stands in for.
  simulated: {
    "sim-large": { inputPerMillion: 2.5, outputPerMillion: 10 },
    "sim-small": { inputPerMillion: 0.15, outputPerMillion: 0.6 },
  },
};
