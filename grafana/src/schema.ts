/**
 * A JSON-schema validator for generated dashboard files, derived at run time from grafana/src/schema-types.ts
 * (the Foundation SDK's Grafana 11.6 types, closed) by ts-json-schema-generator and compiled by Ajv. Object
 * types allow no extra keys and enums allow only their values, so a misspelt option, a wrong enum value, a
 * panel of an unknown type or a malformed query fails validation.
 */
import { join } from "node:path";
import Ajv from "ajv";
import { createGenerator } from "ts-json-schema-generator";
import { REPO_ROOT } from "./paths";

export type DashboardValidator = (dashboard: unknown) => string[];

/** The JSON schema of a generated dashboard (draft-07, every type inlined). */
export function dashboardSchema(): object {
  const generator = createGenerator({
    path: join(REPO_ROOT, "grafana", "src", "schema-types.ts"),
    tsconfig: join(REPO_ROOT, "tsconfig.json"),
    type: "GeneratedDashboard",
    skipTypeCheck: true,
    functions: "hide",
    additionalProperties: false,
    expose: "none",
    topRef: false,
    jsDoc: "none",
  });
  return generator.createSchema("GeneratedDashboard");
}

/** Compiles the schema once; the validator returns one line per violation (empty when valid). */
export function createDashboardValidator(schema: object = dashboardSchema()): DashboardValidator {
  const ajv = new Ajv({ allErrors: true, strict: false });
  const validate = ajv.compile(schema);
  return (dashboard: unknown): string[] => {
    if (validate(dashboard)) return [];
    return (validate.errors ?? []).map((e) => {
      const params = JSON.stringify(e.params);
      return `${e.instancePath || "/"} ${e.message ?? "is invalid"} ${params}`;
    });
  };
}
