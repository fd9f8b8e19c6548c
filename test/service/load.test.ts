/** The traffic generator's pieces: argument parsing, percentiles, and a mix that is the same for a seed. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseArgs, parseDuration } from "../../service/load/cli";
import { TrafficMix } from "../../service/load/mix";
import { quantile, Stats } from "../../service/load/stats";

describe("load generator", () => {
  it("parses durations and arguments strictly", () => {
    assert.equal(parseDuration("500ms"), 500);
    assert.equal(parseDuration("45s"), 45_000);
    assert.equal(parseDuration("2m"), 120_000);
    assert.equal(parseDuration("10"), 10_000);
    assert.throws(() => parseDuration("soon"), /not a duration/);
    const o = parseArgs(["--target", "http://127.0.0.1:9/", "--count=20", "--llm-failure-rate", "0.5"]);
    assert.equal(o.target, "http://127.0.0.1:9");
    assert.equal(o.count, 20);
    assert.equal(o.durationMs, undefined);
    assert.equal(o.llmFailureRate, 0.5);
    assert.equal(parseArgs([]).durationMs, 60_000);
    assert.throws(() => parseArgs(["--bogus", "1"]), /unknown option --bogus/);
    assert.throws(() => parseArgs(["--concurrency", "0"]), /--concurrency must be an integer from 1/);
    assert.throws(() => parseArgs(["--target", "ftp://x"]), /--target must be an http/);
  });

  it("computes nearest-rank percentiles", () => {
    const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
    assert.deepEqual(
      [0.5, 0.9, 0.99, 1].map((q) => quantile(sorted, q)),
      [50, 90, 99, 100],
    );
    const s = new Stats();
    s.record(200, 10);
    s.record(200, 30);
    s.record(429, 20, "rate_limited");
    s.record("network_error", 5, "network_error");
    const sum = s.summary();
    assert.equal(sum.requests, 4);
    assert.deepEqual(sum.statuses, { "200": 2, "429": 1, network_error: 1 });
    assert.deepEqual(sum.errorCodes, { network_error: 1, rate_limited: 1 });
    assert.equal(sum.latencyMs.p50, 20);
    assert.equal(sum.latencyMs.max, 30);
  });

  it("draws the same traffic for the same seed, with every kind the issue asks for", () => {
    const options = {
      seed: 3,
      invalidKeyRate: 0.05,
      revokedKeyRate: 0.05,
      badRequestRate: 0.1,
      burstShare: 0.1,
      llmFailureRate: 0.1,
      dbFailureRate: 0.05,
    };
    const a = new TrafficMix(options);
    const b = new TrafficMix(options);
    const kinds = new Set<string>();
    for (let i = 0; i < 1000; i++) {
      const x = a.next();
      assert.deepEqual(b.next(), x);
      kinds.add(x.kind);
    }
    for (const k of [
      "chat",
      "burst_client",
      "revoked_key",
      "missing_key",
      "invalid_key",
      "malformed_json",
      "oversized_body",
      "unknown_intent",
      "unknown_intent_field",
      "chat+fault",
    ]) {
      assert.ok(kinds.has(k), `kind ${k} appears in 1000 requests`);
    }
  });
});
