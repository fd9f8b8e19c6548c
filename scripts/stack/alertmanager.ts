/**
 * Alertmanager (Debian package) as a native process: clustering off, notification state in the run dir, the
 * repository's alertmanager/alertmanager.yml unless a test passes its own config (receivers pointed at local
 * HTTP receivers that stand in for PagerDuty and Slack).
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { alertmanagerBinary, repoFile } from "./binaries";
import { createTempRunDir, ensureDir } from "./rundir";
import { type CommonServiceOptions, launchService, resolvePorts, type ServiceHandle } from "./service";
import { bindingArgs, HOST, SERVICES } from "./services";

export interface AlertmanagerOptions extends CommonServiceOptions {
  /** Config file path (default: the repository's alertmanager/alertmanager.yml). */
  configFile?: string;
  /** Config as YAML text, written to the run dir (wins over configFile). */
  config?: string;
}

export interface AlertmanagerHandle extends ServiceHandle {
  readonly configFile: string;
  /** http://127.0.0.1:<web>/api/v2 */
  readonly apiUrl: string;
}

export async function startAlertmanager(options: AlertmanagerOptions = {}): Promise<AlertmanagerHandle> {
  const bin = alertmanagerBinary(options.bin);
  const runDir = options.runDir ?? createTempRunDir("procode-alertmanager");
  const ports = await resolvePorts("alertmanager", options.ports, options.fixedPorts);
  const dir = ensureDir(join(runDir, "alertmanager"));
  let configFile: string;
  if (options.config !== undefined) {
    configFile = join(dir, "alertmanager.yml");
    writeFileSync(configFile, options.config);
  } else {
    configFile = options.configFile ?? repoFile("alertmanager/alertmanager.yml");
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
    logDir: join(runDir, "logs"),
    ports,
    mainPort: "web",
    ...(options.dieWithParent !== undefined ? { dieWithParent: options.dieWithParent } : {}),
    ...(options.startDeadlineMs !== undefined ? { startDeadlineMs: options.startDeadlineMs } : {}),
  });
  return Object.assign(handle, { configFile, apiUrl: `http://${HOST}:${ports.web}/api/v2` });
}
