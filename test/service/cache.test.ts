/** The LRU cache: byte accounting, eviction order, time to live, and what it records. */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { ResourceMetrics } from "@opentelemetry/sdk-metrics";
import { LruCache } from "../../service/cache/lru";
import { startTestSdk, type TestSdk } from "../support/in-memory-sdk";

function points(
  rm: ResourceMetrics,
  name: string,
): { attributes: Record<string, unknown>; value: unknown }[] {
  return rm.scopeMetrics
    .flatMap((s) => s.metrics)
    .filter((m) => m.descriptor.name === name)
    .flatMap((m) => m.dataPoints.map((p) => ({ attributes: { ...p.attributes }, value: p.value })));
}

describe("LruCache", () => {
  let sdk: TestSdk;
  before(() => {
    sdk = startTestSdk();
  });
  after(async () => {
    await sdk.shutdown();
  });

  it("accounts bytes of keys and JSON values, evicts the least recently used, expires entries", async () => {
    let now = 0;
    const cache = new LruCache<{ v: string }>({ name: "unit", maxBytes: 60, ttlMs: 1000, now: () => now });
    const entry = (v: string) => ({ v }); // {"v":"xxxxxxxxxx"} is 18 bytes for 10 characters
    assert.equal(cache.set("a", entry("x".repeat(10))), true);
    assert.equal(cache.bytes, 1 + 18);
    cache.set("b", entry("y".repeat(10)));
    assert.equal(cache.get("a")?.v, "x".repeat(10)); // a is now the most recently used
    cache.set("c", entry("z".repeat(10))); // 57 bytes: fits
    cache.set("d", entry("w".repeat(10))); // evicts b, the least recently used
    assert.equal(cache.get("b"), undefined);
    assert.deepEqual(
      [cache.get("a") !== undefined, cache.get("c") !== undefined, cache.get("d") !== undefined],
      [true, true, true],
    );
    assert.equal(cache.bytes, 57);
    assert.equal(cache.set("huge", entry("h".repeat(100))), false);
    now = 1000;
    assert.equal(cache.get("a"), undefined, "expired");
    assert.equal(cache.bytes, 38);
    assert.equal(cache.delete("c"), true);
    assert.equal(cache.bytes, 19);

    const rm = await sdk.collect();
    const ops = Object.fromEntries(
      points(rm, "cache.operations").map((p) => [
        `${p.attributes["cache.operation"]}/${p.attributes["cache.result"]}`,
        p.value,
      ]),
    );
    assert.deepEqual(ops, { "set/ok": 5, "get/hit": 4, "get/miss": 2, "delete/ok": 1 });
    assert.deepEqual(points(rm, "cache.size"), [{ attributes: { "cache.name": "unit" }, value: 19 }]);
  });
});
