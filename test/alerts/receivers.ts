/**
 * Local HTTP receivers that speak the vendors' real inbound formats, so Alertmanager's own pagerduty, slack and
 * webhook integrations can be tested end to end without the network:
 *   - PagerDuty Events API v2 (POST /v2/enqueue): validates an event the way PagerDuty documents it and answers
 *     202 {"status":"success",...} or 400 {"status":"invalid event",...};
 *   - Slack incoming webhooks (POST /services/T.../B.../...): answers "ok", or 400 "invalid_payload" /
 *     404 "no_service" for an unknown webhook path;
 *   - a generic webhook (the heartbeat): records headers and body, answers 200.
 * Every accepted request is kept, in arrival order; waitFor() resolves when one matches.
 */
import { once } from "node:events";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface Received<T> {
  readonly at: number;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: T;
}

type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** https://developer.pagerduty.com/docs/events-api-v2/trigger-events/ */
export interface PagerDutyEvent {
  routing_key: string;
  event_action: "trigger" | "acknowledge" | "resolve";
  dedup_key?: string;
  payload?: {
    summary: string;
    source: string;
    severity: "critical" | "error" | "warning" | "info";
    timestamp?: string;
    component?: string;
    group?: string;
    class?: string;
    custom_details?: Record<string, JsonValue>;
  };
  images?: { src: string; href?: string; alt?: string }[];
  links?: { href: string; text?: string }[];
  client?: string;
  client_url?: string;
}

/** https://api.slack.com/reference/messaging/attachments (legacy attachments, what Alertmanager sends) */
export interface SlackAttachment {
  title?: string;
  title_link?: string;
  pretext?: string;
  text?: string;
  fallback?: string;
  color?: string;
  footer?: string;
  mrkdwn_in?: string[];
  fields?: { title: string; value: string; short?: boolean }[];
  actions?: { type: string; text: string; url?: string }[];
}

export interface SlackMessage {
  channel?: string;
  username?: string;
  icon_emoji?: string;
  icon_url?: string;
  text?: string;
  attachments?: SlackAttachment[];
}

/** Alertmanager's webhook payload (version 4). */
export interface AlertmanagerWebhook {
  version: string;
  groupKey: string;
  status: "firing" | "resolved";
  receiver: string;
  groupLabels: Record<string, string>;
  commonLabels: Record<string, string>;
  commonAnnotations: Record<string, string>;
  externalURL: string;
  alerts: {
    status: "firing" | "resolved";
    labels: Record<string, string>;
    annotations: Record<string, string>;
    startsAt: string;
    endsAt: string;
    fingerprint: string;
  }[];
}

type Verdict<T> = { ok: true; value: T } | { ok: false; status: number; body: string; contentType: string };

abstract class Receiver<T> {
  protected readonly server: Server;
  private readonly received: Received<T>[] = [];
  private readonly rejected: { path: string; status: number; body: string }[] = [];
  private readonly waiters = new Set<() => void>();
  private port = 0;

