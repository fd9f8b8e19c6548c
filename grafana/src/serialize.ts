/**
 * Dashboard JSON as committed: object keys sorted at every level (so the output does not depend on the order
 * builders set fields), 2-space indentation, a trailing newline.
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function sortKeys(value: unknown): Json {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === "object") {
    const out: { [key: string]: Json } = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined && typeof v !== "function") out[key] = sortKeys(v);
    }
    return out;
  }
  if (value === null || typeof value === "boolean" || typeof value === "string") return value;
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new Error(`grafana: a dashboard holds the non-finite number ${value}`);
    return value;
  }
  throw new Error(`grafana: a dashboard holds a ${typeof value}, which JSON cannot carry`);
}

export function toStableJson(value: unknown): string {
  return `${JSON.stringify(sortKeys(value), null, 2)}\n`;
}
