/**
 * The backend topology as data: every service the native runner starts, its ports (default, and how the port
 * reaches the server: an environment variable its config file reads, or a command-line argument), its health
 * endpoint and the repository config files it reads. The runner starts servers from this table, and
 * test/stack/compose.test.ts checks compose.yaml against it, so the two cannot drift apart.
 *
 * Templates: `{host}` is 127.0.0.1, `{port}` the port, `{address}` host:port.
 */

export const SERVICE_NAMES = ["postgres", "jaeger", "alertmanager", "collector", "prometheus"] as const;
/** The services, in start order (each may point at the ones before it); stop runs in reverse. */
export type ServiceName = (typeof SERVICE_NAMES)[number];

/** How a port reaches the server. */
export type PortBinding =
  /** An environment variable read by the service's config file (`${env:NAME:-default}`). */
  | { env: string; value: "{address}" | "{port}" }
  /** A command-line argument (compose's `command` holds it verbatim). */
  | { arg: string };

export interface PortDefinition {
  default: number;
  binding: PortBinding;
  /** What the port serves, for status output. */
  description: string;
}

/** An address of another service that this one's config points at. */
export interface PortReference {
  service: ServiceName;
  port: string;
  /** Passed like a port binding (environment variable of this service's config) ... */
  binding?: { env: string; value: "{address}" | "{port}" };
  /** ... or written into a run-dir copy of a config file that holds the default address literally. */
  inConfigFile?: string;
}

export interface ServiceDefinition {
  name: ServiceName;
  description: string;
  ports: Readonly<Record<string, PortDefinition>>;
  /** Addresses of other services this one uses. */
  references: readonly PortReference[];
  /** Health endpoint: GET http://127.0.0.1:<port><path> answers 2xx once ready. */
  health: { port: string; path: string } | { sql: true; port: string };
  /**
   * Repository files (or directories, ending in "/") the service reads; compose.yaml mounts each of them.
   * `optional` ones are used only when a feature is on (the Sentry overlay).
   */
  configFiles: readonly { path: string; optional?: boolean }[];
  /** Behaviour flags the native runner passes and compose.yaml's `command` must pass too. */
  flags: readonly string[];
  /**
   * A directory of secret files the committed config reads at `target` (outside the repository): compose.yaml
   * mounts `${env:-default}` there; the native runner rewrites `target` to the same directory.
   */
  secrets?: { target: string; env: string; default: string };
}

