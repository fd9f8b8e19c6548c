import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { PagerDutyReceiver, SlackReceiver } from "./receivers";

describe("local receivers refuse what PagerDuty and Slack would refuse", () => {
  const pagerduty = new PagerDutyReceiver();
  const slack = new SlackReceiver();
  before(async () => {
    await pagerduty.start();
    await slack.start();
  });
  after(async () => {
    await pagerduty.stop();
    await slack.stop();
  });

  const post = (url: string, body: unknown, type = "application/json") =>
    fetch(url, { method: "POST", headers: { "content-type": type }, body: JSON.stringify(body) });

  it("PagerDuty Events API v2: accepts a valid trigger with 202, refuses bad ones with 400 and the reasons", async () => {
    const valid = {
      routing_key: "0123456789abcdef0123456789abcdef",
      event_action: "trigger",
      dedup_key: "k1",
      payload: { summary: "s", source: "svc", severity: "critical" },
      links: [{ href: "https://example.com/runbook", text: "Runbook" }],
    };
    const ok = await post(pagerduty.url, valid);
    assert.equal(ok.status, 202);
    assert.deepEqual(await ok.json(), { status: "success", message: "Event processed", dedup_key: "k1" });

    const cases: [unknown, RegExp][] = [
      [{ ...valid, routing_key: "short" }, /routing_key/],
      [{ ...valid, payload: { ...valid.payload, severity: "page" } }, /payload\.severity/],
      [{ ...valid, payload: { source: "svc", severity: "critical" } }, /payload\.summary/],
      [{ routing_key: valid.routing_key, event_action: "resolve" }, /dedup_key/],
      [{ ...valid, links: [{ href: "" }] }, /links/],
    ];
    for (const [event, reason] of cases) {
      const res = await post(pagerduty.url, event);
      assert.equal(res.status, 400);
      assert.match(JSON.stringify(await res.json()), reason);
    }
    assert.equal((await post(`${pagerduty.origin}/v1/enqueue`, valid)).status, 404);
    assert.equal(pagerduty.all().length, 1);
  });

  it("Slack incoming webhook: ok for text or attachments, 400 without either, 404 for another webhook", async () => {
    assert.equal(await (await post(slack.url, { text: "hi" })).text(), "ok");
    assert.equal((await post(slack.url, { attachments: [{ title: "t" }] })).status, 200);
    const empty = await post(slack.url, { channel: "#x" });
    assert.equal(empty.status, 400);
    assert.equal(await empty.text(), "no_text");
    assert.equal((await post(`${slack.origin}/services/T1/B1/other`, { text: "hi" })).status, 404);
    assert.equal(slack.all().length, 2);
  });
});
