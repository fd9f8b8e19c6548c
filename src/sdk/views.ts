/**
 * Views derived from the instrument table: each known instrument keeps only its allow-listed attributes,
 * gets its bucket boundaries and a cardinality limit (past it, the SDK folds new attribute sets into one
 * `otel.metric.overflow=true` series, so totals stay exact). In embedded mode (Prometheus text served by the
 * app) the views also rename each stream to the name the Collector's translation would give it, so that
 * rules and dashboards work unchanged whichever path the metrics take.
 */
import {
  AggregationType,
  createAllowListAttributesProcessor,
  type ViewOptions,
} from "@opentelemetry/sdk-metrics";
import {
  RUNTIME_EVENTLOOP_DELAY_P99,
  RUNTIME_EVENTLOOP_UTILIZATION,
  RUNTIME_HEAP_USED,
} from "../catalogue/catalogue";
import { INSTRUMENTATION_INSTRUMENTS, type InstrumentSpec, OWN_INSTRUMENTS } from "../catalogue/instruments";
import { embeddedStreamName } from "../catalogue/prometheus-names";

export interface ViewsOptions {
  readonly cardinalityLimit: number;
  /** Rename streams to their Collector-translated Prometheus names (embedded /metrics). */
  readonly prometheusNames: boolean;
}

function viewFor(spec: InstrumentSpec, opts: ViewsOptions, withAllowList: boolean): ViewOptions {
  const view: {
    instrumentName: string;
    aggregationCardinalityLimit: number;
    attributesProcessors?: ViewOptions["attributesProcessors"];
    aggregation?: ViewOptions["aggregation"];
    name?: string;
  } = {
    instrumentName: spec.name,
    aggregationCardinalityLimit: opts.cardinalityLimit,
  };
  if (withAllowList) view.attributesProcessors = [createAllowListAttributesProcessor([...spec.attributes])];
  if (spec.kind === "histogram" && spec.buckets) {
    view.aggregation = {
      type: AggregationType.EXPLICIT_BUCKET_HISTOGRAM,
      options: { boundaries: [...spec.buckets] },
    };
  }
  if (opts.prometheusNames) {
    view.name = embeddedStreamName(spec);
  }
  return view;
}

export function createViews(opts: ViewsOptions): ViewOptions[] {
  // Our own instruments are recorded only with their allow-listed keys (pinned by the catalogue tests), so
  // they skip the per-record filtering; instruments other libraries create keep the allow-list view.
  const views = [
    ...OWN_INSTRUMENTS.map((spec) => viewFor(spec, opts, false)),
    ...INSTRUMENTATION_INSTRUMENTS.map((spec) => viewFor(spec, opts, true)),
  ];
  if (opts.prometheusNames) {
    for (const spec of [RUNTIME_EVENTLOOP_DELAY_P99, RUNTIME_EVENTLOOP_UTILIZATION, RUNTIME_HEAP_USED]) {
      views.push(viewFor(spec, opts, false));
    }
  }
  return views;
}
