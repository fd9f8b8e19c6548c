/** The provider-neutral shape of a chat call, shared by the simulated model and the real adapters. */

export type ChatRole = "system" | "user" | "assistant";

export interface ChatMessage {
  readonly role: ChatRole;
  readonly content: string;
}

/** A failure to inject into one call (see faults.ts). */
export type LlmFaultKind = "rate_limit" | "timeout" | "server_error" | "malformed_response";
export const LLM_FAULT_KINDS: readonly LlmFaultKind[] = [
  "rate_limit",
  "timeout",
  "server_error",
  "malformed_response",
];

export interface ChatRequest {
  readonly model: string;
  readonly messages: readonly ChatMessage[];
  readonly maxTokens: number;
  readonly temperature: number;
  /** Aborts at the client's timeout (or when the request is cancelled). */
  readonly signal: AbortSignal;
  /** Only the simulated provider honours it; the client raises it itself for real providers. */
  readonly fault?: LlmFaultKind;
  /**
   * Given: the answer is streamed (the provider's streaming API) and this hears each piece of output text as
   * it arrives; the completion is still returned whole at the end. Absent: one request, one answer.
   */
  readonly onChunk?: (text: string) => void;
}

export interface ChatCompletion {
  readonly content: string;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly responseModel: string;
  readonly responseId: string;
  readonly finishReason: string;
}

export interface LlmProvider {
  /** gen_ai.provider.name: "openai", "anthropic" or "simulated". */
  readonly name: string;
  chat(request: ChatRequest): Promise<ChatCompletion>;
  /** A cheap reachability check (never a paid completion); throws when the provider cannot be reached. */
  probe(signal: AbortSignal): Promise<void>;
}
