// Starts Tributary server processes (all, api, worker) as children on loopback ports, and talks to their API.
import type { ChildProcess } from 'node:child_process';
import { spawn, spawnSync } from 'node:child_process';
import { openSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { freePort, stopChild, waitFor } from './util.js';

/** The node id of every bench flow's webhook trigger (its step is left out of per-step figures). */
export const TRIGGER_NODE_ID = 'hook';

export interface ServerEnv {
  repoRoot: string;
  /** run apps/api/src/main.ts through tsx instead of the build in apps/api/dist */
  fromSource: boolean;
  databaseUrl: string;
  redisUrl: string;
  queuePrefix: string;
  apiKey: string;
  /**
   * The credentials' encryption key every process of the run shares, as an installation's api and workers
   * must (each would otherwise make its own in its data folder, and a worker could not read what the api sealed).
   */
  encryptionKey: string;
  logDir: string;
}

export interface ServerProcess {
  name: string;
  mode: 'all' | 'api' | 'worker';
  port: number;
  url: string;
  child: ChildProcess;
  pid: number;
  logFile: string;
}

/** Builds `@tributary/api` and its packages in `repoRoot` with turbo (cached): the server runs from apps/api/dist. */
export function buildServer(repoRoot: string): void {
  const build = spawnSync(
    join(repoRoot, 'node_modules', '.bin', 'turbo'),
    ['run', 'build', '--filter=@tributary/api', '--output-logs=errors-only'],
    { cwd: repoRoot, stdio: ['ignore', 2, 2] },
  );
  if (build.status !== 0) throw new Error(`the build in ${repoRoot} failed`);
}

/** Starts one process and waits (bounded) until /readyz answers 200. */
export async function startServer(
  env: ServerEnv,
  name: string,
  mode: 'all' | 'api' | 'worker',
  extraEnv: Record<string, string> = {},
  nodeArgs: string[] = [],
): Promise<ServerProcess> {
  const port = await freePort();
  const logFile = join(env.logDir, `${name}.log`);
  const out = openSync(logFile, 'a');
  // nothing from the caller's environment about Tributary leaks in: every setting is explicit
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('TRIBUTARY_') && k !== 'DATABASE_URL'),
  );
  const args = [
    ...nodeArgs,
    ...(env.fromSource
      ? ['--conditions=source', '--import', 'tsx', 'apps/api/src/main.ts', mode]
      : ['apps/api/dist/main.js', mode]),
  ];
  const child = spawn(process.execPath, args, {
    cwd: env.repoRoot,
    stdio: ['ignore', out, out],
    env: {
      ...inherited,
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: env.databaseUrl,
      REDIS_URL: env.redisUrl,
      TRIBUTARY_START_REDIS: 'false',
      TRIBUTARY_QUEUE_PREFIX: env.queuePrefix,
      TRIBUTARY_API_KEY: env.apiKey,
      TRIBUTARY_ENCRYPTION_KEY: env.encryptionKey,
      TRIBUTARY_DATA_DIR: join(env.logDir, `data-${name}`),
      LOG_LEVEL: 'warn',
      ...extraEnv,
    },
  });
  if (child.pid === undefined) throw new Error(`could not start ${name}`);
  const server: ServerProcess = {
    name,
    mode,
    port,
    url: `http://127.0.0.1:${port}`,
    child,
    pid: child.pid,
    logFile,
  };
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });
  const ready = await waitFor(
    async () => {
      if (exited) return true;
      const res = await fetch(`${server.url}/readyz`);
      await res.arrayBuffer();
      return res.status === 200;
    },
    60_000,
    100,
  );
  if (!ready || exited) {
    await stopChild(child, 2000);
    throw new Error(`${name} did not become ready; its log:\n${tail(logFile)}`);
  }
  return server;
}

