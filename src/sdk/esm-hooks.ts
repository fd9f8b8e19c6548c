/**
 * ESM support: registers import-in-the-middle's loader hook so that packages imported from ESM (`import pg
 * from "pg"`) are patched like required ones. On Node versions with synchronous module hooks
 * (module.registerHooks) the in-thread hook is used, limited to the modules we instrument; elsewhere the
 * asynchronous `module.register()` loader. Registering it from this CommonJS preload is what lets the same
 * file serve `--require` and `--import`.
 */
import { diag } from "@opentelemetry/api";

const INSTRUMENTED_MODULES = ["pg", "pg-pool", "pino", "undici", "http", "https", "node:http", "node:https"];

interface IitmRegisterHooks {
  supportsSyncHooks(): boolean;
  register(options?: { include?: Array<string | RegExp> }): void;
}

let registered = false;

/** `node -e` / `-p`: there is no module graph to hook, and Node's TypeScript-aware eval trips the hook. */
function evaluatingString(): boolean {
  return process.execArgv.some((a) => /^(-e|--eval|-p|--print)(=|$)/.test(a));
}

export function registerEsmHooks(): void {
  if (registered || evaluatingString()) return;
  registered = true;
  try {
    // require(esm) of a synchronous ES module (Node >= 22.12).
    const iitm = require("import-in-the-middle/register-hooks.mjs") as IitmRegisterHooks;
    if (iitm.supportsSyncHooks()) {
      iitm.register({ include: INSTRUMENTED_MODULES });
      return;
    }
  } catch (err) {
    diag.debug("synchronous ESM hooks unavailable", err);
  }
  try {
    const mod = require("node:module") as typeof import("node:module");
    const { pathToFileURL } = require("node:url") as typeof import("node:url");
    mod.register("@opentelemetry/instrumentation/hook.mjs", pathToFileURL(__filename));
  } catch (err) {
    diag.warn("ESM instrumentation unavailable: modules imported from ESM are not instrumented", err);
  }
}
