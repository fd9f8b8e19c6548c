/**
 * The ProCode OpenTelemetry Collector as a native process, reading otel-collector/config.yaml (plus the
 * Sentry overlay otel-collector/sentry.yaml when Sentry endpoints are given). Every address in those files is
 * `${env:NAME:-default}`: the ports and the Jaeger address come from the service table's variables.
 */
import { join } from "node:path";
import { collectorBinary, repoFile } from "./binaries";
import { ensureDir } from "./rundir";
import { type CommonServiceOptions, launchService, resolveRun, type ServiceHandle } from "./service";
import { bindingEnv, HOST, type PortMap } from "./services";

export interface SentryOtlpTarget {
  /** Sentry's (or a test receiver's) OTLP traces endpoint, full URL. */
  tracesEndpoint: string;
  /** OTLP logs endpoint, full URL. */
  logsEndpoint: string;
  /** The DSN's public key (sent as `x-sentry-auth: sentry sentry_key=<key>`). */
  publicKey: string;
}

export interface CollectorOptions extends CommonServiceOptions {
  /** Ports of the Jaeger it exports to (default: Jaeger's default ports). */
  jaegerPorts?: PortMap;
  /** Adds the Sentry overlay, exporting error spans and error logs there. */
  sentry?: SentryOtlpTarget;
  /** Config files instead of the repository's (absolute paths, merged in order). */
  configFiles?: readonly string[];
}

export interface CollectorHandle extends ServiceHandle {
  /** http://127.0.0.1:<otlpHttp> - what OTEL_EXPORTER_OTLP_ENDPOINT should be for an app. */
  readonly otlpHttpUrl: string;
  /** 127.0.0.1:<otlpGrpc> */
  readonly otlpGrpcAddress: string;
  /** http://127.0.0.1:<prometheus>/metrics - the scrape target. */
  readonly metricsUrl: string;
  /** http://127.0.0.1:<telemetry>/metrics - the Collector's own metrics. */
  readonly telemetryUrl: string;
}

export async function startCollector(options: CollectorOptions = {}): Promise<CollectorHandle> {
  const bin = await collectorBinary(options.bin);
  const { runDir, ports } = await resolveRun("collector", options);
  const configFiles = options.configFiles ?? [
    repoFile("otel-collector/config.yaml"),
    ...(options.sentry ? [repoFile("otel-collector/sentry.yaml")] : []),
  ];
  const env: Record<string, string> = {
    ...bindingEnv("collector", ports, options.jaegerPorts ? { jaeger: options.jaegerPorts } : {}),
    COLLECTOR_TELEMETRY_HOST: HOST,
    COLLECTOR_STORAGE_DIR: ensureDir(join(runDir, "collector", "storage")),
    ...(options.sentry
      ? {
          SENTRY_OTLP_TRACES_ENDPOINT: options.sentry.tracesEndpoint,
          SENTRY_OTLP_LOGS_ENDPOINT: options.sentry.logsEndpoint,
          SENTRY_OTLP_PUBLIC_KEY: options.sentry.publicKey,
        }
      : {}),
    ...options.env,
  };
  const handle = await launchService({
    name: "collector",
    command: bin,
    args: configFiles.map((file) => `--config=file:${file}`),
    env,
    runDir,
    ports,
    mainPort: "otlpHttp",
    options,
  });
  return Object.assign(handle, {
    otlpHttpUrl: `http://${HOST}:${ports.otlpHttp}`,
    otlpGrpcAddress: `${HOST}:${ports.otlpGrpc}`,
    metricsUrl: `http://${HOST}:${ports.prometheus}/metrics`,
    telemetryUrl: `http://${HOST}:${ports.telemetry}/metrics`,
  });
}
