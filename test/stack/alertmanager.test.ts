import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type AlertmanagerHandle, startAlertmanager } from "../../scripts/stack/alertmanager";
import { repoRoot } from "../../scripts/stack/binaries";
import { processRunning } from "../../scripts/stack/process";
import { createTempRunDir } from "../../scripts/stack/rundir";

describe("startAlertmanager with a secrets directory", () => {
  const secretsDir = join(createTempRunDir("procode-am-secrets"), "secrets");
  let alertmanager: AlertmanagerHandle;

  before(async () => {
    mkdirSync(secretsDir);
    alertmanager = await startAlertmanager({ secretsDir });
  });
  after(async () => {
    await alertmanager?.stop();
  });

  it("runs the committed config with the secret files and templates relocated", async () => {
    const response = await fetch(`${alertmanager.apiUrl}/status`, { signal: AbortSignal.timeout(5_000) });
    assert.equal(response.status, 200);
    const status = (await response.json()) as { config: { original: string }; cluster: { status: string } };
    const loaded = status.config.original;
    assert.ok(!loaded.includes("/etc/alertmanager/secrets"), "no secret path left at the compose location");
    for (const file of ["pagerduty-routing-key", "slack-webhook-url", "heartbeat-token"]) {
      assert.ok(loaded.includes(join(secretsDir, file)), `${file} read from ${secretsDir}`);
    }
    assert.ok(loaded.includes(join(repoRoot(), "alertmanager", "templates", "*.tmpl")), "templates absolute");
    assert.equal(status.cluster.status, "disabled");
  });

  it("stop() ends it", async () => {
    const pid = alertmanager.pid;
    assert.ok(pid !== undefined);
    await alertmanager.stop();
    assert.equal(processRunning(pid), false);
  });
});
