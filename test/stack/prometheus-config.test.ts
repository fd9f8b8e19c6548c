import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { parse } from "yaml";
import { repoRoot } from "../../scripts/stack/binaries";
import { peerTargets } from "../../scripts/stack/prometheus";
import { rewritePrometheusConfig } from "../../scripts/stack/prometheus-config";

const source = `
global:
  scrape_interval: 15s
  scrape_timeout: 10s
  evaluation_interval: 15s
rule_files:
  - rules/*.yml
alerting:
  alertmanagers:
    - static_configs:
        - targets: ["127.0.0.1:9093"]
scrape_configs:
  - job_name: exporter
    scrape_interval: 30s
    static_configs:
      - targets: ["127.0.0.1:8889"]
  - job_name: other
    static_configs:
      - targets: ["127.0.0.1:7000", "127.0.0.1:8888"]
`;

interface Config {
  global: Record<string, string>;
  rule_files: string[];
  alerting?: { alertmanagers: { static_configs: { targets: string[] }[] }[] };
  scrape_configs: { job_name: string; scrape_interval?: string; static_configs: { targets: string[] }[] }[];
}

describe("rewritePrometheusConfig", () => {
  it("substitutes targets, drops unmapped stack targets, makes rule files absolute, applies a fast interval", () => {
    const out = parse(
      rewritePrometheusConfig(source, "/repo/prometheus/prometheus.yml", {
        targets: {
          "127.0.0.1:8889": "127.0.0.1:40001",
          "127.0.0.1:8888": null,
          "127.0.0.1:9093": "127.0.0.1:40002",
        },
        scrapeInterval: "1s",
        evaluationInterval: "1s",
        extraScrapeConfigs: [{ job_name: "svc", static_configs: [{ targets: ["127.0.0.1:40003"] }] }],
      }),
    ) as Config;
    assert.deepEqual(out.global, { scrape_interval: "1s", scrape_timeout: "1s", evaluation_interval: "1s" });
    assert.deepEqual(out.rule_files, ["/repo/prometheus/rules/*.yml"]);
    assert.deepEqual(out.alerting?.alertmanagers[0]?.static_configs[0]?.targets, ["127.0.0.1:40002"]);
    assert.deepEqual(
      out.scrape_configs.map((j) => [
        j.job_name,
        j.scrape_interval,
        j.static_configs.flatMap((s) => s.targets),
      ]),
      [
        ["exporter", undefined, ["127.0.0.1:40001"]],
        ["other", undefined, ["127.0.0.1:7000"]],
        ["svc", undefined, ["127.0.0.1:40003"]],
      ],
    );
  });

  it("drops the alerting section's Alertmanager when none runs", () => {
    const out = parse(
      rewritePrometheusConfig(source, "/p/prometheus.yml", { targets: { "127.0.0.1:9093": null } }),
    ) as Config;
    assert.deepEqual(out.alerting?.alertmanagers, []);
    assert.deepEqual(out.global.scrape_interval, "15s");
  });

  it("maps every stack address the repository's prometheus.yml names, and leaves none of the defaults", () => {
    const file = join(repoRoot(), "prometheus", "prometheus.yml");
    const peers = {
      collector: { prometheus: 41001, telemetry: 41002 },
      alertmanager: { web: 41003 },
      prometheus: { web: 41004 },
    };
    const text = rewritePrometheusConfig(readFileSync(file, "utf8"), file, { targets: peerTargets(peers) });
    for (const port of [8889, 8888, 9093, 9090])
      assert.ok(!text.includes(`127.0.0.1:${port}`), `default ${port} left`);
    for (const port of [41001, 41002, 41003, 41004])
      assert.ok(text.includes(`127.0.0.1:${port}`), `${port} used`);
  });
});
