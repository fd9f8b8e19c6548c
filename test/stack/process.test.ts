import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { freePort, freePorts, isPortFree } from "../../scripts/stack/ports";
import {
  liveProcesses,
  ManagedProcess,
  pidAlive,
  processRunning,
  waitUntil,
} from "../../scripts/stack/process";

const logDir = mkdtempSync(join(tmpdir(), "procode-process-test-"));
after(() => rmSync(logDir, { recursive: true, force: true }));

async function waitGone(pid: number): Promise<void> {
  await waitUntil(`pid ${pid} gone`, async () => !processRunning(pid), {
    deadlineMs: 20_000,
    intervalMs: 50,
  });
}

describe("ports", () => {
  it("hands out distinct free ports, and sees a listening port as taken", async () => {
    const ports = await freePorts(5);
    assert.equal(new Set(ports).size, 5);
    const port = await freePort();
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
    try {
      assert.equal(await isPortFree(port), false);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    assert.equal(await isPortFree(port), true);
  });
});

describe("ManagedProcess", () => {
  it("writes output to <logDir>/<name>.log and stops with the stop signal", async () => {
    const child = await ManagedProcess.spawn({
      name: "echoer",
      command: "bash",
      args: ["-c", "echo started; exec sleep 600"],
      logDir,
    });
    await waitUntil("echoer output", async () => child.logTail().includes("started"), { process: child });
    assert.equal(child.logFile, join(logDir, "echoer.log"));
    const exit = await child.stop();
    assert.equal(exit.signal, "SIGTERM");
    assert.equal(pidAlive(child.pid), false);
  });

  it("escalates to SIGKILL when the stop signal is ignored, and takes the whole process group", async () => {
    const child = await ManagedProcess.spawn({
      name: "stubborn",
      command: "bash",
      args: ["-c", "trap '' TERM; sleep 600 & echo $! ; wait"],
      logDir,
      stopGraceMs: 500,
    });
    await waitUntil("stubborn grandchild pid", async () => /^\d+$/m.test(child.logTail()), {
      process: child,
    });
    const grandchild = Number(child.logTail().trim().split("\n").at(-1));
    assert.ok(pidAlive(grandchild));
    const exit = await child.stop();
    assert.equal(exit.signal, "SIGKILL");
    await waitGone(grandchild);
  });

  it("waitUntil fails at once with the log when the process exits before it is ready", async () => {
    const child = await ManagedProcess.spawn({
      name: "crasher",
      command: "bash",
      args: ["-c", "echo 'bad config: no receivers' >&2; exit 3"],
      logDir,
    });
    await assert.rejects(
      waitUntil("crasher", async () => false, { process: child }),
      /crasher: the process ended before it was ready\. crasher \(pid \d+\) exited with code 3; log .*\n.*bad config: no receivers/s,
    );
  });

  it("reports an executable that does not exist", async () => {
    await assert.rejects(
      ManagedProcess.spawn({ name: "ghost", command: "/nonexistent/otelcol", args: [], logDir }),
      /ghost: executable not found: \/nonexistent\/otelcol/,
    );
  });

  it("kills its children when the parent is killed with SIGKILL (no orphans)", async () => {
    const moduleUrl = require.resolve("../../scripts/stack/process");
    const script = `
      const { ManagedProcess } = require(${JSON.stringify(moduleUrl)});
      ManagedProcess.spawn({ name: "orphan", command: "sleep", args: ["600"], logDir: ${JSON.stringify(logDir)} })
        .then((c) => console.log(c.pid));
      setInterval(() => {}, 1000);
    `;
    const parent = spawn(process.execPath, ["-e", script], { stdio: ["ignore", "pipe", "inherit"] });
    const childPid = await new Promise<number>((resolve, reject) => {
      parent.stdout.once("data", (data: Buffer) => resolve(Number(data.toString().trim())));
      parent.once("exit", () => reject(new Error("parent exited early")));
    });
    assert.ok(pidAlive(childPid));
    parent.kill("SIGKILL");
    await waitGone(childPid);
  });

  it("leaves nothing running", () => {
    assert.deepEqual(liveProcesses(), []);
  });
});
