/**
 * The seed's health switches (ENABLE_HEALTH_CHECKS, HEALTH_CHECK_DATABASE/_LLM/_AGENTS/_DISK/_MEMORY,
 * HEALTH_CHECK_CRITICAL, HEALTH_CHECK_DISK_*, HEALTH_CHECK_MEMORY_MAX_RSS_MB) turned into the list of checks.
 * The dependencies themselves (the pool, the LLM probe, the agents) come from the application.
 */
import { diag } from "@opentelemetry/api";
import type { HealthConfig } from "../config/config";
import {
  type AgentEndpoint,
  type DatabaseSource,
  databaseCheck,
  diskCheck,
  externalAgentsCheck,
  type HealthCheck,
  type LlmProviderCheckOptions,
  llmProviderCheck,
  memoryCheck,
} from "./checks";

export interface HealthDependencies {
  readonly database?: DatabaseSource;
  readonly llm?: Pick<
    LlmProviderCheckOptions,
    "probe" | "recentOutcomes" | "degradedErrorRatio" | "minCalls"
  >;
  readonly agents?: readonly AgentEndpoint[];
}

/** The enabled checks, with criticality from HEALTH_CHECK_CRITICAL (default: database only). */
export function checksFromConfig(health: HealthConfig, deps: HealthDependencies): HealthCheck[] {
  if (!health.enabled) return [];
  const critical = (name: string): boolean => health.critical.includes(name);
  const checks: HealthCheck[] = [];
  const missing = (variable: string, what: string): void =>
    diag.warn(`health: ${variable} is on but no ${what} was given; that check is skipped`);

  if (health.database) {
    if (deps.database) checks.push(databaseCheck(deps.database, { critical: critical("database") }));
    else missing("HEALTH_CHECK_DATABASE", "database");
  }
  if (health.llm) {
    if (deps.llm && (deps.llm.probe || deps.llm.recentOutcomes)) {
      checks.push(llmProviderCheck({ ...deps.llm, critical: critical("llm_provider") }));
    } else missing("HEALTH_CHECK_LLM", "LLM probe or recent-outcome source");
  }
  if (health.agents) {
    if (deps.agents) checks.push(externalAgentsCheck(deps.agents, { critical: critical("external_agents") }));
    else missing("HEALTH_CHECK_AGENTS", "agent list");
  }
  if (health.disk)
    checks.push(diskCheck(health.diskPath, health.diskMinFreeRatio, { critical: critical("disk") }));
  if (health.memory) checks.push(memoryCheck(health.memoryMaxRssBytes, { critical: critical("memory") }));
  return checks;
}
