/**
 * The metric names a PromQL expression reads: identifiers that are not functions, keywords, label names
 * (inside matchers or by/on/... lists) or durations. A small tokenizer is enough for the rule files here; it
 * refuses `{__name__=...}` selectors so that every series a rule reads is named literally and can be checked.
 */
const KEYWORDS = new Set([
  "and",
  "or",
  "unless",
  "bool",
  "offset",
  "by",
  "without",
  "on",
  "ignoring",
  "inf",
  "nan",
]);

export function promqlMetricNames(expr: string): string[] {
  if (/__name__/.test(expr)) throw new Error(`selects series by __name__; name them literally: ${expr}`);
  let s = expr.replace(/#.*$/gm, " ");
  s = s.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, " ");
  s = s.replace(/\{[^}]*\}/g, " ");
  s = s.replace(/\[[^\]]*\]/g, " ");
  s = s.replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, " ");
  const names = new Set<string>();
  for (const m of s.matchAll(/(?<![\w.:])([a-zA-Z_:][a-zA-Z0-9_:]*)(?![a-zA-Z0-9_:])(?!\s*\()/g)) {
    const name = m[1];
    if (name !== undefined && !KEYWORDS.has(name.toLowerCase())) names.add(name);
  }
  return [...names].sort();
}
