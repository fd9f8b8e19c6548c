/** The resource every signal carries: service name, version, environment, a per-process instance id. */
import { randomUUID } from "node:crypto";
import { defaultResource, type Resource, resourceFromAttributes } from "@opentelemetry/resources";
import type { ObservabilityConfig } from "../config/config";
import {
  ATTR_DEPLOYMENT_ENVIRONMENT_NAME,
  ATTR_PROCESS_RUNTIME_NAME,
  ATTR_PROCESS_RUNTIME_VERSION,
  ATTR_SERVICE_INSTANCE_ID,
  ATTR_SERVICE_NAME,
  ATTR_SERVICE_VERSION,
} from "../semconv";

export function createResource(config: ObservabilityConfig): Resource {
  return defaultResource().merge(
    resourceFromAttributes({
      ...config.resourceAttributes,
      [ATTR_SERVICE_NAME]: config.serviceName,
      [ATTR_SERVICE_VERSION]: config.serviceVersion,
      [ATTR_DEPLOYMENT_ENVIRONMENT_NAME]: config.environment,
      [ATTR_SERVICE_INSTANCE_ID]: config.resourceAttributes["service.instance.id"] ?? randomUUID(),
      [ATTR_PROCESS_RUNTIME_NAME]: "nodejs",
      [ATTR_PROCESS_RUNTIME_VERSION]: process.versions.node,
      "process.pid": process.pid,
    }),
  );
}
