/**
 * alertmanager/alertmanager.yml in the real Alertmanager (Debian package, 0.25), its integrations pointed at
 * local receivers that speak PagerDuty's Events API v2, Slack's incoming webhooks and a plain webhook. Alerts
 * are posted to Alertmanager's API as Prometheus would post them; the test reads what leaves Alertmanager.
 */
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type AlertmanagerHandle, startAlertmanager } from "../../scripts/stack/alertmanager";
import { repoFile } from "../../scripts/stack/binaries";
import { createTempRunDir } from "../../scripts/stack/rundir";
import { alertmanagerConfigFrom, writeAlertmanagerSecrets } from "./alertmanager-config";
import { PagerDutyReceiver, SlackReceiver, WebhookReceiver } from "./receivers";
import { loadRules } from "./rule-files";
import { ALERTMANAGER_SELF_SERIES, exposedMetricNames } from "./self-series";

const ROUTING_KEY = "R0UT1NGKEY0123456789abcdefABCDEF"; // 32 characters, as PagerDuty requires
const HEARTBEAT_TOKEN = "heartbeat-token-for-tests";
const WAIT_MS = 30_000;

const runbooks = new Map(
  loadRules().flatMap((r) =>
    r.alert !== undefined ? [[r.alert, r.annotations.runbook_url ?? ""] as const] : [],
  ),
);

interface PostedAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt?: string;
  endsAt?: string;
}

/** An alert as Prometheus sends it: the rule's labels, rendered annotations, its real runbook_url. */
function alert(
  alertname: string,
  severity: string,
  service: string,
  extra: Record<string, string> = {},
): PostedAlert {
  const runbook = runbooks.get(alertname);
  assert.ok(runbook, `no rule ${alertname} in prometheus/rules`);
  return {
    labels: { alertname, severity, service, job: service, ...extra },
    annotations: {
      summary: `${alertname} on ${service}`,
      description: `${alertname} fired for ${service} (test).`,
      runbook_url: runbook,
    },
  };
}

