/**
 * The OpenAI adapter: the official `openai` client (Chat Completions), base URL configurable so that any
 * server speaking the API's HTTP shape (a gateway, a local model server, the tests' fake) can stand in.
 * Retries are the client's (LLM_MAX_RETRIES, default 0 so that every failure is seen by the telemetry).
 * Streamed calls use `stream: true` with `stream_options.include_usage` (the last chunk carries the usage).
 */
import OpenAI from "openai";
import { type AdapterOptions, sdkClientOptions } from "./adapter-options";
import { ChunkAssembler } from "./chunks";
import { MalformedResponseError } from "./faults";
import type { ChatCompletion, ChatRequest, LlmProvider } from "./types";

export class OpenAiProvider implements LlmProvider {
  readonly name = "openai";
  private readonly client: OpenAI;

  constructor(options: AdapterOptions) {
    this.client = new OpenAI(sdkClientOptions(options));
  }

  async chat(request: ChatRequest): Promise<ChatCompletion> {
    const params = {
      model: request.model,
      messages: request.messages.map((m) => ({ role: m.role, content: m.content })),
      max_completion_tokens: request.maxTokens,
      temperature: request.temperature,
    };
    if (request.onChunk !== undefined) {
      const stream = await this.client.chat.completions.create(
        { ...params, stream: true, stream_options: { include_usage: true } },
        { signal: request.signal },
      );
      const assembler = new ChunkAssembler(request.onChunk);
      for await (const chunk of stream) assembler.add(chunk);
      return assembler.finish();
    }
    const res = await this.client.chat.completions.create(params, { signal: request.signal });
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
