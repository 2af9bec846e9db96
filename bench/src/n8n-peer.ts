// The n8n peer: phase a's flow shape as an n8n workflow (Webhook → Set → If → Set), imported and activated
// with n8n's own CLI into a temporary user folder (SQLite, pool of 4), loaded like phase a; its finished
// executions, read from its SQLite file, give an end-to-end figure as Tributary's runs do.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, openSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { PeerPackage } from './peer-install.js';
import type { PeerContext, PeerEndToEnd, PeerProcess, PeerResult } from './peers.js';
import { answers2xx, loadPeer, startPeer, stopPeer } from './peers.js';
import { tail } from './server.js';
import { cpuMsOf, freePort, round, sleep, stopChild } from './util.js';

export const N8N: PeerPackage = {
  name: 'n8n',
  version: '1.123.50',
  // its xlsx dependency points at a CDN tarball; the registry's 0.18.5 installs everywhere
  // sqlite3's prebuilt binary cannot be fetched here: its install script builds the addon from source
  manifest: { overrides: { xlsx: '0.18.5' }, allowScripts: { sqlite3: true } },
  timeoutMs: 20 * 60_000,
};

const HOOK_PATH = 'peer';
const WORKFLOW_ID = 'tribbenchpeer001';

/**
 * Webhook → set → if → set, as phase a's flow: the webhook answers at once (as Tributary's does once the
 * event is stored), Set computes `tier` from `body.plan` with an expression, If tests it, Set marks it.
 */
export function n8nWorkflow(): object {
  const set = (field: string, value: unknown, type: string) => ({
    mode: 'manual',
    assignments: { assignments: [{ id: `${field}-1`, name: field, value, type }] },
    includeOtherFields: true,
    options: {},
  });
  return {
    id: WORKFLOW_ID,
    name: 'bench peer',
    active: false,
    settings: { executionOrder: 'v1' },
    nodes: [
      {
        id: 'hook',
        name: 'Hook',
        type: 'n8n-nodes-base.webhook',
        typeVersion: 2,
        position: [0, 0],
        webhookId: 'b3a1c2d4-0000-4000-8000-000000000001',
        parameters: {
          httpMethod: 'POST',
          path: HOOK_PATH,
          responseMode: 'onReceived',
          options: { responseCode: { values: { responseCode: 'customCode', customCode: 202 } } },
        },
      },
      {
        id: 'tag',
        name: 'Tag',
        type: 'n8n-nodes-base.set',
        typeVersion: 3.4,
        position: [200, 0],
        parameters: set('tier', "={{ $json.body.plan === 'pro' ? 'gold' : 'basic' }}", 'string'),
      },
      {
        id: 'check',
        name: 'Is gold',
        type: 'n8n-nodes-base.if',
        typeVersion: 2.2,
        position: [400, 0],
        parameters: {
          conditions: {
            options: { caseSensitive: true, leftValue: '', typeValidation: 'strict', version: 2 },
            conditions: [
              {
                id: 'tier-gold',
                leftValue: '={{ $json.tier }}',
                rightValue: 'gold',
                operator: { type: 'string', operation: 'equals' },
              },
            ],
            combinator: 'and',
          },
          options: {},
        },
      },
      {
        id: 'mark',
        name: 'Mark',
        type: 'n8n-nodes-base.set',
        typeVersion: 3.4,
        position: [600, 0],
        parameters: set('handled', true, 'boolean'),
      },
    ],
    connections: {
      Hook: { main: [[{ node: 'Tag', type: 'main', index: 0 }]] },
      Tag: { main: [[{ node: 'Is gold', type: 'main', index: 0 }]] },
      'Is gold': { main: [[{ node: 'Mark', type: 'main', index: 0 }], []] },
    },
  };
}

