/**
 * The panel shapes the dashboards use, built with the Grafana Foundation SDK's typed builders (Grafana 11.6):
 * time series, stat, bar gauge, table and heatmap, each reading Prometheus by its fixed uid. Every query gets
 * a refId (A, B, ...); histogram panels ask for exemplars; span-metric panels carry a data link to Jaeger.
 */
import * as bargauge from "@grafana/grafana-foundation-sdk/bargauge";
import type * as cog from "@grafana/grafana-foundation-sdk/cog";
import * as common from "@grafana/grafana-foundation-sdk/common";
import * as dashboard from "@grafana/grafana-foundation-sdk/dashboard";
import * as heatmap from "@grafana/grafana-foundation-sdk/heatmap";
import {
  DataqueryBuilder,
  PromQueryFormat,
  QueryEditorMode,
} from "@grafana/grafana-foundation-sdk/prometheus";
import * as stat from "@grafana/grafana-foundation-sdk/stat";
import * as table from "@grafana/grafana-foundation-sdk/table";
import * as timeseries from "@grafana/grafana-foundation-sdk/timeseries";
import { PROMETHEUS } from "./datasources";
import type { DataLinkBuilder } from "./links";

/** One PromQL query of a panel. */
export interface Query {
  readonly expr: string;
  /** Grafana legend template, e.g. "{{gen_ai_provider_name}}". */
  readonly legend?: string;
  /**
   * Ask Prometheus for exemplars: points that open their trace in Jaeger. Only the Collector's span metrics
   * carry exemplars (the OpenTelemetry JS SDK records none on the app's histograms).
   */
  readonly exemplar?: boolean;
}

interface PanelCommon {
  readonly title: string;
  readonly description: string;
  readonly unit: string;
  readonly queries: readonly Query[];
  /** Grid width (of 24) and height. */
  readonly width?: number;
  readonly height?: number;
  readonly links?: readonly DataLinkBuilder[];
  readonly decimals?: number;
  readonly min?: number;
  readonly max?: number;
}

export interface TimeseriesOptions extends PanelCommon {
  readonly stack?: boolean;
  readonly bars?: boolean;
}

export interface StatOptions extends PanelCommon {
  /** Threshold steps after the base (green) one: [value, color]. */
  readonly thresholds?: readonly (readonly [number, string])[];
  readonly sparkline?: boolean;
  /** Value -> text and color, e.g. 1 -> "up" (green). */
  readonly mappings?: readonly ValueText[];
}

export interface ValueText {
  readonly value: number;
  readonly text: string;
  readonly color: string;
}

function valueMappings(values: readonly ValueText[]): dashboard.ValueMapping[] {
  const options: Record<string, dashboard.ValueMappingResult> = {};
  values.forEach((v, index) => {
    options[String(v.value)] = { text: v.text, color: v.color, index };
  });
  return [{ type: dashboard.MappingType.ValueToText, options }];
}

const REF_IDS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";

function refId(index: number): string {
  const id = REF_IDS[index];
  if (id === undefined) throw new Error(`grafana: a panel has more than ${REF_IDS.length} queries`);
  return id;
}

/** A range query (time series over the dashboard's range). */
function rangeQuery(q: Query, index: number): DataqueryBuilder {
  const b = new DataqueryBuilder()
    .datasource(PROMETHEUS)
    .editorMode(QueryEditorMode.Code)
    .expr(q.expr)
    .range()
    .refId(refId(index))
    .legendFormat(q.legend ?? "__auto");
  if (q.exemplar) b.exemplar(true);
  return b;
}

/** An instant query (one value per series, at the end of the range): stats, tables and bar gauges. */
function instantQuery(
  q: Query,
  index: number,
  format: PromQueryFormat = PromQueryFormat.TimeSeries,
): DataqueryBuilder {
  return new DataqueryBuilder()
    .datasource(PROMETHEUS)
    .editorMode(QueryEditorMode.Code)
    .expr(q.expr)
    .instant()
    .format(format)
    .refId(refId(index))
    .legendFormat(q.legend ?? "__auto");
}

function thresholdSteps(
  steps: readonly (readonly [number, string])[] = [],
): dashboard.ThresholdsConfigBuilder {
  return new dashboard.ThresholdsConfigBuilder()
    .mode(dashboard.ThresholdsMode.Absolute)
    .steps([{ value: null, color: "green" }, ...steps.map(([value, color]) => ({ value, color }))]);
}

function legend(): common.VizLegendOptionsBuilder {
  return new common.VizLegendOptionsBuilder()
    .displayMode(common.LegendDisplayMode.Table)
    .placement(common.LegendPlacement.Bottom)
    .showLegend(true)
    .calcs(["mean", "max", "lastNotNull"]);
}

function tooltip(): common.VizTooltipOptionsBuilder {
  return new common.VizTooltipOptionsBuilder()
    .mode(common.TooltipDisplayMode.Multi)
    .sort(common.SortOrder.Descending);
}

