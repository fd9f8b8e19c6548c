/** Helpers shared by the Sentry process tests. */
import type { ErrorEvent } from "@sentry/node";
import type { OtlpReceiver, ReceivedSpan } from "../support/otlp-receiver";

export const APP = "build/test/fixtures/sentry-app.js";
export const REQUIRE = ["--require", "./dist/register.js"] as const;
export const IMPORT = ["--import", "./dist/register.mjs"] as const;

export function envFor(
  otlpUrl: string,
  dsn: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    OTEL_EXPORTER_OTLP_ENDPOINT: otlpUrl,
    OTEL_SERVICE_NAME: "sentry-test",
    // Long intervals: what arrives comes from the shutdown flush.
    OTEL_METRIC_EXPORT_INTERVAL: "600000",
    OTEL_BSP_SCHEDULE_DELAY: "600000",
    PORT: "0",
    SENTRY_DSN: dsn,
    ...extra,
  };
}

export const serverSpans = (otlp: OtlpReceiver, name: string): ReceivedSpan[] =>
  otlp.spans().filter((s) => s.kind === 2 && s.name === name);

export const byTransaction = (events: readonly ErrorEvent[], transaction: string): ErrorEvent[] =>
  events.filter((e) => e.transaction === transaction);

/** The sentry.events.dropped counter's latest values, keyed `reason/level` (`-` for no level). */
export function dropped(otlp: OtlpReceiver): Map<string, number> {
  const out = new Map<string, number>();
  for (const p of otlp.latest("sentry.events.dropped"))
    out.set(`${p.attributes.reason}/${p.attributes.level ?? "-"}`, p.value ?? 0);
  return out;
}

export function mainException(e: ErrorEvent | undefined) {
  const values = e?.exception?.values ?? [];
  return values[values.length - 1];
}

export async function get(port: number, path: string, init?: RequestInit): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, init);
  await res.text();
  return res.status;
}

/** Resolves when the child exits by itself (no signal sent), bounded. */
export function exited(
  proc: import("node:child_process").ChildProcess,
  timeoutMs = 20_000,
): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve, reject) => {
    if (proc.exitCode !== null || proc.signalCode !== null) {
      resolve({ code: proc.exitCode, signal: proc.signalCode });
      return;
    }
    const timer = setTimeout(() => reject(new Error(`child did not exit within ${timeoutMs} ms`)), timeoutMs);
    proc.once("exit", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal });
    });
  });
}
