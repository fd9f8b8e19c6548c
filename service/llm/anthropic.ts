/**
 * The Anthropic adapter: the official `@anthropic-ai/sdk` client (Messages API), base URL configurable.
 * System messages go to the `system` parameter, as the Messages API wants. The pinned SDK's Messages
 * parameters have no `temperature`: the request's temperature is recorded on the span only. Streamed calls
 * use `stream: true` and read the Messages stream's events (message_start: id, model, input tokens;
 * content_block_delta: text; message_delta: stop reason, output tokens; message_stop).
 */
import Anthropic from "@anthropic-ai/sdk";
import { type AdapterOptions, sdkClientOptions } from "./adapter-options";
import { MalformedResponseError } from "./faults";
import type { ChatCompletion, ChatRequest, LlmProvider } from "./types";

export class AnthropicProvider implements LlmProvider {
  readonly name = "anthropic";
  private readonly client: Anthropic;

  constructor(options: AdapterOptions) {
    this.client = new Anthropic(sdkClientOptions(options));
  }

  async chat(request: ChatRequest): Promise<ChatCompletion> {
    const system = request.messages
      .filter((m) => m.role === "system")
      .map((m) => m.content)
      .join("\n\n");
    const params = {
      model: request.model,
      max_tokens: request.maxTokens,
      ...(system !== "" ? { system } : {}),
      messages: request.messages
        .filter((m) => m.role !== "system")
        .map((m) => ({
          role: m.role === "assistant" ? ("assistant" as const) : ("user" as const),
          content: m.content,
        })),
    };
    if (request.onChunk !== undefined) return this.stream(params, request.signal, request.onChunk);
    const res = await this.client.messages.create(params, { signal: request.signal });
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

  private async stream(
    params: Anthropic.MessageCreateParamsNonStreaming,
    signal: AbortSignal,
    onChunk: (text: string) => void,
  ): Promise<ChatCompletion> {
    const stream = await this.client.messages.create({ ...params, stream: true }, { signal });
    let id: string | undefined;
    let model: string | undefined;
    let inputTokens: number | undefined;
    let outputTokens: number | undefined;
    let stopReason: string | undefined;
    let stopped = false;
    let content = "";
    for await (const event of stream) {
      switch (event.type) {
        case "message_start":
          id = event.message.id;
          model = event.message.model;
          inputTokens = event.message.usage?.input_tokens;
          outputTokens = event.message.usage?.output_tokens;
          break;
        case "content_block_delta":
          if (event.delta.type === "text_delta" && event.delta.text !== "") {
            content += event.delta.text;
            onChunk(event.delta.text);
          }
          break;
        case "message_delta":
          stopReason = event.delta.stop_reason ?? stopReason;
          // Cumulative counts: the last message_delta has the final ones.
          outputTokens = event.usage?.output_tokens ?? outputTokens;
          inputTokens = event.usage?.input_tokens ?? inputTokens;
          break;
        case "message_stop":
          stopped = true;
          break;
        default:
          break;
      }
    }
    if (!stopped || id === undefined || inputTokens === undefined || outputTokens === undefined) {
      throw new MalformedResponseError("the message stream ended before message_stop, or without usage");
    }
    return {
      content: content.trim(),
      inputTokens,
      outputTokens,
      responseModel: model ?? "unknown",
      responseId: id,
      finishReason: stopReason ?? "unknown",
    };
  }

  async probe(signal: AbortSignal): Promise<void> {
    await this.client.models.list({}, { signal, maxRetries: 0 });
  }
}
