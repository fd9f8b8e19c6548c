/**
 * The preload: `node --require @procode/observability/register app.js` (CommonJS apps) or
 * `node --import @procode/observability/register app.mjs` (ESM apps, through register.mjs).
 *
 * It resolves the configuration, builds the SDK through the side-effect-free factory, starts it inside a
 * try/catch, registers the ESM loader hook so ESM imports are instrumented too, and turns SIGTERM/SIGINT
 * into the lifecycle's bounded, run-once shutdown (drain -> flush telemetry -> close -> exit).
 * A bad configuration logs one line naming the variable; the app then runs without telemetry, or exits
 * non-zero when PROCODE_CONFIG_STRICT=true.
 */
import { start } from "./sdk/start";

start();
