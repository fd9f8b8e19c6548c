/**
 * A lean HTTP/1.1 client for OTLP span exports to a plain-HTTP endpoint (the Collector beside the app):
 * one keep-alive connection, one request at a time, the request head written with its body in one `writev`,
 * and the response read by a small parser. Under load, Node's `http` client (ClientRequest, Agent,
 * IncomingMessage and their streams) cost the server about 5 us per span more than this, in interleaved runs of
 * bench/overhead.ts (bench/results/overhead.md, docs/decisions.md).
 *
 * It answers the export delegate exactly as otlp-exporter-base's own HTTP transport does: 2xx is success with the
 * response body (partial success is read from it upstream), 429/502/503/504 are retryable with Retry-After,
 * other statuses fail with an `OTLPExporterError` carrying the status and body, the same network error codes
 * are retryable, a timeout is retryable, and a response body over 4 MiB fails. `retrying()` wraps it with
 * upstream's backoff. HTTPS endpoints and gzip keep upstream's transport (src/sdk/otlp-exporters.ts).
 */
import { connect, type Socket } from "node:net";
import { diag } from "@opentelemetry/api";
import {
  type ExportResponse,
  type IExporterTransport,
  OTLPExporterError,
} from "@opentelemetry/otlp-exporter-base";

/** otlp-exporter-base's limit on a response body it reads. */
export const MAX_RESPONSE_BODY_BYTES = 4 * 1024 * 1024;
/** A response head larger than this is not an OTLP receiver's. */
const MAX_HEAD_BYTES = 64 * 1024;

/** The network errors otlp-exporter-base retries. */
const RETRYABLE_NETWORK_ERRORS = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "EPIPE",
  "ETIMEDOUT",
  "EAI_AGAIN",
  "ENOTFOUND",
  "ENETUNREACH",
  "EHOSTUNREACH",
]);

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

/** Headers this transport writes itself, or must not send: it frames every request with Content-Length. */
const FRAMING_HEADERS = new Set([
  "host",
  "content-length",
  "transfer-encoding",
  "te",
  "connection",
  "keep-alive",
  "upgrade",
  "expect",
  "user-agent",
]);

function timedOut(): ExportResponse {
  return { status: "retryable", error: new Error("Request timed out") };
}

function isRetryableStatus(status: number): boolean {
  return status === 429 || status === 502 || status === 503 || status === 504;
}

/** Retry-After as otlp-exporter-base reads it: seconds, or an HTTP date. */
function retryAfterMillis(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const seconds = Number.parseInt(value, 10);
  if (Number.isInteger(seconds)) return seconds > 0 ? seconds * 1000 : -1;
  const delay = new Date(value).getTime() - Date.now();
  return Number.isNaN(delay) ? 0 : Math.max(delay, 0);
}

/**
 * The delegate's answer for a response, as otlp-exporter-base's transport gives it: 2xx success with the body,
 * 429/502/503/504 retryable with Retry-After, anything else a failure with the status and body. For a
 * response cut off by `error` after its head, as upstream reads a response that errors: a 2xx already counts
 * as accepted (no duplicate spans), a retryable status stays retryable with the error, anything else fails
 * with it.
 */
function answer(head: Head, body: Buffer | undefined, error?: Error): ExportResponse {
  if (head.status >= 200 && head.status <= 299)
    return body === undefined ? { status: "success" } : { status: "success", data: body };
  if (isRetryableStatus(head.status)) {
    const retryInMillis = retryAfterMillis(head.headers.get("retry-after"));
    return error === undefined
      ? { status: "retryable", retryInMillis }
      : { status: "retryable", error, retryInMillis };
  }
  return {
    status: "failure",
    error: error ?? new OTLPExporterError(head.reason, head.status, body?.toString()),
  };
}

function networkFailure(error: Error): ExportResponse {
  const code = (error as NodeJS.ErrnoException).code;
  return typeof code === "string" && RETRYABLE_NETWORK_ERRORS.has(code)
    ? { status: "retryable", error }
    : { status: "failure", error };
}

