/**
 * What both provider adapters take, and the client options both official SDKs (`openai`,
 * `@anthropic-ai/sdk`) are built from: the same names, the same meaning.
 */

export interface AdapterOptions {
  readonly apiKey: string;
  /** Any server speaking the provider's HTTP API (a gateway, a local model server, the tests' fake). */
  readonly baseUrl?: string;
  readonly timeoutMs: number;
  /** The client's own retries (LLM_MAX_RETRIES, default 0 so that every failure is seen by the telemetry). */
  readonly maxRetries: number;
}

export interface SdkClientOptions {
  apiKey: string;
  baseURL?: string;
  timeout: number;
  maxRetries: number;
  logLevel: "off";
}

export function sdkClientOptions(options: AdapterOptions): SdkClientOptions {
  return {
    apiKey: options.apiKey,
    ...(options.baseUrl ? { baseURL: options.baseUrl } : {}),
    timeout: options.timeoutMs,
    maxRetries: options.maxRetries,
    // The SDK's own console logging would print raw server-sent events (completion text); failures reach us
    // as errors, classified and recorded on the span.
    logLevel: "off",
  };
}
