/**
 * A throwaway (or, for the CLI, persistent) PostgreSQL server from the Debian package, for tests and the demo.
 *
 * initdb into its own data directory, a generated password for TCP clients (scram-sha-256, 127.0.0.1 only; the
 * unix socket sits in a 0700 directory of the run dir), `postgres` started directly so its PID is ours, a
 * database created, and a handle that stops, kills, pauses and restarts it on the same port with the same data.
 * PostgreSQL refuses to run as root: as root, initdb and the server run as an unprivileged user (default
 * `nobody`) that owns the run and data directories.
 */

import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { dirname, join, resolve } from "node:path";
import { Client } from "pg";
import { assertPortFree, freePort, LOOPBACK } from "./ports";
import { ManagedProcess, type RunAs, waitUntil } from "./process";
import { startRestartable } from "./restartable";
import { createTempRunDir, removeTempRunDir } from "./rundir";

export interface PostgresOptions {
  /** TCP port on 127.0.0.1 (default: a free one). */
  port?: number;
  /** Run directory: logs/, socket/, and data/ unless dataDir is given (default: a new temp dir). */
  runDir?: string;
  /** Directory for postgres.log and initdb.log (default: <runDir>/logs). */
  logDir?: string;
  /** Data directory; an existing cluster in it is reused (default: <runDir>/data). */
  dataDir?: string;
  /** Database created when missing (default "procode"). */
  database?: string;
  /** Superuser role (default "postgres"). */
  user?: string;
  /** Password for TCP clients (default: generated at initdb, then kept beside the cluster). */
  password?: string;
  /** Directory holding initdb and postgres (default: $PROCODE_PG_BINDIR, else the newest /usr/lib/postgresql/<v>/bin). */
  binDir?: string;
  /** When running as root: the OS user that runs PostgreSQL (default $PROCODE_PG_OS_USER or "nobody"). */
  osUser?: string;
  /** fsync and full_page_writes on (default false: a commit survives a process kill, not a machine crash). */
  durable?: boolean;
  /** Kill the server when this process dies (default true; the CLI's `up` passes false). */
  dieWithParent?: boolean;
  /** Deadline for each start (default: the harness default). */
  startDeadlineMs?: number;
  /** Extra server settings (`-c name=value`). */
  settings?: Readonly<Record<string, string>>;
}

export interface PostgresServer {
  /** postgresql://user:password@127.0.0.1:port/database */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly user: string;
  readonly password: string;
  readonly dataDir: string;
  readonly runDir: string;
  readonly socketDir: string;
  readonly logFile: string;
  /** PID of the running postmaster, undefined while stopped. */
  readonly pid: number | undefined;
  /** Fast shutdown (SIGINT: clients disconnected, clean checkpoint); idempotent. */
  stop(): Promise<void>;
  /** SIGKILL of the postmaster and its backends: a crash; restart() recovers from the WAL. */
  kill(): Promise<void>;
  /** SIGSTOP: connections stay open and the port accepts, but nothing answers (a hung database). */
  pause(): void;
  /** SIGCONT after pause(). */
  resume(): void;
  /** Starts again (stopping first when running): same data directory, same port. */
  restart(): Promise<void>;
  /** stop(), then removes the run directory when this module created it. */
  destroy(): Promise<void>;
}

const CREDENTIALS_FILE = "procode-credentials.json";
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** The bin directory of the PostgreSQL to use, or a clear error. */
export function postgresBinDir(explicit?: string): string {
  const chosen = explicit ?? process.env.PROCODE_PG_BINDIR;
  if (chosen !== undefined && chosen !== "") {
    if (!existsSync(join(chosen, "postgres"))) throw new Error(`PostgreSQL: no postgres binary in ${chosen}`);
    return chosen;
  }
  const root = "/usr/lib/postgresql";
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => /^\d+(\.\d+)?$/.test(v) && existsSync(join(root, v, "bin", "postgres")))
        .sort((a, b) => Number.parseFloat(a) - Number.parseFloat(b))
    : [];
  const newest = versions.at(-1);
  if (newest === undefined) {
    throw new Error(
      "PostgreSQL is not installed: no /usr/lib/postgresql/<version>/bin/postgres. Install the Debian package " +
        "`postgresql` (scripts/lib/deps.sh procode_system_deps does) or set PROCODE_PG_BINDIR.",
    );
  }
  return join(root, newest, "bin");
}

