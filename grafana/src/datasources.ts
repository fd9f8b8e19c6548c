/**
 * The two datasources every dashboard uses, by the fixed uids that grafana/provisioning/datasources/
 * provisions. Dashboards never pick a datasource by name or through a variable: a fixed uid is what lets
 * the same JSON work when provisioned, imported, or opened in another Grafana with the same datasources.
 */
import type { DataSourceRef } from "@grafana/grafana-foundation-sdk/dashboard";

export const PROMETHEUS_UID = "prometheus";
export const JAEGER_UID = "jaeger";
/** The Jaeger datasource's name as provisioned (internal data links carry it beside the uid). */
export const JAEGER_NAME = "Jaeger";

export const PROMETHEUS: DataSourceRef = { type: "prometheus", uid: PROMETHEUS_UID };
export const JAEGER: DataSourceRef = { type: "jaeger", uid: JAEGER_UID };
