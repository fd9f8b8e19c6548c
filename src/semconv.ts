/**
 * Semantic-convention names used by this library. Stable names come from @opentelemetry/semantic-conventions;
 * incubating ones (gen_ai.*, db.client.connection.*, process.*, system.filesystem.*) are copied here from the
 * OpenTelemetry semantic conventions v1.38 (as shipped by @opentelemetry/semantic-conventions 1.45.0's
 * `incubating` entry point) so that an upstream rename is a one-line change in one file.
 */
export {
  ATTR_CLIENT_ADDRESS,
  ATTR_ERROR_TYPE,
  ATTR_EXCEPTION_MESSAGE,
  ATTR_EXCEPTION_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_NETWORK_PROTOCOL_VERSION,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_SERVICE_NAME,
  ATTR_SERVICE_VERSION,
  ATTR_URL_PATH,
  ATTR_URL_QUERY,
  ATTR_URL_SCHEME,
  ATTR_USER_AGENT_ORIGINAL,
  METRIC_HTTP_SERVER_REQUEST_DURATION,
} from "@opentelemetry/semantic-conventions";

// --- incubating (semconv v1.38) ---
export const ATTR_DEPLOYMENT_ENVIRONMENT_NAME = "deployment.environment.name";
export const ATTR_SERVICE_INSTANCE_ID = "service.instance.id";
export const ATTR_PROCESS_RUNTIME_NAME = "process.runtime.name";
export const ATTR_PROCESS_RUNTIME_VERSION = "process.runtime.version";
export const ATTR_CPU_MODE = "cpu.mode";

export const METRIC_HTTP_SERVER_ACTIVE_REQUESTS = "http.server.active_requests";
export const METRIC_HTTP_SERVER_REQUEST_BODY_SIZE = "http.server.request.body.size";
export const METRIC_HTTP_SERVER_RESPONSE_BODY_SIZE = "http.server.response.body.size";

export const ATTR_GEN_AI_OPERATION_NAME = "gen_ai.operation.name";
export const ATTR_GEN_AI_PROVIDER_NAME = "gen_ai.provider.name";
export const ATTR_GEN_AI_REQUEST_MODEL = "gen_ai.request.model";
export const ATTR_GEN_AI_REQUEST_MAX_TOKENS = "gen_ai.request.max_tokens";
export const ATTR_GEN_AI_REQUEST_TEMPERATURE = "gen_ai.request.temperature";
export const ATTR_GEN_AI_REQUEST_STREAM = "gen_ai.request.stream";
export const ATTR_GEN_AI_RESPONSE_MODEL = "gen_ai.response.model";
export const ATTR_GEN_AI_RESPONSE_ID = "gen_ai.response.id";
export const ATTR_GEN_AI_RESPONSE_FINISH_REASONS = "gen_ai.response.finish_reasons";
export const ATTR_GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK = "gen_ai.response.time_to_first_chunk";
export const ATTR_GEN_AI_USAGE_INPUT_TOKENS = "gen_ai.usage.input_tokens";
export const ATTR_GEN_AI_USAGE_OUTPUT_TOKENS = "gen_ai.usage.output_tokens";
export const ATTR_GEN_AI_TOKEN_TYPE = "gen_ai.token.type";
export const ATTR_GEN_AI_INPUT_MESSAGES = "gen_ai.input.messages";
export const ATTR_GEN_AI_OUTPUT_MESSAGES = "gen_ai.output.messages";
export const ATTR_GEN_AI_AGENT_NAME = "gen_ai.agent.name";
export const ATTR_GEN_AI_AGENT_ID = "gen_ai.agent.id";
export const ATTR_GEN_AI_TOOL_NAME = "gen_ai.tool.name";
export const ATTR_GEN_AI_TOOL_TYPE = "gen_ai.tool.type";
export const ATTR_GEN_AI_TOOL_CALL_ID = "gen_ai.tool.call.id";
export const ATTR_GEN_AI_CONVERSATION_ID = "gen_ai.conversation.id";

export const GEN_AI_OPERATION_CHAT = "chat";
export const GEN_AI_OPERATION_INVOKE_AGENT = "invoke_agent";
export const GEN_AI_OPERATION_EXECUTE_TOOL = "execute_tool";
export const GEN_AI_TOKEN_TYPE_INPUT = "input";
export const GEN_AI_TOKEN_TYPE_OUTPUT = "output";

export const METRIC_GEN_AI_CLIENT_OPERATION_DURATION = "gen_ai.client.operation.duration";
export const METRIC_GEN_AI_CLIENT_TOKEN_USAGE = "gen_ai.client.token.usage";
export const METRIC_GEN_AI_CLIENT_OPERATION_TIME_TO_FIRST_CHUNK =
  "gen_ai.client.operation.time_to_first_chunk";

export const ATTR_DB_SYSTEM_NAME = "db.system.name";
export const ATTR_DB_OPERATION_NAME = "db.operation.name";
export const ATTR_DB_COLLECTION_NAME = "db.collection.name";
export const ATTR_DB_CLIENT_CONNECTION_STATE = "db.client.connection.state";
export const ATTR_DB_CLIENT_CONNECTION_POOL_NAME = "db.client.connection.pool.name";
export const METRIC_DB_CLIENT_OPERATION_DURATION = "db.client.operation.duration";
export const METRIC_DB_CLIENT_CONNECTION_COUNT = "db.client.connection.count";
export const METRIC_DB_CLIENT_CONNECTION_MAX = "db.client.connection.max";
export const METRIC_DB_CLIENT_CONNECTION_PENDING_REQUESTS = "db.client.connection.pending_requests";

export const METRIC_PROCESS_CPU_TIME = "process.cpu.time";
export const METRIC_PROCESS_MEMORY_USAGE = "process.memory.usage";
export const METRIC_PROCESS_MEMORY_VIRTUAL = "process.memory.virtual";
export const METRIC_PROCESS_UNIX_FILE_DESCRIPTOR_COUNT = "process.unix.file_descriptor.count";
export const METRIC_PROCESS_UPTIME = "process.uptime";
export const METRIC_NODEJS_EVENTLOOP_DELAY_P99 = "nodejs.eventloop.delay.p99";
export const METRIC_NODEJS_EVENTLOOP_UTILIZATION = "nodejs.eventloop.utilization";
export const METRIC_V8JS_MEMORY_HEAP_USED = "v8js.memory.heap.used";

export const ATTR_SYSTEM_FILESYSTEM_MOUNTPOINT = "system.filesystem.mountpoint";
export const METRIC_SYSTEM_FILESYSTEM_UTILIZATION = "system.filesystem.utilization";

/** Bucket boundaries the conventions recommend (advice). */
export const BUCKETS_HTTP_DURATION = [
  0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10,
];
export const BUCKETS_GEN_AI_DURATION = [
  0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92,
];
export const BUCKETS_GEN_AI_TOKENS = [
  1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864,
];
export const BUCKETS_DB_DURATION = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10];
