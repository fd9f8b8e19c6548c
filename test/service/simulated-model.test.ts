/**
 * The simulated model: deterministic for a seed, token counts from the real tokenizer, its failure modes, and
 * the LLM client's classification of what comes back.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { onLlmOutcome, RecentOutcomes } from "@procode/observability";
import type { SimulatedModelConfig } from "../../service/config";
import { classifierPrompt } from "../../service/intents";
import { LlmCallError, LlmClient } from "../../service/llm/client";
import { LlmApiError, MalformedResponseError } from "../../service/llm/faults";
import { SimulatedModel, tokenPieces } from "../../service/llm/simulated";
import { countChatTokens, countTokens, encode } from "../../service/llm/tokenizer";
import type { ChatMessage, ChatRequest, LlmFaultKind } from "../../service/llm/types";
import { parseAnswer, parseClassification } from "../../service/pipeline";
import { startTestSdk } from "../support/in-memory-sdk";

const BASE: SimulatedModelConfig = {
  seed: 42,
  latencyScale: 0,
  rateLimitRate: 0,
  timeoutRate: 0,
  serverErrorRate: 0,
  malformedRate: 0,
};

const classify = (message: string): ChatMessage[] => [
  { role: "system", content: classifierPrompt() },
  { role: "user", content: message },
];
const generate = (message: string): ChatMessage[] => [
  { role: "system", content: "You are the ProCode assistant." },
  {
    role: "user",
    content: `${message}\nContext:\n${JSON.stringify({ balance: { settled_cents: 1234, currency: "USD" } })}`,
  },
];

function request(messages: ChatMessage[], extra: Partial<ChatRequest> = {}): ChatRequest {
  return {
    model: "sim-large",
    messages,
    maxTokens: 512,
    temperature: 0,
    signal: AbortSignal.timeout(10_000),
    ...extra,
  };
}

describe("tokenizer (o200k_base from js-tiktoken)", () => {
  it("gives the published token ids and counts", () => {
    // tiktoken's documented examples for o200k_base.
    assert.deepEqual(encode("hello world"), [24912, 2375]);
    assert.equal(countTokens("tiktoken is great!"), 6);
    assert.equal(countTokens(""), 0);
  });

  it("counts chat prompts the way OpenAI's chat models do (3 per message + role + content, 3 to prime)", () => {
    const messages: ChatMessage[] = [
      { role: "system", content: "hello world" },
      { role: "user", content: "tiktoken is great!" },
    ];
    assert.equal(countChatTokens(messages), 3 + (3 + 1 + 2) + (3 + 1 + 6));
  });
});

describe("SimulatedModel", () => {
  it("is deterministic for a seed: the same calls give the same answers, ids and usage", async () => {
    const run = async (seed: number) => {
      const model = new SimulatedModel({ ...BASE, seed });
      const out = [];
      for (const m of ["Show my recent payments", "How do I rotate API keys?", "Where is my refund?"]) {
        out.push(await model.chat(request(classify(m), { model: "sim-small" })));
        out.push(await model.chat(request(generate(m))));
      }
      return out;
    };
    const a = await run(7);
    assert.deepEqual(await run(7), a);
    const b = await run(8);
    assert.notDeepEqual(
      b.map((c) => c.content),
      a.map((c) => c.content),
    );
  });

  it("reports usage from the real tokenizer over the real prompt and answer", async () => {
    const model = new SimulatedModel(BASE);
    const messages = generate("What is my balance?");
    const c = await model.chat(request(messages));
    assert.equal(c.inputTokens, countChatTokens(messages));
    assert.equal(c.outputTokens, countTokens(c.content));
    assert.ok(c.outputTokens > 0);
    assert.match(c.content, /settled cents 1234/);
    assert.equal(c.finishReason, "stop");
  });

  it("cuts the answer at max_tokens and says so", async () => {
    const c = await new SimulatedModel(BASE).chat(request(generate("What is my balance?"), { maxTokens: 5 }));
    assert.equal(c.outputTokens, 5);
    assert.equal(c.finishReason, "length");
  });

  it("classifies by the labels in the prompt", async () => {
    const model = new SimulatedModel(BASE);
    const expect: Record<string, string> = {
      "What is my account balance?": "check_balance",
      "Show my recent payments": "list_payments",
      "Where is my refund?": "refund_status",
      "The export is broken and not working": "open_ticket",
      "What is the status of my ticket?": "ticket_status",
      "How do I rotate API keys?": "search_docs",
      "Tell me a joke about cats": "unknown",
    };
    for (const [message, intent] of Object.entries(expect)) {
      const c = await model.chat(request(classify(message), { model: "sim-small" }));
      assert.equal(parseClassification(c).intent, intent, message);
    }
  });

  it("fails the way providers fail: 429, 5xx, timeout at the client's deadline, malformed body", async () => {
    const model = new SimulatedModel(BASE);
    const attempt = (fault: LlmFaultKind, signal = AbortSignal.timeout(10_000)) =>
      model.chat(request(generate("hi"), { fault, signal }));
    await assert.rejects(attempt("rate_limit"), (e: unknown) => e instanceof LlmApiError && e.status === 429);
    await assert.rejects(
      attempt("server_error"),
      (e: unknown) => e instanceof LlmApiError && e.status >= 500,
    );
    await assert.rejects(
      attempt("timeout", AbortSignal.timeout(50)),
      (e: unknown) => (e as Error).name === "TimeoutError",
    );
    await assert.rejects(attempt("malformed_response"), SyntaxError);
  });

  it("streams the same answer one token per chunk, with usage and finish reason at the end", async () => {
    const req = request(generate("What is my balance?"));
    const whole = await new SimulatedModel(BASE).chat(req);
    const chunks: string[] = [];
    const streamed = await new SimulatedModel(BASE).chat({ ...req, onChunk: (text) => chunks.push(text) });
    assert.deepEqual(streamed, whole);
    assert.equal(chunks.join(""), whole.content);
    assert.equal(chunks.length, whole.outputTokens);
    assert.deepEqual(chunks, tokenPieces(whole.content));
  });

  it("keeps multi-byte characters whole across token boundaries", () => {
    // o200k_base splits each of these characters into byte-level tokens (3 or 4 each).
    const text = "Paid 🦩 at 𓀀 café ꙮ done";
    assert.ok(encode("🦩").length > 1);
    const pieces = tokenPieces(text);
    assert.equal(pieces.join(""), text);
    assert.ok(pieces.includes(" 🦩") || pieces.includes("🦩"), JSON.stringify(pieces));
    assert.ok(pieces.every((p) => !p.includes("\uFFFD")));
  });

  it("spaces the chunks a token's generation time apart, after the time to first token", async () => {
    // sim-large: 12 ms per token; at a latency scale of 0.25 the chunks take at least 3 ms each (jittered
    // around it). Sleeps only ever last longer, so this lower bound holds on a loaded machine.
    const model = new SimulatedModel({ ...BASE, latencyScale: 0.25 });
    const started = performance.now();
    const at: number[] = [];
    const c = await model.chat({
      ...request(generate("Show my recent payments")),
      onChunk: () => at.push(performance.now()),
    });
    assert.equal(at.length, c.outputTokens);
    const first = (at[0] ?? 0) - started;
    const spread = (at[at.length - 1] ?? 0) - (at[0] ?? 0);
    assert.ok(first > 0, "the first chunk comes after the time to first token");
    assert.ok(spread >= (at.length - 1) * 3 * 0.4, `${at.length} chunks over ${spread.toFixed(1)} ms`);
    for (let i = 1; i < at.length; i++) assert.ok((at[i] ?? 0) >= (at[i - 1] ?? 0));
  });

  it("fails a stream the way providers do: cut off half way (malformed), or no chunk before the deadline", async () => {
    const model = new SimulatedModel(BASE);
    const chunks: string[] = [];
    await assert.rejects(
      model.chat({
        ...request(generate("hi"), { fault: "malformed_response" }),
        onChunk: (t) => chunks.push(t),
      }),
      (e: unknown) => e instanceof MalformedResponseError && /without its finish reason/.test(e.message),
    );
    assert.ok(chunks.length > 0, "some chunks arrived before the stream broke off");
    const none: string[] = [];
    await assert.rejects(
      model.chat({
        ...request(generate("hi"), { fault: "timeout", signal: AbortSignal.timeout(50) }),
        onChunk: (t) => none.push(t),
      }),
      (e: unknown) => (e as Error).name === "TimeoutError",
    );
    assert.deepEqual(none, []);
  });

  it("fails at the configured rates", async () => {
    const always = new SimulatedModel({ ...BASE, serverErrorRate: 1 });
    for (let i = 0; i < 5; i++) await assert.rejects(always.chat(request(generate(`m${i}`))), LlmApiError);
    const model = new SimulatedModel({ ...BASE, seed: 1, rateLimitRate: 0.3 });
    let limited = 0;
    for (let i = 0; i < 200; i++) {
      try {
        await model.chat(request(classify(`message ${i}`), { model: "sim-small" }));
      } catch (err) {
        assert.ok(err instanceof LlmApiError && err.status === 429);
        limited++;
      }
    }
    assert.ok(limited > 40 && limited < 80, `about 30 % of 200 calls rate limited, got ${limited}`);
  });
});

describe("LlmClient", () => {
  it("classifies failures with the library's error types, and reports each outcome (onLlmOutcome)", async (t) => {
    const client = new LlmClient(new SimulatedModel(BASE), { timeoutMs: 50, maxOutputTokens: 100 });
    const types: Record<string, string> = {};
    const outcomes = new RecentOutcomes();
    const unsubscribe = onLlmOutcome((ok, type) => outcomes.record(ok, type));
    t.after(unsubscribe);
    for (const fault of ["rate_limit", "timeout", "server_error", "malformed_response"] as const) {
      try {
        await client.chat({
          model: "sim-small",
          messages: classify("hi"),
          fault,
          parse: parseClassification,
        });
        assert.fail("expected a failure");
      } catch (err) {
        assert.ok(err instanceof LlmCallError);
        types[fault] = err.errorType;
      }
    }
    assert.deepEqual(types, {
      rate_limit: "rate_limit",
      timeout: "timeout",
      server_error: "server_error",
      malformed_response: "malformed_response",
    });
    await client.chat({
      model: "sim-small",
      messages: classify("Where is my refund?"),
      parse: parseClassification,
    });
    assert.deepEqual(
      { ...outcomes.snapshot(), windowMs: 0 },
      { total: 5, failures: 4, lastErrorType: "malformed_response", windowMs: 0 },
    );
  });

  it("measures the time to first chunk of a streamed call, and of no other", async (t) => {
    const sdk = startTestSdk();
    t.after(() => sdk.shutdown());
    const client = new LlmClient(new SimulatedModel({ ...BASE, latencyScale: 0.1 }), {
      timeoutMs: 10_000,
      maxOutputTokens: 100,
    });
    await client.chat({
      model: "sim-large",
      messages: generate("balance"),
      parse: parseAnswer,
      stream: true,
    });
    await client.chat({
      model: "sim-small",
      messages: classify("Where is my refund?"),
      parse: parseClassification,
    });
    const spans = sdk.spans.getFinishedSpans();
    const streamed = spans.find((s) => s.name === "chat sim-large");
    const whole = spans.find((s) => s.name === "chat sim-small");
    assert.equal(streamed?.attributes["gen_ai.request.stream"], true);
    assert.equal(whole?.attributes["gen_ai.request.stream"], false);
    const ttfc = Number(streamed?.attributes["gen_ai.response.time_to_first_chunk"]);
    const duration = streamed ? streamed.duration[0] + streamed.duration[1] / 1e9 : 0;
    assert.ok(ttfc > 0 && ttfc < duration, `time to first chunk ${ttfc} s of ${duration} s`);
    assert.equal(whole?.attributes["gen_ai.response.time_to_first_chunk"], undefined);

    const points = (await sdk.collect()).scopeMetrics
      .flatMap((sm) => sm.metrics)
      .filter((m) => m.descriptor.name === "gen_ai.client.operation.time_to_first_chunk")
      .flatMap((m): { attributes: object; value: unknown }[] => m.dataPoints);
    assert.deepEqual(
      points.map((p) => [p.attributes, (p.value as { count: number }).count]),
      [
        [
          {
            "gen_ai.operation.name": "chat",
            "gen_ai.provider.name": "simulated",
            "gen_ai.request.model": "sim-large",
          },
          1,
        ],
      ],
    );
    assert.equal((points[0]?.value as { sum: number } | undefined)?.sum, ttfc);
  });

  it("treats an unusable answer as malformed_response", async () => {
    const client = new LlmClient(new SimulatedModel(BASE), { timeoutMs: 1000, maxOutputTokens: 100 });
    // The answer model asked to classify: prose, not the JSON the classifier prompt demands.
    await assert.rejects(
      client.chat({ model: "sim-large", messages: generate("balance"), parse: parseClassification }),
      (e: unknown) => e instanceof LlmCallError && e.errorType === "malformed_response",
    );
    const ok = await client.chat({ model: "sim-large", messages: generate("balance"), parse: parseAnswer });
    assert.ok(ok.value.length > 0);
  });
});