/** The fields every panel kind shares (the SDK's panel builders have no common base type). */
interface CommonBuilder<T> {
  title(title: string): T;
  description(description: string): T;
  datasource(datasource: dashboard.DataSourceRef): T;
  unit(unit: string): T;
  span(w: number): T;
  height(h: number): T;
  decimals(decimals: number): T;
  min(min: number): T;
  max(max: number): T;
  dataLinks(links: cog.Builder<dashboard.DashboardLink>[]): T;
}

function applyCommon<T extends CommonBuilder<T>>(
  b: T,
  o: PanelCommon,
  defaultWidth: number,
  defaultHeight: number,
): T {
  b.title(o.title)
    .description(o.description)
    .datasource(PROMETHEUS)
    .unit(o.unit)
    .span(o.width ?? defaultWidth)
    .height(o.height ?? defaultHeight);
  if (o.decimals !== undefined) b.decimals(o.decimals);
  if (o.min !== undefined) b.min(o.min);
  if (o.max !== undefined) b.max(o.max);
  if (o.links && o.links.length > 0) b.dataLinks([...o.links]);
  return b;
}

export function timeseriesPanel(o: TimeseriesOptions): timeseries.PanelBuilder {
  const b = applyCommon(new timeseries.PanelBuilder(), o, 12, 8)
    .targets(o.queries.map(rangeQuery))
    .legend(legend())
    .tooltip(tooltip())
    .fillOpacity(o.stack ? 40 : 10)
    .lineWidth(1)
    .showPoints(common.VisibilityMode.Never)
    .drawStyle(o.bars ? common.GraphDrawStyle.Bars : common.GraphDrawStyle.Line);
  if (o.stack) b.stacking(new common.StackingConfigBuilder().mode(common.StackingMode.Normal));
  return b;
}

export function statPanel(o: StatOptions): stat.PanelBuilder {
  const b = applyCommon(new stat.PanelBuilder(), o, 6, 4);
  if (o.mappings) b.mappings(valueMappings(o.mappings));
  return b
    .targets(o.queries.map((q, i) => instantQuery(q, i)))
    .thresholds(thresholdSteps(o.thresholds))
    .colorMode(common.BigValueColorMode.Value)
    .graphMode(o.sparkline === false ? common.BigValueGraphMode.None : common.BigValueGraphMode.Area)
    .reduceOptions(new common.ReduceDataOptionsBuilder().values(false).calcs(["lastNotNull"]));
}

export function barGaugePanel(o: StatOptions): bargauge.PanelBuilder {
  return applyCommon(new bargauge.PanelBuilder(), o, 12, 8)
    .targets(o.queries.map((q, i) => instantQuery(q, i)))
    .thresholds(thresholdSteps(o.thresholds))
    .displayMode(common.BarGaugeDisplayMode.Gradient)
    .orientation(common.VizOrientation.Horizontal)
    .reduceOptions(new common.ReduceDataOptionsBuilder().values(false).calcs(["lastNotNull"]));
}

export interface TableOptions extends PanelCommon {
  /** Column to sort by, descending. */
  readonly sortBy?: string;
  /** Transformations, in order (default: drop the Time column). */
  readonly transformations?: readonly dashboard.DataTransformerConfig[];
}

/** A table of instant results, one row per series (labels as columns, "Value" as the value). */
export function tablePanel(o: TableOptions): table.PanelBuilder {
  const b = applyCommon(new table.PanelBuilder(), o, 12, 8)
    .targets(o.queries.map((q, i) => instantQuery(q, i, PromQueryFormat.Table)))
    .transformations([
      ...(o.transformations ?? [{ id: "organize", options: { excludeByName: { Time: true } } }]),
    ])
    .cellHeight(common.TableCellHeight.Sm);
  if (o.sortBy !== undefined)
    b.sortBy([new common.TableSortByFieldStateBuilder().displayName(o.sortBy).desc(true)]);
  return b;
}

/** A heatmap of a histogram's buckets (`sum by (le) (rate(..._bucket[...]))`). */
export function heatmapPanel(o: PanelCommon): heatmap.PanelBuilder {
  return applyCommon(new heatmap.PanelBuilder(), o, 12, 8)
    .targets(
      o.queries.map((q, i) =>
        rangeQuery({ ...q, legend: q.legend ?? "{{le}}" }, i).format(PromQueryFormat.Heatmap),
      ),
    )
    .calculate(false)
    .color(
      new heatmap.HeatmapColorOptionsBuilder()
        .mode(heatmap.HeatmapColorMode.Scheme)
        .scheme("Oranges")
        .scale(heatmap.HeatmapColorScale.Exponential)
        .exponent(0.5)
        .steps(64)
        .reverse(false),
    )
    .yAxis(new heatmap.YAxisConfigBuilder().unit(o.unit).axisPlacement(common.AxisPlacement.Left))
    .rowsFrame(new heatmap.RowsHeatmapOptionsBuilder().layout(common.HeatmapCellLayout.Le))
    .showValue(common.VisibilityMode.Never)
    .exemplarsColor("rgba(255,0,255,0.7)")
    .mode(common.TooltipDisplayMode.Single)
    .showColorScale(true)
    .showYHistogram();
}

export function row(title: string): dashboard.RowBuilder {
  return new dashboard.RowBuilder(title);
}
