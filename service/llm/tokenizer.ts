/**
 * Token counts from a real BPE tokenizer: OpenAI's o200k_base encoding (GPT-4o family), whose ranks ship
 * inside js-tiktoken (nothing is downloaded). The simulated model counts with it; Anthropic's tokenizer is
 * not public, so simulated counts are o200k counts for every model.
 */
import { Tiktoken } from "js-tiktoken/lite";
import o200kBase from "js-tiktoken/ranks/o200k_base";
import type { ChatMessage } from "./types";

let encoder: Tiktoken | undefined;

/** The encoder, built on first use (about half a second: do it during warm-up). */
export function tokenizer(): Tiktoken {
  encoder ??= new Tiktoken(o200kBase);
  return encoder;
}

export function encode(text: string): number[] {
  return tokenizer().encode(text);
}

export function countTokens(text: string): number {
  return text === "" ? 0 : tokenizer().encode(text).length;
}

/**
 * Prompt tokens of a chat request as OpenAI counts them for its chat models: every message costs its
 * content and role plus 3 tokens of framing, and the reply is primed with 3 more.
 */
export function countChatTokens(messages: readonly ChatMessage[]): number {
  let n = 3;
  for (const m of messages) n += 3 + countTokens(m.role) + countTokens(m.content);
  return n;
}

/** The first `max` tokens of `text`, decoded (an answer cut at max_tokens). */
export function truncateToTokens(text: string, max: number): { text: string; truncated: boolean } {
  const ids = encode(text);
  if (ids.length <= max) return { text, truncated: false };
  return { text: tokenizer().decode(ids.slice(0, max)), truncated: true };
}
