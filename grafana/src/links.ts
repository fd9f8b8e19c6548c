/**
 * Data links from metric panels to traces. A span-metric series carries `service_name` and `span_name`, so a
 * click on one of its points opens Grafana Explore on the Jaeger datasource, searching that service's traces
 * of that operation over the panel's time range (an "internal" data link: it goes through Grafana's own
 * datasource, so it works wherever Grafana can reach Jaeger, with no Jaeger URL in the dashboard).
 *
 * The Foundation SDK types field links as dashboard links (the Grafana 11.6 schema leaves `links` untyped);
 * Grafana's frontend reads them as DataLink, whose `internal` part the SDK has no type for. `DataLink` adds
 * it, typed after Grafana's DataLink/InternalDataLink and the Jaeger datasource's query model, and the schema
 * test validates field links against it.
 */
import type * as cog from "@grafana/grafana-foundation-sdk/cog";
import { type DashboardLink, DashboardLinkType } from "@grafana/grafana-foundation-sdk/dashboard";
import { JAEGER_NAME, JAEGER_UID } from "./datasources";

/** The Jaeger datasource's trace search query (Grafana's JaegerQuery, queryType "search"). */
export interface JaegerSearchQuery {
  readonly queryType: "search";
  readonly service: string;
  readonly operation?: string;
}

export interface InternalDataLink {
  readonly datasourceUid: string;
  readonly datasourceName: string;
  readonly query: JaegerSearchQuery;
}

/** A field data link: the SDK's link shape plus Grafana's `internal` (a query in another datasource). */
export interface DataLink extends DashboardLink {
  internal?: InternalDataLink;
}

export type DataLinkBuilder = cog.Builder<DashboardLink>;

/** Grafana's data-link variable for a label of the clicked series: `${__field.labels.<name>}`. */
export function fieldLabel(name: string): string {
  return `$\{__field.labels.${name}}`;
}

/** The span-metric labels that name the service and the operation (otel-collector span_metrics connector). */
const SERVICE = fieldLabel("service_name");
const OPERATION = fieldLabel("span_name");

/** "Traces in Jaeger": the traces of the clicked series' service and operation. */
export function traceSearchLink(): DataLinkBuilder {
  return {
    build(): DataLink {
      return {
        title: `Traces of ${OPERATION} in Jaeger`,
        type: DashboardLinkType.Link,
        icon: "",
        tooltip: "",
        url: "",
        tags: [],
        asDropdown: false,
        targetBlank: false,
        includeVars: false,
        keepTime: true,
        internal: {
          datasourceUid: JAEGER_UID,
          datasourceName: JAEGER_NAME,
          query: { queryType: "search", service: SERVICE, operation: OPERATION },
        },
      };
    },
  };
}
