/** This library's instrumentation scope. */
export const LIBRARY_NAME = "@procode/observability";
export const LIBRARY_VERSION = "0.1.0";
