/**
 * The ESM twin of the preload: `node --import @procode/observability/register app.mjs`. It loads the
 * CommonJS preload, which registers the ESM loader hook before the app's modules are evaluated.
 */
import "./register.js";
