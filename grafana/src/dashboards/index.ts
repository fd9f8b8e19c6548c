/** Every generated dashboard and the file it is written to. */
import type { DashboardSpec } from "../dashboard";
import { agentsDashboard } from "./agents";
import { apiKeysDashboard } from "./api-keys";
import { databaseDashboard } from "./database";
import { llmDashboard } from "./llm";
import { overviewDashboard } from "./overview";
import { pipelineDashboard } from "./pipeline";

export const DASHBOARDS: readonly DashboardSpec[] = [
  { file: "overview.json", build: overviewDashboard },
  { file: "llm.json", build: llmDashboard },
  { file: "agents.json", build: agentsDashboard },
  { file: "database.json", build: databaseDashboard },
  { file: "api-keys.json", build: apiKeysDashboard },
  { file: "pipeline.json", build: pipelineDashboard },
];
