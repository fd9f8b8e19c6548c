import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { Client } from "pg";
import { processRunning } from "../../scripts/stack/process";
import { createTempRunDir } from "../../scripts/stack/rundir";

const cli = join(__dirname, "..", "..", "scripts", "stack", "cli.js");
const runDir = createTempRunDir("procode-cli-test");

function run(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [cli, ...args],
      { env: { ...process.env, PROCODE_STACK_DIR: runDir }, timeout: 240_000 },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

interface StackFile {
  services: { name: string; pid: number; ports: Record<string, number> }[];
}

describe("stack CLI: up, status, down", () => {
  after(async () => {
    await run("down"); // whatever happened above, nothing stays behind
  });

  it("up starts the servers, waits until healthy, records them, and returns while they keep running", async () => {
    const up = await run("up", "--free-ports", "--services=postgres,jaeger");
    assert.equal(up.code, 0, up.stderr);
    assert.match(up.stdout, /postgres is up \(pid \d+\)/);
    assert.match(up.stdout, /DATABASE_URL=postgresql:\/\/postgres:\S+@127\.0\.0\.1:\d+\/procode/);
    const file = JSON.parse(readFileSync(join(runDir, "stack.json"), "utf8")) as StackFile;
    assert.deepEqual(
      file.services.map((s) => s.name),
      ["postgres", "jaeger"],
    );
    for (const service of file.services)
      assert.ok(processRunning(service.pid), `${service.name} outlives \`up\``);
    for (const name of ["postgres", "jaeger"]) assert.ok(existsSync(join(runDir, "logs", `${name}.log`)));

    const url = /DATABASE_URL=(\S+)/.exec(up.stdout)?.[1];
    const client = new Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
    await client.connect();
    try {
      assert.deepEqual((await client.query("SELECT 1 AS ok")).rows, [{ ok: 1 }]);
    } finally {
      await client.end();
    }
  });

  it("refuses a second up while the first runs", async () => {
    const again = await run("up", "--free-ports", "--services=postgres");
    assert.equal(again.code, 1);
    assert.match(again.stderr, /already up/);
  });

  it("status reports each server healthy", async () => {
    const status = await run("status");
    assert.equal(status.code, 0, status.stdout + status.stderr);
    assert.match(status.stdout, /^postgres\s+pid \d+\s+healthy/m);
    assert.match(status.stdout, /^jaeger\s+pid \d+\s+healthy/m);
  });

  it("down stops exactly the recorded processes", async () => {
    const file = JSON.parse(readFileSync(join(runDir, "stack.json"), "utf8")) as StackFile;
    const down = await run("down");
    assert.equal(down.code, 0, down.stderr);
    assert.match(down.stdout, /jaeger \(pid \d+\) stopped[\s\S]*postgres \(pid \d+\) stopped/);
    for (const service of file.services) assert.equal(processRunning(service.pid), false, service.name);
    assert.equal(existsSync(join(runDir, "stack.json")), false);
    const status = await run("status");
    assert.equal(status.code, 1);
    assert.match(status.stdout, /not up/);
  });
});
