/**
 * The one redaction module. Span processing, log serialisation and Sentry's before-send hooks all call it,
 * so a secret pattern added here is removed from every signal. The Collector's redaction processor is the
 * second line of defence, not the first.
 *
 * What it removes:
 * - values of sensitive keys (authorization, cookie, password, secret, token, api key, ...), whatever the value;
 * - secrets inside free text: bearer tokens, API keys of the common providers' shapes, JWTs, passwords and
 *   tokens in query strings, connection-string passwords, e-mail addresses are kept (not secrets);
 * - client IP addresses, truncated (IPv4 to /24, IPv6 to /48) rather than dropped, so they still group.
 */

export const REDACTED = "[REDACTED]";

/** Keys whose values are always secret, matched case-insensitively on the last path segment. */
const SENSITIVE_KEY =
  /(^|[._-])(authorization|proxy-authorization|cookie|set-cookie|x-api-key|api[-_]?key|apikey|password|passwd|pwd|secret|client[-_]?secret|token|access[-_]?token|refresh[-_]?token|id[-_]?token|session[-_]?id|private[-_]?key|credit[-_]?card|card[-_]?number|cvv|ssn)$/i;

const QUERY_SECRET_PARAM =
  /([?&;](?:api[-_]?key|apikey|key|token|access_token|refresh_token|id_token|auth|password|passwd|pwd|secret|client_secret|signature|sig|code)=)[^&#\s"']*/gi;

const TEXT_PATTERNS: readonly [RegExp, string][] = [
  // Authorization headers and bearer tokens in free text.
  [/\b(Bearer|Basic|Token)\s+[A-Za-z0-9\-._~+/]{8,}=*/gi, `$1 ${REDACTED}`],
  // Provider API keys: OpenAI sk-..., Anthropic sk-ant-..., ProCode pk_live_/pk_test_, Stripe-like sk_live_.
  [
    /\b(sk-ant-[A-Za-z0-9_-]{8,}|sk-[A-Za-z0-9_-]{16,}|(?:pk|sk|rk)_(?:live|test)_[A-Za-z0-9]{8,})/g,
    REDACTED,
  ],
  // AWS access key ids.
  [/\bAKIA[0-9A-Z]{16}\b/g, REDACTED],
  // JSON Web Tokens.
  [/\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g, REDACTED],
  // user:password@host in connection strings and URLs.
  [/(\b[a-z][a-z0-9+.-]*:\/\/[^:/@\s]+:)[^@\s]+@/gi, `$1${REDACTED}@`],
  // password=..., "password": "...", secret: ... in free text.
  [
    /((?:password|passwd|pwd|secret|api[-_]?key|token|client_secret)["']?\s*[:=]\s*["']?)[^"'\s&,;}]+/gi,
    `$1${REDACTED}`,
  ],
];

/** True when a key (header name, attribute key, field name) names a secret. */
export function isSensitiveKey(key: string): boolean {
  return SENSITIVE_KEY.test(key);
}

/**
 * A cheap first look: text that matches none of these fragments cannot match any pattern above, so the
 * common case (methods, paths, routes, model names) costs one scan instead of seven replacements.
 */
const MAYBE_SECRET = /bearer|basic|token|sk[-_]|[pr]k_|akia|eyj|:\/\/|pass|pwd|secret|key|auth|sig|code=/i;

/** Removes secrets from free text (exception messages, log messages, URLs, SQL). */
export function redactText(text: string): string {
  if (!MAYBE_SECRET.test(text)) return text;
  let out = text.replace(QUERY_SECRET_PARAM, `$1${REDACTED}`);
  for (const [re, replacement] of TEXT_PATTERNS) out = out.replace(re, replacement);
  return out;
}

/** Truncates an IP address: IPv4 to its /24, IPv6 to its /48. Lists ("a, b") truncate each; other text is unchanged. */
export function truncateIp(address: string): string {
  if (address.includes(","))
    return address
      .split(",")
      .map((a) => truncateIp(a.trim()))
      .join(", ");
  const forwarded = /^for="?\[?([^\]";]+)\]?"?/i.exec(address);
  if (forwarded?.[1]) return truncateIp(forwarded[1]);
  const v4 = /^(?:::ffff:)?(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(address);
  if (v4) return `${v4[1]}.${v4[2]}.${v4[3]}.0`;
  if (address.includes(":")) {
    const parts = address.split(":");
    if (parts.length >= 3) return `${parts.slice(0, 3).join(":")}::`;
  }
  return address;
}

/** Request headers that carry a client address (as header names or as http.request.header.* attributes). */
const IP_HEADERS = [
  "x-forwarded-for",
  "x-real-ip",
  "forwarded",
  "cf-connecting-ip",
  "true-client-ip",
  "x-client-ip",
];

