/**
 * The Sentry client the preload started, shared through a global symbol (one per process, whichever copy of
 * this library asks). Reading it never loads @sentry/node: without SENTRY_DSN the SDK is not even required,
 * and every capture helper is a cheap no-op.
 */
import type { NodeClient } from "@sentry/node";
import type { SentryConfig } from "./config";
import type { LevelSampler } from "./sampling";

export interface SentryHandle {
  readonly config: SentryConfig;
  readonly client: NodeClient;
  readonly sampler: LevelSampler;
  /** @sentry/node itself, loaded only when Sentry is on. */
  readonly sdk: typeof import("@sentry/node");
  /** Waits for queued events to be sent, at most `timeoutMs`; false when some were still pending. */
  flush(timeoutMs: number): Promise<boolean>;
  /** The shutdown flush (once, within the shutdown budget); the lifecycle's flush phase runs it. */
  flushForShutdown(): Promise<void>;
}

const KEY = Symbol.for("procode.observability.sentry");
type G = typeof globalThis & { [KEY]?: SentryHandle };

export function setActiveSentry(handle: SentryHandle | undefined): void {
  (globalThis as G)[KEY] = handle;
}

export function getActiveSentry(): SentryHandle | undefined {
  return (globalThis as G)[KEY];
}
