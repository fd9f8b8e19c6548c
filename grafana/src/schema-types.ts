/**
 * The shape of a generated dashboard, as Grafana 11.6 types it (the Foundation SDK's types, generated from
 * Grafana's own schemas): the Dashboard model, whose panels are each one of the panel plugins the generator
 * uses with that plugin's options and field config, whose queries are Prometheus queries and whose field data
 * links are DataLinks. The SDK leaves those three parts open (`any`, an opaque query variant, dashboard
 * links); here they are closed, so a JSON schema derived from these types checks every part of the file.
 */
import type * as bargauge from "@grafana/grafana-foundation-sdk/bargauge";
import type * as common from "@grafana/grafana-foundation-sdk/common";
import type * as dashboard from "@grafana/grafana-foundation-sdk/dashboard";
import type * as heatmap from "@grafana/grafana-foundation-sdk/heatmap";
import type * as prometheus from "@grafana/grafana-foundation-sdk/prometheus";
import type * as stat from "@grafana/grafana-foundation-sdk/stat";
import type * as table from "@grafana/grafana-foundation-sdk/table";
import type * as timeseries from "@grafana/grafana-foundation-sdk/timeseries";
import type { DataLink } from "./links";

/** A Prometheus query as stored in a panel (the SDK's model without its type-tag method). */
export type PrometheusTarget = Omit<prometheus.dataquery, "_implementsDataqueryVariant">;

interface FieldConfigSourceOf<Custom> {
  defaults: Omit<dashboard.FieldConfig, "custom" | "links"> & { custom?: Custom; links?: DataLink[] };
  overrides: dashboard.FieldConfigSource["overrides"];
}

type PanelOf<Type extends string, Options, Custom> = Omit<
  dashboard.Panel,
  "type" | "targets" | "options" | "fieldConfig"
> & {
  type: Type;
  targets: PrometheusTarget[];
  options: Options;
  fieldConfig: FieldConfigSourceOf<Custom>;
};

export type GeneratedPanel =
  | PanelOf<"timeseries", timeseries.Options, timeseries.FieldConfig>
  | PanelOf<"stat", stat.Options, never>
  | PanelOf<"bargauge", bargauge.Options, never>
  | PanelOf<"table", table.Options, common.TableFieldOptions>
  | PanelOf<"heatmap", heatmap.Options, heatmap.FieldConfig>;

export type GeneratedRow = Omit<dashboard.RowPanel, "panels"> & { panels: GeneratedPanel[] };

/** A generated dashboard file: a Grafana 11.6 dashboard with closed panels, queries and data links. */
export type GeneratedDashboard = Omit<dashboard.Dashboard, "panels"> & {
  panels: (GeneratedPanel | GeneratedRow)[];
};
