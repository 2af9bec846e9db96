// The CLI installed on its own: `npm pack` (prepack bundles it into one file), the tarball installed offline
// into an empty folder outside the repository — it has no dependencies to fetch — and that `tributary` used
// against a real server, with the same validation messages as in the repository.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { simple } from './flows.js';
import { cleanUpConfig, cli, type Server, startServer } from './harness.js';

const run = promisify(execFile);
const cliDir = fileURLToPath(new URL('..', import.meta.url));
let server: Server;
let work: string;
let bin: string;

beforeAll(async () => {
  server = await startServer(inject('templateDatabase'));
  work = mkdtempSync(join(tmpdir(), 'tributary-standalone-'));
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', work], {
    cwd: cliDir,
    timeout: 120_000,
  });
  const [packed] = JSON.parse(stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
  if (!packed) throw new Error('npm pack made no tarball');
  // the package holds the command and the bundle, no sources
  expect(packed.files.map((f) => f.path).sort()).toEqual(
    expect.arrayContaining(['bin/tributary.js', 'dist/tributary.mjs', 'package.json']),
  );
  expect(packed.files.some((f) => f.path.startsWith('src/'))).toBe(false);
  const project = join(work, 'project');
  await run('mkdir', ['-p', project]);
  writeFileSync(join(project, 'package.json'), '{"name":"ci-project","private":true}\n');
  await run(
    'npm',
    ['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts', join(work, packed.filename)],
    { cwd: project, timeout: 120_000 },
  );
  bin = join(project, 'node_modules', '@tributary', 'cli', 'bin', 'tributary.js');
}, 240_000);

afterAll(async () => {
  await server?.close();
  cleanUpConfig();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('the packed CLI', () => {
  test('installs with no dependencies and runs from the bundle', async () => {
    const installed = join(work, 'project', 'node_modules', '@tributary', 'cli');
    const manifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    expect(manifest.dependencies ?? {}).toEqual({});
    expect(existsSync(join(installed, 'src'))).toBe(false);
    const { stdout } = await run(process.execPath, [bin, '--version']);
    expect(stdout.trim()).toBe(JSON.parse(readFileSync(join(cliDir, 'package.json'), 'utf8')).version);
  });

  test('deploys a flow file to a server and refuses a bad one with the same message as in the repository', async () => {
    const dir = mkdtempSync(join(work, 'flows-'));
    writeFileSync(join(dir, 'simple.json'), JSON.stringify(simple('standalone-simple')));
    const env = { ...process.env, TRIBUTARY_URL: server.url, TRIBUTARY_API_KEY: server.key, NO_COLOR: '1' };
    const { stdout } = await run(process.execPath, [bin, 'deploy', dir, '--json'], { env, cwd: work });
    expect(JSON.parse(stdout)).toMatchObject({
      flows: [expect.objectContaining({ slug: 'standalone-simple' })],
    });

    const broken = {
      ...simple('standalone-broken'),
      edges: [{ id: 'e1', source: 'start', target: 'nowhere' }],
    };
    writeFileSync(join(dir, 'broken.json'), JSON.stringify(broken));
    const refused = await run(process.execPath, [bin, 'deploy', join(dir, 'broken.json')], {
      env,
      cwd: work,
    }).then(
      () => undefined,
      (err: { code: number; stderr: string }) => err,
    );
    expect(refused?.code).toBe(1);
    const inRepo = await cli(['deploy', join(dir, 'broken.json')], { server, cwd: work });
    expect(inRepo.code).toBe(1);
    expect(refused?.stderr).toBe(inRepo.stderr);
    expect(refused?.stderr).toContain('broken.json');
  });
});
