/**
 * The generator's own guard: every query of a dashboard parses and names only allowed series
 * (catalogue, recording rules, external allow-list), so a bad dashboard fails at generation, not in Grafana.
 */
import type { Dashboard } from "@grafana/grafana-foundation-sdk/dashboard";
import type { SeriesSource } from "./allowed-series";
import { seriesNames } from "./promql-names";
import { interpolate, panelQueries, variableQueries } from "./queries";

/** Stand-ins for the variables, only so the grammar sees valid PromQL (durations, regexes). */
const STAND_INS = { rateInterval: "1m", interval: "15s", range: "1h" } as const;

export interface QueryProblem {
  readonly where: string;
  readonly expr: string;
  readonly problem: string;
}

/** Every problem of every query of `d` (empty when the dashboard is clean). */
export function lintDashboard(d: Dashboard, allowed: ReadonlyMap<string, SeriesSource>): QueryProblem[] {
  const variables = Object.fromEntries((d.templating.list ?? []).map((v) => [v.name, ".+"]));
  const problems: QueryProblem[] = [];
  const check = (where: string, expr: string): void => {
    const filled = interpolate(expr, { variables, ...STAND_INS });
    const { names, problems: parseProblems } = seriesNames(filled);
    for (const problem of parseProblems) problems.push({ where, expr, problem });
    for (const name of names) {
      if (!allowed.has(name)) {
        problems.push({
          where,
          expr,
          problem: `"${name}" is not in the catalogue, the recording rules or the allow-list`,
        });
      }
    }
    if (names.length === 0 && parseProblems.length === 0)
      problems.push({ where, expr, problem: "names no series" });
  };
  for (const q of panelQueries(d)) check(`${q.dashboard} / ${q.panel} / ${q.refId}`, q.expr);
  for (const v of variableQueries(d)) check(`${v.dashboard} / $${v.variable}`, v.selector);
  return problems;
}
