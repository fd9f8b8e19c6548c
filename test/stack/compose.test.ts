/**
 * compose.yaml and the native runner describe one topology: same services, same ports (passed the same way),
 * same behaviour flags, the same repository config files, and images at the versions built and tested natively.
 * Docker cannot run here, so the file is parsed and compared with scripts/stack/services.ts.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { parse } from "yaml";
import { alertmanagerBinary, prometheusBinary, repoRoot } from "../../scripts/stack/binaries";
import { postgresBinDir } from "../../scripts/stack/postgres";
import {
  COMPOSE_ONLY_SERVICES,
  render,
  SERVICE_NAMES,
  SERVICES,
  type ServiceName,
} from "../../scripts/stack/services";

const root = repoRoot();
const read = (relative: string): string => readFileSync(join(root, relative), "utf8");

interface ComposeService {
  image: string;
  network_mode?: string;
  command?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
}

function loadCompose(): Record<string, ComposeService> {
  const doc = parse(read("compose.yaml")) as { services?: Record<string, ComposeService> };
  assert.ok(doc.services, "compose.yaml has services");
  return doc.services;
}

/** Host-side repository paths of a service's bind mounts ("./a/b" -> "a/b"), named volumes left out. */
function bindMounts(service: ComposeService): Map<string, string> {
  const mounts = new Map<string, string>();
  for (const volume of service.volumes ?? []) {
    const [source, target] = volume.split(":");
    if (source === undefined || target === undefined || !source.startsWith("./")) continue;
    mounts.set(source.slice(2).replace(/\/$/, ""), target);
  }
  return mounts;
}

function imageTag(service: ComposeService): string {
  const tag = service.image.slice(service.image.lastIndexOf(":") + 1);
  assert.match(tag, /^v?\d+\.\d+(\.\d+)?$/, `${service.image} is pinned to a version`);
  return tag;
}