function lookupUser(name: string): RunAs {
  let line: string;
  try {
    line = execFileSync("getent", ["passwd", name], { encoding: "utf8" }).trim();
  } catch {
    throw new Error(`PostgreSQL: OS user "${name}" does not exist (it runs the server when we are root)`);
  }
  const [, , uid, gid] = line.split(":");
  return { uid: Number(uid), gid: Number(gid) };
}

function chownTree(path: string, owner: RunAs): void {
  chownSync(path, owner.uid, owner.gid);
  if (!statSync(path).isDirectory()) return;
  for (const entry of readdirSync(path)) chownTree(join(path, entry), owner);
}

/** Throws when `user` cannot reach `dir`: an ancestor lacks the execute bit for others (or their group). */
function assertTraversable(dir: string, user: RunAs): void {
  for (let current = dirname(dir); ; current = dirname(current)) {
    if (existsSync(current)) {
      const stat = statSync(current);
      const bit = stat.uid === user.uid ? 0o100 : stat.gid === user.gid ? 0o010 : 0o001;
      if ((stat.mode & bit) === 0) {
        throw new Error(
          `PostgreSQL runs as uid ${user.uid}, which cannot enter ${current} (mode ` +
            `${(stat.mode & 0o777).toString(8)}) on the way to ${dir}: chmod o+x it or choose another directory`,
        );
      }
    }
    if (current === dirname(current)) return;
  }
}

interface Credentials {
  user: string;
  password: string;
}

function readCredentials(dataDir: string): Credentials | undefined {
  const file = join(dataDir, CREDENTIALS_FILE);
  if (!existsSync(file)) return undefined;
  return JSON.parse(readFileSync(file, "utf8")) as Credentials;
}

async function runToCompletion(name: string, command: string, args: string[], logDir: string, runAs?: RunAs) {
  const child = await ManagedProcess.spawn({ name, command, args, logDir, ...(runAs ? { runAs } : {}) });
  const exit = await child.exited;
  if (exit.code !== 0) throw new Error(`PostgreSQL: ${name} failed. ${child.describeExit()}`);
}

async function query(
  url: string,
  sql: string,
  params: unknown[] = [],
): Promise<Array<Record<string, unknown>>> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 3_000, query_timeout: 5_000 });
  client.on("error", () => {
    // a server going away mid-check surfaces as the query's rejection
  });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as Array<Record<string, unknown>>;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Starts PostgreSQL and resolves once `database` accepts queries over TCP. */
