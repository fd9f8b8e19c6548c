/** The configured provider: the simulated model (default), OpenAI or Anthropic. */
import type { ServiceConfig } from "../config";
import { AnthropicProvider } from "./anthropic";
import { OpenAiProvider } from "./openai";
import { SimulatedModel } from "./simulated";
import type { LlmProvider } from "./types";

export function createProvider(llm: ServiceConfig["llm"]): LlmProvider {
  if (llm.provider === "simulated") return new SimulatedModel(llm.simulated);
  const options = {
    apiKey: llm.apiKey ?? "",
    ...(llm.baseUrl ? { baseUrl: llm.baseUrl } : {}),
    timeoutMs: llm.timeoutMs,
    maxRetries: llm.maxRetries,
  };
  return llm.provider === "openai" ? new OpenAiProvider(options) : new AnthropicProvider(options);
}
