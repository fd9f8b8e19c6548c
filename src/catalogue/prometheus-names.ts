/**
 * The Prometheus series an OTLP instrument becomes through the Collector's prometheus exporter (default
 * translation strategy: underscore escaping, unit and type suffixes). This mirrors the translator's rules for
 * the units this library uses; the end-to-end tests pin it against what the real Collector exposes.
 */
import type { InstrumentKind, InstrumentSpec } from "./instruments";

const UNIT_SUFFIX: Readonly<Record<string, string>> = {
  s: "seconds",
  ms: "milliseconds",
  By: "bytes",
  "%": "percent",
};

function isMonotonicSum(kind: InstrumentKind): boolean {
  return kind === "counter" || kind === "observable_counter";
}

function isGauge(kind: InstrumentKind): boolean {
  return (
    kind === "gauge" ||
    kind === "observable_gauge" ||
    kind === "updowncounter" ||
    kind === "observable_updowncounter"
  );
}

/** The metric family name, e.g. `http_server_request_duration_seconds`. */
export function prometheusBaseName(spec: Pick<InstrumentSpec, "name" | "unit" | "kind">): string {
  let name = spec.name.replace(/[^a-zA-Z0-9_:]/g, "_");
  // Units in braces are annotations and are dropped; "1" on a gauge becomes "ratio".
  const unit = spec.unit.replace(/\{[^}]*\}/g, "");
  let suffix = UNIT_SUFFIX[unit] ?? "";
  if (unit === "1" && isGauge(spec.kind)) suffix = "ratio";
  if (suffix !== "" && !name.endsWith(`_${suffix}`)) name = `${name}_${suffix}`;
  if (isMonotonicSum(spec.kind)) name = `${name}_total`;
  return name;
}

/**
 * The stream name an instrument is exported under in embedded mode, so that the JS Prometheus serializer
 * prints the Collector's series names: it appends `_total` to monotonic sums itself and adds no unit suffix.
 */
export function embeddedStreamName(spec: Pick<InstrumentSpec, "name" | "unit" | "kind">): string {
  return prometheusBaseName(spec).replace(/_total$/, "");
}

/** Every series name the instrument produces (histograms: _bucket, _sum, _count). */
export function prometheusSeries(spec: Pick<InstrumentSpec, "name" | "unit" | "kind">): string[] {
  const base = prometheusBaseName(spec);
  if (spec.kind === "histogram") return [`${base}_bucket`, `${base}_sum`, `${base}_count`];
  return [base];
}

/** An attribute key as a Prometheus label. */
export function prometheusLabel(attribute: string): string {
  return attribute.replace(/[^a-zA-Z0-9_]/g, "_");
}
