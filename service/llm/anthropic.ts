/**
 * The Anthropic adapter: the official `@anthropic-ai/sdk` client (Messages API), base URL configurable.
 * System messages go to the `system` parameter, as the Messages API wants. The pinned SDK's Messages
 * parameters have no `temperature`: the request's temperature is recorded on the span only.
 */
import Anthropic from "@anthropic-ai/sdk";
import { MalformedResponseError } from "./faults";
import type { AdapterOptions } from "./openai";
import type { ChatCompletion, ChatRequest, LlmProvider } from "./types";

export class AnthropicProvider implements LlmProvider {
  readonly name = "anthropic";
  private readonly client: Anthropic;

  constructor(options: AdapterOptions) {
    this.client = new Anthropic({
      apiKey: options.apiKey,
      ...(options.baseUrl ? { baseURL: options.baseUrl } : {}),
      timeout: options.timeoutMs,
      maxRetries: options.maxRetries,
    });
  }

  async chat(request: ChatRequest): Promise<ChatCompletion> {
    const system = request.messages
      .filter((m) => m.role === "system")
      .map((m) => m.content)
      .join("\n\n");
    const res = await this.client.messages.create(
      {
        model: request.model,
        max_tokens: request.maxTokens,
        ...(system !== "" ? { system } : {}),
        messages: request.messages
          .filter((m) => m.role !== "system")
          .map((m) => ({ role: m.role === "assistant" ? "assistant" : "user", content: m.content })),
      },
      { signal: request.signal },
    );
    const blocks = Array.isArray(res.content) ? res.content : [];
    const text = blocks
      .map((b) => (b.type === "text" ? b.text : ""))
      .join("")
      .trim();
    if (!res.usage || blocks.length === 0) {
      throw new MalformedResponseError("message without content blocks or usage");
    }
    return {
      content: text,
      inputTokens: res.usage.input_tokens,
      outputTokens: res.usage.output_tokens,
      responseModel: res.model,
      responseId: res.id,
      finishReason: res.stop_reason ?? "unknown",
    };
  }

  async probe(signal: AbortSignal): Promise<void> {
    await this.client.models.list({}, { signal, maxRetries: 0 });
  }
}