/** n8n's settings: SQLite with a pool of 4 (WAL), loopback only, nothing fetched or reported, warnings only. */
function n8nEnv(userDir: string, port: number): Record<string, string | undefined> {
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('N8N_') && !k.startsWith('DB_')),
  );
  return {
    ...inherited,
    N8N_USER_FOLDER: userDir,
    DB_TYPE: 'sqlite',
    DB_SQLITE_POOL_SIZE: '4',
    N8N_PORT: String(port),
    N8N_LISTEN_ADDRESS: '127.0.0.1',
    N8N_HOST: '127.0.0.1',
    N8N_PROTOCOL: 'http',
    N8N_ENCRYPTION_KEY: randomBytes(24).toString('hex'),
    N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS: 'true',
    N8N_LOG_LEVEL: 'warn',
    N8N_DIAGNOSTICS_ENABLED: 'false',
    N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
    N8N_TEMPLATES_ENABLED: 'false',
    N8N_PERSONALIZATION_ENABLED: 'false',
    N8N_HIRING_BANNER_ENABLED: 'false',
    N8N_DYNAMIC_BANNERS_ENABLED: 'false',
    N8N_LICENSE_AUTO_RENEW_ENABLED: 'false',
    N8N_COMMUNITY_PACKAGES_ENABLED: 'false',
    // every execution is kept (n8n's default) and none pruned while the bench counts them
    EXECUTIONS_DATA_SAVE_ON_SUCCESS: 'all',
    EXECUTIONS_DATA_PRUNE: 'false',
  };
}

/** Runs one n8n CLI command to its end, bounded; throws with the end of its log if it fails. */
async function n8nCli(
  bin: string,
  args: string[],
  env: Record<string, string | undefined>,
  cwd: string,
  logFile: string,
  timeoutMs: number,
): Promise<void> {
  const out = openSync(logFile, 'a');
  const child = spawn(process.execPath, [bin, ...args], { cwd, env, stdio: ['ignore', out, out] });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    void stopChild(child, 5000);
  }, timeoutMs);
  const code = await new Promise<number | null>((resolve) => {
    child.once('error', () => resolve(null));
    child.once('exit', (c) => resolve(c));
  });
  clearTimeout(timer);
  if (code !== 0 || timedOut) {
    throw new Error(
      `n8n ${args[0]} ${timedOut ? `took more than ${timeoutMs / 1000} s` : `exited with ${code}`}; the end of ${logFile}:\n${tail(logFile)}`,
    );
  }
}

/** The part of the sqlite3 package (n8n's own copy) the bench uses to read n8n's executions. */
interface Sqlite3Module {
  OPEN_READONLY: number;
  Database: new (file: string, mode: number, callback: (err: Error | null) => void) => SqliteDatabase;
}
interface SqliteDatabase {
  all(sql: string, params: unknown[], callback: (err: Error | null, rows: unknown[]) => void): void;
  close(callback: (err: Error | null) => void): void;
}

/** Read-only queries on n8n's SQLite file, through the sqlite3 package n8n itself installed. */
class ExecutionReader {
  private constructor(private readonly db: SqliteDatabase) {}

  static async open(prefix: string, file: string): Promise<ExecutionReader> {
    // the module has no types of its own here; the interface above is what the bench calls of it
    const sqlite3 = createRequire(join(prefix, 'package.json'))('sqlite3') as Sqlite3Module;
    const db = await new Promise<SqliteDatabase>((resolve, reject) => {
      const opened: SqliteDatabase = new sqlite3.Database(file, sqlite3.OPEN_READONLY, (err) =>
        err ? reject(err) : resolve(opened),
      );
    });
    return new ExecutionReader(db);
  }

  private row(sql: string, params: unknown[] = []): Promise<Record<string, number | null>> {
    return new Promise((resolve, reject) =>
      this.db.all(sql, params, (err, rows) =>
        // one aggregate row of numbers, as the queries below select
        err ? reject(err) : resolve((rows[0] ?? {}) as Record<string, number | null>),
      ),
    );
  }

  /** The highest execution id so far and how many executions are not finished. */
  async state(afterId = 0): Promise<{ maxId: number; total: number; open: number }> {
    const r = await this.row(
      `select coalesce(max(id), 0) as maxId, count(*) as total,
              sum(case when status in ('new', 'running', 'waiting') then 1 else 0 end) as open
         from execution_entity where id > ?`,
      [afterId],
    );
    return { maxId: r.maxId ?? 0, total: r.total ?? 0, open: r.open ?? 0 };
  }

  /** Succeeded executions after `afterId` and the seconds from the first start to the last stop. */
  async finished(afterId: number): Promise<{ succeeded: number; spanSeconds: number }> {
    const r = await this.row(
      `select sum(case when status = 'success' then 1 else 0 end) as succeeded,
              (julianday(max(stoppedAt)) - julianday(min(startedAt))) * 86400 as spanSeconds
         from execution_entity where id > ?`,
      [afterId],
    );
    return { succeeded: r.succeeded ?? 0, spanSeconds: r.spanSeconds ?? Number.NaN };
  }

