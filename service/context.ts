/** The Hono environment of the service: what middleware hands to handlers. */
import type { ApiKeyRecord } from "./auth/api-keys";

export interface AppEnv {
  Variables: {
    requestId: string;
    apiKey: ApiKeyRecord;
  };
}
