/**
 * Every PromQL query a generated dashboard sends - panel targets and template-variable queries - and how to
 * fill in its variables the way Grafana does before sending it to Prometheus.
 */
import type { Dashboard, Panel, RowPanel } from "@grafana/grafana-foundation-sdk/dashboard";

export interface PanelQuery {
  readonly dashboard: string;
  readonly panel: string;
  readonly refId: string;
  readonly expr: string;
  /** Instant (one point at the end of the range) rather than a range query. */
  readonly instant: boolean;
  readonly exemplar: boolean;
}

export interface VariableQuery {
  readonly dashboard: string;
  readonly variable: string;
  /** The series selector of `label_values(selector, label)`. */
  readonly selector: string;
  readonly label: string;
}

interface Target {
  readonly expr?: unknown;
  readonly refId?: unknown;
  readonly instant?: unknown;
  readonly exemplar?: unknown;
}

function panelsOf(d: Dashboard): Panel[] {
  return (d.panels ?? []).flatMap((p): Panel[] => (p.type === "row" ? (p as RowPanel).panels : [p as Panel]));
}

export function panelQueries(d: Dashboard): PanelQuery[] {
  const out: PanelQuery[] = [];
  for (const panel of panelsOf(d)) {
    for (const target of (panel.targets ?? []) as Target[]) {
      if (typeof target.expr !== "string") continue;
      out.push({
        dashboard: d.uid ?? d.title ?? "?",
        panel: panel.title ?? `#${panel.id}`,
        refId: typeof target.refId === "string" ? target.refId : "?",
        expr: target.expr,
        instant: target.instant === true,
        exemplar: target.exemplar === true,
      });
    }
  }
  return out;
}

const LABEL_VALUES = /^label_values\((.+),\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\)$/s;

export function variableQueries(d: Dashboard): VariableQuery[] {
  const out: VariableQuery[] = [];
  for (const v of d.templating.list ?? []) {
    if (v.type !== "query") continue;
    const query = typeof v.query === "string" ? v.query : undefined;
    const match = query === undefined ? null : LABEL_VALUES.exec(query.trim());
    if (!match?.[1] || !match[2]) {
      throw new Error(
        `${d.uid}: variable ${v.name} is not a label_values(selector, label) query: ${JSON.stringify(v.query)}`,
      );
    }
    out.push({ dashboard: d.uid ?? "?", variable: v.name, selector: match[1].trim(), label: match[2] });
  }
  return out;
}

export interface Interpolation {
  /** Values of the dashboard's own variables, already a regex alternation ("(a|b)") as Grafana writes them. */
  readonly variables: Readonly<Record<string, string>>;
  /** Grafana's built-ins, as PromQL durations. */
  readonly rateInterval: string;
  readonly interval: string;
  readonly range: string;
}

/** Replaces `$__rate_interval`, `$__interval`, `$__range` and `$name`/`${name}` the way Grafana does. */
export function interpolate(expr: string, with_: Interpolation): string {
  const builtins: Record<string, string> = {
    __rate_interval: with_.rateInterval,
    __interval: with_.interval,
    __range: with_.range,
  };
  return expr.replace(
    /\$\{([a-zA-Z_][a-zA-Z0-9_]*)\}|\$([a-zA-Z_][a-zA-Z0-9_]*)/g,
    (whole, braced: string | undefined, bare: string | undefined) => {
      const name = braced ?? bare ?? "";
      const value = builtins[name] ?? with_.variables[name];
      if (value === undefined) throw new Error(`no value for the variable ${whole} in ${expr}`);
      return value;
    },
  );
}

/** A list of values as Grafana writes a multi-value variable into a Prometheus regex matcher. */
export function regexAlternation(values: readonly string[]): string {
  const escaped = values.map((v) => v.replace(/[\\^$*+?.()|[\]{}]/g, "\\\\$&"));
  return escaped.length === 1 ? (escaped[0] ?? "") : `(${escaped.join("|")})`;
}
