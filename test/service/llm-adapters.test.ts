/**
 * The OpenAI and Anthropic adapters - the official clients - against a local server that speaks the two APIs'
 * HTTP shapes (POST /v1/chat/completions, POST /v1/messages, GET /v1/models), whole answers and streams
 * (server-sent events: OpenAI's chat.completion.chunk objects ending in `data: [DONE]`, Anthropic's named
 * message_start ... message_stop events): what they send, how answers map, how failures are classified, and
 * the GenAI span the LLM client records, with the time to first chunk of a streamed call.
 */
import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, beforeEach, describe, it } from "node:test";
import { AnthropicProvider } from "../../service/llm/anthropic";
import { LlmCallError, LlmClient } from "../../service/llm/client";
import { OpenAiProvider } from "../../service/llm/openai";
import type { LlmProvider } from "../../service/llm/types";
import { parseAnswer } from "../../service/pipeline";
import { startTestSdk, type TestSdk } from "../support/in-memory-sdk";

interface Seen {
  method: string;
  path: string;
  headers: IncomingMessage["headers"];
  body: Record<string, unknown> | undefined;
}

/** stall: a stream that sends its first chunks and then nothing (only streamed calls). */
type Behaviour = "ok" | "rate_limit" | "server_error" | "slow" | "garbage" | "no_usage" | "stall";

const ANSWER_PIECES = ["Your", " balance", " is 12.34", " USD."];

/** OpenAI's streamed answer: chat.completion.chunk objects (role first, content deltas, finish, usage). */
function openAiChunks(withUsage: boolean): unknown[] {
  const base = { id: "chatcmpl-abc123", object: "chat.completion.chunk", created: 1_700_000_000 };
  const model = "gpt-4o-mini-2024-07-18";
  const choice = (delta: object, finish: string | null) => ({
    ...base,
    model,
    system_fingerprint: "fp_1",
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
  });
  return [
    choice({ role: "assistant", content: "", refusal: null }, null),
    ...ANSWER_PIECES.map((content) => choice({ content }, null)),
    choice({}, "stop"),
    ...(withUsage
      ? [
          {
            ...base,
            model,
            choices: [],
            usage: { prompt_tokens: 19, completion_tokens: 8, total_tokens: 27 },
          },
        ]
      : []),
  ];
}

/** Anthropic's streamed answer: named events; without `complete`, it stops before message_delta. */
function anthropicEvents(complete: boolean): [string, unknown][] {
  const events: [string, unknown][] = [
    [
      "message_start",
      {
        type: "message_start",
        message: {
          id: "msg_01XFDUDYJgAACzvnptvVoYEL",
          type: "message",
          role: "assistant",
          model: "claude-haiku-4-5-20251001",
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage: { input_tokens: 21, output_tokens: 1 },
        },
      },
    ],
    [
      "content_block_start",
      { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } },
    ],
    ["ping", { type: "ping" }],
    ...ANSWER_PIECES.map((text): [string, unknown] => [
      "content_block_delta",
      { type: "content_block_delta", index: 0, delta: { type: "text_delta", text } },
    ]),
    ["content_block_stop", { type: "content_block_stop", index: 0 }],
  ];
  if (!complete) return events;
  return [
    ...events,
    [
      "message_delta",
      {
        type: "message_delta",
        delta: { stop_reason: "end_turn", stop_sequence: null },
        usage: { output_tokens: 9 },
      },
    ],
    ["message_stop", { type: "message_stop" }],
  ];
}

class FakeLlmServer {
  readonly seen: Seen[] = [];
  behaviour: Behaviour = "ok";
  private server: Server | undefined;
  url = "";

