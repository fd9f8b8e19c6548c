import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import { defaultDashboard } from "@grafana/grafana-foundation-sdk/dashboard";
import { parse } from "yaml";
import { COMPOSE_FILE, REPO_ROOT } from "../../grafana/src/paths";
import { createDashboardValidator, type DashboardValidator } from "../../grafana/src/schema";
import { committedDashboards } from "./support";

const SDK_PACKAGE = join(REPO_ROOT, "node_modules", "@grafana", "grafana-foundation-sdk", "package.json");

function majorMinor(version: string): string {
  const match = /^v?(\d+)\.(\d+)\./.exec(version);
  assert.ok(match, `not a version: ${version}`);
  return `${match[1]}.${match[2]}`;
}

type Json = Record<string, unknown>;
const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

describe("dashboard schema (Grafana 11.6, from the Foundation SDK's types)", () => {
  let validate: DashboardValidator;
  before(() => {
    validate = createDashboardValidator();
  });

  it("the SDK's Grafana version is the one compose.yaml pins", () => {
    const sdkVersion = (JSON.parse(readFileSync(SDK_PACKAGE, "utf8")) as { version: string }).version;
    const compose = parse(readFileSync(COMPOSE_FILE, "utf8")) as {
      services: Record<string, { image?: string }>;
    };
    const image = compose.services.grafana?.image;
    assert.ok(image, "compose.yaml has a grafana service with a pinned image");
    const tag = image.split(":")[1] ?? "";
    assert.equal(
      majorMinor(tag),
      majorMinor(sdkVersion),
      `${image} vs @grafana/grafana-foundation-sdk ${sdkVersion}`,
    );
    for (const { file, dashboard } of committedDashboards()) {
      assert.equal(
        dashboard.schemaVersion,
        defaultDashboard().schemaVersion,
        `${file}: the SDK's schemaVersion`,
      );
    }
  });

  it("compose mounts the dashboards where the file provider reads them, and the provisioning", () => {
    const compose = parse(readFileSync(COMPOSE_FILE, "utf8")) as {
      services: Record<string, { volumes?: string[]; network_mode?: string }>;
    };
    const provider = parse(
      readFileSync(join(REPO_ROOT, "grafana/provisioning/dashboards/dashboards.yml"), "utf8"),
    ) as {
      providers: { type: string; options: { path: string } }[];
    };
    const path = provider.providers[0]?.options.path;
    const volumes = compose.services.grafana?.volumes ?? [];
    assert.ok(volumes.includes(`./grafana/dashboards:${path}:ro`), `grafana/dashboards mounted at ${path}`);
    assert.ok(volumes.includes("./grafana/provisioning:/etc/grafana/provisioning:ro"));
    assert.equal(
      compose.services.grafana?.network_mode,
      "host",
      "127.0.0.1 datasource URLs need host networking",
    );
  });

  it("provisions Prometheus and Jaeger with the uids the dashboards use, exemplars linking to Jaeger", () => {
    const doc = parse(
      readFileSync(join(REPO_ROOT, "grafana/provisioning/datasources/datasources.yml"), "utf8"),
    ) as {
      apiVersion: number;
      datasources: { uid: string; type: string; url: string; jsonData?: Json }[];
    };
    assert.equal(doc.apiVersion, 1);
    const byUid = new Map(doc.datasources.map((d) => [d.uid, d]));
    assert.equal(byUid.get("prometheus")?.type, "prometheus");
    assert.equal(byUid.get("prometheus")?.url, "http://127.0.0.1:9090");
    assert.equal(byUid.get("jaeger")?.type, "jaeger");
    assert.equal(byUid.get("jaeger")?.url, "http://127.0.0.1:16686");
    assert.deepEqual(byUid.get("prometheus")?.jsonData?.exemplarTraceIdDestinations, [
      { name: "trace_id", datasourceUid: "jaeger", urlDisplayLabel: "Open trace in Jaeger" },
    ]);
  });

  it("every committed dashboard validates", () => {
    for (const { file, dashboard } of committedDashboards()) {
      assert.deepEqual(validate(dashboard), [], file);
    }
  });

  it("rejects what Grafana 11.6's types rule out (so the check can fail)", () => {
    const base = committedDashboards().find((c) => c.file === "overview.json")?.dashboard;
    assert.ok(base);
    const timeseriesIndex = (base.panels ?? []).findIndex((p) => p.type === "timeseries");
    const statIndex = (base.panels ?? []).findIndex((p) => p.type === "stat");
    const panel = (d: Json & { panels: Json[] }, index: number): Json => d.panels[index] as Json;
    const firstTarget = (d: Json & { panels: Json[] }): Json =>
      (panel(d, timeseriesIndex).targets as Json[])[0] as Json;
    const mutations: [string, (d: Json & { panels: Json[] }) => void][] = [
      [
        "an unknown top-level key",
        (d) => {
          d.rows = [];
        },
      ],
      [
        "a missing schemaVersion",
        (d) => {
          delete d.schemaVersion;
        },
      ],
      [
        "an unknown panel type",
        (d) => {
          panel(d, timeseriesIndex).type = "graph";
        },
      ],
      [
        "a misspelt timeseries option",
        (d) => {
          (panel(d, timeseriesIndex).options as Json).legnd = {};
        },
      ],
      [
        "a wrong enum value in a stat option",
        (d) => {
          (panel(d, statIndex).options as Json).graphMode = "sparkline";
        },
      ],
      [
        "timeseries options on a stat panel",
        (d) => {
          panel(d, statIndex).options = clone(panel(d, timeseriesIndex).options);
        },
      ],
      [
        "an unknown key in a Prometheus query",
        (d) => {
          firstTarget(d).query = "up";
        },
      ],
      [
        "a wrong query editor mode",
        (d) => {
          firstTarget(d).editorMode = "text";
        },
      ],
      [
        "a data link without a title",
        (d) => {
          const linked = d.panels.find((p) => JSON.stringify(p).includes('"internal"')) as Json;
          const links = ((linked.fieldConfig as Json).defaults as Json).links as Json[];
          delete (links[0] as Json).title;
        },
      ],
      [
        "a variable of an unknown type",
        (d) => {
          (((d.templating as Json).list as Json[])[0] as Json).type = "dropdown";
        },
      ],
    ];
    for (const [what, mutate] of mutations) {
      const d = clone(base) as unknown as Json & { panels: Json[] };
      mutate(d);
      assert.notDeepEqual(validate(d), [], `the schema accepts ${what}`);
    }
  });
});