export function tail(file: string, lines = 30): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/**
 * Counts log lines by pino level name (warn=40, error=50, fatal=60) and lines that are not JSON. The samples
 * go into the committed results: the log's folder (a temporary one of this machine) is written `<logs>`.
 */
export function logSummary(file: string): { warn: number; error: number; other: number; samples: string[] } {
  const out = { warn: 0, error: 0, other: 0, samples: [] as string[] };
  const sample = (line: string) => line.replaceAll(dirname(file), '<logs>').slice(0, 300);
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return out;
  }
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    let level = 0;
    try {
      level = Number((JSON.parse(line) as { level?: number }).level ?? 0);
    } catch {
      out.other++;
      if (out.samples.length < 5) out.samples.push(sample(line));
      continue;
    }
    if (level >= 50) out.error++;
    else if (level >= 40) out.warn++;
    if (level >= 40 && out.samples.length < 5) out.samples.push(sample(line));
  }
  return out;
}

/** The management API, authenticated with the owner key. */
export class Api {
  constructor(
    private readonly baseUrl: string,
    private readonly key: string,
  ) {}

  private async call(method: string, path: string, body?: unknown): Promise<unknown> {
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${this.key}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? null : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path} → ${res.status}: ${text.slice(0, 500)}`);
    return text ? JSON.parse(text) : undefined;
  }

  /** Creates and publishes a flow; returns its id. */
  async createPublished(definition: object): Promise<string> {
    const flow = (await this.call('POST', '/api/v1/flows', definition)) as { id: string };
    await this.call('POST', `/api/v1/flows/${flow.id}/publish`);
    return flow.id;
  }

  /** Creates a tracking source; returns its id and its write key (a secret: never log it). */
  async createSource(name: string): Promise<{ id: string; writeKey: string }> {
    return (await this.call('POST', '/api/v1/sources', { name })) as { id: string; writeKey: string };
  }
}

/** Trigger → set → if → set, the set reading the plan at `planPath`: the shape of the ingest and tracking flows. */
export function fourNodeShape(
  slug: string,
  trigger: { type: string; name: string; config: Record<string, unknown> },
  planPath: string,
) {
  return {
    name: `bench ${slug}`,
    slug,
    nodes: [
      { id: TRIGGER_NODE_ID, ...trigger },
      {
        id: 'tag',
        type: 'logic.set',
        name: 'Tag',
        config: { fields: { tier: `{{ ${planPath} = 'pro' ? 'gold' : 'basic' }}` } },
      },
      { id: 'check', type: 'logic.if', name: 'Is gold', config: { condition: "{{ $json.tier = 'gold' }}" } },
      { id: 'mark', type: 'logic.set', name: 'Mark', config: { fields: { handled: true } } },
    ],
    edges: [
      { id: 'e1', source: TRIGGER_NODE_ID, target: 'tag' },
      { id: 'e2', source: 'tag', target: 'check' },
      { id: 'e3', source: 'check', sourceHandle: 'true', target: 'mark' },
    ],
  };
}

/** Webhook → set → if → set: the flow of the ingest and end-to-end figures. */
export function fourNodeFlow(path: string) {
  return fourNodeShape(path, { type: 'trigger.webhook', name: 'Hook', config: { path } }, '$json.body.plan');
}

/** Webhook → 20 × set (static values: the engine's own per-step cost, not expression evaluation). */
export function chainFlow(path: string, length: number) {
  const nodes: object[] = [{ id: TRIGGER_NODE_ID, type: 'trigger.webhook', name: 'Hook', config: { path } }];
  const edges: object[] = [];
  let previous = TRIGGER_NODE_ID;
  for (let i = 1; i <= length; i++) {
    const id = `s${i}`;
    nodes.push({ id, type: 'logic.set', name: `Set ${i}`, config: { fields: { [`f${i}`]: i } } });
    edges.push({ id: `e${i}`, source: previous, target: id });
    previous = id;
  }
  return { name: `bench ${path}`, slug: path, nodes, edges };
}