function installedVersion(bin: string): string {
  const out = execFileSync(bin, ["--version"], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  const match = /version (\d+\.\d+\.\d+)/.exec(out);
  assert.ok(match?.[1], `${bin} --version: ${out}`);
  return match[1];
}

describe("compose.yaml agrees with the native runner", () => {
  const compose = loadCompose();

  it("runs the runner's services plus only the compose-only ones, all on the host network", () => {
    assert.deepEqual(Object.keys(compose).sort(), [...SERVICE_NAMES, ...COMPOSE_ONLY_SERVICES].sort());
    for (const [name, service] of Object.entries(compose)) assert.equal(service.network_mode, "host", name);
  });

  for (const name of SERVICE_NAMES) {
    describe(name, () => {
      const definition = SERVICES[name];
      const service = compose[name] as ComposeService;

      it("passes every port the way the runner does, at the default", () => {
        const env = service.environment ?? {};
        const command = service.command ?? [];
        for (const [key, port] of Object.entries(definition.ports)) {
          if ("env" in port.binding) {
            assert.equal(env[port.binding.env], render(port.binding.value, port.default), `${name} ${key}`);
          } else {
            assert.ok(
              command.includes(render(port.binding.arg, port.default)),
              `${name} ${key}: ${port.binding.arg}`,
            );
          }
        }
        for (const ref of definition.references) {
          const target = SERVICES[ref.service].ports[ref.port];
          assert.ok(target, `${name} references ${ref.service}.${ref.port}`);
          if (ref.binding) {
            assert.equal(
              env[ref.binding.env],
              render(ref.binding.value, target.default),
              `${name} -> ${ref.service}`,
            );
          }
          if (ref.inConfigFile) {
            assert.ok(
              read(ref.inConfigFile).includes(`127.0.0.1:${target.default}`),
              `${ref.inConfigFile} names ${ref.service}'s default address 127.0.0.1:${target.default}`,
            );
          }
        }
      });

      it("mounts the secrets directory where the config reads it, from the runner's directory", () => {
        const secrets = definition.secrets;
        const mounted = (service.volumes ?? []).filter((v) => v.startsWith("${"));
        if (secrets === undefined) {
          assert.deepEqual(mounted, []);
          return;
        }
        assert.deepEqual(mounted, [`\${${secrets.env}:-./${secrets.default}}:${secrets.target}:ro`]);
        const config = definition.configFiles[0];
        assert.ok(
          config && read(config.path).includes(`${secrets.target}/`),
          `${config?.path} reads ${secrets.target}`,
        );
      });

      it("passes the runner's behaviour flags", () => {
        for (const flag of definition.flags) assert.ok(service.command?.includes(flag), `${name}: ${flag}`);
      });

      it("mounts exactly the runner's config files, which exist", () => {
        const mounts = bindMounts(service);
        const expected = definition.configFiles.map((f) => f.path.replace(/\/$/, ""));
        assert.deepEqual([...mounts.keys()].sort(), [...expected].sort());
        for (const file of definition.configFiles) {
          assert.ok(existsSync(join(root, file.path)), `${file.path} exists`);
          const target = mounts.get(file.path.replace(/\/$/, ""));
          // A mounted config file is named on the command line, unless only an optional feature uses it.
          if (!file.path.endsWith("/") && !file.optional) {
            assert.ok(
              service.command?.some((arg) => arg.includes(`${target}`)),
              `${name} command reads ${target}`,
            );
          }
        }
      });
    });
  }

  it("pins the Collector image to the manifest's release and Jaeger to the built version", () => {
    const manifest = read("otel-collector/manifest.yaml");
    const release = /go\.opentelemetry\.io\/collector\/service v(\d+\.\d+\.\d+)/.exec(manifest)?.[1];
    assert.ok(release, "the manifest names the Collector release");
    assert.equal(compose.collector?.image, `otel/opentelemetry-collector-contrib:${release}`);
    const jaeger = /JAEGER_VERSION_LABEL=v(\d+\.\d+\.\d+)/.exec(read("scripts/build-otel-binaries.sh"))?.[1];
    assert.ok(jaeger, "scripts/build-otel-binaries.sh names the Jaeger version");
    assert.equal(compose.jaeger?.image, `jaegertracing/jaeger:${jaeger}`);
  });

  it("pins Prometheus, Alertmanager and PostgreSQL to the versions the native tests run", () => {
    const prometheus = compose.prometheus as ComposeService;
    const alertmanager = compose.alertmanager as ComposeService;
    const postgres = compose.postgres as ComposeService;
    assert.equal(imageTag(prometheus), `v${installedVersion(prometheusBinary())}`);
    assert.equal(imageTag(alertmanager), `v${installedVersion(alertmanagerBinary())}`);
    const pgVersion = execFileSync(join(postgresBinDir(), "postgres"), ["--version"], { encoding: "utf8" });
    const major = /(\d+)\.\d+/.exec(pgVersion)?.[1];
    assert.equal(imageTag(postgres).split(".")[0], major, pgVersion);
  });

  it("pins every image to a version", () => {
    for (const service of Object.values(compose)) imageTag(service);
  });

  it("gives Grafana the repository's provisioning, and the dashboards where its provider reads them", () => {
    const grafana = compose.grafana as ComposeService;
    const mounts = bindMounts(grafana);
    assert.equal(mounts.get("grafana/provisioning"), "/etc/grafana/provisioning");
    const dir = join(root, "grafana", "provisioning", "dashboards");
    const providers = readdirSync(dir)
      .filter((f) => /\.ya?ml$/.test(f))
      .flatMap(
        (f) =>
          (parse(readFileSync(join(dir, f), "utf8")) as { providers?: { options?: { path?: string } }[] })
            .providers ?? [],
      );
    const paths = providers.map((p) => p.options?.path);
    assert.ok(paths.length > 0, "a dashboard provider is provisioned");
    assert.ok(
      paths.includes(mounts.get("grafana/dashboards")),
      `grafana/dashboards mounted at one of ${paths.join(", ")}`,
    );
    for (const mounted of mounts.keys()) assert.ok(existsSync(join(root, mounted)), `${mounted} exists`);
  });

  it("lists each service once in the start order the runner uses (dependencies first)", () => {
    const order: readonly ServiceName[] = SERVICE_NAMES;
    for (const [index, name] of order.entries()) {
      for (const ref of SERVICES[name].references) {
        if (ref.service === name) continue;
        assert.ok(order.indexOf(ref.service) < index, `${name} starts after ${ref.service}`);
      }
    }
  });
});