/** True if `buf` has a line feed not preceded by a carriage return: HTTP/1.1 lines end in CRLF. */
function hasBareLf(buf: Buffer): boolean {
  for (let i = buf.indexOf(10); i >= 0; i = buf.indexOf(10, i + 1))
    if (i === 0 || buf[i - 1] !== 13) return true;
  return false;
}

/** What Node's parser reports for a line that ends in a bare LF (a failure, not retried, as upstream's). */
function missingCr(where: string): Error {
  return Object.assign(new Error(`Parse Error: Missing expected CR after ${where}`), {
    code: "HPE_CR_EXPECTED",
  });
}

function hangUp(): Error {
  return Object.assign(new Error("socket hang up"), { code: "ECONNRESET" });
}

interface Head {
  readonly status: number;
  readonly reason: string;
  readonly headers: Map<string, string>;
  readonly keepAlive: boolean;
}

/** Parses a response head (status line and headers, without the blank line); undefined if it is not HTTP/1.x. */
function parseHead(text: string): Head | undefined {
  const lines = text.split("\r\n");
  const m = /^HTTP\/1\.([01]) (\d{3})(?: (.*))?$/.exec(lines[0] ?? "");
  if (!m) return undefined;
  const headers = new Map<string, string>();
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i] as string;
    const colon = line.indexOf(":");
    if (colon <= 0) return undefined;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    const prior = headers.get(name);
    headers.set(name, prior === undefined ? value : `${prior}, ${value}`);
  }
  const connection = headers.get("connection")?.toLowerCase() ?? "";
  const keepAlive = m[1] === "1" ? !connection.includes("close") : connection.includes("keep-alive");
  return { status: Number(m[2]), reason: m[3] ?? "", headers, keepAlive };
}

/**
 * One response, fed bytes as they arrive. `done` is set once the response is complete; bytes after it stay
 * unread (`hasLeftover`): requests are not pipelined, so a server sends none, and a connection that received
 * some is closed.
 */
class ResponseReader {
  head: Head | undefined;
  done = false;
  /** Why the response cannot be read (too large, malformed). */
  error: Error | undefined;
  private pending: Buffer = Buffer.alloc(0);
  private readonly body: Buffer[] = [];
  private bodyBytes = 0;
  /** Bytes of body still expected (Content-Length), or -1 when chunked, or -2 when read until close. */
  private remaining = 0;
  /**
   * Chunked: bytes left in the current chunk's data, 0 while reading the CRLF after it, -1 while reading a
   * chunk-size line, -2 while reading trailers.
   */
  private chunkLeft = -1;

  feed(data: Buffer): void {
    this.pending = this.pending.length === 0 ? data : Buffer.concat([this.pending, data]);
    while (!this.done && this.error === undefined && this.step()) {
      // Each step consumes what it can; it returns false when it needs more bytes.
    }
  }

  /** The connection closed: a body read until close ends here; anything else is incomplete. */
  close(): void {
    if (this.done) return;
    if (this.head !== undefined && this.remaining === -2) this.done = true;
  }

  /** Bytes received after the complete response: the connection is out of step and must not be reused. */
  hasLeftover(): boolean {
    return this.pending.length > 0;
  }

  bodyBuffer(): Buffer {
    return Buffer.concat(this.body, this.bodyBytes);
  }

  private take(n: number): Buffer {
    const out = this.pending.subarray(0, n);
    this.pending = this.pending.subarray(n);
    return out;
  }

  private addBody(chunk: Buffer): void {
    this.bodyBytes += chunk.length;
    if (this.bodyBytes > MAX_RESPONSE_BODY_BYTES) {
      this.error = new Error(
        `OTLP export response body exceeded size limit of ${MAX_RESPONSE_BODY_BYTES} bytes`,
      );
      return;
    }
    this.body.push(chunk);
  }