  constructor(private readonly name: string) {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", () => {
        const raw = Buffer.concat(chunks).toString("utf8");
        const path = req.url ?? "/";
        const verdict = req.method === "POST" ? this.accept(path, req.headers, raw) : this.reject(405, "");
        if (verdict.ok) {
          this.received.push({ at: Date.now(), path, headers: req.headers, body: verdict.value });
          const [status, contentType, body] = this.reply(verdict.value);
          res.writeHead(status, { "content-type": contentType }).end(body);
          for (const wake of this.waiters) wake();
        } else {
          this.rejected.push({ path, status: verdict.status, body: raw });
          res.writeHead(verdict.status, { "content-type": verdict.contentType }).end(verdict.body);
        }
      });
    });
  }

  protected abstract accept(path: string, headers: IncomingHttpHeaders, raw: string): Verdict<T>;
  protected abstract reply(value: T): [number, string, string];

  protected reject(status: number, body: string, contentType = "text/plain"): Verdict<T> {
    return { ok: false, status, body, contentType };
  }

  async start(): Promise<this> {
    this.server.listen(0, "127.0.0.1");
    await once(this.server, "listening");
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  get origin(): string {
    if (this.port === 0) throw new Error(`${this.name} receiver: not started`);
    return `http://127.0.0.1:${this.port}`;
  }

  /** Every accepted request so far, oldest first. */
  all(): readonly Received<T>[] {
    return [...this.received];
  }

  /** Requests answered with an error (bad payloads), for assertion messages. */
  rejections(): readonly { path: string; status: number; body: string }[] {
    return [...this.rejected];
  }

  /** The first accepted request (old or new) that matches; rejects after timeoutMs with what arrived. */
  waitFor(
    match: (r: Received<T>) => boolean,
    timeoutMs: number,
    what = "a matching request",
  ): Promise<Received<T>> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const hit = this.received.find(match);
        if (hit === undefined) return false;
        cleanup();
        resolve(hit);
        return true;
      };
      const timer = setTimeout(() => {
        cleanup();
        const seen = this.received.map((r) => JSON.stringify(r.body).slice(0, 400));
        const bad = this.rejected.map((r) => `${r.status} ${r.body.slice(0, 300)}`);
        reject(
          new Error(
            `${this.name} receiver: no ${what} within ${timeoutMs} ms; accepted ${seen.length}: ${seen.join(" | ")}` +
              (bad.length > 0 ? `; rejected: ${bad.join(" | ")}` : ""),
          ),
        );
      }, timeoutMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        this.waiters.delete(wake);
      };
      const wake = (): void => {
        check();
      };
      this.waiters.add(wake);
      check();
    });
  }

  async stop(): Promise<void> {
    if (!this.server.listening) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

function parseJson(raw: string): unknown {
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return undefined;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

const PD_SEVERITIES = new Set(["critical", "error", "warning", "info"]);
const PD_ACTIONS = new Set(["trigger", "acknowledge", "resolve"]);

/** The problems PagerDuty's Events API v2 would report for this event (empty: valid). */
export function pagerDutyEventErrors(event: unknown): string[] {
  if (!isObject(event)) return ["Event object is invalid: not a JSON object"];
  const errors: string[] = [];
  if (typeof event.routing_key !== "string" || event.routing_key.length !== 32)
    errors.push("'routing_key' must be a 32-character string");
  if (typeof event.event_action !== "string" || !PD_ACTIONS.has(event.event_action))
    errors.push("'event_action' must be one of trigger, acknowledge, resolve");
  if (event.dedup_key !== undefined && (typeof event.dedup_key !== "string" || event.dedup_key.length > 255))
    errors.push("'dedup_key' must be a string of at most 255 characters");
  if (event.event_action !== "trigger" && typeof event.dedup_key !== "string")
    errors.push("'dedup_key' is required for acknowledge and resolve events");
  if (event.event_action === "trigger") {
    const payload = event.payload;
    if (!isObject(payload)) errors.push("'payload' is required for trigger events");
    else {
      if (typeof payload.summary !== "string" || payload.summary === "" || payload.summary.length > 1024)
        errors.push("'payload.summary' must be a non-empty string of at most 1024 characters");
      if (typeof payload.source !== "string" || payload.source === "")
        errors.push("'payload.source' must be a non-empty string");
      if (typeof payload.severity !== "string" || !PD_SEVERITIES.has(payload.severity))
        errors.push("'payload.severity' must be one of critical, error, warning, info");
      if (payload.custom_details !== undefined && !isObject(payload.custom_details))
        errors.push("'payload.custom_details' must be an object");
    }
  }
  if (event.links !== undefined) {
    if (!Array.isArray(event.links)) errors.push("'links' must be an array");
    else
      for (const link of event.links)
        if (!isObject(link) || typeof link.href !== "string" || !/^https?:\/\//.test(link.href))
          errors.push(`'links[].href' must be an http(s) URL, got ${JSON.stringify(link)}`);
  }
  return errors;
}

export class PagerDutyReceiver extends Receiver<PagerDutyEvent> {
  constructor() {
    super("PagerDuty Events API v2");
  }

  /** The Events API v2 enqueue URL (Alertmanager's global.pagerduty_url or pagerduty_configs[].url). */
  get url(): string {
    return `${this.origin}/v2/enqueue`;
  }

  protected accept(path: string, headers: IncomingHttpHeaders, raw: string): Verdict<PagerDutyEvent> {
    if (path !== "/v2/enqueue") return this.reject(404, "Not Found");
    if (!String(headers["content-type"] ?? "").includes("application/json"))
      return this.reject(
        400,
        JSON.stringify({ status: "invalid event", message: "Content-Type must be application/json" }),
        "application/json",
      );
    const event = parseJson(raw);
    const errors = pagerDutyEventErrors(event);
    if (errors.length > 0)
      return this.reject(
        400,
        JSON.stringify({ status: "invalid event", message: "Event object is invalid", errors }),
        "application/json",
      );
    return { ok: true, value: event as PagerDutyEvent };
  }

  protected reply(event: PagerDutyEvent): [number, string, string] {
    const body = { status: "success", message: "Event processed", dedup_key: event.dedup_key ?? "generated" };
    return [202, "application/json", JSON.stringify(body)];
  }
}

export class SlackReceiver extends Receiver<SlackMessage> {
  constructor(private readonly webhookPath = "/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX") {
    super("Slack incoming webhook");
  }

  /** The incoming-webhook URL to put in Alertmanager's api_url_file. */
  get url(): string {
    return `${this.origin}${this.webhookPath}`;
  }

  protected accept(path: string, _headers: IncomingHttpHeaders, raw: string): Verdict<SlackMessage> {
    if (path !== this.webhookPath) return this.reject(404, "no_service");
    const message = parseJson(raw);
    if (!isObject(message)) return this.reject(400, "invalid_payload");
    const hasText = typeof message.text === "string" && message.text !== "";
    const attachments = message.attachments;
    const hasAttachments = Array.isArray(attachments) && attachments.length > 0;
    if (!hasText && !hasAttachments) return this.reject(400, "no_text");
    if (attachments !== undefined && (!Array.isArray(attachments) || !attachments.every(isObject)))
      return this.reject(400, "invalid_attachments");
    return { ok: true, value: message as SlackMessage };
  }

  protected reply(): [number, string, string] {
    return [200, "text/plain", "ok"];
  }
}

export class WebhookReceiver extends Receiver<AlertmanagerWebhook> {
  constructor(private readonly webhookPath = "/ping/procode-alertmanager") {
    super("heartbeat webhook");
  }

  get url(): string {
    return `${this.origin}${this.webhookPath}`;
  }

  protected accept(path: string, _headers: IncomingHttpHeaders, raw: string): Verdict<AlertmanagerWebhook> {
    if (path !== this.webhookPath) return this.reject(404, "not found");
    const body = parseJson(raw);
    if (!isObject(body) || !Array.isArray(body.alerts))
      return this.reject(400, "not an Alertmanager webhook");
    return { ok: true, value: body as unknown as AlertmanagerWebhook };
  }

  protected reply(): [number, string, string] {
    return [200, "text/plain", "ok"];
  }
}
