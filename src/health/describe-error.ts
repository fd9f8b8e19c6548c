/**
 * A short, scrubbed description of an error for the health app's internal detail: error class, code and
 * message (with the first cause), never a stack trace; credentials in URLs and `key=value` secrets are
 * masked and the text is truncated. Public bodies never carry even this: they use the check's own phrase.
 */

const MAX_LENGTH = 300;
const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/)[^/\s@]+@/gi;
const SECRET_PAIR =
  /\b(password|passwd|pwd|secret|token|api[_-]?key|authorization)(\s*[=:]\s*)("[^"]*"|'[^']*'|\S+)/gi;

export function scrub(text: string): string {
  const masked = text.replace(URL_CREDENTIALS, "$1***@").replace(SECRET_PAIR, "$1$2***");
  return masked.length > MAX_LENGTH ? `${masked.slice(0, MAX_LENGTH - 1)}…` : masked;
}

function one(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    const label = typeof code === "string" && code !== "" ? `${err.name} ${code}` : err.name;
    return err.message ? `${label}: ${err.message}` : label;
  }
  if (typeof err === "string") return err;
  return `non-error thrown (${typeof err})`;
}

export function describeError(err: unknown): string {
  let text = one(err);
  const cause = err instanceof Error ? err.cause : undefined;
  if (cause !== undefined && cause !== err) text += ` (cause: ${one(cause)})`;
  return scrub(text);
}
