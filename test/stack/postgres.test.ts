import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { Client } from "pg";
import { type PostgresServer, startPostgres } from "../../scripts/stack/postgres";
import { liveProcesses, pidAlive } from "../../scripts/stack/process";

async function withClient<T>(
  url: string,
  use: (client: Client) => Promise<T>,
  timeoutMs = 10_000,
): Promise<T> {
  const client = new Client({
    connectionString: url,
    connectionTimeoutMillis: timeoutMs,
    query_timeout: timeoutMs,
  });
  client.on("error", () => undefined);
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

function uidOf(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, "utf8")
    .split("\n")
    .find((l) => l.startsWith("Uid:"));
  return Number(line?.split(/\s+/)[1]);
}

describe("startPostgres", () => {
  let pg: PostgresServer;

  before(async () => {
    pg = await startPostgres();
  });
  after(async () => {
    await pg?.destroy();
  });

  it("answers queries on 127.0.0.1 with the generated password, in its own database", async () => {
    assert.match(pg.url, /^postgresql:\/\/postgres:[^@]+@127\.0\.0\.1:\d+\/procode$/);
    const row = await withClient(
      pg.url,
      async (c) => (await c.query("SELECT current_database() AS db, 1 + 1 AS two")).rows[0],
    );
    assert.deepEqual(row, { db: "procode", two: 2 });
    const wrong = pg.url.replace(`:${encodeURIComponent(pg.password)}@`, ":wrong@");
    await assert.rejects(
      withClient(wrong, (c) => c.query("SELECT 1")),
      /password authentication failed/,
    );
  });

  it("runs unprivileged when we are root", { skip: process.getuid?.() !== 0 }, () => {
    const pid = pg.pid;
    assert.ok(pid !== undefined);
    assert.notEqual(uidOf(pid), 0);
  });

  it("stops, and restarts on the same port with its data", async () => {
    await withClient(pg.url, async (c) => {
      await c.query("CREATE TABLE kept (v text)");
      await c.query("INSERT INTO kept VALUES ('before stop')");
    });
    const pid = pg.pid;
    assert.ok(pid !== undefined);
    await pg.stop();
    assert.equal(pg.pid, undefined);
    assert.equal(pidAlive(pid), false);
    await assert.rejects(
      withClient(pg.url, (c) => c.query("SELECT 1"), 2_000),
      /ECONNREFUSED/,
    );

    await pg.restart();
    assert.ok(pg.pid !== undefined && pg.pid !== pid);
    const rows = await withClient(pg.url, async (c) => (await c.query("SELECT v FROM kept")).rows);
    assert.deepEqual(rows, [{ v: "before stop" }]);
  });

  it("recovers committed data after a kill (crash)", async () => {
    await withClient(pg.url, (c) => c.query("INSERT INTO kept VALUES ('before kill')"));
    const pid = pg.pid;
    assert.ok(pid !== undefined);
    await pg.kill();
    assert.equal(pidAlive(pid), false);
    await pg.restart();
    const rows = await withClient(pg.url, async (c) => (await c.query("SELECT v FROM kept ORDER BY v")).rows);
    assert.deepEqual(rows, [{ v: "before kill" }, { v: "before stop" }]);
  });

  it("pause() makes it hang (connections time out) and resume() brings it back", async () => {
    pg.pause();
    await assert.rejects(
      withClient(pg.url, (c) => c.query("SELECT 1"), 1_000),
      /timeout/i,
    );
    pg.resume();
    const rows = await withClient(pg.url, async (c) => (await c.query("SELECT 1 AS ok")).rows);
    assert.deepEqual(rows, [{ ok: 1 }]);
  });

  it("destroy() leaves no process and no run directory behind", async () => {
    const pid = pg.pid;
    assert.ok(pid !== undefined);
    await pg.destroy();
    assert.equal(pidAlive(pid), false);
    assert.equal(existsSync(pg.runDir), false);
    assert.deepEqual(liveProcesses(), []);
  });
});
