/**
 * The pg instrumentation, with db.client.operation.duration recorded by this library.
 *
 * @opentelemetry/instrumentation-pg 0.77.0 sets `error.type` on that histogram only for callback-style
 * queries; promise-style queries (what every `pg.Pool` user runs) that fail are recorded without it, so
 * failed queries would count as successes and database error alerts could never fire. We keep its spans
 * and pool metrics, turn its duration recording off, and record the histogram around the raw query with
 * `error.type` = the PostgreSQL SQLSTATE code (or the error's class for connection errors). The override
 * reaches two members the package declares private: the version is pinned exactly and
 * test/spine/pg.test.ts fails if the package changes under it.
 */
import type { Attributes } from "@opentelemetry/api";
import { PgInstrumentation, type PgInstrumentationConfig } from "@opentelemetry/instrumentation-pg";
import { errorTypeOf } from "../instrument/errors";
import { instruments } from "../instrument/instruments";
import { ATTR_DB_OPERATION_NAME, ATTR_DB_SYSTEM_NAME, ATTR_ERROR_TYPE } from "../semconv";

type QueryFn = (this: PgClientLike, ...args: unknown[]) => unknown;
interface PgClientLike {
  database?: string;
}
type Callback = (this: unknown, err: unknown, res: unknown) => unknown;

const OPERATION = /^\s*(?:\/\*.*?\*\/\s*)*([A-Za-z]+)/s;

/** The SQL verb (SELECT, INSERT, ...) of a query's text: low cardinality, no literals. */
export function operationName(query: unknown): string | undefined {
  const text = typeof query === "string" ? query : (query as { text?: unknown } | null)?.text;
  if (typeof text !== "string") return undefined;
  return OPERATION.exec(text)?.[1]?.toUpperCase();
}

/** `error.type` for a failed query: the SQLSTATE code when PostgreSQL answered, else the error's class. */
export function pgErrorType(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" && code !== "" ? code : errorTypeOf(err);
}

function measured(original: QueryFn): QueryFn {
  return function query(this: PgClientLike, ...args: unknown[]) {
    const start = performance.now();
    const attrs: Attributes = { [ATTR_DB_SYSTEM_NAME]: "postgresql" };
    const op = operationName(args[0]);
    if (op !== undefined) attrs[ATTR_DB_OPERATION_NAME] = op;
    let recorded = false;
    const done = (err?: unknown) => {
      if (recorded) return;
      recorded = true;
      try {
        const a =
          err === undefined || err === null ? attrs : { ...attrs, [ATTR_ERROR_TYPE]: pgErrorType(err) };
        instruments().dbDuration.record((performance.now() - start) / 1000, a);
      } catch {
        // Telemetry never breaks the query.
      }
    };
    const last = args[args.length - 1];
    if (typeof last === "function") {
      const cb = last as Callback;
      args[args.length - 1] = function (this: unknown, err: unknown, res: unknown) {
        done(err);
        return cb.call(this, err, res);
      };
    } else {
      const config = args[0] as { callback?: unknown } | null;
      if (config && typeof config === "object" && typeof config.callback === "function") {
        const cb = config.callback as Callback;
        config.callback = function (this: unknown, err: unknown, res: unknown) {
          done(err);
          return cb.call(this, err, res);
        };
      }
    }
    let result: unknown;
    try {
      result = original.apply(this, args);
    } catch (err) {
      done(err);
      throw err;
    }
    if (result instanceof Promise) {
      return result.then(
        (v: unknown) => {
          done();
          return v;
        },
        (err: unknown) => {
          done(err);
          throw err;
        },
      );
    }
    return result;
  };
}

interface PgInternals {
  recordOperationDuration(attributes: Attributes, startTime: unknown): void;
  _getClientQueryPatch(): (original: QueryFn) => QueryFn;
}

export function createPgInstrumentation(config: PgInstrumentationConfig): PgInstrumentation {
  const inst = new PgInstrumentation(config);
  const internals = inst as unknown as PgInternals;
  if (
    typeof internals._getClientQueryPatch !== "function" ||
    typeof internals.recordOperationDuration !== "function"
  ) {
    // The package changed shape: keep its own recording rather than record twice.
    return inst;
  }
  const upstream = internals._getClientQueryPatch.bind(inst);
  internals.recordOperationDuration = () => undefined;
  internals._getClientQueryPatch = () => {
    const patch = upstream();
    return (original: QueryFn) => patch(measured(original));
  };
  return inst;
}
