/**
 * The LLM-call wrapper: one GenAI client span (`chat {model}`) per call with the GenAI semantic-convention
 * attributes, and the metrics gen_ai.client.operation.duration, gen_ai.client.token.usage,
 * gen_ai.client.operation.time_to_first_chunk, llm.cost.usd and llm.errors. The wrapped function's result
 * and errors pass through unchanged; telemetry is measured in `finally` and never throws into the caller.
 */
import { type Attributes, type Span, SpanKind, trace } from "@opentelemetry/api";
import { costUsd } from "../pricing/cost";
import * as sc from "../semconv";
import { LIBRARY_NAME, LIBRARY_VERSION } from "../version";
import { recordError } from "./errors";
import { instruments } from "./instruments";
import { captureContentEnabled } from "./settings";

export interface LlmCall {
  readonly provider: string;
  readonly model: string;
  readonly operation?: "chat" | "text_completion" | "embeddings";
  readonly maxTokens?: number;
  readonly temperature?: number;
  readonly stream?: boolean;
  /** Prompt messages; recorded on the span only when content capture is on. */
  readonly input?: unknown;
}

export interface LlmUsage {
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly responseModel?: string;
  readonly responseId?: string;
  readonly finishReasons?: readonly string[];
}

export interface LlmCallControl {
  readonly span: Span;
  setUsage(usage: LlmUsage): void;
  /** Marks the arrival of the first streamed chunk (time to first chunk). */
  firstChunk(): void;
  /** Completion content; recorded only when content capture is on. */
  setOutput(output: unknown): void;
}

/** Error categories of LLM calls (`error.type` on spans and llm.errors). */
export type LlmErrorType =
  | "rate_limit"
  | "timeout"
  | "server_error"
  | "malformed_response"
  | "client_error"
  | string;

export function classifyLlmError(err: unknown): LlmErrorType {
  if (err !== null && typeof err === "object") {
    const e = err as { errorType?: unknown; status?: unknown; name?: unknown; code?: unknown };
    if (typeof e.errorType === "string" && e.errorType !== "") return e.errorType;
    const status = typeof e.status === "number" ? e.status : undefined;
    if (status === 429) return "rate_limit";
    if (status === 408) return "timeout";
    if (status !== undefined && status >= 500) return "server_error";
    const name = typeof e.name === "string" ? e.name : "";
    if (name === "AbortError" || name === "TimeoutError" || /Timeout/.test(name) || e.code === "ETIMEDOUT")
      return "timeout";
    if (err instanceof SyntaxError) return "malformed_response";
    if (status !== undefined && status >= 400) return "client_error";
    if (name !== "" && name !== "Error") return name;
  }
  return "_OTHER";
}

/** Something that wants the outcome of every real LLM call (the health check's RecentOutcomes). */
export type LlmOutcomeListener = (ok: boolean, errorType: string | undefined, call: LlmCall) => void;

const OUTCOME_KEY = Symbol.for("procode.observability.llm-outcomes");
type G = typeof globalThis & { [OUTCOME_KEY]?: Set<LlmOutcomeListener> };

function outcomeListeners(): Set<LlmOutcomeListener> {
  const g = globalThis as G;
  g[OUTCOME_KEY] ??= new Set();
  return g[OUTCOME_KEY];
}

/**
 * Subscribes to the outcome of every traced LLM call, e.g.
 * `onLlmOutcome((ok, type) => outcomes.record(ok, type))` to feed the LLM health check with real calls
 * instead of paid probes. Returns an unsubscribe function.
 */
export function onLlmOutcome(listener: LlmOutcomeListener): () => void {
  outcomeListeners().add(listener);
  return () => outcomeListeners().delete(listener);
}

function contentJson(v: unknown): string {
  try {
    return typeof v === "string" ? v : JSON.stringify(v);
  } catch {
    return String(v);
  }
}

