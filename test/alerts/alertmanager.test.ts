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

  it("inhibits the warning of an alert only while the same alert is critical for the same service and provider", async () => {
    const svc = "am-inhibit";
    const llm = (severity: string, provider: string, service = svc) =>
      alert("LLMProviderErrors", severity, service, { gen_ai_provider_name: provider });
    const burn = (severity: string, long: string, short: string) =>
      alert("ChatAvailabilityErrorBudgetBurn", severity, svc, {
        slo: "chat-availability",
        long_window: long,
        short_window: short,
      });
    await post(
      llm("critical", "openai"),
      llm("warning", "openai"), // the same alert, service and provider: inhibited
      llm("warning", "anthropic"), // another provider: delivered
      llm("warning", "openai", "am-other"), // another service: delivered
      alert("HTTPHighErrorRate", "critical", svc),
      alert("HTTPHighResponseTime", "warning", svc), // another alert of a service that pages: delivered
      burn("critical", "1h", "5m"),
      burn("warning", "1d", "2h"), // the same alert at another window (labels outside equal): inhibited
    );
    const titled = (title: string) =>
      slack.waitFor((r) => r.body.attachments?.[0]?.title === title, WAIT_MS, title);
    const llmMessage = await titled(`[FIRING:1] LLMProviderErrors (${svc})`);
    await titled("[FIRING:1] LLMProviderErrors (am-other)");
    await titled(`[FIRING:1] HTTPHighResponseTime (${svc})`);
    assert.match(llmMessage.body.attachments?.[0]?.text ?? "", /`gen_ai_provider_name=anthropic`/);
    assert.doesNotMatch(llmMessage.body.attachments?.[0]?.text ?? "", /openai/);
    for (const cls of ["LLMProviderErrors", "HTTPHighErrorRate", "ChatAvailabilityErrorBudgetBurn"])
      await pagerduty.waitFor(
        (r) => r.body.payload?.class === cls && r.body.payload.group === svc,
        WAIT_MS,
        `the page ${cls} for ${svc}`,
      );

    const res = await fetch(`${am.apiUrl}/alerts?filter=${encodeURIComponent(`service="${svc}"`)}`);
    const states = (await res.json()) as {
      fingerprint: string;
      labels: Record<string, string>;
      status: { state: string; inhibitedBy: string[] };
    }[];
    const find = (labels: Record<string, string>) => {
      const found = states.find((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v));
      assert.ok(found, `no alert ${JSON.stringify(labels)} in Alertmanager`);
      return found;
    };
    const state = (labels: Record<string, string>) => {
      const { status } = find(labels);
      return `${status.state} by ${status.inhibitedBy.length}`;
    };
    const llmCritical = find({ alertname: "LLMProviderErrors", severity: "critical" });
    const burnCritical = find({ alertname: "ChatAvailabilityErrorBudgetBurn", severity: "critical" });
    assert.deepEqual(
      find({ alertname: "LLMProviderErrors", severity: "warning", gen_ai_provider_name: "openai" }).status,
      { state: "suppressed", inhibitedBy: [llmCritical.fingerprint], silencedBy: [] },
    );
    assert.deepEqual(find({ alertname: "ChatAvailabilityErrorBudgetBurn", severity: "warning" }).status, {
      state: "suppressed",
      inhibitedBy: [burnCritical.fingerprint],
      silencedBy: [],
    });
    assert.equal(state({ alertname: "LLMProviderErrors", gen_ai_provider_name: "anthropic" }), "active by 0");
    assert.equal(state({ alertname: "HTTPHighResponseTime" }), "active by 0");
    for (const critical of [llmCritical, burnCritical, find({ alertname: "HTTPHighErrorRate" })])
      assert.equal(critical.status.state, "active");

    await new Promise((r) => setTimeout(r, 4_000)); // two group intervals more
    const leaked = slack
      .all()
      .filter(
        (r) =>
          r.body.attachments?.[0]?.title?.includes("ChatAvailabilityErrorBudgetBurn") === true ||
          (/LLMProviderErrors \(am-inhibit\)/.test(r.body.attachments?.[0]?.title ?? "") &&
            /openai/.test(r.body.attachments?.[0]?.text ?? "")),
      );
    assert.deepEqual(leaked, [], "an inhibited warning reached Slack");
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
