/**
 * The chat request body, checked field by field: every problem is reported at once, with the field's name.
 *
 *   { "message": string (1..SERVICE_MAX_MESSAGE_CHARS, not blank), "user_id": string ([A-Za-z0-9_.-]{1,64}),
 *     "intent"?: one of the known intents (skips classification) }
 */
import { ApiError, type FieldProblem } from "./errors";
import { INTENT_NAMES, type Intent, isIntent } from "./intents";

export interface ChatBody {
  readonly message: string;
  readonly userId: string;
  readonly intent: Intent | undefined;
}

const USER_ID = /^[A-Za-z0-9_.-]{1,64}$/;
const FIELDS = new Set(["message", "user_id", "intent"]);

export function validateChatBody(body: unknown, maxMessageChars: number): ChatBody {
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    throw new ApiError(400, "invalid_body", "The body must be a JSON object.", {
      details: [{ field: "(body)", problem: 'expected an object like {"message": "...", "user_id": "..."}' }],
    });
  }
  const b = body as Record<string, unknown>;
  const problems: FieldProblem[] = [];
  for (const k of Object.keys(b)) if (!FIELDS.has(k)) problems.push({ field: k, problem: "unknown field" });
  const message = b.message;
  if (typeof message !== "string") problems.push({ field: "message", problem: "required, a string" });
  else if (message.trim() === "") problems.push({ field: "message", problem: "must not be blank" });
  else if (message.length > maxMessageChars) {
    problems.push({
      field: "message",
      problem: `at most ${maxMessageChars} characters (got ${message.length})`,
    });
  }
  const userId = b.user_id;
  if (typeof userId !== "string" || !USER_ID.test(userId)) {
    problems.push({ field: "user_id", problem: "required, 1 to 64 of A-Z a-z 0-9 _ . -" });
  }
  if (problems.length > 0) {
    throw new ApiError(400, "invalid_request", "The request body has invalid fields.", { details: problems });
  }
  const intent = b.intent;
  if (intent !== undefined && !isIntent(intent)) {
    throw new ApiError(422, "unknown_intent", "This intent is not supported.", {
      details: [{ field: "intent", problem: `one of ${INTENT_NAMES.join(", ")}` }],
    });
  }
  return { message: message as string, userId: userId as string, intent: intent as Intent | undefined };
}
