/** The benchmarks' command-line flags: `--name value`, `--name K=V,K=V`, or `--name` alone. */
const argv = process.argv.slice(2);

export function hasFlag(name: string): boolean {
  return argv.includes(`--${name}`);
}

export function stringFlag(name: string): string | undefined {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
}

/** A positive whole number (rounds, seconds, connections, counts); a bad value stops the run with its name. */
export function numberFlag(name: string, fallback: number): number {
  const raw = stringFlag(name);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got ${raw}`);
  return n;
}

/** `--name K=V[,K=V]` as an environment block; empty when absent. */
export function envFlag(name: string): Record<string, string> {
  return Object.fromEntries(
    (stringFlag(name) ?? "")
      .split(",")
      .filter((kv) => kv.includes("="))
      .map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)]),
  );
}
