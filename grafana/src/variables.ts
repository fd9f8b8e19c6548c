/**
 * The template variables of the application dashboards: environment -> service -> instance, each a chained
 * `label_values` over the catalogue's app_info series (the only app series that carries
 * deployment_environment_name: the Collector keeps resource attributes off the other series). "All" expands
 * to the listed values rather than `.*`, so choosing an environment narrows every panel through the service
 * and instance lists even though the panels' own series carry no environment label.
 */
import * as dashboard from "@grafana/grafana-foundation-sdk/dashboard";
import { PROMETHEUS } from "./datasources";
import { appInfo, label } from "./series";

export const ENVIRONMENT = "environment";
export const SERVICE = "service";
export const INSTANCE = "instance";

/** A multi-value query variable that selects "All" (the listed values) by default. */
export function allByDefault(
  name: string,
  labelText: string,
  query: string,
  description: string,
): dashboard.QueryVariableBuilder {
  return new dashboard.QueryVariableBuilder(name)
    .label(labelText)
    .description(description)
    .datasource(PROMETHEUS)
    .query(query)
    .refresh(dashboard.VariableRefresh.OnTimeRangeChanged)
    .sort(dashboard.VariableSort.AlphabeticalAsc)
    .multi(true)
    .includeAll(true)
    .allowCustomValue(false)
    .current({ selected: true, text: ["All"], value: ["$__all"] });
}

export const environmentVariable = (): dashboard.QueryVariableBuilder =>
  allByDefault(
    ENVIRONMENT,
    "Environment",
    `label_values(${appInfo}, ${label.environment})`,
    "deployment.environment.name of the service instances (from app_info).",
  );

export const serviceVariable = (): dashboard.QueryVariableBuilder =>
  allByDefault(
    SERVICE,
    "Service",
    `label_values(${appInfo}{${label.environment}=~"$${ENVIRONMENT}"}, job)`,
    "service.name (the job label) of the services in the chosen environments.",
  );

export const instanceVariable = (): dashboard.QueryVariableBuilder =>
  allByDefault(
    INSTANCE,
    "Instance",
    `label_values(${appInfo}{${label.environment}=~"$${ENVIRONMENT}", job=~"$${SERVICE}"}, instance)`,
    "service.instance.id (the instance label) of the chosen services.",
  );

/** The three variables, in dependency order. */
export function appVariables(): dashboard.QueryVariableBuilder[] {
  return [environmentVariable(), serviceVariable(), instanceVariable()];
}

/** The label matchers that scope an application series to the chosen service and instances. */
export const APP_SCOPE = `job=~"$${SERVICE}", instance=~"$${INSTANCE}"`;