  async start(): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((r) => this.server?.listen(0, "127.0.0.1", r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((r) => this.server?.close(r));
  }

  /** Server-sent events, a few milliseconds apart, as the providers send them. */
  private async stream(res: ServerResponse, anthropic: boolean): Promise<void> {
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    const events: { event?: string; data: string }[] = anthropic
      ? anthropicEvents(this.behaviour !== "no_usage").map(([event, data]) => ({
          event,
          data: JSON.stringify(data),
        }))
      : [
          ...openAiChunks(this.behaviour !== "no_usage").map((c) => ({ data: JSON.stringify(c) })),
          { data: "[DONE]" },
        ];
    const sent = this.behaviour === "stall" ? events.slice(0, 3) : events;
    for (const e of sent) {
      await new Promise((r) => setTimeout(r, 5));
      if (res.destroyed) return;
      res.write(`${e.event ? `event: ${e.event}\n` : ""}data: ${e.data}\n\n`);
      if (this.behaviour === "garbage") {
        // An event whose JSON is cut short, then the end of the stream.
        res.end(
          `${anthropic ? "event: content_block_delta\n" : ""}data: {"type": "content_block_delta", "ind\n\n`,
        );
        return;
      }
    }
    if (this.behaviour === "stall") return; // never ends: the client's deadline does
    res.end();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString();
    const path = (req.url ?? "").split("?")[0] ?? "";
    this.seen.push({
      method: req.method ?? "",
      path,
      headers: req.headers,
      body: raw ? JSON.parse(raw) : undefined,
    });
    const json = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { "content-type": "application/json", ...headers }).end(JSON.stringify(body));
    };
    if (path === "/v1/models") {
      json(200, {
        object: "list",
        data: [{ id: "gpt-4o-mini", object: "model", type: "model" }],
        has_more: false,
      });
      return;
    }
    const anthropic = path === "/v1/messages";
    const streamed = this.seen[this.seen.length - 1]?.body?.stream === true;
    switch (this.behaviour) {
      case "rate_limit":
        json(
          429,
          anthropic
            ? {
                type: "error",
                error: {
                  type: "rate_limit_error",
                  message: "Number of requests has exceeded your rate limit",
                },
              }
            : { error: { message: "Rate limit reached", type: "requests", code: "rate_limit_exceeded" } },
          { "retry-after": "1" },
        );
        return;
      case "server_error":
        json(
          500,
          anthropic
            ? { type: "error", error: { type: "api_error", message: "Internal server error" } }
            : { error: { message: "The server had an error", type: "server_error" } },
        );
        return;
      case "slow":
        await new Promise((r) => setTimeout(r, 2_000));
        break;
      case "garbage":
        if (streamed) break;
        res.writeHead(200, { "content-type": "application/json" }).end('{"id": "chatcmpl-1", "choices": [');
        return;
      default:
        break;
    }
    if (res.writableEnded || res.destroyed) return;
    if (streamed) {
      await this.stream(res, anthropic);
      return;
    }
    const usage = this.behaviour === "no_usage" ? undefined : true;
    if (anthropic) {
      json(200, {
        id: "msg_01XFDUDYJgAACzvnptvVoYEL",
        type: "message",
        role: "assistant",
        model: "claude-haiku-4-5-20251001",
        content: [{ type: "text", text: "Your balance is 12.34 USD." }],
        stop_reason: "end_turn",
        stop_sequence: null,
        ...(usage ? { usage: { input_tokens: 21, output_tokens: 9 } } : {}),
      });
    } else {
      json(200, {
        id: "chatcmpl-abc123",
        object: "chat.completion",
        created: 1_700_000_000,
        model: "gpt-4o-mini-2024-07-18",
        choices: [
          {
            index: 0,
            message: { role: "assistant", content: "Your balance is 12.34 USD.", refusal: null },
            logprobs: null,
            finish_reason: "stop",
          },
        ],
        ...(usage ? { usage: { prompt_tokens: 19, completion_tokens: 8, total_tokens: 27 } } : {}),
      });
    }
  }
}

const MESSAGES = [
  { role: "system", content: "You are the ProCode assistant." },
  { role: "user", content: "What is my balance?" },
] as const;

/** Each failing server behaviour and the error type it is classified as (a stall happens to streams only). */
const FAILURES = [
  ["rate_limit", "rate_limit"],
  ["server_error", "server_error"],
  ["slow", "timeout"],
  ["stall", "timeout"],
  ["garbage", "malformed_response"],
  ["no_usage", "malformed_response"],
] as const;

/** How each adapter maps the server's answer (whole or streamed). */
const COMPLETIONS = {
  openai: {
    content: "Your balance is 12.34 USD.",
    inputTokens: 19,
    outputTokens: 8,
    responseModel: "gpt-4o-mini-2024-07-18",
    responseId: "chatcmpl-abc123",
    finishReason: "stop",
  },
  anthropic: {
    content: "Your balance is 12.34 USD.",
    inputTokens: 21,
    outputTokens: 9,
    responseModel: "claude-haiku-4-5-20251001",
    responseId: "msg_01XFDUDYJgAACzvnptvVoYEL",
    finishReason: "end_turn",
  },
};

