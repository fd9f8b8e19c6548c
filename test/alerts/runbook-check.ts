/**
 * Checks that every alert links to its own, complete section of docs/runbooks.md: the runbook_url annotation
 * exists, points into the runbook under RUNBOOK_URL_BASE, its anchor resolves to a heading the way GitHub renders
 * anchors, that heading is the alert's name, and the section holds every part a runbook needs.
 */
import type { Rule } from "./rule-files";

export const RUNBOOK_URL_BASE = "https://github.com/procode/observability/blob/main/docs/runbooks.md";

/** The parts every alert section must have, in this order. */
export const REQUIRED_PARTS = [
  "**Meaning.**",
  "**Confirm.**",
  "**Likely causes",
  "**What to do.**",
  "**Silence.**",
];

export interface Section {
  readonly level: number;
  readonly heading: string;
  readonly anchor: string;
  /** The text up to the next heading of the same or a higher level. */
  readonly body: string;
}

/** GitHub's heading anchor (github-slugger): lower case, punctuation removed, spaces to hyphens. */
export function githubAnchor(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\p{M} _-]/gu, "")
    .replace(/ /g, "-");
}

/** The ATX headings of a Markdown document (outside fenced code blocks), with their sections. */
export function parseSections(markdown: string): Section[] {
  const lines = markdown.split("\n");
  const heads: { index: number; level: number; heading: string }[] = [];
  let fence: string | undefined;
  lines.forEach((line, index) => {
    const f = /^\s*(```|~~~)/.exec(line);
    if (f) {
      if (fence === undefined) fence = f[1];
      else if (f[1] === fence) fence = undefined;
      return;
    }
    if (fence !== undefined) return;
    const h = /^(#{1,6})\s+(.*?)\s*#*\s*$/.exec(line);
    if (h?.[1] && h[2] !== undefined) heads.push({ index, level: h[1].length, heading: h[2] });
  });
  const seen = new Map<string, number>();
  return heads.map((h, i) => {
    const next = heads.slice(i + 1).find((n) => n.level <= h.level);
    let anchor = githubAnchor(h.heading);
    const count = seen.get(anchor) ?? 0;
    seen.set(anchor, count + 1);
    if (count > 0) anchor = `${anchor}-${count}`;
    return {
      level: h.level,
      heading: h.heading,
      anchor,
      body: lines.slice(h.index + 1, next?.index ?? lines.length).join("\n"),
    };
  });
}

/** Everything wrong with the alerts' runbook links and sections; empty when all is well. */
export function runbookProblems(rules: readonly Rule[], markdown: string): string[] {
  const problems: string[] = [];
  const sections = parseSections(markdown);
  const byAnchor = new Map(sections.map((s) => [s.anchor, s]));
  const alerts = rules.filter((r) => r.alert !== undefined);
  const checked = new Set<string>();
  for (const rule of alerts) {
    const where = `${rule.file}: ${rule.alert}`;
    const url = rule.annotations.runbook_url;
    if (url === undefined || url === "") {
      problems.push(`${where}: no runbook_url annotation`);
      continue;
    }
    const prefix = `${RUNBOOK_URL_BASE}#`;
    if (!url.startsWith(prefix)) {
      problems.push(`${where}: runbook_url ${url} does not start with ${prefix}`);
      continue;
    }
    const anchor = url.slice(prefix.length);
    const section = byAnchor.get(anchor);
    if (section === undefined) {
      problems.push(`${where}: runbook_url anchor #${anchor} matches no heading of docs/runbooks.md`);
      continue;
    }
    if (section.heading !== rule.alert) {
      problems.push(
        `${where}: runbook_url #${anchor} is the section "${section.heading}", not the alert's own`,
      );
      continue;
    }
    if (checked.has(anchor)) continue;
    checked.add(anchor);
    let from = 0;
    for (const part of REQUIRED_PARTS) {
      const at = section.body.indexOf(part, from);
      if (at < 0) problems.push(`${where}: section #${anchor} lacks ${part} (or has it out of order)`);
      else from = at + part.length;
    }
    const confirm = section.body.slice(section.body.indexOf("**Confirm.**"));
    if (!/```promql\n[^`]*\S[^`]*```/.test(confirm))
      problems.push(`${where}: section #${anchor} has no query (a \`\`\`promql block) under **Confirm.**`);
  }
  // Sections written like alert sections (level 3) must belong to an alert that exists.
  const names = new Set(alerts.map((r) => r.alert));
  for (const s of sections)
    if (s.level === 3 && !names.has(s.heading))
      problems.push(`docs/runbooks.md: section "${s.heading}" belongs to no alert of prometheus/rules/`);
  return problems;
}