export const SERVICES: Readonly<Record<ServiceName, ServiceDefinition>> = {
  postgres: {
    name: "postgres",
    description: "PostgreSQL (the reference service's database)",
    ports: {
      sql: { default: 5432, binding: { arg: "port={port}" }, description: "SQL" },
    },
    references: [],
    health: { sql: true, port: "sql" },
    configFiles: [],
    flags: ["listen_addresses=127.0.0.1"],
  },
  jaeger: {
    name: "jaeger",
    description: "Jaeger v2 (trace storage and query)",
    ports: {
      otlpGrpc: {
        default: 14317,
        binding: { env: "JAEGER_OTLP_GRPC_ENDPOINT", value: "{address}" },
        description: "OTLP/gRPC in",
      },
      otlpHttp: {
        default: 14318,
        binding: { env: "JAEGER_OTLP_HTTP_ENDPOINT", value: "{address}" },
        description: "OTLP/HTTP in",
      },
      query: {
        default: 16686,
        binding: { env: "JAEGER_QUERY_HTTP_ENDPOINT", value: "{address}" },
        description: "query API and UI",
      },
      queryGrpc: {
        default: 16685,
        binding: { env: "JAEGER_QUERY_GRPC_ENDPOINT", value: "{address}" },
        description: "query gRPC",
      },
      health: {
        default: 13134,
        binding: { env: "JAEGER_HEALTH_ENDPOINT", value: "{address}" },
        description: "health",
      },
      telemetry: {
        default: 8887,
        binding: { env: "JAEGER_TELEMETRY_PORT", value: "{port}" },
        description: "Jaeger's own metrics",
      },
    },
    references: [],
    health: { port: "health", path: "/status" },
    configFiles: [{ path: "jaeger/config.yaml" }],
    flags: [],
  },
  alertmanager: {
    name: "alertmanager",
    description: "Alertmanager (routes alerts to PagerDuty and Slack)",
    ports: {
      web: { default: 9093, binding: { arg: "--web.listen-address={address}" }, description: "API and UI" },
    },
    references: [],
    health: { port: "web", path: "/-/ready" },
    configFiles: [{ path: "alertmanager/alertmanager.yml" }, { path: "alertmanager/templates/" }],
    // An empty cluster address turns the gossip cluster (and its port 9094) off: one Alertmanager.
    flags: ["--cluster.listen-address="],
    secrets: {
      target: "/etc/alertmanager/secrets",
      env: "ALERTMANAGER_SECRETS_DIR",
      default: ".run/alertmanager/secrets",
    },
  },
  collector: {
    name: "collector",
    description: "OpenTelemetry Collector (the ProCode distribution)",
    ports: {
      otlpGrpc: {
        default: 4317,
        binding: { env: "COLLECTOR_OTLP_GRPC_ENDPOINT", value: "{address}" },
        description: "OTLP/gRPC in",
      },
      otlpHttp: {
        default: 4318,
        binding: { env: "COLLECTOR_OTLP_HTTP_ENDPOINT", value: "{address}" },
        description: "OTLP/HTTP in",
      },
      prometheus: {
        default: 8889,
        binding: { env: "COLLECTOR_PROMETHEUS_ENDPOINT", value: "{address}" },
        description: "Prometheus exporter (the scrape target)",
      },
      telemetry: {
        default: 8888,
        binding: { env: "COLLECTOR_TELEMETRY_PORT", value: "{port}" },
        description: "the Collector's own metrics",
      },
      health: {
        default: 13133,
        binding: { env: "COLLECTOR_HEALTH_ENDPOINT", value: "{address}" },
        description: "health_check extension",
      },
    },
    references: [
      {
        service: "jaeger",
        port: "otlpGrpc",
        binding: { env: "JAEGER_OTLP_GRPC_ENDPOINT", value: "{address}" },
      },
    ],
    health: { port: "health", path: "/" },
    configFiles: [
      { path: "otel-collector/config.yaml" },
      { path: "otel-collector/sentry.yaml", optional: true },
    ],
    flags: [],
  },
  prometheus: {
    name: "prometheus",
    description: "Prometheus (scrapes the Collector, evaluates rules, alerts to Alertmanager)",
    ports: {
      web: { default: 9090, binding: { arg: "--web.listen-address={address}" }, description: "API and UI" },
    },
    references: [
      { service: "collector", port: "prometheus", inConfigFile: "prometheus/prometheus.yml" },
      { service: "collector", port: "telemetry", inConfigFile: "prometheus/prometheus.yml" },
      { service: "alertmanager", port: "web", inConfigFile: "prometheus/prometheus.yml" },
      { service: "prometheus", port: "web", inConfigFile: "prometheus/prometheus.yml" },
    ],
    health: { port: "web", path: "/-/ready" },
    configFiles: [{ path: "prometheus/prometheus.yml" }, { path: "prometheus/rules/" }],
    // Lifecycle API (POST /-/reload after a rule change); exemplars (span-metric buckets link to traces).
    flags: ["--web.enable-lifecycle", "--enable-feature=exemplar-storage"],
  },
};

/** Services that only compose.yaml runs (no native build here); the consistency test allows exactly these. */
export const COMPOSE_ONLY_SERVICES = ["grafana"] as const;

export const HOST = "127.0.0.1";

export function render(template: string, port: number): string {
  return template
    .replaceAll("{address}", `${HOST}:${port}`)
    .replaceAll("{host}", HOST)
    .replaceAll("{port}", String(port));
}

export type PortMap = Readonly<Record<string, number>>;

/** The default ports of a service. */
export function defaultPorts(name: ServiceName): PortMap {
  return Object.fromEntries(Object.entries(SERVICES[name].ports).map(([key, def]) => [key, def.default]));
}

/** The environment variables that carry a service's own ports (and the addresses it references) to its config. */
export function bindingEnv(
  name: ServiceName,
  ports: PortMap,
  referenced: Partial<Record<ServiceName, PortMap>> = {},
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, def] of Object.entries(SERVICES[name].ports)) {
    const port = ports[key];
    if (port === undefined) throw new Error(`${name}: no port for ${key}`);
    if ("env" in def.binding) env[def.binding.env] = render(def.binding.value, port);
  }
  for (const ref of SERVICES[name].references) {
    const port = referenced[ref.service]?.[ref.port];
    if (ref.binding !== undefined && port !== undefined)
      env[ref.binding.env] = render(ref.binding.value, port);
  }
  return env;
}

/** The command-line arguments that carry a service's ports. */
export function bindingArgs(name: ServiceName, ports: PortMap): string[] {
  const args: string[] = [];
  for (const [key, def] of Object.entries(SERVICES[name].ports)) {
    const port = ports[key];
    if (port === undefined) throw new Error(`${name}: no port for ${key}`);
    if ("arg" in def.binding) args.push(render(def.binding.arg, port));
  }
  return args;
}
