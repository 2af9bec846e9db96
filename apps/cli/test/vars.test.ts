// tributary vars list|set|unset, and deploy's variable checks, as processes against a real server on loopback:
// set creates then changes, list shows the flows reading each, unset is refused while a flow reads it unless
// --force; a flow file reading a variable the instance lacks, or reading $vars where no step sees it, fails
// deploy (exit 1, naming the file and the JSON path) before anything changes.
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { type FlowDoc, simple, writeFlows } from './flows.js';
import { cleanUpConfig, cli, type Server, startServer } from './harness.js';

let server: Server;

beforeAll(async () => {
  server = await startServer(inject('templateDatabase'));
});

afterAll(async () => {
  await server?.close();
  cleanUpConfig();
});

/** A manual flow whose set node reads `$vars.<name>`. */
function reader(slug: string, name: string): FlowDoc {
  const flow = simple(slug);
  const set = flow.nodes[1];
  if (set) set.config = { fields: { endpoint: `{{ $vars.${name} & "/orders" }}` } };
  return flow;
}

async function flowSlugs(): Promise<string[]> {
  const res = await server.api.call('GET', '/api/v1/flows');
  return ((await res.json()) as { items: Array<{ slug: string }> }).items.map((f) => f.slug);
}

describe('tributary vars', () => {
  test('set creates then changes a variable and says which; list shows it (--json and table)', async () => {
    const made = await cli(
      ['vars', 'set', 'CRM_URL', 'https://crm.staging.example', '--description', 'CRM base'],
      {
        server,
      },
    );
    expect(made.code, made.stderr).toBe(0);
    expect(made.stdout).toContain('created CRM_URL');
    const changed = await cli(['vars', 'set', 'CRM_URL', 'https://crm.example', '--json'], { server });
    expect(changed.code).toBe(0);
    expect(JSON.parse(changed.stdout)).toMatchObject({
      name: 'CRM_URL',
      value: 'https://crm.example',
      description: 'CRM base',
      result: 'changed',
    });
    const same = await cli(['vars', 'set', 'CRM_URL', 'https://crm.example'], { server });
    expect(same.stdout).toContain('unchanged CRM_URL');
    const listed = await cli(['vars', 'list', '--json'], { server });
    const { items } = JSON.parse(listed.stdout) as { items: Array<{ name: string; value: string }> };
    expect(items).toContainEqual(expect.objectContaining({ name: 'CRM_URL', value: 'https://crm.example' }));
    const table = await cli(['vars', 'list'], { server });
    expect(table.stdout).toMatch(/CRM_URL\s+https:\/\/crm\.example/);
  });

  test('a bad name is the API’s 422, printed with exit 1; a $-prefixed name is a usage error (exit 2)', async () => {
    const bad = await cli(['vars', 'set', 'MY-VAR', 'x'], { server });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('cannot be a variable name');
    const prefixed = await cli(['vars', 'set', '$vars.X', 'x'], { server });
    expect(prefixed.code).toBe(2);
    expect(prefixed.stderr).toContain('without "$vars."');
  });

  test('deploy refuses a file reading a missing variable before anything changes; after vars set it deploys', async () => {
    const dir = writeFlows({
      'orders.json': reader('orders-sync', 'ORDERS_API'),
      'other.json': simple('other-flow'),
    });
    const before = await flowSlugs();
    const refused = await cli(['deploy', dir], { server });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('orders.json');
    expect(refused.stderr).toContain('nodes[1].config.fields.endpoint');
    expect(refused.stderr).toContain('tributary vars set ORDERS_API');
    // nothing changed, not even the other, valid file
    expect(await flowSlugs()).toEqual(before);

    expect((await cli(['vars', 'set', 'ORDERS_API', 'https://orders.example'], { server })).code).toBe(0);
    const deployed = await cli(['deploy', dir], { server });
    expect(deployed.code, deployed.stderr).toBe(0);
    expect(await flowSlugs()).toEqual(expect.arrayContaining(['orders-sync', 'other-flow']));

    // now a flow reads it: unset is refused, naming the flow, unless --force
    const listed = JSON.parse((await cli(['vars', 'list', '--json'], { server })).stdout) as {
      items: Array<{ name: string; usedBy: Array<{ slug: string }> }>;
    };
    expect(listed.items.find((v) => v.name === 'ORDERS_API')?.usedBy.map((f) => f.slug)).toEqual([
      'orders-sync',
    ]);
    const refusedUnset = await cli(['vars', 'unset', 'ORDERS_API'], { server });
    expect(refusedUnset.code).toBe(1);
    expect(refusedUnset.stderr).toContain('orders-sync');
    const forced = await cli(['vars', 'unset', 'ORDERS_API', '--force'], { server });
    expect(forced.code).toBe(0);
    expect(forced.stdout).toContain('deleted ORDERS_API');
  });

  test('deploy refuses $vars in a trigger or the settings (no step would read them), naming the path', async () => {
    const inSettings = { ...simple('keyed-by-var'), settings: { partitionKey: '{{ $vars.KEY }}' } };
    const dir = writeFlows({ 'keyed.json': inSettings });
    const before = await flowSlugs();
    const refused = await cli(['deploy', dir], { server });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('keyed.json');
    expect(refused.stderr).toContain('cannot read $vars');
    expect(await flowSlugs()).toEqual(before);
  });
});
