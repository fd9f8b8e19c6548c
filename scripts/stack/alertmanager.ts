/**
 * Alertmanager (Debian package) as a native process: clustering off, notification state in the run dir, the
 * repository's alertmanager/alertmanager.yml unless a test passes its own config (receivers pointed at local
 * HTTP receivers that stand in for PagerDuty and Slack).
 *
 * The committed config reads its secrets (PagerDuty routing key, Slack webhook URL, heartbeat token) from files
 * under /etc/alertmanager/secrets/, where compose.yaml mounts a directory. Natively, `secretsDir` moves that
 * prefix: the runner starts from a run-dir copy with the prefix replaced and relative template paths made
 * absolute (they resolve against the config file's directory, which the copy no longer shares).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { parse, stringify } from "yaml";
import { alertmanagerBinary, repoFile } from "./binaries";
import { ensureDir } from "./rundir";
import { type CommonServiceOptions, launchService, resolveRun, type ServiceHandle } from "./service";
import { bindingArgs, HOST, SERVICES } from "./services";

export interface AlertmanagerOptions extends CommonServiceOptions {
  /** Config file path (default: the repository's alertmanager/alertmanager.yml). */
  configFile?: string;
  /** Config as YAML text, written to the run dir (wins over configFile; relative paths then resolve there). */
  config?: string;
  /** Directory holding the secret files the config expects under /etc/alertmanager/secrets/. */
  secretsDir?: string;
}

export interface AlertmanagerHandle extends ServiceHandle {
  /** The config file Alertmanager runs with. */
  readonly configFile: string;
  /** http://127.0.0.1:<web>/api/v2 */
  readonly apiUrl: string;
}

/** The config text with `secretsTarget/` moved to `secretsDir/` and relative templates made absolute. */
export function relocateAlertmanagerConfig(
  text: string,
  sourcePath: string,
  secretsTarget: string,
  secretsDir: string,
): string {
  const config: unknown = parse(text);
  if (typeof config !== "object" || config === null || Array.isArray(config)) {
    throw new Error(`${sourcePath}: not a YAML mapping`);
  }
  const prefix = `${secretsTarget.replace(/\/$/, "")}/`;
  const move = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(move);
    if (typeof node === "object" && node !== null) {
      return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, move(value)]));
    }
    return typeof node === "string" && node.startsWith(prefix)
      ? join(secretsDir, node.slice(prefix.length))
      : node;
  };
  const moved = move(config) as Record<string, unknown>;
  const base = dirname(resolve(sourcePath));
  if (Array.isArray(moved.templates)) {
    moved.templates = moved.templates.map((t: unknown) =>
      typeof t === "string" && !isAbsolute(t) ? resolve(base, t) : t,
    );
  }
  return `# Generated from ${sourcePath} by scripts/stack/alertmanager.ts; do not edit.\n${stringify(moved)}`;
}

export async function startAlertmanager(options: AlertmanagerOptions = {}): Promise<AlertmanagerHandle> {
  const bin = alertmanagerBinary(options.bin);
  const { runDir, ports } = await resolveRun("alertmanager", options);
  const dir = ensureDir(join(runDir, "alertmanager"));
  let configFile: string;
  if (options.config !== undefined) {
    configFile = join(dir, "alertmanager.yml");
    writeFileSync(configFile, options.config);
  } else {
    configFile = options.configFile ?? repoFile("alertmanager/alertmanager.yml");
  }
  const secrets = SERVICES.alertmanager.secrets;
  if (options.secretsDir !== undefined && secrets !== undefined) {
    const source = configFile;
    configFile = join(dir, "alertmanager.run.yml");
    writeFileSync(
      configFile,
      relocateAlertmanagerConfig(
        readFileSync(source, "utf8"),
        source,
        secrets.target,
        resolve(options.secretsDir),
      ),
    );
  }
  const handle = await launchService({
    name: "alertmanager",
    command: bin,
    args: [
      `--config.file=${configFile}`,
      `--storage.path=${ensureDir(join(dir, "data"))}`,
      ...bindingArgs("alertmanager", ports),
      ...SERVICES.alertmanager.flags,
      `--web.external-url=http://${HOST}:${ports.web}`,
    ],
    env: { ...options.env },
    runDir,
    ports,
    mainPort: "web",
    options,
  });
  return Object.assign(handle, { configFile, apiUrl: `http://${HOST}:${ports.web}/api/v2` });
}
