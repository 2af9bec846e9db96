// Builds everything, creates a fresh database, starts the all-in-one server, and undoes it all afterwards.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import postgres from 'postgres';
import { waitUntil } from './wait';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../../..');
const adminUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

async function sql(statement: string): Promise<void> {
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(statement);
  } finally {
    await admin.end();
  }
}

async function removeQueueKeys(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

function stop(server: ChildProcess): Promise<void> {
  return new Promise((done) => {
    if (server.exitCode !== null || server.signalCode !== null) return done();
    const kill = setTimeout(() => server.kill('SIGKILL'), 10_000);
    server.once('exit', () => {
      clearTimeout(kill);
      done();
    });
    server.kill('SIGTERM');
  });
}

export default async function globalSetup(): Promise<() => Promise<void>> {
  if (process.env.TRIBUTARY_E2E_SKIP_BUILD !== '1') {
    execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
  }
  const port = process.env.TRIBUTARY_E2E_PORT ?? '41000';
  const database = `tributary_e2e_${randomBytes(5).toString('hex')}`;
  await sql(`create database "${database}"`);
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  // workers inherit it: specs that must change what no API may (a session's expiry) reach the database
  process.env.TRIBUTARY_E2E_DATABASE_URL = url.toString();

  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const queuePrefix = `e2e-${database}`;
  const logDir = join(root, 'node_modules', '.cache', 'editor-e2e');
  mkdirSync(logDir, { recursive: true });
  const logPath = join(logDir, 'server.log');
  const log = createWriteStream(logPath);
  const server = spawn(process.execPath, ['apps/api/dist/main.js'], {
    cwd: root,
    env: {
      ...process.env,
      PORT: port,
      HOST: '127.0.0.1',
      DATABASE_URL: url.toString(),
      REDIS_URL: redisUrl,
      TRIBUTARY_START_REDIS: 'false',
      TRIBUTARY_QUEUE_PREFIX: queuePrefix,
      TRIBUTARY_API_KEY: process.env.TRIBUTARY_E2E_KEY,
      TRIBUTARY_HTTP_ALLOW: '127.0.0.1',
      TRIBUTARY_SWEEP_INTERVAL_MS: '1000',
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  server.stdout?.pipe(log);
  server.stderr?.pipe(log);

  const teardown = async () => {
    await stop(server);
    log.end();
    await sql(`drop database if exists "${database}" with (force)`);
    await removeQueueKeys(redisUrl, queuePrefix);
  };

  try {
    await waitUntil('the server to be ready', 60_000, async () => {
      if (server.exitCode !== null) {
        throw new Error(
          `the server exited (${server.exitCode}):\n${readFileSync(logPath, 'utf8').slice(-3000)}`,
        );
      }
      try {
        const res = await fetch(`http://127.0.0.1:${port}/readyz`);
        return res.ok;
      } catch {
        // not listening yet
        return false;
      }
    });
  } catch (err) {
    await teardown();
    throw err;
  }
  return teardown;
}
