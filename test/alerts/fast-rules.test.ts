import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { promisify } from "node:util";
import { compressExpr, formatDuration, writeFastRules } from "./fast-rules";
import { parseRuleFile, rulesDir } from "./rule-files";

describe("fast rules: the committed rules with time compressed for live tests", () => {
  it("divides ranges, subqueries and offsets, and nothing else", () => {
    assert.equal(
      compressExpr(
        'sum(rate(x_total{le="2.5"}[5m] offset 1h)) / max_over_time(y[1d:1m]) > 14.4 and z[30m:]',
        15,
      ),
      'sum(rate(x_total{le="2.5"}[20s] offset 4m)) / max_over_time(y[96m:4s]) > 14.4 and z[2m:]',
    );
    assert.equal(formatDuration(288 * 60), "288m");
    assert.equal(formatDuration(1.5), "1500ms");
  });

  it("yields rule files promtool accepts, with every for: divided", async () => {
    const dir = mkdtempSync(join(tmpdir(), "procode-fast-rules-"));
    try {
      const files = writeFastRules(rulesDir(), dir, 15);
      assert.ok(files.length >= 9);
      await promisify(execFile)("promtool", ["check", "rules", ...files]);
      const down = files.flatMap((f) => parseRuleFile(readFileSync(f, "utf8"), f));
      const db = down.find((r) => r.alert === "DatabaseConnectionFailure");
      assert.equal(db?.forSeconds, 8);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
