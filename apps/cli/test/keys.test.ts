// tributary keys create|list|revoke as a process against a real server on loopback: the key shown once works
// within its scopes, lists never show it, revoked keys stop, bad input is a usage error (exit 2).
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { simple, writeFlows } from './flows.js';
import { cleanUpConfig, cli, type Server, startServer } from './harness.js';

let server: Server;

beforeAll(async () => {
  server = await startServer(inject('templateDatabase'));
});

afterAll(async () => {
  await server?.close();
  cleanUpConfig();
});

interface Made {
  id: string;
  key: string;
  scopes: string[];
  expiresAt: string | null;
}

async function create(args: string[]): Promise<Made> {
  const answer = await cli(['keys', 'create', ...args, '--json'], { server });
  expect(answer.code, answer.stderr).toBe(0);
  return JSON.parse(answer.stdout) as Made;
}

describe('tributary keys', () => {
  test('create prints the key once (--json); it works within its scopes only', async () => {
    const made = await create([
      'ci reader',
      '--scope',
      'flows:read',
      '--scope',
      'runs:read',
      '--expires',
      '30d',
    ]);
    expect(made.key).toMatch(/^trb_/);
    expect(made.scopes).toEqual(['flows:read', 'runs:read']);
    expect(Date.parse(made.expiresAt ?? '')).toBeGreaterThan(Date.now() + 29 * 86_400_000);
    const withKey = { env: { TRIBUTARY_URL: server.url, TRIBUTARY_API_KEY: made.key } };
    expect((await cli(['runs', 'list', '--json'], withKey)).code).toBe(0);
    const denied = await cli(['credentials', 'list'], withKey);
    expect(denied.code).toBe(1);
    expect(denied.stderr).toContain('credentials:read');
  });

  test('create in text mode shows the key and warns that it is shown only once', async () => {
    const answer = await cli(['keys', 'create', 'text', '--scope', 'flows:read'], { server });
    expect(answer.code).toBe(0);
    expect(answer.stdout).toMatch(/key\s+trb_[\w-]{43}/);
    expect(answer.stderr).toContain('shown only this once');
  });

  test('list shows prefix and scopes, never a key; revoke stops the key', async () => {
    const made = await create(['to revoke', '--scope', 'flows:read']);
    const listed = await cli(['keys', 'list', '--json'], { server });
    expect(listed.code).toBe(0);
    const { items } = JSON.parse(listed.stdout) as {
      items: Array<{ id: string; prefix: string; scopes: string[] }>;
    };
    expect(items.find((k) => k.id === made.id)).toMatchObject({
      prefix: made.key.slice(0, 12),
      scopes: ['flows:read'],
    });
    expect(listed.stdout).not.toContain(made.key);
    const table = await cli(['keys', 'list'], { server });
    expect(table.stdout).toContain('to revoke');
    expect(table.stdout).toContain(made.key.slice(0, 12));

    const revoked = await cli(['keys', 'revoke', made.id], { server });
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toContain(`revoked ${made.id}`);
    const after = await cli(['runs', 'list'], {
      env: { TRIBUTARY_URL: server.url, TRIBUTARY_API_KEY: made.key },
    });
    expect(after.code).toBe(1);
    expect(after.stderr).toContain('401');
  });

  test('an unknown scope, no scope or an expiry in the past are usage errors (exit 2); nothing is made', async () => {
    const before = (
      JSON.parse((await cli(['keys', 'list', '--json'], { server })).stdout) as { items: unknown[] }
    ).items.length;
    expect((await cli(['keys', 'create', 'x', '--scope', 'root'], { server })).code).toBe(2);
    expect((await cli(['keys', 'create', 'x'], { server })).code).toBe(2);
    const past = await cli(['keys', 'create', 'x', '--scope', 'flows:read', '--expires', '2001-01-01'], {
      server,
    });
    expect(past.code).toBe(2);
    expect(past.stderr).toContain('in the past');
    const after = (
      JSON.parse((await cli(['keys', 'list', '--json'], { server })).stdout) as { items: unknown[] }
    ).items.length;
    expect(after).toBe(before);
  });

  test("CI's keys: a read-only key checks a deploy (dry run) but cannot deploy; a deploy key can", async () => {
    const check = await create(['ci check', '--scope', 'flows:read', '--scope', 'credentials:read']);
    const deployer = await create([
      'ci deploy',
      '--scope',
      'flows:read',
      '--scope',
      'flows:write',
      '--scope',
      'credentials:read',
    ]);
    const dir = writeFlows({ 'keyed.json': simple('keyed-deploy') });
    const as = (key: string) => ({ env: { TRIBUTARY_URL: server.url, TRIBUTARY_API_KEY: key } });
    expect((await cli(['deploy', dir, '--dry-run'], as(check.key))).code).toBe(0);
    const refused = await cli(['deploy', dir], as(check.key));
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('flows:write');
    const deployed = await cli(['deploy', dir], as(deployer.key));
    expect(deployed.code, deployed.stderr).toBe(0);
  });

  test('revoking an unknown key fails with exit 1', async () => {
    const answer = await cli(['keys', 'revoke', '01937a4e-6f1a-7c3b-9a2e-1b2c3d4e5f60'], { server });
    expect(answer.code).toBe(1);
    expect(answer.stderr).toContain('404');
  });
});
