/**
 * The service's LLM client: one provider behind the telemetry library's traceLlmCall (GenAI span `chat
 * {model}`, duration, tokens, cost, errors by type, and for streamed calls the time to first chunk), a
 * deadline per call, and the answer parsed inside the traced call (so an unusable answer is a
 * malformed_response on the LLM span). The outcome of every call reaches the LLM health check through the
 * library's onLlmOutcome. Failures leave as LlmCallError, whose errorType is the library's classification.
 */
import { classifyLlmError, type LlmContext, traceLlmCall } from "@procode/observability";
import { abortReason, LlmApiError, LlmTimeoutError, MalformedResponseError } from "./faults";
import { countChatTokens } from "./tokenizer";
import type { ChatCompletion, ChatMessage, LlmFaultKind, LlmProvider } from "./types";

export class LlmCallError extends Error {
  override name = "LlmCallError";
  constructor(
    /** rate_limit, timeout, server_error, malformed_response, client_error, ... */
    readonly errorType: string,
    cause: unknown,
    /** The call that failed, for error reports (provider, model, prompt tokens when known). */
    readonly llm: LlmContext,
  ) {
    super(`LLM call failed (${errorType})`, { cause });
  }
}

/**
 * Prompt tokens of a call that failed (the provider reported none): o200k_base counts, exact for the
 * simulated model and OpenAI's GPT-4o family; Anthropic's tokenizer is not public, so none is claimed there.
 */
function promptTokens(provider: string, messages: readonly ChatMessage[]): number | undefined {
  return provider === "anthropic" ? undefined : countChatTokens(messages);
}

export interface LlmClientOptions {
  readonly timeoutMs: number;
  readonly maxOutputTokens: number;
}

export interface ChatCall<T> {
  readonly model: string;
  readonly messages: readonly ChatMessage[];
  readonly maxTokens?: number;
  readonly temperature?: number;
  readonly fault?: LlmFaultKind;
  /** Stream the answer (the provider's streaming API); its first chunk is the call's time to first chunk. */
  readonly stream?: boolean;
  /** Turns the answer into what the caller needs; throws MalformedResponseError when it cannot. */
  readonly parse: (completion: ChatCompletion) => T;
}

function syntheticFault(kind: LlmFaultKind): Error {
  switch (kind) {
    case "rate_limit":
      return new LlmApiError(429, "Rate limit reached (injected)");
    case "server_error":
      return new LlmApiError(500, "Internal server error (injected)");
    case "timeout":
      return new LlmTimeoutError("no answer before the deadline (injected)");
    case "malformed_response":
      return new MalformedResponseError("unusable answer (injected)");
  }
}

export class LlmClient {
  constructor(
    readonly provider: LlmProvider,
    private readonly options: LlmClientOptions,
  ) {}

  async chat<T>(call: ChatCall<T>): Promise<{ completion: ChatCompletion; value: T }> {
    const maxTokens = call.maxTokens ?? this.options.maxOutputTokens;
    const temperature = call.temperature ?? 0;
    try {
      const result = await traceLlmCall(
        {
          provider: this.provider.name,
          model: call.model,
          operation: "chat",
          maxTokens,
          temperature,
          stream: call.stream === true,
          input: call.messages,
        },
        async (ctl) => {
          // Real providers cannot be made to fail on demand: an injected fault is raised here instead.
          if (call.fault !== undefined && this.provider.name !== "simulated")
            throw syntheticFault(call.fault);
          const signal = AbortSignal.timeout(this.options.timeoutMs);
          let first = true;
          const onChunk = (): void => {
            if (!first) return;
            first = false;
            ctl.firstChunk();
          };
          let completion: ChatCompletion;
          try {
            completion = await this.provider.chat({
              model: call.model,
              messages: call.messages,
              maxTokens,
              temperature,
              signal,
              ...(call.fault !== undefined ? { fault: call.fault } : {}),
              ...(call.stream === true ? { onChunk } : {}),
            });
          } catch (err) {
            if (signal.aborted) throw abortReason(signal, this.options.timeoutMs);
            throw err;
          }
          ctl.setUsage({
            inputTokens: completion.inputTokens,
            outputTokens: completion.outputTokens,
            responseModel: completion.responseModel,
            responseId: completion.responseId,
            finishReasons: [completion.finishReason],
          });
          ctl.setOutput(completion.content);
          return { completion, value: call.parse(completion) };
        },
      );
      return result;
    } catch (err) {
      const inputTokens = promptTokens(this.provider.name, call.messages);
      throw new LlmCallError(classifyLlmError(err), err, {
        provider: this.provider.name,
        model: call.model,
        ...(inputTokens !== undefined ? { inputTokens } : {}),
      });
    }
  }
}