export async function traceLlmCall<T>(call: LlmCall, fn: (ctl: LlmCallControl) => Promise<T>): Promise<T> {
  const operation = call.operation ?? sc.GEN_AI_OPERATION_CHAT;
  const metricAttrs: Attributes = {
    [sc.ATTR_GEN_AI_OPERATION_NAME]: operation,
    [sc.ATTR_GEN_AI_PROVIDER_NAME]: call.provider,
    [sc.ATTR_GEN_AI_REQUEST_MODEL]: call.model,
  };
  // llm.cost.usd and llm.errors are per provider and model only (their allow-lists).
  const modelAttrs: Attributes = {
    [sc.ATTR_GEN_AI_PROVIDER_NAME]: call.provider,
    [sc.ATTR_GEN_AI_REQUEST_MODEL]: call.model,
  };
  const spanAttrs: Attributes = { ...metricAttrs };
  if (call.maxTokens !== undefined) spanAttrs[sc.ATTR_GEN_AI_REQUEST_MAX_TOKENS] = call.maxTokens;
  if (call.temperature !== undefined) spanAttrs[sc.ATTR_GEN_AI_REQUEST_TEMPERATURE] = call.temperature;
  if (call.stream !== undefined) spanAttrs[sc.ATTR_GEN_AI_REQUEST_STREAM] = call.stream;
  const capture = captureContentEnabled();
  if (capture && call.input !== undefined) spanAttrs[sc.ATTR_GEN_AI_INPUT_MESSAGES] = contentJson(call.input);

  const tracer = trace.getTracer(LIBRARY_NAME, LIBRARY_VERSION);
  return tracer.startActiveSpan(
    `${operation} ${call.model}`,
    { kind: SpanKind.CLIENT, attributes: spanAttrs },
    async (span) => {
      const start = performance.now();
      let usage: LlmUsage | undefined;
      let firstChunkAt: number | undefined;
      let errorType: string | undefined;
      const ctl: LlmCallControl = {
        span,
        setUsage(u) {
          usage = u;
        },
        firstChunk() {
          firstChunkAt ??= performance.now();
        },
        setOutput(output) {
          if (capture) span.setAttribute(sc.ATTR_GEN_AI_OUTPUT_MESSAGES, contentJson(output));
        },
      };
      try {
        return await fn(ctl);
      } catch (err) {
        errorType = classifyLlmError(err);
        recordError(span, err, errorType);
        throw err;
      } finally {
        try {
          const seconds = (performance.now() - start) / 1000;
          const inst = instruments();
          const attrs =
            errorType === undefined ? metricAttrs : { ...metricAttrs, [sc.ATTR_ERROR_TYPE]: errorType };
          inst.llmDuration.record(seconds, attrs);
          if (firstChunkAt !== undefined) {
            const ttfc = (firstChunkAt - start) / 1000;
            inst.llmTimeToFirstChunk.record(ttfc, metricAttrs);
            span.setAttribute(sc.ATTR_GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK, ttfc);
          }
          if (errorType !== undefined)
            inst.llmErrors.add(1, { ...modelAttrs, [sc.ATTR_ERROR_TYPE]: errorType });
          if (usage) {
            const input = Math.max(0, Math.round(usage.inputTokens));
            const output = Math.max(0, Math.round(usage.outputTokens));
            span.setAttribute(sc.ATTR_GEN_AI_USAGE_INPUT_TOKENS, input);
            span.setAttribute(sc.ATTR_GEN_AI_USAGE_OUTPUT_TOKENS, output);
            if (usage.responseModel) span.setAttribute(sc.ATTR_GEN_AI_RESPONSE_MODEL, usage.responseModel);
            if (usage.responseId) span.setAttribute(sc.ATTR_GEN_AI_RESPONSE_ID, usage.responseId);
            if (usage.finishReasons)
              span.setAttribute(sc.ATTR_GEN_AI_RESPONSE_FINISH_REASONS, [...usage.finishReasons]);
            inst.llmTokens.record(input, {
              ...metricAttrs,
              [sc.ATTR_GEN_AI_TOKEN_TYPE]: sc.GEN_AI_TOKEN_TYPE_INPUT,
            });
            inst.llmTokens.record(output, {
              ...metricAttrs,
              [sc.ATTR_GEN_AI_TOKEN_TYPE]: sc.GEN_AI_TOKEN_TYPE_OUTPUT,
            });
            const cost = costUsd(call.provider, call.model, input, output);
            span.setAttribute("llm.cost.usd", cost);
            if (cost > 0) inst.llmCost.add(cost, modelAttrs);
          }
          for (const listener of outcomeListeners()) listener(errorType === undefined, errorType, call);
        } catch {
          // Telemetry never breaks the call.
        }
        span.end();
      }
    },
  );
}
