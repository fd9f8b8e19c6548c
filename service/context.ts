/** The Hono environment of the service: what middleware hands to handlers. */
import type { ApiKeyRecord } from "./auth/api-keys";

export interface AppEnv {
  Variables: {
    requestId: string;
    /** Set by the API-key gate once the key is accepted. */
    apiKey: ApiKeyRecord;
    /** The body's user_id, once the body is valid. */
    userId: string;
  };
}
