/**
 * Jaeger v2 as a native process, reading jaeger/config.yaml (in-memory storage, OTLP in on its own ports, the
 * query API on `query`). Ports reach the config through the service table's environment variables.
 */
import { jaegerBinary, repoFile } from "./binaries";
import { type CommonServiceOptions, launchService, resolveRun, type ServiceHandle } from "./service";
import { bindingEnv, HOST } from "./services";

export interface JaegerOptions extends CommonServiceOptions {
  /** Config file instead of the repository's jaeger/config.yaml (absolute path). */
  configFile?: string;
}

export interface JaegerHandle extends ServiceHandle {
  /** http://127.0.0.1:<query> - the query API (/api/services, /api/traces/<id>) and UI. */
  readonly queryUrl: string;
  /** 127.0.0.1:<otlpGrpc> - where the Collector exports sampled traces. */
  readonly otlpGrpcAddress: string;
}

export async function startJaeger(options: JaegerOptions = {}): Promise<JaegerHandle> {
  const bin = await jaegerBinary(options.bin);
  const { runDir, ports } = await resolveRun("jaeger", options);
  const configFile = options.configFile ?? repoFile("jaeger/config.yaml");
  const handle = await launchService({
    name: "jaeger",
    command: bin,
    args: [`--config=file:${configFile}`],
    env: { ...bindingEnv("jaeger", ports), JAEGER_TELEMETRY_HOST: HOST, ...options.env },
    runDir,
    ports,
    mainPort: "query",
    options,
  });
  return Object.assign(handle, {
    queryUrl: `http://${HOST}:${ports.query}`,
    otlpGrpcAddress: `${HOST}:${ports.otlpGrpc}`,
  });
}
