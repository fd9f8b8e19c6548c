/**
 * Run directories: where a started backend keeps its logs (<runDir>/logs/<name>.log), data and generated
 * config. A temporary one (the default for tests) is removed when this process exits, after its servers are
 * gone; PROCODE_KEEP_RUN_DIR=1 keeps it for a post-mortem.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const temporary = new Set<string>();
let hookInstalled = false;

const keep = (): boolean => process.env.PROCODE_KEEP_RUN_DIR === "1";

/**
 * A new empty directory under the system temp dir, removed at exit (or by removeTempRunDir). Mode 0711: others
 * may traverse it (PostgreSQL runs as an unprivileged user when we are root) but not list it.
 */
export function createTempRunDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
  chmodSync(dir, 0o711);
  temporary.add(dir);
  if (!hookInstalled) {
    hookInstalled = true;
    process.on("exit", () => {
      if (keep()) return;
      for (const d of temporary) rmSync(d, { recursive: true, force: true, maxRetries: 3 });
    });
  }
  return dir;
}

/** Removes a directory made by createTempRunDir now (no-op for any other directory or with PROCODE_KEEP_RUN_DIR=1). */
export function removeTempRunDir(dir: string): void {
  if (!temporary.has(dir) || keep()) return;
  rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  temporary.delete(dir);
}

/** `dir` as an absolute path, created when missing. */
export function ensureDir(dir: string): string {
  const absolute = resolve(dir);
  mkdirSync(absolute, { recursive: true });
  return absolute;
}
