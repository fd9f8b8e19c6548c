/**
 * Both preload flags, errors included. Sentry 11 warns that init() from a `--require` preload is no longer
 * supported (its own module hooks would run on Node's loader thread); here its hooks are off and ours run
 * in-thread, so the same app under `--require ./dist/register.js` and `--import ./dist/register.mjs`
 * captures 5xx errors linked to their trace, unhandled rejections and uncaught exceptions - and exits the
 * way Node would (code 1) after flushing them. Nothing from Sentry is printed.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type Child, startChild } from "../support/child";
import { type OtlpReceiver, startOtlpReceiver } from "../support/otlp-receiver";
import { APP, envFor, exited, get, IMPORT, mainException, REQUIRE, serverSpans } from "./helpers";
import { type SentryReceiver, startSentryReceiver } from "./receiver";

for (const [flag, args] of [
  ["--require", REQUIRE],
  ["--import", IMPORT],
] as const) {
  describe(`errors under ${flag}`, () => {
    let sentry: SentryReceiver;
    let otlp: OtlpReceiver;
    const children: Child[] = [];

    before(async () => {
      sentry = await startSentryReceiver();
      otlp = await startOtlpReceiver();
    });
    after(async () => {
      for (const c of children) c.kill();
      await sentry?.stop();
      await otlp?.stop();
    });

    it("a 5xx is captured with its trace id; an unhandled rejection is captured and exits 1", async () => {
      const child = await startChild([...args, APP], envFor(otlp.url, sentry.dsn));
      children.push(child);
      assert.equal(await get(child.port, "/boom"), 500);
      await sentry.waitFor(() => sentry.events().length === 1, 10_000, "the /boom event");
      assert.equal(await get(child.port, "/reject?detail=rejection-secret-1"), 200);
      const exit = await exited(child.proc);
      assert.equal(exit.code, 1, child.stderr());
      assert.match(child.stderr(), /Unhandled rejection: Error: rejected: token=rejection-secret-1/);
      assert.doesNotMatch(child.stderr(), /\[Sentry\]/);

      const [boom, rejection] = sentry.events();
      const span = serverSpans(otlp, "GET /boom")[0];
      assert.ok(span, "the server span was flushed before the exit");
      assert.equal(boom?.contexts?.trace?.trace_id, span.traceId);
      assert.equal(mainException(rejection)?.mechanism?.type, "auto.node.onunhandledrejection");
      assert.equal(mainException(rejection)?.mechanism?.handled, false);
      assert.equal(mainException(rejection)?.value, "rejected: token=[REDACTED]");
      assert.equal(sentry.events().length, 2);
    });

    it("an uncaught exception is captured as fatal, flushed, and exits 1", async () => {
      const before = sentry.events().length;
      const child = await startChild([...args, APP], envFor(otlp.url, sentry.dsn));
      children.push(child);
      assert.equal(await get(child.port, "/crash?detail=crash-secret-1"), 200);
      const exit = await exited(child.proc);
      assert.equal(exit.code, 1, child.stderr());
      assert.match(child.stderr(), /Error: crashed: password=crash-secret-1/, "printed as Node would");
      assert.doesNotMatch(child.stderr(), /\[Sentry\]/);
      const events = sentry.events().slice(before);
      assert.equal(events.length, 1);
      assert.equal(events[0]?.level, "fatal");
      assert.equal(events[0]?.tags?.["error.category"], "application");
      assert.equal(mainException(events[0])?.mechanism?.type, "auto.node.onuncaughtexception");
      assert.equal(mainException(events[0])?.value, "crashed: password=[REDACTED]");
      const raw = sentry
        .envelopes()
        .map((e) => e.raw.toString("utf8"))
        .join("\n");
      assert.ok(!raw.includes("crash-secret-1"));
    });
  });
}
