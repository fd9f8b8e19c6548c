/**
 * Where the native backends' executables and the repository's config files are.
 *
 * The Collector and Jaeger are built from the Go module proxy by scripts/build-otel-binaries.sh (cached);
 * Prometheus and Alertmanager come from the Debian packages (`prometheus`, `prometheus-alertmanager`).
 * An explicit path wins, then the environment (PROCODE_OTELCOL_BIN, PROCODE_JAEGER_BIN, PROCODE_PROMETHEUS_BIN,
 * PROCODE_ALERTMANAGER_BIN), then the build script or PATH.
 */
import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { findExecutable } from "./process";

/** The repository root: the nearest directory above this module holding the project's package.json. */
export function repoRoot(): string {
  let dir = __dirname;
  for (;;) {
    const manifest = join(dir, "package.json");
    if (existsSync(manifest)) {
      const name = (JSON.parse(readFileSync(manifest, "utf8")) as { name?: string }).name;
      if (name === "@procode/observability") return dir;
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`cannot find the repository root above ${__dirname}`);
    dir = parent;
  }
}

/** Absolute path of a repository file, which must exist. */
export function repoFile(relative: string): string {
  const path = join(repoRoot(), relative);
  if (!existsSync(path)) throw new Error(`missing repository file: ${relative} (expected at ${path})`);
  return path;
}

export interface OtelBinaries {
  otelcol: string;
  jaeger: string;
}

function checked(what: string, path: string, source: string): string {
  const found = findExecutable(path);
  if (found === undefined)
    throw new Error(`${what}: ${source} points at ${path}, which is not an executable`);
  return found;
}

let built: Promise<OtelBinaries> | undefined;

function runBuildScript(): Promise<OtelBinaries> {
  built ??= new Promise((resolve, reject) => {
    const script = join(repoRoot(), "scripts", "build-otel-binaries.sh");
    // The first build takes minutes; its progress goes to our stderr.
    const child = execFile(
      "bash",
      [script],
      { maxBuffer: 1 << 20, timeout: 30 * 60_000 },
      (error, stdout) => {
        if (error) {
          reject(new Error(`scripts/build-otel-binaries.sh failed: ${error.message}`));
          return;
        }
        const lines = Object.fromEntries(
          stdout
            .split("\n")
            .filter((l) => l.includes("="))
            .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
        );
        const { otelcol, jaeger } = lines;
        if (!otelcol || !jaeger) {
          reject(new Error(`scripts/build-otel-binaries.sh printed no otelcol=/jaeger= lines:\n${stdout}`));
          return;
        }
        resolve({ otelcol, jaeger });
      },
    );
    child.stderr?.pipe(process.stderr);
  });
  return built;
}

/** The Collector binary: explicit path, else $PROCODE_OTELCOL_BIN, else the build script's output. */
export async function collectorBinary(explicit?: string): Promise<string> {
  if (explicit) return checked("Collector", explicit, "the bin option");
  const env = process.env.PROCODE_OTELCOL_BIN;
  if (env) return checked("Collector", env, "PROCODE_OTELCOL_BIN");
  return checked("Collector", (await runBuildScript()).otelcol, "scripts/build-otel-binaries.sh");
}

/** The Jaeger binary: explicit path, else $PROCODE_JAEGER_BIN, else the build script's output. */
export async function jaegerBinary(explicit?: string): Promise<string> {
  if (explicit) return checked("Jaeger", explicit, "the bin option");
  const env = process.env.PROCODE_JAEGER_BIN;
  if (env) return checked("Jaeger", env, "PROCODE_JAEGER_BIN");
  return checked("Jaeger", (await runBuildScript()).jaeger, "scripts/build-otel-binaries.sh");
}

function debianBinary(
  what: string,
  explicit: string | undefined,
  envName: string,
  names: string[],
  pkg: string,
) {
  if (explicit) return checked(what, explicit, "the bin option");
  const env = process.env[envName];
  if (env) return checked(what, env, envName);
  for (const name of names) {
    const found = findExecutable(name);
    if (found) return found;
  }
  throw new Error(
    `${what}: none of ${names.join(", ")} is on PATH. Install the Debian package ${pkg} ` +
      `(scripts/lib/deps.sh procode_system_deps does) or set ${envName}.`,
  );
}

export function prometheusBinary(explicit?: string): string {
  return debianBinary("Prometheus", explicit, "PROCODE_PROMETHEUS_BIN", ["prometheus"], "prometheus");
}

/** Debian names it prometheus-alertmanager; the upstream tarball, alertmanager. */
export function alertmanagerBinary(explicit?: string): string {
  return debianBinary(
    "Alertmanager",
    explicit,
    "PROCODE_ALERTMANAGER_BIN",
    ["prometheus-alertmanager", "alertmanager"],
    "prometheus-alertmanager",
  );
}
