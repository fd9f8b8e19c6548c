import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import type { Dashboard, Panel, RowPanel } from "@grafana/grafana-foundation-sdk/dashboard";
import { allowedSeries } from "../../grafana/src/allowed-series";
import { DASHBOARDS } from "../../grafana/src/dashboards";
import { JAEGER_NAME, JAEGER_UID, PROMETHEUS_UID } from "../../grafana/src/datasources";
import { differences, generateAll } from "../../grafana/src/generate";
import { type DataLink, fieldLabel } from "../../grafana/src/links";
import { lintDashboard } from "../../grafana/src/lint";
import { DASHBOARDS_DIR, REPO_ROOT } from "../../grafana/src/paths";
import { panelQueries } from "../../grafana/src/queries";
import { committedDashboards } from "./support";

function panels(d: Dashboard): Panel[] {
  return (d.panels ?? []).flatMap((p): Panel[] => (p.type === "row" ? (p as RowPanel).panels : [p as Panel]));
}

describe("dashboard generation", () => {
  it("regenerating gives byte-identical committed files (stable key order, 2-space JSON, trailing newline)", () => {
    const files = generateAll();
    assert.deepEqual(
      files.map((f) => f.file).sort(),
      committedDashboards().map((c) => c.file),
      "the committed set of files is the generated set",
    );
    for (const { file, content } of files) {
      const committed = readFileSync(join(DASHBOARDS_DIR, file), "utf8");
      assert.ok(
        committed === content,
        `${file} differs from the generator's output: run the generator and commit`,
      );
      assert.ok(content.endsWith("}\n") && !content.endsWith("\n\n"), `${file}: one trailing newline`);
      assert.equal(content, `${JSON.stringify(JSON.parse(content), null, 2)}\n`, `${file}: 2-space JSON`);
    }
    assert.deepEqual(differences(files), []);
  });

  it("generates the same bytes twice in one process (no clock, no randomness)", () => {
    assert.deepEqual(generateAll(), generateAll());
  });

  it("`generate.js --check` exits 0 on the committed files and 1, naming the file, when one is stale", () => {
    const script = join(REPO_ROOT, "build", "grafana", "src", "generate.js");
    const ok = spawnSync(process.execPath, [script, "--check"], { encoding: "utf8", timeout: 120_000 });
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stdout, /6 dashboards match their generator/);

    const dir = mkdtempSync(join(tmpdir(), "procode-grafana-stale-"));
    try {
      const files = generateAll();
      for (const { file, content } of files) writeFileSync(join(dir, file), content);
      assert.deepEqual(differences(files, dir), []);
      const first = files[0];
      assert.ok(first);
      writeFileSync(join(dir, first.file), first.content.replace('"title"', '"title "'));
      writeFileSync(join(dir, "hand-made.json"), "{}\n");
      assert.deepEqual(differences(files, dir), [
        `${first.file}: differs from the generator's output`,
        "hand-made.json: committed but not generated",
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("makes the six dashboards with fixed uids, tags and unique panel ids", () => {
    const built = DASHBOARDS.map((spec) => spec.build());
    assert.deepEqual(
      built.map((d) => d.uid),
      [
        "procode-overview",
        "procode-llm",
        "procode-agents",
        "procode-database",
        "procode-api-keys",
        "procode-pipeline",
      ],
    );
    for (const d of built) {
      assert.ok(d.tags?.includes("procode"), `${d.uid} is tagged procode (the dashboards' link menu)`);
      const ids = (d.panels ?? []).flatMap((p) => [
        p.id,
        ...(p.type === "row" ? (p as RowPanel).panels.map((q) => q.id) : []),
      ]);
      assert.equal(new Set(ids).size, ids.length, `${d.uid}: panel ids are unique`);
      assert.ok(
        ids.every((id) => typeof id === "number" && id > 0),
        `${d.uid}: every panel has an id`,
      );
    }
  });

  it("every panel and every query reads Prometheus by its fixed uid, with distinct refIds", () => {
    for (const { file, dashboard } of committedDashboards()) {
      for (const panel of panels(dashboard)) {
        assert.deepEqual(
          panel.datasource,
          { type: "prometheus", uid: PROMETHEUS_UID },
          `${file} / ${panel.title}`,
        );
        const targets = (panel.targets ?? []) as { refId?: string; datasource?: unknown }[];
        assert.ok(targets.length > 0, `${file} / ${panel.title} has queries`);
        for (const t of targets) assert.deepEqual(t.datasource, { type: "prometheus", uid: PROMETHEUS_UID });
        const refIds = targets.map((t) => t.refId);
        assert.equal(new Set(refIds).size, refIds.length, `${file} / ${panel.title}: distinct refIds`);
      }
      for (const v of dashboard.templating.list ?? []) {
        if (v.type === "query") assert.deepEqual(v.datasource, { type: "prometheus", uid: PROMETHEUS_UID });
      }
    }
  });

  it("the application dashboards have environment, service and instance variables, All by default", () => {
    for (const { file, dashboard } of committedDashboards()) {
      if (dashboard.uid === "procode-pipeline") continue;
      const vars = dashboard.templating.list ?? [];
      assert.deepEqual(
        vars.map((v) => v.name),
        ["environment", "service", "instance"],
        file,
      );
      for (const v of vars) {
        assert.equal(v.includeAll, true, `${file} $${v.name}`);
        assert.equal(
          v.allValue,
          undefined,
          `${file} $${v.name}: All lists the values (keeps the environment filter)`,
        );
      }
      for (const q of panelQueries(dashboard)) {
        assert.match(q.expr, /job=~"\$service"/, `${file} / ${q.panel}: scoped to $service`);
      }
    }
  });

  it("latency panels carry span-metric exemplars; span-metric panels link to a Jaeger trace search", () => {
    assert.equal(fieldLabel("span_name"), ["$", "{__field.labels.span_name}"].join(""));
    let exemplarQueries = 0;
    let spanMetricPanels = 0;
    for (const { file, dashboard } of committedDashboards()) {
      for (const q of panelQueries(dashboard)) {
        if (q.exemplar) {
          exemplarQueries++;
          assert.match(
            q.expr,
            /traces_span_metrics_duration_seconds_bucket\{/,
            `${file} / ${q.panel}: exemplars only where the span metrics (which carry them) are read`,
          );
        }
      }
      if (dashboard.uid !== "procode-pipeline" && dashboard.uid !== "procode-api-keys") {
        assert.ok(
          panelQueries(dashboard).some((q) => q.exemplar),
          `${file}: some latency panel shows exemplars`,
        );
      }
      for (const panel of panels(dashboard)) {
        const exprs = ((panel.targets ?? []) as unknown as { expr: string }[]).map((t) => t.expr);
        // A panel over span metrics only links each series to its traces; a panel of app series with a
        // span-metric overlay links through that overlay's exemplars instead.
        if (!exprs.every((e) => e.includes("traces_span_metrics_"))) continue;
        spanMetricPanels++;
        const links = (panel.fieldConfig?.defaults.links ?? []) as DataLink[];
        assert.equal(links.length, 1, `${file} / ${panel.title}: one data link`);
        assert.deepEqual(links[0]?.internal, {
          datasourceUid: JAEGER_UID,
          datasourceName: JAEGER_NAME,
          query: {
            queryType: "search",
            service: fieldLabel("service_name"),
            operation: fieldLabel("span_name"),
          },
        });
        for (const e of exprs) {
          assert.match(
            e,
            /by \([^)]*service_name, span_name/,
            `${file} / ${panel.title}: keeps the labels the link uses`,
          );
        }
      }
    }
    assert.ok(exemplarQueries >= 8, `exemplar queries (${exemplarQueries})`);
    assert.ok(spanMetricPanels >= 6, `span-metric panels with links (${spanMetricPanels})`);
  });

  it("the generator's guard rejects a series outside the catalogue, a nameless selector and a parse error", () => {
    const d = overviewWith([
      "sum(rate(http_requests_total[5m]))",
      'sum(rate({job="x"}[5m]))',
      'sum(rate({__name__=~"http_.*"}[5m]))',
      "sum(rate(http_server_request_duration_seconds_count[5m])",
    ]);
    const problems = lintDashboard(d, allowedSeries()).map((p) => p.problem);
    assert.equal(problems.length, 4, problems.join("\n"));
    assert.match(problems[0] ?? "", /"http_requests_total" is not in the catalogue/);
    assert.match(problems[1] ?? "", /names no series/);
    assert.match(problems[2] ?? "", /matches __name__ by a pattern/);
    assert.match(problems[3] ?? "", /parse error/);
  });
});

function overviewWith(exprs: readonly string[]): Dashboard {
  const d = DASHBOARDS[0]?.build();
  assert.ok(d);
  const panel = panels(d).find((p) => p.type === "timeseries");
  assert.ok(panel);
  d.panels = [
    {
      ...panel,
      targets: exprs.map((expr, i) => ({
        expr,
        refId: String.fromCharCode(65 + i),
        _implementsDataqueryVariant() {},
      })),
    },
  ];
  d.templating.list = [];
  return d;
}
