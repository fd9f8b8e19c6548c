/**
 * Prometheus (Debian package) as a native process: a run-dir copy of prometheus/prometheus.yml pointing at the
 * Collector and Alertmanager actually started (free ports in tests), TSDB in the run dir, lifecycle API on
 * (POST /-/reload), exemplar storage on (span-metric exemplars link to Jaeger traces).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { prometheusBinary, repoFile } from "./binaries";
import { rewritePrometheusConfig } from "./prometheus-config";
import { ensureDir } from "./rundir";
import { type CommonServiceOptions, launchService, resolveRun, type ServiceHandle } from "./service";
import { bindingArgs, HOST, type PortMap, SERVICES, type ServiceName } from "./services";

export interface PrometheusOptions extends CommonServiceOptions {
  /** Config to start from (default: the repository's prometheus/prometheus.yml). */
  configFile?: string;
  /**
   * Ports of the services this config scrapes or alerts to (its own are added). Their default addresses in the
   * config are replaced; a stack service missing here is dropped from the targets (so a test's Prometheus never
   * scrapes a Collector left running on the default ports).
   */
  peers?: Partial<Record<ServiceName, PortMap>>;
  /** Further "host:port" -> "host:port" target substitutions. */
  targets?: Readonly<Record<string, string>>;
  /** Replaces the config's rule_files (absolute paths or globs). */
  ruleFiles?: readonly string[];
  /** Fast global scrape interval for tests, e.g. "1s" (per-job intervals removed). */
  scrapeInterval?: string;
  /** Fast global rule evaluation interval for tests, e.g. "1s". */
  evaluationInterval?: string;
  /** Scrape jobs to add (e.g. the service under test). */
  extraScrapeConfigs?: readonly Record<string, unknown>[];
}

export interface PrometheusHandle extends ServiceHandle {
  /** The generated config file in the run dir. */
  readonly configFile: string;
}

/** Default address of each stack service Prometheus references -> its actual address, or null (drop). */
export function peerTargets(peers: Partial<Record<ServiceName, PortMap>>): Record<string, string | null> {
  const targets: Record<string, string | null> = {};
  for (const ref of SERVICES.prometheus.references) {
    const def = SERVICES[ref.service].ports[ref.port];
    if (def === undefined) throw new Error(`services table: ${ref.service} has no port ${ref.port}`);
    const actual = peers[ref.service]?.[ref.port];
    targets[`${HOST}:${def.default}`] = actual === undefined ? null : `${HOST}:${actual}`;
  }
  return targets;
}

export async function startPrometheus(options: PrometheusOptions = {}): Promise<PrometheusHandle> {
  const bin = prometheusBinary(options.bin);
  const { runDir, ports } = await resolveRun("prometheus", options);
  const source = options.configFile ?? repoFile("prometheus/prometheus.yml");
  const dir = ensureDir(join(runDir, "prometheus"));
  const configFile = join(dir, "prometheus.yml");
  writeFileSync(
    configFile,
    rewritePrometheusConfig(readFileSync(source, "utf8"), source, {
      targets: { ...peerTargets({ ...options.peers, prometheus: ports }), ...options.targets },
      ...(options.ruleFiles !== undefined ? { ruleFiles: options.ruleFiles } : {}),
      ...(options.scrapeInterval !== undefined ? { scrapeInterval: options.scrapeInterval } : {}),
      ...(options.evaluationInterval !== undefined ? { evaluationInterval: options.evaluationInterval } : {}),
      ...(options.extraScrapeConfigs !== undefined ? { extraScrapeConfigs: options.extraScrapeConfigs } : {}),
    }),
  );
  const handle = await launchService({
    name: "prometheus",
    command: bin,
    args: [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${ensureDir(join(dir, "data"))}`,
      ...bindingArgs("prometheus", ports),
      ...SERVICES.prometheus.flags,
    ],
    env: { ...options.env },
    runDir,
    ports,
    mainPort: "web",
    options,
  });
  return Object.assign(handle, { configFile });
}
