/**
 * Wrappers that give an agent pipeline the seed's span tree:
 *   HTTP request > intent_classification > chat {model}
 *                > agent_routing > invoke_agent {type} > execute_tool {name}, db and HTTP client spans
 *                > response_generation > chat {model}
 * Agent runs also record agent.execution.duration and agent.executions.active. Errors are recorded on the
 * span that failed and rethrown unchanged.
 */
import { type Attributes, type Span, SpanKind, trace } from "@opentelemetry/api";
import { ATTR_AGENT_TYPE } from "../catalogue/instruments";
import * as sc from "../semconv";
import { LIBRARY_NAME, LIBRARY_VERSION } from "../version";
import { errorTypeOf, recordError } from "./errors";
import { instruments } from "./instruments";

async function inSpan<T>(
  name: string,
  kind: SpanKind,
  attributes: Attributes,
  fn: (span: Span) => Promise<T>,
  after?: (errorType: string | undefined) => void,
): Promise<T> {
  const tracer = trace.getTracer(LIBRARY_NAME, LIBRARY_VERSION);
  return tracer.startActiveSpan(name, { kind, attributes }, async (span) => {
    let errorType: string | undefined;
    try {
      return await fn(span);
    } catch (err) {
      errorType = errorTypeOf(err);
      recordError(span, err, errorType);
      throw err;
    } finally {
      try {
        after?.(errorType);
      } catch {
        // Telemetry never breaks the caller.
      }
      span.end();
    }
  });
}

/** A pipeline stage (intent_classification, agent_routing, response_generation, ...): an INTERNAL span. */
export function traceStage<T>(
  name: string,
  fn: (span: Span) => Promise<T>,
  attributes: Attributes = {},
): Promise<T> {
  return inSpan(name, SpanKind.INTERNAL, { "procode.stage": name, ...attributes }, fn);
}

export interface AgentRun {
  readonly type: string;
  readonly intent?: string;
  readonly userId?: string;
}

/** An agent execution: span `invoke_agent {type}` and the agent metrics. */
export function traceAgentRun<T>(agent: AgentRun, fn: (span: Span) => Promise<T>): Promise<T> {
  const attrs: Attributes = {
    [sc.ATTR_GEN_AI_OPERATION_NAME]: sc.GEN_AI_OPERATION_INVOKE_AGENT,
    [sc.ATTR_GEN_AI_AGENT_NAME]: agent.type,
    [ATTR_AGENT_TYPE]: agent.type,
  };
  if (agent.intent !== undefined) attrs["agent.intent"] = agent.intent;
  if (agent.userId !== undefined) attrs["user.id"] = agent.userId;
  const metricAttrs = { [ATTR_AGENT_TYPE]: agent.type };
  let inst: ReturnType<typeof instruments> | undefined;
  try {
    inst = instruments();
    inst.agentActive.add(1, metricAttrs);
  } catch {
    inst = undefined;
  }
  const start = performance.now();
  return inSpan(
    `${sc.GEN_AI_OPERATION_INVOKE_AGENT} ${agent.type}`,
    SpanKind.INTERNAL,
    attrs,
    fn,
    (errorType) => {
      if (!inst) return;
      inst.agentActive.add(-1, metricAttrs);
      inst.agentDuration.record(
        (performance.now() - start) / 1000,
        errorType === undefined ? metricAttrs : { ...metricAttrs, [sc.ATTR_ERROR_TYPE]: errorType },
      );
    },
  );
}

export interface ToolCall {
  readonly name: string;
  readonly type?: "function" | "extension" | "datastore";
  readonly callId?: string;
}

/** A tool an agent runs: span `execute_tool {name}`. */
export function traceTool<T>(tool: ToolCall, fn: (span: Span) => Promise<T>): Promise<T> {
  const attrs: Attributes = {
    [sc.ATTR_GEN_AI_OPERATION_NAME]: sc.GEN_AI_OPERATION_EXECUTE_TOOL,
    [sc.ATTR_GEN_AI_TOOL_NAME]: tool.name,
  };
  if (tool.type !== undefined) attrs[sc.ATTR_GEN_AI_TOOL_TYPE] = tool.type;
  if (tool.callId !== undefined) attrs[sc.ATTR_GEN_AI_TOOL_CALL_ID] = tool.callId;
  return inSpan(`${sc.GEN_AI_OPERATION_EXECUTE_TOOL} ${tool.name}`, SpanKind.INTERNAL, attrs, fn);
}