  private step(): boolean {
    if (this.head === undefined) {
      const end = this.pending.indexOf("\r\n\r\n");
      if (hasBareLf(end < 0 ? this.pending : this.pending.subarray(0, end + 4))) {
        this.error = missingCr("response line or header");
        return false;
      }
      if (end < 0) {
        if (this.pending.length > MAX_HEAD_BYTES)
          this.error = new Error("OTLP export response head too large");
        return false;
      }
      const head = parseHead(this.take(end + 4).toString("latin1", 0, end));
      if (head === undefined) {
        this.error = new Error("OTLP export response is not HTTP/1.x");
        return false;
      }
      // Informational responses (1xx) precede the real one.
      if (head.status < 200) return true;
      this.head = head;
      const codings = head.headers.get("transfer-encoding");
      const length = head.headers.get("content-length");
      if (head.status === 204 || head.status === 304) this.remaining = 0;
      else if (codings !== undefined)
        // Chunked only when it is the last coding (RFC 9112 6.3); otherwise the body runs to the close.
        this.remaining = codings.toLowerCase().split(",").at(-1)?.trim() === "chunked" ? -1 : -2;
      else if (length !== undefined) {
        if (!/^\d+$/.test(length)) {
          this.error = new Error(`OTLP export response has an invalid Content-Length: ${length}`);
          return false;
        }
        this.remaining = Number(length);
      } else this.remaining = -2;
      if (this.remaining === 0) this.done = true;
      return true;
    }
    if (this.remaining >= 0) {
      if (this.pending.length === 0) return false;
      const chunk = this.take(Math.min(this.remaining, this.pending.length));
      this.remaining -= chunk.length;
      this.addBody(chunk);
      if (this.remaining === 0) this.done = true;
      return true;
    }
    if (this.remaining === -2) {
      if (this.pending.length === 0) return false;
      this.addBody(this.take(this.pending.length));
      return true;
    }
    return this.stepChunked();
  }

  private stepChunked(): boolean {
    if (this.chunkLeft > 0) {
      if (this.pending.length === 0) return false;
      const chunk = this.take(Math.min(this.chunkLeft, this.pending.length));
      this.chunkLeft -= chunk.length;
      this.addBody(chunk);
      return true;
    }
    const eol = this.pending.indexOf("\r\n");
    if (hasBareLf(eol < 0 ? this.pending : this.pending.subarray(0, eol + 2))) {
      this.error = missingCr("chunk size");
      return false;
    }
    if (eol < 0) {
      if (this.pending.length > MAX_HEAD_BYTES)
        this.error = new Error("OTLP export response chunk line too long");
      return false;
    }
    const line = this.take(eol + 2).toString("latin1", 0, eol);
    if (this.chunkLeft === 0) {
      // The CRLF after a chunk's data.
      if (line !== "") this.error = new Error("OTLP export response has a malformed chunk");
      this.chunkLeft = -1;
      return true;
    }
    if (this.chunkLeft === -2) {
      // Trailers end with an empty line.
      if (line === "") this.done = true;
      return true;
    }
    const size = Number.parseInt(line.split(";")[0] ?? "", 16);
    if (!Number.isInteger(size) || size < 0) {
      this.error = new Error(`OTLP export response has a malformed chunk size: ${line}`);
      return false;
    }
    this.chunkLeft = size === 0 ? -2 : size;
    return true;
  }
}

interface Job {
  readonly data: Uint8Array;
  readonly deadline: number;
  readonly resolve: (r: ExportResponse) => void;
}

export interface PlainHttpTransportOptions {
  /** An `http:` URL. */
  readonly url: string;
  /** Request headers (the delegate's: configured and Content-Type), read for each request. */
  readonly headers: () => Promise<Record<string, string>> | Record<string, string>;
  /** Sent as `User-Agent`. */
  readonly userAgent: string;
}

/** Requests one at a time over one keep-alive connection, opened on first use and again after it closes. */
export class PlainHttpTransport implements IExporterTransport {
  private readonly url: URL;
  private readonly queue: Job[] = [];
  private socket: Socket | undefined;
  /** The socket has carried a response: an error before the next response's first byte may be a stale close. */
  private reused = false;
  private busy = false;
  private closed = false;
  /** An exchange is reading the socket; bytes that arrive otherwise are unexpected and close it. */
  private exchanging = false;

