/**
 * The decision of the tail_sampling processor's `probabilistic` policy (contrib v0.161.0,
 * processor/tailsamplingprocessor/internal/sampling/probabilistic.go) for a trace id: FNV-1a 64 over the hash
 * salt ("default-hash-seed" when none is configured, as in otel-collector/config.yaml) followed by the 16
 * trace id bytes, sampled when the hash is at most MaxUint64 x ratio. (The `usetracestate` feature gate,
 * alpha and off by default, would read the W3C tracestate instead; the service sends none.)
 *
 * Knowing the decision lets the pipeline test choose trace ids the baseline share keeps or drops and check
 * Jaeger's content exactly, instead of hoping a random 10 % falls on the right requests.
 */
import { randomBytes } from "node:crypto";

const FNV_OFFSET = 0xcbf29ce484222325n;
const FNV_PRIME = 0x100000001b3n;
const MAX_UINT64 = (1n << 64n) - 1n;
export const DEFAULT_HASH_SALT = "default-hash-seed";

function fnv1a64(chunks: readonly Uint8Array[]): bigint {
  let hash = FNV_OFFSET;
  for (const chunk of chunks) {
    for (const byte of chunk) hash = BigInt.asUintN(64, (hash ^ BigInt(byte)) * FNV_PRIME);
  }
  return hash;
}

/** A double as an exact fraction (numerator / 2^shift). */
function exactDouble(x: number): { numerator: bigint; shift: bigint } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  const exponent = Number((bits >> 52n) & 0x7ffn);
  const fraction = bits & ((1n << 52n) - 1n);
  if (exponent === 0) return { numerator: fraction, shift: 1074n };
  const mantissa = fraction | (1n << 52n);
  const e = exponent - 1075;
  return e >= 0
    ? { numerator: mantissa << BigInt(e), shift: 0n }
    : { numerator: mantissa, shift: BigInt(-e) };
}

/** The policy's threshold for a sampling percentage (Go: big.Float(MaxUint64) * ratio, truncated). */
export function samplingThreshold(percent: number): bigint {
  const ratio = percent / 100;
  if (ratio >= 1) return MAX_UINT64;
  if (ratio <= 0) return 0n;
  const { numerator, shift } = exactDouble(ratio);
  return (MAX_UINT64 * numerator) >> shift;
}

/** The policy's hash of a trace id (32 hex digits). */
export function traceIdHash(traceId: string, salt = DEFAULT_HASH_SALT): bigint {
  if (!/^[0-9a-f]{32}$/.test(traceId)) throw new Error(`not a trace id: ${traceId}`);
  return fnv1a64([Buffer.from(salt, "utf8"), Buffer.from(traceId, "hex")]);
}

/** Whether the probabilistic policy at `percent` keeps the trace with this id. */
export function keptByBaseline(traceId: string, percent: number, salt = DEFAULT_HASH_SALT): boolean {
  return traceIdHash(traceId, salt) <= samplingThreshold(percent);
}

/** A random trace id the baseline policy at `percent` keeps (`kept`) or drops. */
export function traceIdSampled(kept: boolean, percent: number): string {
  for (let i = 0; i < 100_000; i++) {
    const id = randomBytes(16).toString("hex");
    if (keptByBaseline(id, percent) === kept) return id;
  }
  throw new Error(`no trace id ${kept ? "kept" : "dropped"} at ${percent} % in 100000 draws`);
}
