/**
 * The traffic generator: `npm run load -- [options]` (node build/service/load/cli.js). Sends a mix of chat
 * requests to the reference service - intents over several organizations' keys on different plans, invalid,
 * missing and revoked keys, malformed and oversized bodies, a client that exceeds its per-minute limit, a
 * trial organization that runs out of monthly quota, and injected LLM and database failures - shows progress
 * while it runs, stops by itself after --count requests or --duration, and prints a summary.
 */
import { type LoadOptions, LoadRun } from "./generator";
import { formatSummary } from "./stats";

const HELP = `usage: npm run load -- [options]
  --target URL            service base URL (default $LOAD_TARGET or http://127.0.0.1:8080)
  --count N               stop after N requests
  --duration D            stop after D (e.g. 30s, 5m, 1h; default 60s when --count is not given)
  --concurrency N         parallel clients (default 4)
  --rps R                 at most R requests per second overall (default: as fast as the clients go)
  --seed N                traffic mix seed (default 42)
  --invalid-key-rate F    share with a missing or unknown key (default 0.03)
  --revoked-key-rate F    share with a revoked key (default 0.02)
  --bad-request-rate F    share of malformed, oversized or invalid bodies (default 0.04)
  --burst-share F         share from the free-plan key (10/min: it gets rate limited; default 0.1)
  --llm-failure-rate F    share with an injected LLM failure (default 0.03)
  --db-failure-rate F     share with an injected database failure (default 0.01)
                          (injected failures need the service started with SERVICE_FAULT_INJECTION=true)
  --timeout-ms N          per-request timeout (default 30000)
  --json                  print the summary as JSON
  --quiet                 no progress line`;

export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!m?.[1]) throw new Error(`not a duration: ${JSON.stringify(text)} (use e.g. 500ms, 30s, 5m, 1h)`);
  const n = Number(m[1]);
  const unit = m[2] ?? "s";
  return Math.round(n * (unit === "ms" ? 1 : unit === "s" ? 1000 : unit === "m" ? 60_000 : 3_600_000));
}

interface CliOptions extends LoadOptions {
  readonly json: boolean;
  readonly quiet: boolean;
}

export function parseArgs(argv: readonly string[], env: NodeJS.ProcessEnv = {}): CliOptions {
  const known = new Set([
    "target",
    "count",
    "duration",
    "concurrency",
    "rps",
    "seed",
    "invalid-key-rate",
    "revoked-key-rate",
    "bad-request-rate",
    "burst-share",
    "llm-failure-rate",
    "db-failure-rate",
    "timeout-ms",
  ]);
  const flags = new Map<string, string>();
  const bools = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (!a.startsWith("--")) throw new Error(`unexpected argument ${JSON.stringify(a)}`);
    const [name, inline] = a.slice(2).split("=", 2) as [string, string | undefined];
    if (name === "json" || name === "quiet" || name === "help") {
      bools.add(name);
      continue;
    }
    if (!known.has(name)) throw new Error(`unknown option --${name}\n${HELP}`);
    const value = inline ?? argv[++i];
    if (value === undefined) throw new Error(`--${name} needs a value`);
    flags.set(name, value);
  }
  if (bools.has("help")) throw new Error(HELP);
  const num = (name: string, fallback: number, min: number, max: number, integer = false): number => {
    const v = flags.get(name);
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) {
      throw new Error(
        `--${name} must be ${integer ? "an integer" : "a number"} from ${min} to ${max} (got ${v})`,
      );
    }
    return n;
  };
  const rate = (name: string, fallback: number) => num(name, fallback, 0, 1);
  const target = (flags.get("target") ?? env.LOAD_TARGET ?? "http://127.0.0.1:8080").replace(/\/+$/, "");
  try {
    const u = new URL(target);
    if (u.protocol !== "http:" && u.protocol !== "https:") throw new Error();
  } catch {
    throw new Error(`--target must be an http(s) URL (got ${target})`);
  }
  const count = flags.has("count") ? num("count", 0, 1, 100_000_000, true) : undefined;
  const durationRaw = flags.get("duration");
  const durationMs =
    durationRaw !== undefined ? parseDuration(durationRaw) : count === undefined ? 60_000 : undefined;
  const options: CliOptions = {
    target,
    count,
    durationMs,
    concurrency: num("concurrency", 4, 1, 1000, true),
    rps: flags.has("rps") ? num("rps", 1, 0.001, 1_000_000) : undefined,
    seed: num("seed", 42, 0, 2 ** 32 - 1, true),
    invalidKeyRate: rate("invalid-key-rate", 0.03),
    revokedKeyRate: rate("revoked-key-rate", 0.02),
    badRequestRate: rate("bad-request-rate", 0.04),
    burstShare: rate("burst-share", 0.1),
    llmFailureRate: rate("llm-failure-rate", 0.03),
    dbFailureRate: rate("db-failure-rate", 0.01),
    requestTimeoutMs: num("timeout-ms", 30_000, 1, 600_000, true),
    json: bools.has("json"),
    quiet: bools.has("quiet"),
  };
  const shares =
    options.invalidKeyRate + options.revokedKeyRate + options.badRequestRate + options.burstShare;
  if (shares > 1)
    throw new Error("--invalid-key-rate + --revoked-key-rate + --bad-request-rate + --burst-share exceed 1");
  return options;
}

async function main(): Promise<number> {
  let options: CliOptions;
  try {
    options = parseArgs(process.argv.slice(2), process.env);
  } catch (err) {
    const message = (err as Error).message;
    if (message === HELP) {
      process.stdout.write(`${HELP}\n`);
      return 0;
    }
    process.stderr.write(`${message}\n`);
    return 64; // EX_USAGE
  }
  const run = new LoadRun(options);
  const limit = [
    options.count !== undefined ? `${options.count} requests` : undefined,
    options.durationMs !== undefined ? `${options.durationMs / 1000} s` : undefined,
  ]
    .filter(Boolean)
    .join(" or ");
  process.stderr.write(
    `load: ${options.target}, ${options.concurrency} clients, until ${limit} (Ctrl-C stops early)\n`,
  );

  const tty = process.stderr.isTTY === true;
  let lastPrinted = 0;
  const progress = (final = false): void => {
    if (options.quiet) return;
    const s = run.stats;
    const elapsed = (performance.now() - s.startedAt) / 1000;
    const line =
      `load: ${elapsed.toFixed(0)} s, ${s.count} done (${(s.count / Math.max(elapsed, 0.001)).toFixed(1)}/s), ` +
      `2xx ${s.countOf((k) => k.startsWith("2"))}, 4xx ${s.countOf((k) => k.startsWith("4"))}, ` +
      `5xx ${s.countOf((k) => k.startsWith("5"))}, network ${s.countOf((k) => k === "network_error")}`;
    if (tty) process.stderr.write(`\r\u001b[K${line}${final ? "\n" : ""}`);
    else if (final || elapsed - lastPrinted >= 5) {
      lastPrinted = elapsed;
      process.stderr.write(`${line}\n`);
    }
  };
  const ticker = setInterval(progress, 1000);
  const onSignal = (): void => run.stop();
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  await run.run();
  clearInterval(ticker);
  progress(true);
  const summary = run.stats.summary();
  process.stdout.write(options.json ? `${JSON.stringify(summary)}\n` : `${formatSummary(summary)}\n`);
  if (summary.requests > 0 && summary.networkErrors === summary.requests) {
    process.stderr.write(
      `load: every request failed to connect to ${options.target}: is the service running?\n`,
    );
    return 2;
  }
  return 0;
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`load: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