describe("LLM adapters against a local server speaking the providers' HTTP APIs", () => {
  const server = new FakeLlmServer();
  let sdk: TestSdk;
  before(async () => {
    await server.start();
    sdk = startTestSdk();
  });
  after(async () => {
    await sdk.shutdown();
    await server.stop();
  });
  beforeEach(() => {
    server.behaviour = "ok";
    server.seen.length = 0;
    sdk.spans.reset();
  });

  const providers = (): { name: string; model: string; make: (timeoutMs?: number) => LlmProvider }[] => [
    {
      name: "openai",
      model: "gpt-4o-mini",
      make: (timeoutMs = 1_000) =>
        new OpenAiProvider({
          apiKey: "sk-test-openai",
          baseUrl: `${server.url}/v1`,
          timeoutMs,
          maxRetries: 0,
        }),
    },
    {
      name: "anthropic",
      model: "claude-haiku-4-5",
      make: (timeoutMs = 1_000) =>
        new AnthropicProvider({ apiKey: "sk-ant-test", baseUrl: server.url, timeoutMs, maxRetries: 0 }),
    },
  ];

  /** Each provider's call, whole (300 ms deadline) or streamed (500 ms), fails as an LlmCallError of `type`. */
  const assertClassified = async (behaviour: Behaviour, type: string, stream: boolean): Promise<void> => {
    const timeoutMs = stream ? 500 : 300;
    for (const p of providers()) {
      server.behaviour = behaviour;
      const client = new LlmClient(p.make(timeoutMs), { timeoutMs, maxOutputTokens: 64 });
      await assert.rejects(
        client.chat({
          model: p.model,
          messages: MESSAGES,
          parse: parseAnswer,
          ...(stream ? { stream } : {}),
        }),
        (e: unknown) => e instanceof LlmCallError && e.errorType === type,
        `${p.name} ${behaviour}`,
      );
    }
  };

  it("OpenAI: sends a Chat Completions request and maps the answer", async () => {
    const p = providers()[0];
    assert.ok(p);
    const client = new LlmClient(p.make(), { timeoutMs: 1_000, maxOutputTokens: 64 });
    const { completion, value } = await client.chat({
      model: p.model,
      messages: MESSAGES,
      temperature: 0.2,
      parse: parseAnswer,
    });
    assert.equal(value, "Your balance is 12.34 USD.");
    assert.deepEqual(completion, COMPLETIONS.openai);
    const req = server.seen[0];
    assert.equal(req?.method, "POST");
    assert.equal(req?.path, "/v1/chat/completions");
    assert.equal(req?.headers.authorization, "Bearer sk-test-openai");
    assert.deepEqual(req?.body, {
      model: "gpt-4o-mini",
      messages: MESSAGES,
      max_completion_tokens: 64,
      temperature: 0.2,
    });
  });

  it("Anthropic: sends a Messages request (system apart) and maps the answer", async () => {
    const p = providers()[1];
    assert.ok(p);
    const client = new LlmClient(p.make(), { timeoutMs: 1_000, maxOutputTokens: 64 });
    const { completion } = await client.chat({ model: p.model, messages: MESSAGES, parse: parseAnswer });
    assert.deepEqual(completion, COMPLETIONS.anthropic);
    const req = server.seen[0];
    assert.equal(req?.path, "/v1/messages");
    // The pinned SDK (1.14) sends the API key as a bearer token (earlier versions used X-Api-Key).
    assert.ok(
      req?.headers["x-api-key"] === "sk-ant-test" || req?.headers.authorization === "Bearer sk-ant-test",
      "the API key is sent",
    );
    assert.ok(req?.headers["anthropic-version"], "anthropic-version header sent");
    assert.deepEqual(req?.body, {
      model: "claude-haiku-4-5",
      max_tokens: 64,
      system: "You are the ProCode assistant.",
      messages: [{ role: "user", content: "What is my balance?" }],
    });
  });

  it("records the GenAI client span with the conventions' attributes", async () => {
    const p = providers()[0];
    assert.ok(p);
    await new LlmClient(p.make(), { timeoutMs: 1_000, maxOutputTokens: 64 }).chat({
      model: p.model,
      messages: MESSAGES,
      parse: parseAnswer,
    });
    const spans = sdk.spans.getFinishedSpans();
    const span = spans.find((s) => s.name === "chat gpt-4o-mini");
    assert.ok(span, `spans: ${spans.map((s) => s.name).join(", ")}`);
    assert.equal(span.kind, 2); // CLIENT
    assert.deepEqual(
      Object.fromEntries(Object.entries(span.attributes).filter(([k]) => k.startsWith("gen_ai."))),
      {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "openai",
        "gen_ai.request.model": "gpt-4o-mini",
        "gen_ai.request.max_tokens": 64,
        "gen_ai.request.temperature": 0,
        "gen_ai.request.stream": false,
        "gen_ai.response.model": "gpt-4o-mini-2024-07-18",
        "gen_ai.response.id": "chatcmpl-abc123",
        "gen_ai.response.finish_reasons": ["stop"],
        "gen_ai.usage.input_tokens": 19,
        "gen_ai.usage.output_tokens": 8,
      },
    );
    assert.ok(!("gen_ai.input.messages" in span.attributes), "content capture is off by default");
  });

  for (const [behaviour, type] of FAILURES.filter(([failure]) => failure !== "stall")) {
    it(`classifies a ${behaviour} answer as ${type} for both providers`, () =>
      assertClassified(behaviour, type, false));
  }

  for (const [index, title, temperature, body] of [
    [
      0,
      "OpenAI: streams Chat Completions (usage in the last chunk)",
      0.2,
      {
        model: "gpt-4o-mini",
        messages: MESSAGES,
        max_completion_tokens: 64,
        temperature: 0.2,
        stream: true,
        stream_options: { include_usage: true },
      },
    ],
    [
      1,
      "Anthropic: streams Messages (named events)",
      0,
      {
        model: "claude-haiku-4-5",
        max_tokens: 64,
        system: "You are the ProCode assistant.",
        messages: [{ role: "user", content: "What is my balance?" }],
        stream: true,
      },
    ],
  ] as const) {
    it(`${title} and assembles the answer`, async () => {
      const p = providers()[index];
      assert.ok(p);
      const pieces: string[] = [];
      const completion = await p.make().chat({
        model: p.model,
        messages: MESSAGES,
        maxTokens: 64,
        temperature,
        signal: AbortSignal.timeout(5_000),
        onChunk: (text) => pieces.push(text),
      });
      assert.deepEqual(pieces, ANSWER_PIECES);
      assert.deepEqual(completion, index === 0 ? COMPLETIONS.openai : COMPLETIONS.anthropic);
      assert.deepEqual(server.seen[0]?.body, body);
    });
  }

  it("records the time to first chunk of a streamed call on its span and in the histogram", async () => {
    for (const p of providers()) {
      await new LlmClient(p.make(), { timeoutMs: 5_000, maxOutputTokens: 64 }).chat({
        model: p.model,
        messages: MESSAGES,
        parse: parseAnswer,
        stream: true,
      });
      const span = sdk.spans.getFinishedSpans().find((s) => s.name === `chat ${p.model}`);
      assert.ok(span, p.name);
      assert.equal(span.attributes["gen_ai.request.stream"], true);
      const ttfc = Number(span.attributes["gen_ai.response.time_to_first_chunk"]);
      const duration = span.duration[0] + span.duration[1] / 1e9;
      // The first content chunk comes after the role/message_start event and before the end of the stream.
      assert.ok(ttfc > 0 && ttfc < duration, `${p.name}: ${ttfc} s of ${duration} s`);
    }
    const counts = (await sdk.collect()).scopeMetrics
      .flatMap((sm) => sm.metrics)
      .filter((m) => m.descriptor.name === "gen_ai.client.operation.time_to_first_chunk")
      .flatMap((m): { attributes: Record<string, unknown>; value: unknown }[] => m.dataPoints)
      .map((d) => [d.attributes["gen_ai.provider.name"], (d.value as { count: number }).count])
      .sort();
    assert.deepEqual(counts, [
      ["anthropic", 1],
      ["openai", 1],
    ]);
  });

  for (const [behaviour, type] of FAILURES) {
    it(`classifies a ${behaviour} stream as ${type} for both providers`, () =>
      assertClassified(behaviour, type, true));
  }

  it("probes with GET /v1/models (no paid completion)", async () => {
    for (const p of providers()) await p.make().probe(AbortSignal.timeout(1_000));
    assert.deepEqual(
      server.seen.map((s) => `${s.method} ${s.path}`),
      ["GET /v1/models", "GET /v1/models"],
    );
  });
});
