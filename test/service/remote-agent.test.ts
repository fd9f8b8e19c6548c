/**
 * A remote agent as its own process (`node build/service/agents/remote-server.js`): it answers tasks, and can
 * be made slow or unreachable at run time through its control port or IPC; the registry reports each
 * failure with its type.
 */
import assert from "node:assert/strict";
import { type ChildProcess, fork } from "node:child_process";
import { once } from "node:events";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { freePort } from "../../scripts/stack/ports";
import { RemoteAgentError, RemoteAgentRegistry } from "../../service/agents/registry";
import { ROOT } from "./support";

describe("remote agent process", () => {
  let child: ChildProcess;
  let url: string;
  let control: string;
  let out = "";

  before(async () => {
    const controlPort = await freePort();
    control = `http://127.0.0.1:${controlPort}/mode`;
    child = fork(
      join(ROOT, "build", "service", "agents", "remote-server.js"),
      ["--name", "knowledge-base", "--port", "0", "--control-port", String(controlPort)],
      {
        cwd: ROOT,
        env: { PATH: process.env.PATH, OTEL_SDK_DISABLED: "true" },
        stdio: ["ignore", "pipe", "pipe", "ipc"],
      },
    );
    child.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
    });
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no listening line: ${out}`)), 20_000);
      child.stdout?.on("data", () => {
        const m = /listening (\d+)/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(Number(m[1]));
        }
      });
    });
    url = `http://127.0.0.1:${port}`;
  });
  after(async () => {
    if (child.exitCode === null) {
      const exited = once(child, "exit");
      child.kill("SIGTERM");
      await exited;
    }
  });

  const registry = (timeoutMs: number) =>
    new RemoteAgentRegistry(
      [{ name: "knowledge-base", url: "" }].map((a) => ({ ...a, url })),
      timeoutMs,
    );
  const failure = async (r: RemoteAgentRegistry): Promise<string> => {
    try {
      await r.invoke("knowledge-base", "suggest_articles", { topic: "refunds" });
    } catch (err) {
      assert.ok(err instanceof RemoteAgentError);
      return err.errorType;
    }
    return "none";
  };
  const setMode = async (body: unknown) => {
    const res = await fetch(control, { method: "POST", body: JSON.stringify(body) });
    assert.equal(res.status, 200);
    return (await res.json()) as { mode: string };
  };

  it("answers its tasks deterministically and refuses unknown ones", async () => {
    const r = registry(2_000);
    const a = await r.invoke("knowledge-base", "suggest_articles", { topic: "refunds" });
    assert.deepEqual(await r.invoke("knowledge-base", "suggest_articles", { topic: "refunds" }), a);
    assert.equal((a.articles as unknown[]).length, 2);
    await assert.rejects(
      r.invoke("knowledge-base", "launch_rocket", {}),
      (e: unknown) => (e as RemoteAgentError).errorType === "http_404",
    );
    await assert.rejects(
      r.invoke("knowledge-base", "suggest_articles", {}),
      (e: unknown) => (e as RemoteAgentError).errorType === "http_400",
    );
    await assert.rejects(
      r.invoke("payment-gateway", "x", {}),
      (e: unknown) => (e as RemoteAgentError).errorType === "not_registered",
    );
  });

  it("goes slow, down and back up through its control port", async () => {
    assert.deepEqual(await setMode({ mode: "slow", delay_ms: 1_000 }), { mode: "slow" });
    assert.equal(await failure(registry(100)), "timeout");
    assert.deepEqual(await setMode({ mode: "down" }), { mode: "down" });
    assert.equal(await failure(registry(2_000)), "unreachable");
    const health = await fetch(`${url}/health`).then(
      () => "answered",
      () => "refused",
    );
    assert.equal(health, "refused");
    await setMode({ mode: "normal" });
    assert.equal(await failure(registry(2_000)), "none");
    const bad = await fetch(control, { method: "POST", body: JSON.stringify({ mode: "sideways" }) });
    assert.equal(bad.status, 400);
  });

  it("takes the same switches over IPC from the parent that forked it", async () => {
    const acked = new Promise((resolve) => child.once("message", resolve));
    child.send({ type: "mode", mode: "down" });
    assert.deepEqual(await acked, { type: "mode-set", mode: "down" });
    assert.equal(await failure(registry(2_000)), "unreachable");
    const back = new Promise((resolve) => child.once("message", resolve));
    child.send({ type: "mode", mode: "normal" });
    await back;
    assert.equal(await failure(registry(2_000)), "none");
  });

  it("stops on SIGTERM with exit code 0", async () => {
    const exited = once(child, "exit") as Promise<[number | null]>;
    child.kill("SIGTERM");
    const [code] = await exited;
    assert.equal(code, 0);
  });
});
