/**
 * A streamed chat completion put back together from OpenAI-shaped chunks (`chat.completion.chunk`: content
 * deltas, then a chunk with the finish reason, then - with `stream_options.include_usage` - one with usage and
 * no choices). The OpenAI adapter feeds it what the official client yields; the simulated model streams the
 * same shapes through it, so both are read the same way. A stream that ends without its finish reason or its
 * usage (cut off by a proxy, a dropped connection) is a MalformedResponseError.
 */
import { MalformedResponseError } from "./faults";
import type { ChatCompletion } from "./types";

/** The fields of a `chat.completion.chunk` that the assembler reads. */
export interface CompletionChunk {
  readonly id?: string;
  readonly model?: string;
  readonly choices?: readonly {
    readonly delta?: { readonly content?: string | null } | null;
    readonly finish_reason?: string | null;
  }[];
  readonly usage?: { readonly prompt_tokens: number; readonly completion_tokens: number } | null;
}

export class ChunkAssembler {
  private content = "";
  private id: string | undefined;
  private model: string | undefined;
  private finishReason: string | undefined;
  private usage: { inputTokens: number; outputTokens: number } | undefined;

  /** @param onText hears every non-empty piece of output text, in order. */
  constructor(private readonly onText: (text: string) => void) {}

  add(chunk: CompletionChunk): void {
    if (this.id === undefined && typeof chunk.id === "string" && chunk.id !== "") this.id = chunk.id;
    if (this.model === undefined && typeof chunk.model === "string" && chunk.model !== "") {
      this.model = chunk.model;
    }
    const choice = chunk.choices?.[0];
    const text = choice?.delta?.content;
    if (typeof text === "string" && text !== "") {
      this.content += text;
      this.onText(text);
    }
    if (typeof choice?.finish_reason === "string") this.finishReason = choice.finish_reason;
    const u = chunk.usage;
    if (u && typeof u.prompt_tokens === "number" && typeof u.completion_tokens === "number") {
      this.usage = { inputTokens: u.prompt_tokens, outputTokens: u.completion_tokens };
    }
  }

  /** The whole completion; throws MalformedResponseError when the stream ended before it was complete. */
  finish(): ChatCompletion {
    if (this.finishReason === undefined || this.usage === undefined) {
      throw new MalformedResponseError(
        `the stream ended without its ${this.finishReason === undefined ? "finish reason" : "usage"}`,
      );
    }
    return {
      content: this.content,
      inputTokens: this.usage.inputTokens,
      outputTokens: this.usage.outputTokens,
      responseModel: this.model ?? "unknown",
      responseId: this.id ?? "unknown",
      finishReason: this.finishReason,
    };
  }
}
