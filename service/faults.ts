/**
 * Fault injection for the demo and the traffic generator: with SERVICE_FAULT_INJECTION=true, a request may
 * carry `X-Procode-Fault: llm=<kind>[@classification|@generation], db=timeout` and suffers that failure on
 * the way (an LLM error of that kind, a real PostgreSQL statement timeout). Off by default: the header is
 * then ignored.
 */
import { ApiError } from "./errors";
import { LLM_FAULT_KINDS, type LlmFaultKind } from "./llm/types";

export const FAULT_HEADER = "x-procode-fault";

export interface Faults {
  readonly llm?: { readonly kind: LlmFaultKind; readonly stage: "classification" | "generation" };
  readonly db: boolean;
}

export const NO_FAULTS: Faults = Object.freeze({ db: false });

export function parseFaultHeader(value: string | undefined): Faults {
  if (value === undefined || value.trim() === "") return NO_FAULTS;
  let llm: Faults["llm"];
  let db = false;
  for (const part of value
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean)) {
    const [key, raw = ""] = part.split("=", 2).map((s) => s.trim());
    if (key === "db" && raw === "timeout") {
      db = true;
      continue;
    }
    if (key === "llm") {
      const [kind, stage = "classification"] = raw.split("@", 2);
      if (
        (LLM_FAULT_KINDS as readonly string[]).includes(kind ?? "") &&
        (stage === "classification" || stage === "generation")
      ) {
        llm = { kind: kind as LlmFaultKind, stage };
        continue;
      }
    }
    throw new ApiError(400, "invalid_fault_header", `${FAULT_HEADER}: cannot use ${JSON.stringify(part)}`, {
      details: [
        {
          field: FAULT_HEADER,
          problem: `expected llm=<${LLM_FAULT_KINDS.join("|")}>[@classification|@generation] or db=timeout`,
        },
      ],
    });
  }
  return { ...(llm ? { llm } : {}), db };
}