  constructor(private readonly options: PlainHttpTransportOptions) {
    this.url = new URL(options.url);
    if (this.url.protocol !== "http:")
      throw new Error(`PlainHttpTransport needs an http: URL, got ${options.url}`);
  }

  send(data: Uint8Array, timeoutMillis: number): Promise<ExportResponse> {
    return new Promise((resolve) => {
      this.queue.push({ data, deadline: Date.now() + timeoutMillis, resolve });
      if (!this.busy) void this.next();
    });
  }

  shutdown(): void {
    this.closed = true;
    if (!this.busy) this.drop();
  }

  private async next(): Promise<void> {
    const job = this.queue.shift();
    if (job === undefined) {
      this.busy = false;
      if (this.closed) this.drop();
      else this.socket?.unref();
      return;
    }
    this.busy = true;
    let result: ExportResponse;
    try {
      result = await this.run(job);
    } catch (err) {
      result = { status: "failure", error: err instanceof Error ? err : new Error(String(err)) };
    }
    job.resolve(result);
    void this.next();
  }

  private async run(job: Job): Promise<ExportResponse> {
    const head = await this.head(job.data.length);
    if (typeof head !== "string") return head;
    // A job whose time ran out while it waited is not sent: the server would get it and the answer be ignored.
    if (Date.now() >= job.deadline) return timedOut();
    const first = await this.exchange(head, job);
    // A keep-alive connection the server closed while idle fails before any response byte: once, on a new one.
    if (first.stale && Date.now() < job.deadline) return (await this.exchange(head, job)).response;
    return first.response;
  }

  private async head(length: number): Promise<string | ExportResponse> {
    // One value per name, case-insensitively, the last one winning (as Node's setHeader does).
    const byName = new Map<string, [string, string]>();
    for (const [name, value] of Object.entries(await this.options.headers()))
      byName.set(name.toLowerCase(), [name, String(value)]);
    if (!byName.has("authorization") && (this.url.username !== "" || this.url.password !== "")) {
      const credentials = `${decodeURIComponent(this.url.username)}:${decodeURIComponent(this.url.password)}`;
      byName.set("authorization", ["Authorization", `Basic ${Buffer.from(credentials).toString("base64")}`]);
    }
    const host = byName.get("host")?.[1] ?? this.url.host;
    let text = `POST ${this.url.pathname}${this.url.search} HTTP/1.1\r\nHost: ${host}\r\n`;
    for (const [lower, [name, value]] of byName) {
      if (!HEADER_NAME.test(name) || !HEADER_VALUE.test(value))
        return {
          status: "failure",
          error: new Error(
            `invalid OTLP export header ${JSON.stringify(name)}: names must be tokens and values must not contain control characters`,
          ),
        };
      // This transport frames the request itself.
      if (!FRAMING_HEADERS.has(lower)) text += `${name}: ${value}\r\n`;
    }
    return `${text}User-Agent: ${this.options.userAgent}\r\nContent-Length: ${length}\r\nConnection: keep-alive\r\n\r\n`;
  }

