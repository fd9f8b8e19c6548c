/**
 * The application logger: pino, with trace and span ids injected and records exported over OTLP by the
 * pino instrumentation (both done by the preload), and secrets scrubbed by the shared redaction module
 * before anything is written.
 */
import pino, { type Logger, type LoggerOptions } from "pino";
import { redactObject, redactText } from "../redaction/redact";

export type { Logger };

export function createLogger(options: LoggerOptions = {}): Logger {
  return pino({
    level: process.env.LOG_LEVEL ?? "info",
    ...options,
    formatters: {
      ...options.formatters,
      log: (fields) => redactObject(fields) as Record<string, unknown>,
    },
    hooks: {
      logMethod(args, method) {
        // Scrub the message string too (the first string argument).
        const out = args.map((a) => (typeof a === "string" ? redactText(a) : a)) as Parameters<typeof method>;
        method.apply(this, out);
      },
    },
  });
}