describe("alertmanager.yml: routing, inhibition and payloads through the real Alertmanager", () => {
  let pagerduty: PagerDutyReceiver;
  let slack: SlackReceiver;
  let heartbeat: WebhookReceiver;
  let am: AlertmanagerHandle;

  async function post(...alerts: PostedAlert[]): Promise<void> {
    const res = await fetch(`${am.apiUrl}/alerts`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(alerts),
    });
    assert.equal(res.status, 200, await res.text());
  }

  before(async () => {
    pagerduty = await new PagerDutyReceiver().start();
    slack = await new SlackReceiver().start();
    heartbeat = await new WebhookReceiver().start();
    const runDir = createTempRunDir("procode-alerts-am");
    const secretsDir = join(runDir, "secrets");
    mkdirSync(secretsDir, { mode: 0o700 });
    writeAlertmanagerSecrets(secretsDir, {
      pagerdutyRoutingKey: ROUTING_KEY,
      slackWebhookUrl: slack.url,
      heartbeatToken: HEARTBEAT_TOKEN,
    });
    const config = alertmanagerConfigFrom(repoFile("alertmanager/alertmanager.yml"), {
      secretsDir,
      pagerdutyUrl: pagerduty.url,
      heartbeatUrl: heartbeat.url,
      groupWait: "1s",
      groupInterval: "2s",
    });
    am = await startAlertmanager({ config, runDir });
  });

  after(async () => {
    await am?.stop();
    await Promise.all([pagerduty?.stop(), slack?.stop(), heartbeat?.stop()]);
  });

  it("pages a critical alert through PagerDuty Events API v2: routing key, severity, summary, runbook link", async () => {
    await post(alert("DatabaseConnectionFailure", "critical", "am-critical", { instance: "i-1" }));
    const event = await pagerduty.waitFor(
      (r) => r.body.payload?.class === "DatabaseConnectionFailure" && r.body.event_action === "trigger",
      WAIT_MS,
      "trigger event for DatabaseConnectionFailure",
    );
    const body = event.body;
    assert.equal(body.routing_key, ROUTING_KEY);
    assert.equal(body.payload?.severity, "critical");
    assert.equal(
      body.payload?.summary,
      "[FIRING:1] DatabaseConnectionFailure (am-critical): DatabaseConnectionFailure on am-critical",
    );
    assert.equal(body.payload?.source, "am-critical");
    assert.equal(body.payload?.group, "am-critical");
    assert.equal(body.payload?.component, "procode-agent-framework");
    assert.deepEqual(body.links, [{ href: runbooks.get("DatabaseConnectionFailure"), text: "Runbook" }]);
    assert.equal(body.payload?.custom_details?.runbook_url, runbooks.get("DatabaseConnectionFailure"));
    assert.match(
      String(body.payload?.custom_details?.description),
      /\[firing\] DatabaseConnectionFailure fired/,
    );
    assert.equal(body.client, "ProCode Alertmanager");
    assert.match(body.client_url ?? "", /^http:\/\/127\.0\.0\.1:\d+/);
    assert.ok((body.dedup_key ?? "").length > 0, "dedup_key");
    assert.equal(slack.all().filter((r) => JSON.stringify(r.body).includes("am-critical")).length, 0);
  });

  it("sends a warning to Slack through the webhook URL read from its file", async () => {
    await post(alert("HTTPHighResponseTime", "warning", "am-warning"));
    const message = await slack.waitFor(
      (r) => r.body.attachments?.[0]?.title?.includes("HTTPHighResponseTime (am-warning)") === true,
      WAIT_MS,
      "message for HTTPHighResponseTime",
    );
    assert.equal(message.body.channel, "#procode-alerts");
    assert.equal(message.body.username, "Alertmanager");
    const attachment = message.body.attachments?.[0];
    assert.equal(attachment?.title, "[FIRING:1] HTTPHighResponseTime (am-warning)");
    assert.equal(attachment?.title_link, runbooks.get("HTTPHighResponseTime"));
    assert.equal(attachment?.color, "warning");
    assert.match(
      attachment?.text ?? "",
      /\*HTTPHighResponseTime on am-warning\*\nHTTPHighResponseTime fired for am-warning/,
    );
    assert.match(attachment?.text ?? "", /`severity=warning`/);
    assert.match(
      attachment?.text ?? "",
      /amtool silence add alertname="HTTPHighResponseTime" service="am-warning"/,
    );
    assert.deepEqual(attachment?.actions, [
      { type: "button", text: "Runbook", url: runbooks.get("HTTPHighResponseTime") },
    ]);
    assert.equal(pagerduty.all().filter((r) => r.body.payload?.group === "am-warning").length, 0);
  });

  it("inhibits a warning while the same service has a critical alert, not another service's", async () => {
    await post(
      alert("LLMProviderFailing", "critical", "am-inhibit", { gen_ai_provider_name: "openai" }),
      alert("LLMProviderDegraded", "warning", "am-inhibit", { gen_ai_provider_name: "openai" }),
      alert("LLMProviderDegraded", "warning", "am-other", { gen_ai_provider_name: "openai" }),
    );
    await pagerduty.waitFor(
      (r) => r.body.payload?.group === "am-inhibit",
      WAIT_MS,
      "the page for am-inhibit",
    );
    // The other service's warning goes out; the inhibited one, posted in the same request, must not.
    await slack.waitFor(
      (r) => r.body.attachments?.[0]?.title === "[FIRING:1] LLMProviderDegraded (am-other)",
      WAIT_MS,
      "the warning of am-other",
    );
    const res = await fetch(`${am.apiUrl}/alerts?filter=${encodeURIComponent('service="am-inhibit"')}`);
    const states = (await res.json()) as {
      labels: Record<string, string>;
      status: { state: string; inhibitedBy: string[] };
    }[];
    const warning = states.find((s) => s.labels.alertname === "LLMProviderDegraded");
    assert.equal(warning?.status.state, "suppressed");
    assert.equal(warning?.status.inhibitedBy.length, 1);
    await new Promise((r) => setTimeout(r, 4_000)); // two group intervals more
    const leaked = slack.all().filter((r) => r.body.attachments?.[0]?.title?.includes("(am-inhibit)"));
    assert.deepEqual(leaked, [], "the inhibited warning reached Slack");
  });

  it("sends the Watchdog to the heartbeat receiver with the bearer token from its file", async () => {
    await post(alert("Watchdog", "none", "prometheus"));
    const ping = await heartbeat.waitFor(
      (r) => r.body.commonLabels.alertname === "Watchdog",
      WAIT_MS,
      "Watchdog",
    );
    assert.equal(ping.headers.authorization, `Bearer ${HEARTBEAT_TOKEN}`);
    assert.equal(ping.body.version, "4");
    assert.equal(ping.body.receiver, "heartbeat");
    assert.equal(ping.body.status, "firing");
    assert.equal(pagerduty.all().filter((r) => r.body.payload?.class === "Watchdog").length, 0);
    assert.equal(slack.all().filter((r) => JSON.stringify(r.body).includes("Watchdog")).length, 0);
  });

  it("resolves: PagerDuty gets a resolve event with the incident's dedup_key, Slack a resolved message", async () => {
    const critical = alert("DatabaseConnectionFailure", "critical", "am-critical", { instance: "i-1" });
    const warning = alert("HTTPHighResponseTime", "warning", "am-warning");
    const trigger = await pagerduty.waitFor(
      (r) => r.body.payload?.group === "am-critical" && r.body.event_action === "trigger",
      WAIT_MS,
    );
    const now = new Date().toISOString();
    await post({ ...critical, endsAt: now }, { ...warning, endsAt: now });
    const resolve = await pagerduty.waitFor(
      (r) => r.body.event_action === "resolve" && r.body.dedup_key === trigger.body.dedup_key,
      WAIT_MS,
      "resolve event for the am-critical incident",
    );
    assert.equal(resolve.body.routing_key, ROUTING_KEY);
    const resolved = await slack.waitFor(
      (r) => r.body.attachments?.[0]?.title === "[RESOLVED] HTTPHighResponseTime (am-warning)",
      WAIT_MS,
      "resolved message",
    );
    assert.equal(resolved.body.attachments?.[0]?.color, "good");
    assert.deepEqual(pagerduty.rejections(), [], "PagerDuty receiver rejected events");
    assert.deepEqual(slack.rejections(), [], "Slack receiver rejected messages");
  });

  it("exposes the series the pipeline alerts read, and counts the deliveries", async () => {
    const text = await (await fetch(`${am.url}/metrics`)).text();
    const names = exposedMetricNames(text);
    for (const name of ALERTMANAGER_SELF_SERIES)
      assert.ok(names.has(name), `Alertmanager does not expose ${name}`);
    assert.match(text, /alertmanager_notifications_total\{integration="pagerduty"\} [1-9]/);
    assert.match(text, /alertmanager_notifications_failed_total\{integration="pagerduty"\} 0/);
  });
});
