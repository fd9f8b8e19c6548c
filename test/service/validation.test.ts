/** Request validation and the fault-injection header: every problem answered with a clear 4xx. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ApiError } from "../../service/errors";
import { NO_FAULTS, parseFaultHeader } from "../../service/faults";
import { validateChatBody } from "../../service/validation";

function refusal(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ApiError, `expected an ApiError, got ${String(err)}`);
    return err;
  }
  assert.fail("expected a refusal");
}

describe("validateChatBody", () => {
  it("accepts a valid body", () => {
    assert.deepEqual(validateChatBody({ message: "What is my balance?", user_id: "user_acme_01" }, 100), {
      message: "What is my balance?",
      userId: "user_acme_01",
      intent: undefined,
    });
    assert.equal(
      validateChatBody({ message: "x", user_id: "u.1", intent: "search_docs" }, 100).intent,
      "search_docs",
    );
  });

  it("reports every invalid field at once", () => {
    const err = refusal(() => validateChatBody({ message: "  ", user_id: "bad id!", extra: 1 }, 100));
    assert.equal(err.status, 400);
    assert.equal(err.code, "invalid_request");
    assert.deepEqual(
      err.options.details?.map((d) => d.field),
      ["extra", "message", "user_id"],
    );
  });

  it("refuses non-objects, too-long messages and unknown intents", () => {
    for (const body of [null, [], "text", 42])
      assert.equal(refusal(() => validateChatBody(body, 100)).code, "invalid_body");
    const long = refusal(() => validateChatBody({ message: "x".repeat(101), user_id: "u1" }, 100));
    assert.match(long.options.details?.[0]?.problem ?? "", /at most 100 characters \(got 101\)/);
    const unknown = refusal(() =>
      validateChatBody({ message: "hi", user_id: "u1", intent: "order_pizza" }, 100),
    );
    assert.equal(unknown.status, 422);
    assert.equal(unknown.code, "unknown_intent");
  });
});

describe("parseFaultHeader", () => {
  it("reads LLM and database faults", () => {
    assert.equal(parseFaultHeader(undefined), NO_FAULTS);
    assert.deepEqual(parseFaultHeader("llm=timeout"), {
      llm: { kind: "timeout", stage: "classification" },
      db: false,
    });
    assert.deepEqual(parseFaultHeader("llm=rate_limit@generation, db=timeout"), {
      llm: { kind: "rate_limit", stage: "generation" },
      db: true,
    });
  });

  it("refuses what it does not know with a 400", () => {
    for (const bad of ["llm=explode", "db=slow", "cpu=hot", "llm=timeout@nowhere"]) {
      const err = refusal(() => parseFaultHeader(bad));
      assert.equal(err.status, 400);
      assert.equal(err.code, "invalid_fault_header");
    }
  });
});
