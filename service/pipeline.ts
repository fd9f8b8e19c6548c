/**
 * The chat pipeline, in the seed's trace structure:
 *
 *   POST /api/chat (server span, from the middleware)
 *   ├─ intent_classification ─ chat {classifier model}
 *   ├─ agent_routing ─ invoke_agent {type} ─ database query, execute_tool {remote agent} ─ HTTP client call
 *   └─ response_generation ─ chat {response model}      (streamed: its time to first chunk is measured)
 *
 * A failing LLM call or agent run is reported for Sentry where it happened (error-reports.ts), with the
 * request's context, and then propagates unchanged.
 */
import { traceAgentRun, traceStage } from "@procode/observability";
import type { Agent, AgentResult } from "./agents/types";
import { type RequestErrorContext, reportAgentFailure, reportLlmFailure } from "./error-reports";
import { ApiError } from "./errors";
import type { Faults } from "./faults";
import { type AgentType, agentFor, classifierPrompt, INTENT_NAMES, type Intent, isIntent } from "./intents";
import { type ChatCall, LlmCallError, type LlmClient } from "./llm/client";
import { MalformedResponseError } from "./llm/faults";
import type { ChatCompletion } from "./llm/types";

export interface ChatInput {
  readonly requestId: string;
  readonly organizationId: string;
  readonly userId: string;
  readonly message: string;
  /** Given by the client: classification is skipped. */
  readonly intent: Intent | undefined;
  readonly faults: Faults;
  /** Who asked and the request, for error reports (never the API key itself); built only on failure. */
  readonly errorContext: () => RequestErrorContext;
}

export interface ChatOutput {
  readonly intent: Intent;
  readonly confidence: number;
  readonly agent: AgentType;
  readonly answer: string;
  readonly degraded: readonly string[];
  readonly model: string;
  readonly usage: { readonly input_tokens: number; readonly output_tokens: number };
}

export interface PipelineModels {
  readonly classifier: string;
  readonly response: string;
}

const ANSWER_SYSTEM_PROMPT =
  "You are the ProCode assistant. Answer the user's message in a few sentences, using only the context given. " +
  "Never invent numbers.";

export function parseClassification(c: ChatCompletion): { intent: Intent | "unknown"; confidence: number } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(c.content.trim());
  } catch {
    throw new MalformedResponseError("the classifier did not answer with JSON");
  }
  const { intent, confidence } = (parsed ?? {}) as { intent?: unknown; confidence?: unknown };
  if (intent !== "unknown" && !isIntent(intent)) {
    throw new MalformedResponseError("the classifier answered with a label it was not given");
  }
  const conf = typeof confidence === "number" && confidence >= 0 && confidence <= 1 ? confidence : 0;
  return { intent, confidence: conf };
}

export function parseAnswer(c: ChatCompletion): string {
  const text = c.content.trim();
  if (text === "") throw new MalformedResponseError("empty answer");
  return text;
}

export class ChatPipeline {
  constructor(
    private readonly llm: LlmClient,
    private readonly models: PipelineModels,
    private readonly agents: Readonly<Record<AgentType, Agent>>,
  ) {}

  /** An LLM call whose failure is reported with the request's context before it propagates. */
  private async chat<T>(
    input: ChatInput,
    call: ChatCall<T>,
  ): Promise<{ completion: ChatCompletion; value: T }> {
    try {
      return await this.llm.chat(call);
    } catch (err) {
      if (err instanceof LlmCallError) reportLlmFailure(err, input.errorContext());
      throw err;
    }
  }

  async run(input: ChatInput): Promise<ChatOutput> {
    let inputTokens = 0;
    let outputTokens = 0;
    const llmFault = (stage: "classification" | "generation") =>
      input.faults.llm?.stage === stage ? { fault: input.faults.llm.kind } : {};

    const classified = await traceStage("intent_classification", async (span) => {
      if (input.intent !== undefined) {
        span.setAttribute("agent.intent", input.intent);
        span.setAttribute("procode.intent.source", "client");
        return { intent: input.intent as Intent | "unknown", confidence: 1 };
      }
      const { completion, value } = await this.chat(input, {
        model: this.models.classifier,
        messages: [
          { role: "system", content: classifierPrompt() },
          { role: "user", content: input.message },
        ],
        maxTokens: 50,
        temperature: 0,
        ...llmFault("classification"),
        parse: parseClassification,
      });
      inputTokens += completion.inputTokens;
      outputTokens += completion.outputTokens;
      span.setAttribute("agent.intent", value.intent);
      span.setAttribute("procode.intent.source", "llm");
      return value;
    });
    if (classified.intent === "unknown") {
      throw new ApiError(422, "unknown_intent", "The message does not match any supported intent.", {
        details: [
          { field: "message", problem: `rephrase it; supported intents: ${INTENT_NAMES.join(", ")}` },
        ],
      });
    }
    const intent = classified.intent;

    const result: AgentResult = await traceStage("agent_routing", async (span) => {
      const type = agentFor(intent);
      span.setAttribute("agent.type", type);
      span.setAttribute("agent.intent", intent);
      return traceAgentRun({ type, intent, userId: input.userId }, async (agentSpan) => {
        try {
          const out = await this.agents[type].run({
            requestId: input.requestId,
            organizationId: input.organizationId,
            userId: input.userId,
            intent,
            message: input.message,
            dbFault: input.faults.db,
          });
          if (out.degraded.length > 0)
            agentSpan.addEvent("degraded", { "procode.remote_agents": [...out.degraded] });
          return out;
        } catch (err) {
          reportAgentFailure(err, input.errorContext(), { type });
          throw err;
        }
      });
    });

    const answer = await traceStage("response_generation", async () => {
      const { completion, value } = await this.chat(input, {
        model: this.models.response,
        messages: [
          { role: "system", content: ANSWER_SYSTEM_PROMPT },
          { role: "user", content: `${input.message}\nContext:\n${JSON.stringify(result.data)}` },
        ],
        temperature: 0.3,
        stream: true,
        ...llmFault("generation"),
        parse: parseAnswer,
      });
      inputTokens += completion.inputTokens;
      outputTokens += completion.outputTokens;
      return value;
    });

    return {
      intent,
      confidence: classified.confidence,
      agent: result.agent,
      answer,
      degraded: result.degraded,
      model: this.models.response,
      usage: { input_tokens: inputTokens, output_tokens: outputTokens },
    };
  }
}
