/**
 * The requests the pipeline test sends itself, besides the load generator's: each with the answer it must
 * get, whether the tail sampler's baseline share keeps its trace id, and the secrets planted in it - in the
 * Authorization and X-API-Key headers, the query string, the message, a malformed body and an unknown intent,
 * on requests that succeed, are refused and fail (failures are the ones that reach Sentry).
 */
import { randomBytes } from "node:crypto";
import { SEED_API_KEYS } from "../../service/db/seed-data";

export const ENTERPRISE_KEY = "pk_demo_acme_prod_7f3c9a1e5b2d4f60";
/** The key the load generator sends as an unknown one (service/load/mix.ts). */
const LOAD_INVALID_KEY = "pk_demo_not_a_real_key_000000";

export interface KnownRequest {
  readonly name: string;
  readonly body: string;
  readonly headers: Readonly<Record<string, string>>;
  /** Path and query (default /api/chat). */
  readonly path?: string;
  /** Its trace id is one the baseline share keeps (true) or drops. */
  readonly kept: boolean;
  /** "<status> <error code or ok>" */
  readonly expect: string;
}

/** Random values to plant, by where they go (24 hex digits each: they cannot occur by chance). */
export function plantedSecrets(): Record<string, string> {
  const names = ["query_api_key", "query_token", "bearer", "x_api_key", "password", "openai_key"];
  names.push("failure_query", "failure_password", "db_password", "malformed", "intent");
  return Object.fromEntries(names.map((n) => [n, randomBytes(12).toString("hex")]));
}

/** Everything that must appear nowhere: the planted values and every API key the clients sent. */
export function allSecrets(planted: Readonly<Record<string, string>>): Record<string, string> {
  return {
    ...planted,
    ...Object.fromEntries(SEED_API_KEYS.map((k) => [`seed key ${k.id}`, k.key])),
    "load generator's invalid key": LOAD_INVALID_KEY,
  };
}

const chat = (message: string, extra: Record<string, unknown> = {}): string =>
  JSON.stringify({ message, user_id: "user_acme_01", ...extra });

/**
 * The first request: a plain chat whose trace the baseline keeps. Sent before any other traffic, while the
 * remote agents' result caches are cold, so its trace holds the whole seed tree, remote call included.
 */
export const TREE: KnownRequest = {
  name: "tree",
  body: chat("What is my account balance?"),
  headers: { authorization: `Bearer ${ENTERPRISE_KEY}` },
  kept: true,
  expect: "200 ok",
};

/** The rest, sent after the load generator's traffic. */
export function knownMix(s: Readonly<Record<string, string>>): KnownRequest[] {
  const auth = { authorization: `Bearer ${ENTERPRISE_KEY}` };
  const secretMessage = (password: string | undefined): string =>
    `What is my account balance? My password=${password} and my key is sk-proj-${s.openai_key}${s.openai_key}`;
  const quiet = ["Show my recent payments", "How do I rotate API keys?", "Show my tickets"];
  return [
    // Error-free chats whose traces the baseline share drops.
    ...Array.from({ length: 9 }, (_, i) => ({
      name: `quiet_${i}`,
      body: chat(quiet[i % quiet.length] as string),
      headers: auth,
      kept: false,
      expect: "200 ok",
    })),
    {
      name: "secret_query",
      path: `/api/chat?api_key=${s.query_api_key}&token=${s.query_token}`,
      body: chat("What is my account balance?"),
      headers: auth,
      kept: true,
      expect: "200 ok",
    },
    {
      name: "secret_bearer",
      body: chat("What is my account balance?"),
      headers: { authorization: `Bearer pk_demo_planted_${s.bearer}` },
      kept: true,
      expect: "401 invalid_api_key",
    },
    {
      name: "secret_x_api_key",
      body: chat("What is my account balance?"),
      headers: { "x-api-key": `pk_demo_planted_${s.x_api_key}` },
      kept: true,
      expect: "401 invalid_api_key",
    },
    {
      name: "secret_message",
      body: chat(secretMessage(s.password)),
      headers: auth,
      kept: true,
      expect: "200 ok",
    },
    {
      name: "secret_llm_failure",
      path: `/api/chat?token=${s.failure_query}`,
      body: chat(secretMessage(s.failure_password)),
      headers: { ...auth, "x-procode-fault": "llm=server_error@classification" },
      kept: true,
      expect: "502 llm_error",
    },
    {
      name: "secret_db_failure",
      body: chat(secretMessage(s.db_password)),
      headers: { ...auth, "x-procode-fault": "db=timeout" },
      kept: true,
      expect: "503 database_unavailable",
    },
    {
      name: "secret_malformed",
      body: `{"message": "my password=${s.malformed}`,
      headers: auth,
      kept: true,
      expect: "400 invalid_json",
    },
    {
      name: "secret_intent",
      body: chat("Hi", { intent: s.intent }),
      headers: auth,
      kept: true,
      expect: "422 unknown_intent",
    },
    {
      name: "llm_generation_failure",
      body: chat("What is my account balance?"),
      headers: { ...auth, "x-procode-fault": "llm=malformed_response@generation" },
      kept: true,
      expect: "502 llm_error",
    },
    {
      name: "llm_rate_limited",
      body: chat("Show my tickets"),
      headers: { ...auth, "x-procode-fault": "llm=rate_limit@classification" },
      kept: true,
      expect: "503 llm_rate_limited",
    },
    {
      name: "llm_timeout",
      body: chat("How do I rotate API keys?"),
      headers: { ...auth, "x-procode-fault": "llm=timeout@generation" },
      kept: true,
      expect: "504 llm_timeout",
    },
  ];
}
