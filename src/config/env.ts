/**
 * Strict readers for environment variables. Each distinguishes "unset" (empty or missing: the default
 * applies) from a value that is present but invalid, which is reported as a {@link ConfigIssue} naming the
 * variable, the value and what is allowed. Readers never throw; the caller collects every issue at once.
 */

export interface ConfigIssue {
  readonly variable: string;
  readonly value: string;
  readonly allowed: string;
}

export type Env = Readonly<Record<string, string | undefined>>;

export class EnvReader {
  readonly issues: ConfigIssue[] = [];

  constructor(private readonly env: Env) {}

  /** The trimmed value, or undefined when the variable is missing or blank. */
  raw(name: string): string | undefined {
    const v = this.env[name];
    if (v === undefined) return undefined;
    const t = v.trim();
    return t === "" ? undefined : t;
  }

  private fail<T>(variable: string, value: string, allowed: string, fallback: T): T {
    this.issues.push({ variable, value, allowed });
    return fallback;
  }

  string(name: string, fallback: string): string {
    return this.raw(name) ?? fallback;
  }

  optionalString(name: string): string | undefined {
    return this.raw(name);
  }

  bool(name: string, fallback: boolean): boolean {
    const v = this.raw(name);
    if (v === undefined) return fallback;
    const l = v.toLowerCase();
    if (l === "true" || l === "1" || l === "yes" || l === "on") return true;
    if (l === "false" || l === "0" || l === "no" || l === "off") return false;
    return this.fail(name, v, "true or false (also 1/0, yes/no, on/off)", fallback);
  }

  number(
    name: string,
    fallback: number,
    opts: { min?: number; max?: number; integer?: boolean } = {},
  ): number {
    const v = this.raw(name);
    if (v === undefined) return fallback;
    const n = Number(v);
    const { min = Number.NEGATIVE_INFINITY, max = Number.POSITIVE_INFINITY, integer = false } = opts;
    const kind = integer ? "an integer" : "a number";
    const range =
      min === Number.NEGATIVE_INFINITY && max === Number.POSITIVE_INFINITY
        ? kind
        : max === Number.POSITIVE_INFINITY
          ? `${kind} >= ${min}`
          : `${kind} from ${min} to ${max}`;
    if (!Number.isFinite(n) || (integer && !Number.isInteger(n)) || n < min || n > max) {
      return this.fail(name, v, range, fallback);
    }
    return n;
  }

  /** One of `allowed`, case-insensitive; `hint` is appended to the issue (why a likely value is not allowed). */
  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T, hint?: string): T {
    const v = this.raw(name);
    if (v === undefined) return fallback;
    const l = v.toLowerCase();
    const hit = allowed.find((a) => a === l);
    const text = `one of ${allowed.join(", ")}${hint === undefined ? "" : ` (${hint})`}`;
    return hit ?? this.fail(name, v, text, fallback);
  }

  /** A comma-separated list whose every item must be one of `allowed`. */
  listOf<T extends string>(name: string, allowed: readonly T[], fallback: readonly T[]): readonly T[] {
    const v = this.raw(name);
    if (v === undefined) return fallback;
    const items = v
      .split(",")
      .map((s) => s.trim().toLowerCase())
      .filter((s) => s !== "");
    const bad = items.filter((i) => !allowed.includes(i as T));
    if (bad.length > 0)
      return this.fail(name, v, `a comma-separated list of ${allowed.join(", ")}`, fallback);
    return items as T[];
  }

  url(name: string, fallback: string | undefined): string | undefined {
    const v = this.raw(name);
    if (v === undefined) return fallback;
    try {
      const u = new URL(v);
      if (u.protocol !== "http:" && u.protocol !== "https:") throw new Error("scheme");
      return v;
    } catch {
      return this.fail(name, v, "an http:// or https:// URL", fallback);
    }
  }

  /** A URL path starting with "/". */
  path(name: string, fallback: string): string {
    const v = this.raw(name);
    if (v === undefined) return fallback;
    if (!/^\/[A-Za-z0-9._~\-/]*$/.test(v)) return this.fail(name, v, "a URL path starting with /", fallback);
    return v;
  }

  /** W3C-baggage-style `key=value,key2=value2` (OTEL_RESOURCE_ATTRIBUTES, OTEL_EXPORTER_OTLP_HEADERS). */
  keyValues(name: string): Record<string, string> {
    const v = this.raw(name);
    const out: Record<string, string> = {};
    if (v === undefined) return out;
    for (const part of v.split(",")) {
      if (part.trim() === "") continue;
      const eq = part.indexOf("=");
      const key = eq > 0 ? part.slice(0, eq).trim() : "";
      if (key === "") {
        this.fail(name, v, "comma-separated key=value pairs", undefined);
        return {};
      }
      try {
        out[key] = decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        this.fail(name, v, "comma-separated key=value pairs (values percent-encoded)", undefined);
        return {};
      }
    }
    return out;
  }
}

/** One line per issue: names the variable, the value and what is allowed. */
export function formatIssue(issue: ConfigIssue): string {
  return `invalid ${issue.variable}=${JSON.stringify(issue.value)}: expected ${issue.allowed}`;
}
