/**
 * The offline simulated model: the default provider, so that the demo and the tests need no network.
 *
 * - Deterministic for a seed: the n-th call with the same model and messages gives the same answer, the same
 *   latency and the same failure decision (each call draws from a generator seeded by seed, call number,
 *   model and prompt).
 * - Token counts come from a real BPE tokenizer (o200k_base) over the actual prompt and answer.
 * - Latency is time to first token (log-normal) plus a per-token generation time, per model size. Asked to
 *   stream, it sends OpenAI-shaped chunks, one token each, the first after the time to first token and the
 *   rest a (jittered) token generation time apart.
 * - Failures: 429 rate limit, timeout (no answer until the client's deadline), 5xx, and a malformed response
 *   (a truncated JSON body, or a stream cut off half way), each at a configured rate or forced for one call.
 * - It "understands" two tasks: intent classification (it reads the labels and their keywords from the
 *   system prompt and scores the user message against them) and answer generation (it words the context it
 *   was given).
 */
import type { SimulatedModelConfig } from "../config";
import { hash32, Rng } from "../random";
import { ChunkAssembler, type CompletionChunk } from "./chunks";
import { LlmApiError, sleep } from "./faults";
import { countChatTokens, countTokens, tokenizer, truncateToTokens } from "./tokenizer";
import type { ChatCompletion, ChatMessage, ChatRequest, LlmFaultKind, LlmProvider } from "./types";

interface ModelProfile {
  readonly ttftMedianMs: number;
  readonly ttftSigma: number;
  readonly perTokenMs: number;
  readonly answerTokensMedian: number;
}

const PROFILES: Record<string, ModelProfile> = {
  small: { ttftMedianMs: 180, ttftSigma: 0.45, perTokenMs: 4, answerTokensMedian: 40 },
  large: { ttftMedianMs: 450, ttftSigma: 0.55, perTokenMs: 12, answerTokensMedian: 70 },
};

function profileOf(model: string): ModelProfile {
  return (/small|mini|haiku/.test(model) ? PROFILES.small : PROFILES.large) as ModelProfile;
}

/** The wire body an OpenAI-compatible server would send; parsed back like a client would. */
interface WireBody {
  id: string;
  model: string;
  choices: { index: number; message: { role: "assistant"; content: string }; finish_reason: string }[];
  usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
}

/** Waits `ms` (nothing at all at 0: an instant model streams its chunks back to back). */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  if (ms > 0) return sleep(ms, signal);
  return signal.aborted ? Promise.reject(signal.reason) : Promise.resolve();
}

/**
 * The text cut at its token boundaries, one piece per token; a token that ends inside a multi-byte character
 * is held back and sent with the next one, so that every piece is whole text and the pieces join to `text`.
 */
export function tokenPieces(text: string): string[] {
  const enc = tokenizer();
  const ids = enc.encode(text);
  const pieces: string[] = [];
  let sent = 0;
  for (let i = 1; i <= ids.length; i++) {
    const prefix = enc.decode(ids.slice(0, i));
    if (i < ids.length && prefix.endsWith("\uFFFD")) continue;
    pieces.push(prefix.slice(sent));
    sent = prefix.length;
  }
  return pieces;
}

const LABEL_LINE = /^- ([a-z_]+): (.+)$/;

function lastUserMessage(messages: readonly ChatMessage[]): string {
  for (let i = messages.length - 1; i >= 0; i--)
    if (messages[i]?.role === "user") return messages[i]?.content ?? "";
  return "";
}

/** Scores the user message against `- label: keyword, keyword` lines of the system prompt. */
export function classifyByKeywords(system: string, user: string): { label: string; score: number } {
  const text = ` ${user.toLowerCase().replace(/[^a-z0-9' ]+/g, " ")} `;
  let best = { label: "unknown", score: 0 };
  for (const line of system.split("\n")) {
    const m = LABEL_LINE.exec(line.trim());
    if (!m?.[1] || !m[2]) continue;
    let score = 0;
    for (const kw of m[2].split(",")) {
      const k = kw.trim().toLowerCase();
      if (k !== "" && text.includes(` ${k} `)) score += k.split(" ").length;
    }
    if (score > best.score) best = { label: m[1], score };
  }
  return best;
}

const FILLER = [
  "Let me know if you need anything else.",
  "I checked the latest records for you.",
  "This reflects the data available right now.",
  "Figures are shown in the account's currency.",
  "You can ask me for more detail at any time.",
  "The information comes from your organization's records.",
];

function describeContext(context: unknown, depth = 0): string[] {
  if (context === null || context === undefined || depth > 2) return [];
  if (Array.isArray(context)) {
    const items = context.slice(0, 5).flatMap((c) => describeContext(c, depth + 1));
    return context.length > 5 ? [...items, `and ${context.length - 5} more`] : items;
  }
  if (typeof context === "object") {
    const parts: string[] = [];
    for (const [k, v] of Object.entries(context as Record<string, unknown>)) {
      if (v !== null && typeof v === "object") parts.push(...describeContext(v, depth + 1));
      else if (v !== undefined) parts.push(`${k.replace(/_/g, " ")} ${String(v)}`);
    }
    return parts.length > 0 ? [parts.join(", ")] : [];
  }
  return [String(context)];
}

export class SimulatedModel implements LlmProvider {
  readonly name = "simulated";
  private calls = 0;

  constructor(private readonly config: SimulatedModelConfig) {}

  /**
   * In the process, so reachable whenever the process runs: the probe exercises the one thing the model needs
   * (its tokenizer, whose ranks are loaded at warm-up) and costs microseconds. Whether its calls succeed is
   * judged, as for any provider, from the outcome of the real calls.
   */
  async probe(): Promise<void> {
    if (countTokens("ping") !== 1) throw new Error("the simulated model's tokenizer is not working");
  }

