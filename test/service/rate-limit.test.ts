/** The per-key sliding-window rate limiter, on a controlled clock. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SlidingWindowRateLimiter } from "../../service/auth/rate-limiter";

describe("SlidingWindowRateLimiter", () => {
  it("accepts exactly `limit` requests per window and says when to retry", () => {
    let now = 1_000_000;
    const limiter = new SlidingWindowRateLimiter(60_000, () => now);
    for (let i = 0; i < 3; i++) {
      const d = limiter.take("k", 3);
      assert.equal(d.allowed, true);
      assert.equal(d.remaining, 2 - i);
      now += 10_000;
    }
    const refused = limiter.take("k", 3);
    assert.deepEqual(refused, { allowed: false, limit: 3, remaining: 0, retryAfterMs: 30_000 });
    // A refused request does not count: 30 s later the first one has left the window.
    now += 29_999;
    assert.equal(limiter.take("k", 3).allowed, false);
    now += 1;
    assert.equal(limiter.take("k", 3).allowed, true);
  });

  it("is exact across a window boundary (no double burst like fixed windows)", () => {
    let now = 59_000;
    const limiter = new SlidingWindowRateLimiter(60_000, () => now);
    for (let i = 0; i < 5; i++) assert.equal(limiter.take("k", 5).allowed, true);
    now = 61_000; // a fixed per-minute window would have reset here
    assert.equal(limiter.take("k", 5).allowed, false);
  });

  it("keeps keys apart and forgets idle ones", () => {
    let now = 0;
    const limiter = new SlidingWindowRateLimiter(60_000, () => now);
    assert.equal(limiter.take("a", 1).allowed, true);
    assert.equal(limiter.take("b", 1).allowed, true);
    assert.equal(limiter.take("a", 1).allowed, false);
    assert.equal(limiter.size, 2);
    now = 60_001;
    limiter.sweep();
    assert.equal(limiter.size, 0);
  });
});