export async function startPostgres(options: PostgresOptions = {}): Promise<PostgresServer> {
  const binDir = postgresBinDir(options.binDir);
  const database = options.database ?? "procode";
  if (!IDENTIFIER.test(database)) throw new Error(`PostgreSQL: invalid database name "${database}"`);
  const runDir = resolve(options.runDir ?? createTempRunDir("procode-pg"));
  const dataDir = resolve(options.dataDir ?? join(runDir, "data"));
  const socketDir = join(runDir, "socket");
  const logDir = resolve(options.logDir ?? join(runDir, "logs"));
  const port = options.port ?? (await freePort());
  if (socketDir.length + `/.s.PGSQL.${port}.lock`.length > 107) {
    throw new Error(`PostgreSQL: socket directory path too long for a unix socket: ${socketDir}`);
  }
  const asRoot = process.getuid?.() === 0;
  const runAs = asRoot ? lookupUser(options.osUser ?? process.env.PROCODE_PG_OS_USER ?? "nobody") : undefined;

  if (runAs) {
    assertTraversable(runDir, runAs);
    assertTraversable(dataDir, runAs);
  }
  mkdirSync(runDir, { recursive: true });
  mkdirSync(logDir, { recursive: true });
  mkdirSync(socketDir, { recursive: true, mode: 0o700 });
  chmodSync(socketDir, 0o700);

  // initdb unless the data directory already holds a cluster.
  let credentials: Credentials;
  const initialised = existsSync(join(dataDir, "PG_VERSION"));
  if (initialised) {
    const kept = readCredentials(dataDir);
    const user = options.user ?? kept?.user ?? "postgres";
    const password = options.password ?? kept?.password;
    if (password === undefined) {
      throw new Error(`PostgreSQL: ${dataDir} holds a cluster but no ${CREDENTIALS_FILE}; pass its password`);
    }
    credentials = { user, password };
  } else {
    credentials = {
      user: options.user ?? "postgres",
      password: options.password ?? randomBytes(18).toString("base64url"),
    };
    if (!IDENTIFIER.test(credentials.user))
      throw new Error(`PostgreSQL: invalid role name "${credentials.user}"`);
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    if (readdirSync(dataDir).length > 0)
      throw new Error(`PostgreSQL: ${dataDir} is neither empty nor a cluster`);
    chmodSync(dataDir, 0o700);
    const pwFile = join(runDir, "initdb.pw");
    writeFileSync(pwFile, `${credentials.password}\n`, { mode: 0o600 });
    if (runAs) {
      chownSync(runDir, runAs.uid, runAs.gid);
      chownTree(dataDir, runAs);
      chownSync(pwFile, runAs.uid, runAs.gid);
    }
    try {
      await runToCompletion(
        "initdb",
        join(binDir, "initdb"),
        [
          `--pgdata=${dataDir}`,
          `--username=${credentials.user}`,
          `--pwfile=${pwFile}`,
          "--auth-host=scram-sha-256",
          "--auth-local=trust",
          "--encoding=UTF8",
          "--no-locale",
          "--no-sync",
          "--no-instructions",
        ],
        logDir,
        runAs,
      );
    } finally {
      rmSync(pwFile, { force: true });
    }
  }
  const credentialsFile = join(dataDir, CREDENTIALS_FILE);
  writeFileSync(credentialsFile, JSON.stringify(credentials), { mode: 0o600 });
  if (runAs) {
    // The server's user owns what it writes to: the run dir (traversal), the socket dir and the cluster.
    for (const path of [runDir, socketDir, credentialsFile]) chownSync(path, runAs.uid, runAs.gid);
    if (statSync(dataDir).uid !== runAs.uid) chownTree(dataDir, runAs);
  }

  const durable = options.durable ?? false;
  const settings: Record<string, string> = {
    listen_addresses: LOOPBACK,
    port: String(port),
    unix_socket_directories: socketDir,
    logging_collector: "off",
    fsync: durable ? "on" : "off",
    full_page_writes: durable ? "on" : "off",
    ...options.settings,
  };
  const serverArgs = [
    `-D`,
    dataDir,
    `-p`,
    String(port),
    ...Object.entries(settings).flatMap(([k, v]) => ["-c", `${k}=${v}`]),
  ];
  const encoded = encodeURIComponent(credentials.password);
  const adminUrl = `postgresql://${credentials.user}:${encoded}@${LOOPBACK}:${port}/postgres`;
  const url = `postgresql://${credentials.user}:${encoded}@${LOOPBACK}:${port}/${database}`;

  const controls = await startRestartable({
    beforeSpawn: () => assertPortFree(port, "postgres (sql)"),
    spawn: {
      name: "postgres",
      command: join(binDir, "postgres"),
      args: serverArgs,
      logDir,
      ...(runAs ? { runAs } : {}),
      dieWithParent: options.dieWithParent ?? true,
      stopSignal: "SIGINT",
      stopGraceMs: 15_000,
    },
    ready: async (child) => {
      await waitUntil(
        `PostgreSQL on ${LOOPBACK}:${port}`,
        async () => (await query(adminUrl, "SELECT 1 AS ok"))[0]?.ok === 1,
        { process: child, ...(options.startDeadlineMs ? { deadlineMs: options.startDeadlineMs } : {}) },
      );
      const exists = await query(adminUrl, "SELECT 1 FROM pg_database WHERE datname = $1", [database]);
      if (exists.length === 0) await query(adminUrl, `CREATE DATABASE "${database}"`);
    },
  });
  return Object.assign(controls, {
    url,
    host: LOOPBACK,
    port,
    database,
    user: credentials.user,
    password: credentials.password,
    dataDir,
    runDir,
    socketDir,
    async destroy() {
      await controls.stop();
      removeTempRunDir(runDir);
    },
  });
}