  /** The fault this call suffers: the forced one, else a draw against the configured rates. */
  private drawFault(rng: Rng, forced: LlmFaultKind | undefined): LlmFaultKind | undefined {
    const roll = rng.next();
    if (forced !== undefined) return forced;
    const c = this.config;
    let edge = c.rateLimitRate;
    if (roll < edge) return "rate_limit";
    edge += c.timeoutRate;
    if (roll < edge) return "timeout";
    edge += c.serverErrorRate;
    if (roll < edge) return "server_error";
    edge += c.malformedRate;
    if (roll < edge) return "malformed_response";
    return undefined;
  }

  private answer(rng: Rng, request: ChatRequest, profile: ModelProfile): string {
    const system = request.messages.find((m) => m.role === "system")?.content ?? "";
    const user = lastUserMessage(request.messages);
    if (/^Labels:/m.test(system)) {
      const { label, score } = classifyByKeywords(system, user);
      const confidence = label === "unknown" ? 0.3 : Math.min(0.99, 0.6 + 0.1 * score + rng.next() * 0.05);
      return JSON.stringify({ intent: label, confidence: Number(confidence.toFixed(2)) });
    }
    const at = user.indexOf("\nContext:\n");
    let context: unknown;
    if (at >= 0) {
      try {
        context = JSON.parse(user.slice(at + "\nContext:\n".length));
      } catch {
        context = undefined;
      }
    }
    const facts = describeContext(context);
    const sentences = [
      facts.length > 0 ? `Here is what I found: ${facts.join("; ")}.` : "I could not find matching records.",
    ];
    const target = Math.max(8, Math.round(rng.logNormal(profile.answerTokensMedian, 0.35)));
    let text = sentences.join(" ");
    while (countTokens(text) < target) text += ` ${rng.pick(FILLER)}`;
    return text;
  }

  async chat(request: ChatRequest): Promise<ChatCompletion> {
    const n = this.calls++;
    const user = lastUserMessage(request.messages);
    const rng = new Rng(hash32(this.config.seed, n, request.model, user));
    const profile = profileOf(request.model);
    const fault = this.drawFault(rng, request.fault);
    const scale = this.config.latencyScale;
    const ttftMs = rng.logNormal(profile.ttftMedianMs, profile.ttftSigma) * scale;

    if (fault === "rate_limit") {
      await sleep(Math.min(ttftMs, 80 * scale), request.signal);
      throw new LlmApiError(429, "Rate limit reached for requests (simulated)");
    }
    if (fault === "server_error") {
      await sleep(ttftMs, request.signal);
      const status = rng.next() < 0.5 ? 500 : 503;
      throw new LlmApiError(
        status,
        status === 500 ? "Internal server error (simulated)" : "Service overloaded (simulated)",
      );
    }
    if (fault === "timeout") {
      // Never answers: the client's deadline (the request's signal) ends the call.
      await new Promise<never>((_, reject) => {
        if (request.signal.aborted) reject(request.signal.reason);
        request.signal.addEventListener("abort", () => reject(request.signal.reason), { once: true });
      });
    }

    const full = this.answer(rng, request, profile);
    const { text, truncated } = truncateToTokens(full, request.maxTokens);
    const inputTokens = countChatTokens(request.messages);
    const outputTokens = countTokens(text);
    const id = `simcmpl-${hash32(this.config.seed, n, "id").toString(16).padStart(8, "0")}`;
    const model = `${request.model}-2026-11-01`;
    const finishReason = truncated ? "length" : "stop";
    const usage = {
      prompt_tokens: inputTokens,
      completion_tokens: outputTokens,
      total_tokens: inputTokens + outputTokens,
    };

    if (request.onChunk !== undefined) {
      const pieces = tokenPieces(text);
      const chunks: CompletionChunk[] = [
        ...pieces.map((content) => ({ id, model, choices: [{ delta: { content }, finish_reason: null }] })),
        { id, model, choices: [{ delta: {}, finish_reason: finishReason }] },
        { id, model, choices: [], usage },
      ];
      // A malformed response: the stream is cut off half way (no finish reason, no usage), as by a proxy or
      // a dropped connection.
      const sent = fault === "malformed_response" ? chunks.slice(0, Math.floor(pieces.length / 2)) : chunks;
      const assembler = new ChunkAssembler(request.onChunk);
      await sleep(ttftMs, request.signal);
      for (const [i, chunk] of sent.entries()) {
        // One token per chunk, each its generation time after the one before (jittered, like a real server).
        if (i > 0 && i < pieces.length) {
          await pause(rng.logNormal(profile.perTokenMs, 0.3) * scale, request.signal);
        }
        assembler.add(chunk);
      }
      return assembler.finish();
    }

    await sleep(ttftMs + outputTokens * profile.perTokenMs * scale, request.signal);
    const wire: WireBody = {
      id,
      model,
      choices: [{ index: 0, message: { role: "assistant", content: text }, finish_reason: finishReason }],
      usage,
    };
    let body = JSON.stringify(wire);
    // A malformed response: the body is cut short, as by a proxy or a dropped connection.
    if (fault === "malformed_response") body = body.slice(0, Math.floor(body.length / 2));
    const parsed = JSON.parse(body) as WireBody;
    const choice = parsed.choices[0];
    if (!choice) throw new LlmApiError(500, "no choices in the response");
    return {
      content: choice.message.content,
      inputTokens: parsed.usage.prompt_tokens,
      outputTokens: parsed.usage.completion_tokens,
      responseModel: parsed.model,
      responseId: parsed.id,
      finishReason: choice.finish_reason,
    };
  }
}
