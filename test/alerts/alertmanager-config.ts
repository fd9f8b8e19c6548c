/**
 * A runnable copy of alertmanager/alertmanager.yml for tests (and any native run): the secret files it reads
 * from /etc/alertmanager/secrets/ moved to a directory of the caller's, the PagerDuty endpoint and the heartbeat
 * URL pointed at local receivers, templates made absolute (the copy lives elsewhere), and, optionally, faster
 * grouping timers. Routes, receivers, templates and inhibition stay exactly the committed ones.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { parse, stringify } from "yaml";

/** Where the committed config expects its secret files (compose.yaml mounts a directory there). */
export const SECRETS_PREFIX = "/etc/alertmanager/secrets/";

/** The secret files the committed config reads, by file name. */
export const SECRET_FILES = {
  pagerdutyRoutingKey: "pagerduty-routing-key",
  slackWebhookUrl: "slack-webhook-url",
  heartbeatToken: "heartbeat-token",
} as const;

export interface AlertmanagerSecrets {
  /** A PagerDuty Events API v2 routing key (32 characters). */
  pagerdutyRoutingKey: string;
  /** A Slack incoming-webhook URL. */
  slackWebhookUrl: string;
  /** The heartbeat endpoint's bearer token. */
  heartbeatToken: string;
}

export interface AlertmanagerRewrite {
  /** Directory holding the secret files (see writeAlertmanagerSecrets). */
  secretsDir: string;
  /** PagerDuty Events API v2 enqueue URL (global.pagerduty_url). */
  pagerdutyUrl: string;
  /** URL of the heartbeat receiver's webhook. */
  heartbeatUrl: string;
  /** group_wait of every route that sets one (e.g. "1s"). */
  groupWait?: string;
  /** group_interval of every route that sets one (e.g. "2s"). */
  groupInterval?: string;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function isRecord(value: unknown): value is Record<string, Json> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Writes the three secret files into `dir` (mode 0600), named as the committed config expects them. */
export function writeAlertmanagerSecrets(dir: string, secrets: AlertmanagerSecrets): void {
  for (const [key, file] of Object.entries(SECRET_FILES) as [keyof AlertmanagerSecrets, string][]) {
    writeFileSync(join(dir, file), `${secrets[key]}\n`, { mode: 0o600 });
  }
}

/** Every `*_file` value in the config, with its path in the document. */
function fileFields(node: Json, path: string, out: { path: string; value: string }[]): void {
  if (Array.isArray(node)) {
    node.forEach((item, i) => {
      fileFields(item, `${path}[${i}]`, out);
    });
  } else if (isRecord(node))
    for (const [key, value] of Object.entries(node)) {
      if (key.endsWith("_file") && typeof value === "string") out.push({ path: `${path}.${key}`, value });
      else fileFields(value, `${path}.${key}`, out);
    }
}

function moveSecrets(node: Json, secretsDir: string): Json {
  if (Array.isArray(node)) return node.map((item) => moveSecrets(item, secretsDir));
  if (!isRecord(node)) return node;
  const out: Record<string, Json> = {};
  for (const [key, value] of Object.entries(node)) {
    out[key] =
      key.endsWith("_file") && typeof value === "string" && value.startsWith(SECRETS_PREFIX)
        ? join(secretsDir, value.slice(SECRETS_PREFIX.length))
        : moveSecrets(value, secretsDir);
  }
  return out;
}

function retime(route: Json, rewrite: AlertmanagerRewrite): Json {
  if (!isRecord(route)) return route;
  const out: Record<string, Json> = { ...route };
  if (rewrite.groupWait !== undefined && "group_wait" in out) out.group_wait = rewrite.groupWait;
  if (rewrite.groupInterval !== undefined && "group_interval" in out)
    out.group_interval = rewrite.groupInterval;
  if (Array.isArray(out.routes)) out.routes = out.routes.map((child) => retime(child, rewrite));
  return out;
}

/** Rewrites the YAML text of an Alertmanager config read from `sourcePath`; returns YAML text. */
export function rewriteAlertmanagerConfig(
  text: string,
  sourcePath: string,
  rewrite: AlertmanagerRewrite,
): string {
  const parsed: unknown = parse(text);
  if (!isRecord(parsed)) throw new Error(`${sourcePath}: not a YAML mapping`);

  const files: { path: string; value: string }[] = [];
  fileFields(parsed, "", files);
  const outside = files.filter((f) => !f.value.startsWith(SECRETS_PREFIX));
  if (outside.length > 0)
    throw new Error(
      `${sourcePath}: secret files outside ${SECRETS_PREFIX}: ${outside.map((f) => `${f.path}=${f.value}`).join(", ")}`,
    );
  for (const f of files) {
    const moved = join(rewrite.secretsDir, f.value.slice(SECRETS_PREFIX.length));
    if (!existsSync(moved)) throw new Error(`${sourcePath}: ${f.path} needs ${moved}, which does not exist`);
  }

  const config = moveSecrets(parsed, rewrite.secretsDir) as Record<string, Json>;
  config.global = { ...(isRecord(config.global) ? config.global : {}), pagerduty_url: rewrite.pagerdutyUrl };

  let heartbeats = 0;
  if (Array.isArray(config.receivers)) {
    config.receivers = config.receivers.map((receiver) => {
      if (!isRecord(receiver) || receiver.name !== "heartbeat" || !Array.isArray(receiver.webhook_configs))
        return receiver;
      heartbeats++;
      return {
        ...receiver,
        webhook_configs: receiver.webhook_configs.map((wh) =>
          isRecord(wh) ? { ...wh, url: rewrite.heartbeatUrl } : wh,
        ),
      };
    });
  }
  if (heartbeats !== 1)
    throw new Error(`${sourcePath}: expected one "heartbeat" receiver with webhook_configs`);

  const base = dirname(resolve(sourcePath));
  if (Array.isArray(config.templates))
    config.templates = config.templates.map((t) =>
      typeof t === "string" && !isAbsolute(t) ? resolve(base, t) : t,
    );
  if (isRecord(config.route)) config.route = retime(config.route, rewrite);

  return `# Generated from ${sourcePath} by test/alerts/alertmanager-config.ts; do not edit.\n${stringify(config)}`;
}

/** rewriteAlertmanagerConfig for a file. */
export function alertmanagerConfigFrom(sourcePath: string, rewrite: AlertmanagerRewrite): string {
  return rewriteAlertmanagerConfig(readFileSync(sourcePath, "utf8"), sourcePath, rewrite);
}
