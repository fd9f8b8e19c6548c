/** Renders the metrics catalogue as Markdown (docs/metrics-catalogue.md is this output, pinned by a test). */
import { CATALOGUE } from "./catalogue";
import { prometheusLabel, prometheusSeries } from "./prometheus-names";

export function renderCatalogueMarkdown(): string {
  const lines = [
    "# Metrics catalogue",
    "",
    "Generated from `src/catalogue/` by `npm run docs:catalogue`; a test fails when this file and the code disagree.",
    "Every metric of the seed design, the OpenTelemetry instrument that carries it, and the exact Prometheus",
    "series it becomes through the Collector's `prometheus` exporter (every series also carries `job` = service",
    "name and `instance` = service instance id). In embedded mode (`OTEL_METRICS_EXPORTER=prometheus`) the app's",
    "own `/metrics` serves the same names. Alert rules and dashboards use only these series and the recording",
    "rules built on them.",
    "",
    "| Seed metric | Instrument | Type | Unit | Attributes (allow-list) | Buckets | Prometheus series | PromQL for the seed metric | Source |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
  ];
  for (const e of CATALOGUE) {
    const i = e.instrument;
    const labels = i.attributes.map((a) => `\`${a}\` (\`${prometheusLabel(a)}\`)`).join(", ") || "-";
    const buckets = i.buckets ? i.buckets.join(", ") : "-";
    const series = prometheusSeries(i)
      .map((s) => `\`${s}\``)
      .join(" ");
    lines.push(
      `| \`${e.seed}\` | \`${i.name}\` | ${i.kind} | \`${i.unit || "-"}\` | ${labels} | ${buckets} | ${series} | \`${e.promql.replace(/\|/g, "\\|")}\` | ${e.source} |`,
    );
  }
  lines.push("");
  return `${lines.join("\n")}\n`;
}
