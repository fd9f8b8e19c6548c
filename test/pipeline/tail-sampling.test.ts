/**
 * The probabilistic policy's decision as the pipeline test computes it, pinned to values computed with Go's
 * hash/fnv and math/big the way contrib v0.161.0's tail_sampling processor does (hashTraceID and
 * calculateThreshold in internal/sampling/probabilistic.go). The live test then checks the same decisions
 * against the real Collector and Jaeger.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { keptByBaseline, samplingThreshold, traceIdHash, traceIdSampled } from "./tail-sampling";

describe("tail sampling: the probabilistic policy's decision", () => {
  it("hashes salt + trace id bytes with FNV-1a 64 like the Collector", () => {
    assert.equal(traceIdHash("4bf92f3577b34da6a3ce929d0e0e4736"), 11908981664384643253n);
    assert.equal(traceIdHash("0af7651916cd43dd8448eb211c80319c"), 3728843964641534796n);
    assert.equal(traceIdHash("00000000000000000000000000000001"), 16254957729900898954n);
    assert.throws(() => traceIdHash("4bf92f35"), /not a trace id/);
  });

  it("computes the threshold like Go's big.Float(MaxUint64) * (percent / 100)", () => {
    assert.equal(samplingThreshold(10), 1844674407370955263n);
    assert.equal(samplingThreshold(1), 184467440737095519n);
    assert.equal(samplingThreshold(33.3), 6142765776545279999n);
    assert.equal(samplingThreshold(50), 9223372036854775807n);
    assert.equal(samplingThreshold(100), (1n << 64n) - 1n);
    assert.equal(samplingThreshold(0), 0n);
  });

  it("keeps a trace when its hash is at most the threshold; picks ids on either side", () => {
    assert.equal(keptByBaseline("0af7651916cd43dd8448eb211c80319c", 10), false);
    assert.equal(keptByBaseline("0af7651916cd43dd8448eb211c80319c", 20.3), true);
    assert.equal(keptByBaseline("4bf92f3577b34da6a3ce929d0e0e4736", 64), false);
    assert.equal(keptByBaseline("4bf92f3577b34da6a3ce929d0e0e4736", 65), true);
    for (const kept of [true, false]) assert.equal(keptByBaseline(traceIdSampled(kept, 10), 10), kept);
  });
});