const IP_KEYS = new Set([
  ...IP_HEADERS,
  ...IP_HEADERS.map((h) => `http.request.header.${h}`),
  "client.address",
  "network.peer.address",
  "http.client_ip",
  "net.peer.ip",
  "net.sock.peer.addr",
  "source.address",
  "ip",
  "ip_address",
  "remoteAddress",
]);

/** True for attribute keys that hold a client's IP address. */
export function isIpKey(key: string): boolean {
  return IP_KEYS.has(key) || IP_KEYS.has(key.toLowerCase());
}

export type Redactable =
  | string
  | number
  | boolean
  | null
  | undefined
  | Redactable[]
  | { [k: string]: Redactable };

const PLAIN = 0;
const SENSITIVE = 1;
const IP = 2;
type KeyClass = typeof PLAIN | typeof SENSITIVE | typeof IP;

/**
 * Key classification, memoised: spans and log records repeat a small set of keys, and the sensitive-key
 * pattern plus the case-folded IP lookup cost more than the rest of scrubbing a span. Bounded: past the bound
 * (keys built from unbounded data) keys are classified without being remembered.
 */
const keyClasses = new Map<string, KeyClass>();
const MAX_REMEMBERED_KEYS = 10_000;

function classifyKey(key: string): KeyClass {
  let c = keyClasses.get(key);
  if (c === undefined) {
    c = isSensitiveKey(key) ? SENSITIVE : isIpKey(key) ? IP : PLAIN;
    if (keyClasses.size < MAX_REMEMBERED_KEYS) keyClasses.set(key, c);
  }
  return c;
}

/** Redacts one value stored under `key`: sensitive keys lose their value, IP keys are truncated, text is scrubbed. */
export function redactValue<T>(key: string, value: T): T | string {
  if (value === null || value === undefined) return value;
  const c = classifyKey(key);
  if (c === SENSITIVE) return REDACTED;
  if (typeof value === "string") return c === IP ? truncateIp(value) : redactText(value);
  if (Array.isArray(value)) return value.map((v) => redactValue(key, v)) as T;
  return value;
}

/**
 * Deep-redacts a plain object (log fields, Sentry event parts). Returns a new object; cycles and depth beyond
 * `maxDepth` are cut. Non-plain objects (Dates, Buffers) are kept as their string form.
 */
export function redactObject(input: unknown, maxDepth = 8): unknown {
  const seen = new WeakSet<object>();
  const walk = (key: string, v: unknown, depth: number): unknown => {
    if (v === null || v === undefined) return v;
    if (typeof v === "string") return redactValue(key, v);
    if (typeof v !== "object") return isSensitiveKey(key) ? REDACTED : v;
    if (isSensitiveKey(key)) return REDACTED;
    if (depth >= maxDepth) return "[Truncated]";
    if (seen.has(v)) return "[Circular]";
    seen.add(v);
    if (Array.isArray(v)) return v.map((item) => walk(key, item, depth + 1));
    if (v instanceof Date) return v.toISOString();
    if (v instanceof Error) return redactError(v);
    const out: Record<string, unknown> = {};
    for (const [k, val] of Object.entries(v)) out[k] = walk(k, val, depth + 1);
    return out;
  };
  return walk("", input, 0);
}

/**
 * A copy of an error with its message, stack and own fields scrubbed, keeping its prototype (so loggers'
 * error serializers still see an Error with its type and stack).
 */
export function redactError<E extends Error>(err: E): E {
  const copy = Object.create(Object.getPrototypeOf(err) as object) as E;
  for (const [k, v] of Object.entries(err)) {
    if (k === "cause") continue;
    (copy as Record<string, unknown>)[k] = (redactObject({ [k]: v }, 4) as Record<string, unknown>)[k];
  }
  Object.defineProperty(copy, "message", {
    value: redactText(err.message),
    enumerable: false,
    writable: true,
    configurable: true,
  });
  if (typeof err.stack === "string") {
    Object.defineProperty(copy, "stack", {
      value: redactText(err.stack),
      enumerable: false,
      writable: true,
      configurable: true,
    });
  }
  if (err.cause !== undefined) {
    const cause = err.cause instanceof Error ? redactError(err.cause) : redactObject(err.cause);
    Object.defineProperty(copy, "cause", {
      value: cause,
      enumerable: false,
      writable: true,
      configurable: true,
    });
  }
  return copy;
}

/** Redacts a URL: secret query parameters and credentials; the path is kept. */
export function redactUrl(url: string): string {
  return redactText(url);
}

/** Header map with secret headers replaced; safe to attach to spans or events. */
export function redactHeaders(
  headers: Record<string, string | string[] | undefined>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) {
    if (v === undefined) continue;
    const joined = Array.isArray(v) ? v.join(", ") : v;
    const key = k.toLowerCase();
    out[key] = isSensitiveKey(k) ? REDACTED : isIpKey(key) ? truncateIp(joined) : redactText(joined);
  }
  return out;
}
