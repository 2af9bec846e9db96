// The CLI's test harness: the API in-process on a fresh test database, served on a loopback port, and the
// `tributary` command run as a child process against it (bin/tributary.js, as `npx tributary` runs it).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve } from '@hono/node-server';
import { startTestApp, type TestApp } from '@tributary/api/testing';

/** The command as npm links it. */
export const BIN = fileURLToPath(new URL('../bin/tributary.js', import.meta.url));

/** An API served on 127.0.0.1 for the CLI to talk to. */
export interface Server {
  api: TestApp;
  url: string;
  /** The owner key. */
  key: string;
  close(): Promise<void>;
}

/** Starts the API on a fresh database (the template from `inject('templateDatabase')`) and a free port. */
export async function startServer(template: string): Promise<Server> {
  const api = await startTestApp(template);
  const server = serve({ fetch: api.app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise((resolve) => server.once('listening', resolve));
  // a server listening on a TCP port has an AddressInfo address
  const { port } = server.address() as AddressInfo;
  const key = (api.auth.authorization ?? '').replace(/^Bearer /, '');
  return {
    api,
    url: `http://127.0.0.1:${port}`,
    key,
    async close() {
      await new Promise((resolve) => server.close(resolve));
      await api.close();
    },
  };
}

/** What a CLI run printed and how it ended. */
export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Options of one CLI run. */
export interface CliOptions {
  /** The server to use (TRIBUTARY_URL and TRIBUTARY_API_KEY); none when absent. */
  server?: Server;
  /** More environment (replacing the server's when it names the same variables). */
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** Written to stdin, which is then closed (stdin is never a terminal here). */
  input?: string;
}

/** A folder of its own for XDG_CONFIG_HOME, so no test reads or writes the user's profiles. */
const configHome = mkdtempSync(join(tmpdir(), 'tributary-cli-config-'));

/** Removes the harness's temporary config folder (call from afterAll). */
export function cleanUpConfig(): void {
  rmSync(configHome, { recursive: true, force: true });
}

/** The config folder the CLI runs of this file use. */
export function configFolder(): string {
  return configHome;
}

/** Runs `tributary <args>` as a child process (asynchronously: the server runs in this process). */
export function cli(args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  const env: Record<string, string | undefined> = { ...process.env };
  for (const name of [
    'TRIBUTARY_URL',
    'TRIBUTARY_API_KEY',
    'TRIBUTARY_PROFILE',
    'NO_COLOR',
    'FORCE_COLOR',
    'CI',
  ]) {
    delete env[name];
  }
  env.XDG_CONFIG_HOME = configHome;
  if (options.server) {
    env.TRIBUTARY_URL = options.server.url;
    env.TRIBUTARY_API_KEY = options.server.key;
  }
  Object.assign(env, options.env);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: options.cwd,
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.input ?? '');
  });
}
