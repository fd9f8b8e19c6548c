import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { repoRoot } from "../../scripts/stack/binaries";
import { loadRules, type Rule } from "./rule-files";
import { githubAnchor, parseSections, RUNBOOK_URL_BASE, runbookProblems } from "./runbook-check";

const runbook = readFileSync(join(repoRoot(), "docs", "runbooks.md"), "utf8");
const rules = loadRules();

function alert(name: string, annotations: Record<string, string>): Rule {
  return {
    file: "synthetic.yml",
    group: "g",
    alert: name,
    expr: "vector(1)",
    forSeconds: 0,
    labels: {},
    annotations,
  };
}

describe("runbooks: every alert links to its own complete section of docs/runbooks.md", () => {
  it("holds for every alert of prometheus/rules/", () => {
    const alerts = rules.filter((r) => r.alert !== undefined);
    assert.ok(alerts.length >= 20, `expected the full alert set, found ${alerts.length}`);
    assert.deepEqual(runbookProblems(rules, runbook), []);
  });

  it("fails an alert without runbook_url", () => {
    const problems = runbookProblems([...rules, alert("NoRunbook", { summary: "s" })], runbook);
    assert.ok(
      problems.some((p) => p.includes("NoRunbook: no runbook_url")),
      problems.join("\n"),
    );
  });

  it("fails a runbook_url whose section does not exist", () => {
    const bad = alert("GhostAlert", { runbook_url: `${RUNBOOK_URL_BASE}#ghostalert` });
    const problems = runbookProblems([...rules, bad], runbook);
    assert.ok(
      problems.some((p) => p.includes("#ghostalert matches no heading")),
      problems.join("\n"),
    );
  });

  it("fails a runbook_url into another alert's section, or outside the runbook", () => {
    const borrowed = alert("BorrowedRunbook", { runbook_url: `${RUNBOOK_URL_BASE}#servicedown` });
    const elsewhere = alert("ElsewhereRunbook", { runbook_url: "https://wiki.example.com/runbooks#x" });
    const problems = runbookProblems([...rules, borrowed, elsewhere], runbook);
    assert.ok(problems.some((p) => p.includes("BorrowedRunbook") && p.includes("not the alert's own")));
    assert.ok(problems.some((p) => p.includes("ElsewhereRunbook") && p.includes("does not start with")));
  });

  it("fails a section that lacks a required part or a query", () => {
    const md = [
      "### ServiceDown",
      "**Meaning.** m",
      "**Confirm.** run something",
      "**Likely causes.** c",
      "**What to do.** d",
      "",
      "### Other",
    ].join("\n");
    const problems = runbookProblems(
      rules.filter((r) => r.alert === "ServiceDown"),
      md,
    );
    assert.ok(
      problems.some((p) => p.includes("lacks **Silence.**")),
      problems.join("\n"),
    );
    assert.ok(
      problems.some((p) => p.includes("has no query")),
      problems.join("\n"),
    );
    assert.ok(
      problems.some((p) => p.includes('section "Other" belongs to no alert')),
      problems.join("\n"),
    );
  });

  it("computes anchors the way GitHub does and ignores headings inside code blocks", () => {
    assert.equal(githubAnchor("ServiceDown"), "servicedown");
    assert.equal(githubAnchor("API keys and rate limits"), "api-keys-and-rate-limits");
    assert.equal(githubAnchor("Chat: latency (p95) & errors"), "chat-latency-p95--errors");
    const sections = parseSections("# A\n```sh\n# not a heading\n```\n## B\n## B\n");
    assert.deepEqual(
      sections.map((s) => s.anchor),
      ["a", "b", "b-1"],
    );
  });
});
