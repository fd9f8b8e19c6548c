/**
 * The OpenAI adapter: the official `openai` client (Chat Completions), base URL configurable so that any
 * server speaking the API's HTTP shape (a gateway, a local model server, the tests' fake) can stand in.
 * Retries are the client's (LLM_MAX_RETRIES, default 0 so that every failure is seen by the telemetry).
 */
import OpenAI from "openai";
import { MalformedResponseError } from "./faults";
import type { ChatCompletion, ChatRequest, LlmProvider } from "./types";

export interface AdapterOptions {
  readonly apiKey: string;
  readonly baseUrl?: string;
  readonly timeoutMs: number;
  readonly maxRetries: number;
}

export class OpenAiProvider implements LlmProvider {
  readonly name = "openai";
  private readonly client: OpenAI;

  constructor(options: AdapterOptions) {
    this.client = new OpenAI({
      apiKey: options.apiKey,
      ...(options.baseUrl ? { baseURL: options.baseUrl } : {}),
      timeout: options.timeoutMs,
      maxRetries: options.maxRetries,
    });
  }

  async chat(request: ChatRequest): Promise<ChatCompletion> {
    const res = await this.client.chat.completions.create(
      {
        model: request.model,
        messages: request.messages.map((m) => ({ role: m.role, content: m.content })),
        max_completion_tokens: request.maxTokens,
        temperature: request.temperature,
      },
      { signal: request.signal },
    );
    const choice = res.choices?.[0];
    const content = choice?.message?.content;
    if (typeof content !== "string" || !res.usage) {
      throw new MalformedResponseError("chat completion without message content or usage");
    }
    return {
      content,
      inputTokens: res.usage.prompt_tokens,
      outputTokens: res.usage.completion_tokens,
      responseModel: res.model,
      responseId: res.id,
      finishReason: choice?.finish_reason ?? "unknown",
    };
  }

  async probe(signal: AbortSignal): Promise<void> {
    await this.client.models.list({ signal, maxRetries: 0 });
  }
}