  private open(): Socket {
    const socket = connect({
      host: this.url.hostname.replace(/^\[|\]$/g, ""),
      port: Number(this.url.port || 80),
    });
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 1000);
    // An idle connection's close or error is noticed here, and the next request opens a new one.
    const forget = () => {
      if (this.socket === socket) this.socket = undefined;
    };
    socket.on("close", forget);
    socket.on("error", forget);
    socket.on("end", () => socket.destroy());
    // Bytes nobody asked for put the connection out of step.
    socket.on("data", () => {
      if (!this.exchanging || this.socket !== socket) socket.destroy();
    });
    this.socket = socket;
    this.reused = false;
    return socket;
  }

  private drop(): void {
    this.socket?.destroy();
    this.socket = undefined;
  }

  /** One request and its response on the current connection (or a new one). */
  private exchange(head: string, job: Job): Promise<{ response: ExportResponse; stale: boolean }> {
    if (this.socket !== undefined && (this.socket.destroyed || !this.socket.writable)) this.drop();
    const reused = this.socket !== undefined && this.reused;
    const socket = this.socket ?? this.open();
    socket.ref();
    this.exchanging = true;
    const reader = new ResponseReader();
    let received = false;
    return new Promise((resolve) => {
      let settled = false;
      const finish = (response: ExportResponse, keep: boolean, stale = false) => {
        if (settled) return;
        settled = true;
        this.exchanging = false;
        clearTimeout(timer);
        socket.off("data", onData);
        socket.off("error", onError);
        socket.off("close", onClose);
        if (keep) this.reused = true;
        else if (this.socket === socket) this.drop();
        else socket.destroy();
        resolve({ response, stale });
      };
      const complete = () => {
        const h = reader.head as Head;
        finish(answer(h, reader.bodyBuffer()), h.keepAlive && reader.done && !reader.hasLeftover());
      };
      const onData = (chunk: Buffer) => {
        received = true;
        reader.feed(chunk);
        if (reader.error !== undefined) finish({ status: "failure", error: reader.error }, false);
        else if (reader.done) complete();
      };
      /** The connection failed: before an answer, a network failure; mid-answer, the answer's status decides. */
      const broken = (error: Error, stale: boolean) => {
        const h = reader.head;
        if (h === undefined) finish(networkFailure(error), false, stale);
        else finish(answer(h, undefined, error), false);
      };
      const onError = (err: Error) =>
        broken(
          err,
          reused && !received && RETRYABLE_NETWORK_ERRORS.has(String((err as NodeJS.ErrnoException).code)),
        );
      const onClose = () => {
        reader.close();
        if (reader.done) complete();
        else broken(hangUp(), reused && !received);
      };
      const timer = setTimeout(() => finish(timedOut(), false), Math.max(0, job.deadline - Date.now()));
      socket.on("data", onData);
      socket.on("error", onError);
      socket.on("close", onClose);
      socket.cork();
      socket.write(head, "latin1");
      socket.write(job.data);
      socket.uncork();
    });
  }
}

const MAX_ATTEMPTS = 5;
const INITIAL_BACKOFF_MS = 1000;
const MAX_BACKOFF_MS = 5000;
const BACKOFF_MULTIPLIER = 1.5;
const JITTER = 0.2;

/**
 * otlp-exporter-base's retrying transport (not exported by the package), with its constants: up to five
 * retries of a retryable response, 1 s backoff growing 1.5 times to at most 5 s with 20 % jitter, or the
 * server's Retry-After, within the export's timeout.
 */
export function retrying(transport: IExporterTransport): IExporterTransport {
  return {
    async send(data, timeoutMillis) {
      let attempts = MAX_ATTEMPTS;
      let nextBackoff = INITIAL_BACKOFF_MS;
      const deadline = Date.now() + timeoutMillis;
      let result = await transport.send(data, timeoutMillis);
      while (result.status === "retryable" && attempts > 0) {
        attempts--;
        const backoff = Math.max(
          Math.min(nextBackoff * (1 + (Math.random() * 2 - 1) * JITTER), MAX_BACKOFF_MS),
          0,
        );
        nextBackoff *= BACKOFF_MULTIPLIER;
        const retryIn = result.retryInMillis ?? backoff;
        const remaining = deadline - Date.now();
        if (retryIn > remaining) {
          diag.info(
            `Export retry time ${Math.round(retryIn)}ms exceeds remaining timeout ${Math.round(remaining)}ms, not retrying further.`,
          );
          return result;
        }
        await new Promise((r) => setTimeout(r, Math.max(0, retryIn)));
        // Upstream's arithmetic: the time that remained before the wait.
        result = await transport.send(data, remaining);
      }
      if (result.status === "retryable")
        diag.info(`Export failed after maximum retry attempts (${MAX_ATTEMPTS}).`);
      else if (result.status === "failure")
        diag.info(`Export failed with non-retryable error: ${result.error}`);
      return result;
    },
    shutdown() {
      transport.shutdown();
    },
  };
}
