/**
 * What every generated dashboard shares: fixed uid, tags, time range, shared crosshair, a link menu to the
 * other ProCode dashboards (keeping time range and variables), and stable panel ids.
 */
import * as dashboard from "@grafana/grafana-foundation-sdk/dashboard";

export const TAG = "procode";

export interface DashboardSpec {
  /** The output file, `grafana/dashboards/<file>.json`. */
  readonly file: string;
  readonly build: () => dashboard.Dashboard;
}

export function dashboardBuilder(
  uid: string,
  title: string,
  description: string,
  tags: readonly string[],
): dashboard.DashboardBuilder {
  return new dashboard.DashboardBuilder(title)
    .uid(uid)
    .description(description)
    .tags([TAG, ...tags])
    .editable()
    .tooltip(dashboard.DashboardCursorSync.Crosshair)
    .time({ from: "now-1h", to: "now" })
    .timezone("browser")
    .refresh("30s")
    .link(
      new dashboard.DashboardLinkBuilder("ProCode dashboards")
        .type(dashboard.DashboardLinkType.Dashboards)
        .tags([TAG])
        .asDropdown(true)
        .includeVars(true)
        .keepTime(true)
        .targetBlank(false),
    );
}

/**
 * Builds the dashboard and numbers its panels 1, 2, ... in layout order (rows included), so panel ids -
 * which Grafana uses in panel links (`viewPanel=`) - are stable across regenerations.
 */
export function finalize(builder: dashboard.DashboardBuilder): dashboard.Dashboard {
  const built = builder.build();
  let next = 1;
  for (const panel of built.panels ?? []) {
    panel.id = next++;
    if (panel.type === "row") for (const inner of (panel as dashboard.RowPanel).panels) inner.id = next++;
  }
  return built;
}