  /** Waits (bounded) until at least `atLeast` executions after `afterId` exist and none is still open. */
  async waitSettled(afterId: number, atLeast: number, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const s = await this.state(afterId);
      if (s.total >= atLeast && s.open === 0) return true;
      await sleep(200);
    }
    return false;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.db.close(() => resolve()));
  }
}

/** Imports and activates the workflow, starts n8n on a free loopback port, loads it like phase a, stops it. */
export async function n8nPeer(
  prefix: string,
  packageDir: string,
  installSeconds: number,
  ctx: PeerContext,
  drainTimeoutSeconds: number,
): Promise<PeerResult> {
  const userDir = mkdtempSync(join(ctx.logDir, 'n8n-'));
  const port = await freePort();
  const env = n8nEnv(userDir, port);
  const bin = join(packageDir, 'bin', 'n8n');
  const logFile = join(ctx.logDir, 'n8n.log');
  const workflowFile = join(userDir, 'workflow.json');
  writeFileSync(workflowFile, `${JSON.stringify(n8nWorkflow(), null, 2)}\n`);
  ctx.log(`n8n ${N8N.version}: creating its database and importing the workflow (user folder ${userDir})`);
  await n8nCli(bin, ['import:workflow', `--input=${workflowFile}`], env, userDir, logFile, 180_000);
  await n8nCli(
    bin,
    ['update:workflow', `--id=${WORKFLOW_ID}`, '--active=true'],
    env,
    userDir,
    logFile,
    120_000,
  );
  const url = `http://127.0.0.1:${port}/webhook/${HOOK_PATH}`;
  ctx.log(`n8n ${N8N.version}: starting on 127.0.0.1:${port}`);
  // the import created the database: it can be read before n8n starts
  const reader = await ExecutionReader.open(prefix, join(userDir, '.n8n', 'database.sqlite'));
  try {
    const peer = await startPeer(
      {
        name: 'n8n',
        args: [bin, 'start'],
        cwd: userDir,
        env,
        logFile,
        // ready once a probe has been answered 2xx and an execution has succeeded: a 2xx alone was once
        // followed by nothing but 404s (the webhook not registered), so the bench asks n8n's store too
        ready: async () => (await answers2xx(url)) && (await reader.finished(0)).succeeded > 0,
        timeoutMs: 180_000,
      },
      ctx,
    );
    try {
      return await measure(peer, url, reader, installSeconds, ctx, drainTimeoutSeconds * 1000);
    } finally {
      await stopPeer(peer, ctx);
    }
  } finally {
    await reader.close();
  }
}

/** The load, then the wait for its executions: 2xx answers, and executions that succeeded. */
async function measure(
  peer: PeerProcess,
  url: string,
  reader: ExecutionReader,
  installSeconds: number,
  ctx: PeerContext,
  drainMs: number,
): Promise<PeerResult> {
  const measured = await loadPeer(peer, url, ctx, async (warmupOk) => {
    // the warm-up's executions (and the readiness probes') finish before the measured load starts
    await reader.waitSettled(0, warmupOk, drainMs);
    return (await reader.state()).maxId;
  });
  const baseId = measured.beforeLoad ?? 0;
  ctx.log(`n8n: waiting for the executions of ${measured.load.ok} accepted requests`);
  const drained = await reader.waitSettled(baseId, measured.load.ok, drainMs);
  const cpuMs = (cpuMsOf(peer.pid) ?? Number.NaN) - measured.cpuMsAtLoadStart;
  const done = await reader.finished(baseId);
  const endToEnd: PeerEndToEnd = {
    runs: done.succeeded,
    runsPerSecond: round(done.succeeded / done.spanSeconds, 1),
    drained,
    cpuUsPerRun: round((cpuMs * 1000) / Math.max(1, done.succeeded)),
  };
  ctx.log(
    `n8n: ${endToEnd.runs} executions succeeded, ${endToEnd.runsPerSecond}/s${drained ? '' : ' (NOT DRAINED)'}`,
  );
  return {
    name: 'n8n',
    key: 'N8n',
    version: N8N.version,
    flow: 'Webhook (POST, answers at once, 202) → Set (expression) → If → Set',
    history: 'every execution with its data, in SQLite',
    installSeconds,
    startSeconds: peer.startSeconds,
    warmup: measured.warmup,
    load: measured.load,
    cpuUsPerOk: measured.cpuUsPerOk,
    idleRssBytes: measured.idleRssBytes,
    peakRssBytes: ctx.sampler.peak(peer.name) ?? Number.NaN,
    endToEnd,
  };
}
