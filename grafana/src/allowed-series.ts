/**
 * The series a dashboard query may name: the catalogue's (every instrument, through the catalogue's own
 * Prometheus translation), the recording rules in prometheus/rules, and the explicit external allow-list
 * (span metrics and the pipeline's own telemetry).
 */
import { CATALOGUE } from "../../src/catalogue/catalogue";
import { ALL_INSTRUMENTS } from "../../src/catalogue/instruments";
import { prometheusSeries } from "../../src/catalogue/prometheus-names";
import { EXTERNAL_SERIES } from "./external-series";
import { recordingRuleNames } from "./recording-rules";

export type SeriesSource = "catalogue" | "recording rule" | "external allow-list";

export function catalogueSeries(): Set<string> {
  const instruments = new Set([...ALL_INSTRUMENTS, ...CATALOGUE.map((entry) => entry.instrument)]);
  return new Set([...instruments].flatMap((spec) => prometheusSeries(spec)));
}

/** Every allowed series name and where it comes from. */
export function allowedSeries(rulesDir?: string): Map<string, SeriesSource> {
  const allowed = new Map<string, SeriesSource>();
  for (const name of EXTERNAL_SERIES) allowed.set(name, "external allow-list");
  for (const name of recordingRuleNames(rulesDir)) allowed.set(name, "recording rule");
  for (const name of catalogueSeries()) allowed.set(name, "catalogue");
  return allowed;
}
