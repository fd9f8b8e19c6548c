/** What an agent gets and gives. */
import type { AgentType, Intent } from "../intents";

export interface AgentRequest {
  readonly requestId: string;
  readonly organizationId: string;
  readonly userId: string;
  readonly intent: Intent;
  readonly message: string;
  /** An injected database fault for this request (see faults.ts). */
  readonly dbFault: boolean;
}

export interface AgentResult {
  readonly agent: AgentType;
  /** What the agent found; the response generation step words it for the user. */
  readonly data: Readonly<Record<string, unknown>>;
  /** Remote agents that failed; the answer was built without them. */
  readonly degraded: readonly string[];
}

export interface Agent {
  readonly type: AgentType;
  run(request: AgentRequest): Promise<AgentResult>;
}
