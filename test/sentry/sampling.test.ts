/**
 * Per-level sampling, as a process: 1,000 warnings captured through captureError reach the local Sentry
 * ingest as 500 +/- 50 events (binomial, n = 1000, p = 0.5: +/- 50 is 3.2 standard deviations), and the
 * sentry.events.dropped counter accounts for every other one, exactly. The transport buffer is raised so
 * that the bound (tested in bounded.test.ts) does not drop any of the kept ones here.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type Child, startChild } from "../support/child";
import { type OtlpReceiver, startOtlpReceiver } from "../support/otlp-receiver";
import { APP, dropped, envFor, REQUIRE } from "./helpers";
import { type SentryReceiver, startSentryReceiver } from "./receiver";

describe("1,000 warnings at the default rates", () => {
  let sentry: SentryReceiver;
  let otlp: OtlpReceiver;
  let child: Child;
  let queued = 0;
  let exitCode: number | null = null;

  before(async () => {
    sentry = await startSentryReceiver();
    otlp = await startOtlpReceiver();
    child = await startChild(
      [...REQUIRE, APP],
      envFor(otlp.url, sentry.dsn, { PROCODE_SENTRY_BUFFER_SIZE: "2000" }),
    );
    const res = await fetch(`http://127.0.0.1:${child.port}/warn?n=1000`);
    queued = ((await res.json()) as { queued: number }).queued;
    exitCode = (await child.signal("SIGTERM")).code;
  });
  after(async () => {
    child?.kill();
    await sentry?.stop();
    await otlp?.stop();
  });

  it("sends 500 +/- 50 of them, every one it queued", () => {
    assert.equal(exitCode, 0, child.stderr());
    const warnings = sentry.events().filter((e) => e.level === "warning");
    assert.equal(sentry.events().length, warnings.length, "only warnings were captured");
    assert.ok(warnings.length >= 450 && warnings.length <= 550, `${warnings.length} warnings sent`);
    assert.equal(warnings.length, queued, "every event that was kept arrived");
  });

  it("counts the rest as sampled away, and nothing else", () => {
    const counts = dropped(otlp);
    assert.deepEqual([...counts.keys()], ["sampled/warning"]);
    assert.equal(counts.get("sampled/warning"), 1000 - sentry.events().length);
  });
});
