/**
 * The service's LLM client: one provider behind the telemetry library's traceLlmCall (GenAI span `chat
 * {model}`, duration, tokens, cost, errors by type), a deadline per call, the answer parsed inside the
 * traced call (so an unusable answer is a malformed_response on the LLM span), and the outcome recorded for
 * the health check. Failures leave as LlmCallError, whose errorType is the library's classification.
 */
import { classifyLlmError, traceLlmCall } from "@procode/observability";
import { abortReason, LlmApiError, LlmTimeoutError, MalformedResponseError } from "./faults";
import { CallOutcomes } from "./outcomes";
import type { ChatCompletion, ChatMessage, LlmFaultKind, LlmProvider } from "./types";

export class LlmCallError extends Error {
  override name = "LlmCallError";
  constructor(
    /** rate_limit, timeout, server_error, malformed_response, client_error, ... */
    readonly errorType: string,
    cause: unknown,
  ) {
    super(`LLM call failed (${errorType})`, { cause });
  }
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
  readonly outcomes = new CallOutcomes();

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
          input: call.messages,
        },
        async (ctl) => {
          // Real providers cannot be made to fail on demand: an injected fault is raised here instead.
          if (call.fault !== undefined && this.provider.name !== "simulated")
            throw syntheticFault(call.fault);
          const signal = AbortSignal.timeout(this.options.timeoutMs);
          let completion: ChatCompletion;
          try {
            completion = await this.provider.chat({
              model: call.model,
              messages: call.messages,
              maxTokens,
              temperature,
              signal,
              ...(call.fault !== undefined ? { fault: call.fault } : {}),
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
      this.outcomes.record(true);
      return result;
    } catch (err) {
      const type = classifyLlmError(err);
      this.outcomes.record(false, type);
      throw new LlmCallError(type, err);
    }
  }
}
