/**
 * ChildContext (src/sdk/child-context.ts) behaves as the API's own contexts do: a random sequence of setValue and
 * deleteValue calls, long enough to pass the depth bound many times, gives the same values through both, and no
 * call changes a context made before it.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type Context, createContextKey, ROOT_CONTEXT, trace } from "@opentelemetry/api";
import { ChildContext, contextWithSpan, SPAN_KEY } from "../../src/sdk/child-context";

const span = (id: string) =>
  trace.wrapSpanContext({ traceId: "1".repeat(32), spanId: id.padStart(16, "0"), traceFlags: 1 });

/** A seeded generator (mulberry32), so a failure repeats. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe("ChildContext", () => {
  it("stores the span under the API's key: trace.getSpan finds it, and a parent's values stay visible", () => {
    const other = createContextKey("other");
    const parent = ROOT_CONTEXT.setValue(other, 42);
    const s = span("a");
    const ctx = contextWithSpan(parent, s);
    assert.ok(ctx instanceof ChildContext);
    assert.equal(trace.getSpan(ctx), s);
    assert.equal(ctx.getValue(other), 42);
    assert.equal(trace.getSpan(parent), undefined);
    assert.equal(trace.getSpan(ROOT_CONTEXT.setValue(SPAN_KEY, s)), s);
    const inner = span("b");
    const nested = contextWithSpan(ctx, inner);
    assert.equal(trace.getSpan(nested), inner);
    assert.equal(trace.getSpan(ctx), s);
    assert.equal(trace.getSpan(trace.deleteSpan(nested)), undefined);
    assert.equal(trace.deleteSpan(nested).getValue(other), 42);
  });

  it("answers as the API's contexts do through random set and delete sequences, leaving earlier contexts unchanged", () => {
    const keys = [SPAN_KEY, ...["a", "b", "c", "d"].map((k) => createContextKey(k))];
    for (let seed = 1; seed <= 40; seed++) {
      const next = random(seed);
      let ours: Context = contextWithSpan(ROOT_CONTEXT, span("0"));
      let theirs: Context = ROOT_CONTEXT.setValue(SPAN_KEY, ours.getValue(SPAN_KEY));
      const history: { ours: Context; expected: unknown[] }[] = [];
      for (let step = 0; step < 120; step++) {
        const key = keys[Math.floor(next() * keys.length)] as symbol;
        if (next() < 0.75) {
          const value = step;
          ours = ours.setValue(key, value);
          theirs = theirs.setValue(key, value);
        } else {
          ours = ours.deleteValue(key);
          theirs = theirs.deleteValue(key);
        }
        const expected = keys.map((k) => theirs.getValue(k));
        assert.deepEqual(
          keys.map((k) => ours.getValue(k)),
          expected,
          `seed ${seed} step ${step}`,
        );
        history.push({ ours, expected });
      }
      for (const [i, h] of history.entries())
        assert.deepEqual(
          keys.map((k) => h.ours.getValue(k)),
          h.expected,
          `seed ${seed}: context ${i} changed later`,
        );
    }
  });
});
